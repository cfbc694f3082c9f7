"End-to-end checks of the `imgclf` command, run in a subprocess as a user would run it."
import json, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT/'data'/'fashion_tiny'
IMGCLF = Path(sys.executable).parent/'imgclf'

def run(*args):
    return subprocess.run([str(IMGCLF), *map(str, args)], capture_output=True, text=True, timeout=600)

def test_help_lists_train():
    r = run('--help')
    assert r.returncode == 0 and 'train' in r.stdout

def test_train_writes_run_folder(tmp_path):
    out = tmp_path/'run'
    r = run('train', TINY, '--out', out, '--epochs', '3')
    assert r.returncode == 0, r.stderr
    assert {'metrics.json', 'history.csv', 'confusion_matrix.png', 'model', 'report.html', 'per_class.csv', 'roc.png'} <= {o.name for o in out.iterdir()}
    m = json.loads((out/'metrics.json').read_text())
    keys = 'accuracy error_rate valid_loss test_accuracy train_seconds epochs arch n_train n_valid n_test vocab dataset'.split()
    assert set(keys) <= set(m)
    assert (m['n_train'], m['n_valid'], m['n_test'], m['epochs']) == (500, 200, 200, 3)
    assert 0.1 < m['test_accuracy'] <= 1 and len(m['vocab']) == 10
    assert len((out/'history.csv').read_text().strip().splitlines()) == 4  # header + one row per epoch
    assert (out/'model'/'weights.safetensors').stat().st_size > 10_000

def test_log_output_has_one_line_per_epoch(tmp_path):
    "Output to a file or pipe must stay readable: no carriage-return progress bars."
    r = run('train', TINY, '--out', tmp_path/'run', '--epochs', '2')
    assert r.returncode == 0, r.stderr
    assert '\r' not in r.stdout + r.stderr
    assert [l.split()[1] for l in r.stdout.splitlines() if l.startswith('epoch ')] == ['1/2', '2/2']

def test_missing_folder_is_one_clear_line(tmp_path):
    r = run('train', tmp_path/'nope')
    assert r.returncode == 1
    assert 'No such folder' in r.stderr and 'Traceback' not in r.stderr

def test_single_class_folder_is_refused(tmp_path):
    shutil.copytree(TINY/'train'/'bag', tmp_path/'ds'/'bag')
    r = run('train', tmp_path/'ds')
    assert r.returncode == 1 and 'only one label' in r.stderr and 'Traceback' not in r.stderr

def test_fast_mode_on_photos(tmp_path):
    "Pretrained EfficientNet-Lite0 from its offline package, head trained on cached features."
    out = tmp_path/'run'
    r = run('train', TINY, '--out', out, '--arch', 'efficientnet_lite0', '--size', '32', '--fast')
    assert r.returncode == 0, r.stderr
    m = json.loads((out/'metrics.json').read_text())
    assert m['fast'] and m['arch'] == 'efficientnet_lite0' and m['test_accuracy'] > 0.3
    assert (out/'model'/'imgclf.json').exists()

def test_unknown_arch_is_one_clear_line(tmp_path):
    r = run('train', TINY, '--out', tmp_path/'run', '--arch', 'no_such_net', '--epochs', '1')
    assert r.returncode == 1 and 'no_such_net' in r.stderr and 'Traceback' not in r.stderr

def test_missing_pretrained_weights_offline_is_one_clear_line(tmp_path):
    "Offline, with an empty torch hub cache: no minute of retries, no traceback, and the way out is named."
    import os, pytest
    from imgclf.models import online
    if online(): pytest.skip('weights can be downloaded here')
    env = {**os.environ, 'TORCH_HOME': str(tmp_path/'torch')}
    r = subprocess.run([str(IMGCLF), 'train', str(TINY), '--out', str(tmp_path/'run'), '--arch', 'resnet18', '--epochs', '1'],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 1 and 'Traceback' not in r.stderr
    assert 'No pretrained weights' in r.stderr and 'efficientnet_lite0' in r.stderr

def test_predict_and_onnx_export(tmp_path):
    "predict prints a line per image and survives bad files; the ONNX export agrees with it"
    out = tmp_path/'run'
    assert run('train', TINY, '--out', out, '--epochs', '1').returncode == 0
    imgs = tmp_path/'imgs'; shutil.copytree(TINY/'test'/'bag', imgs)
    (imgs/'broken.png').write_bytes(b'not a png')
    r = run('predict', out/'model', imgs, '--csv', tmp_path/'p.csv', '--topk', '2')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 21 and sum('\terror\t' in l for l in lines) == 1
    assert len((tmp_path/'p.csv').read_text().strip().splitlines()) == 22  # header + 21 rows
    r = run('export', out/'model', '--onnx', tmp_path/'m.onnx')
    assert r.returncode == 0, r.stderr
    import numpy as np, onnxruntime as ort
    from PIL import Image
    probs = ort.InferenceSession(str(tmp_path/'m.onnx')).run(None, {'image': np.array(Image.open(imgs/'00018.png'))[None,None]})[0]
    line = next(l for l in lines if l.startswith(str(imgs/'00018.png')))
    assert abs(float(probs.max()) - float(line.split('\t')[2])) < 1e-3  # same confidence as `imgclf predict`
    r = run('predict', out/'model', tmp_path/'nope.jpg')
    assert r.returncode == 1 and 'No such file' in r.stderr and 'Traceback' not in r.stderr

def test_evaluate_writes_report_and_refuses_unknown_labels(tmp_path):
    out = tmp_path/'run'
    assert run('train', TINY, '--out', out, '--epochs', '1').returncode == 0
    r = run('evaluate', out/'model', TINY, '--out', tmp_path/'ev')
    assert r.returncode == 0, r.stderr
    assert '\r' not in r.stdout + r.stderr # no progress bars redrawn into a log
    m = json.loads((tmp_path/'ev'/'metrics.json').read_text())
    trained = json.loads((out/'metrics.json').read_text())
    assert set(trained) - {'fast', 'seed', 'seconds_per_step', 'skipped_files'} <= set(m)  # the training run's keys
    assert m['n_test'] == 200 and 0 < m['test_accuracy'] <= 1 and (tmp_path/'ev'/'report.html').exists()
    shutil.copytree(TINY/'test'/'bag', tmp_path/'odd'/'handbag')
    r = run('evaluate', out/'model', tmp_path/'odd')
    assert r.returncode == 1 and 'handbag' in r.stderr and 'Traceback' not in r.stderr
