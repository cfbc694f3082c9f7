"Never lose a user's file (issue 41): each clause of the contract, through the commands, in real folders."
import json, os, shutil, signal, stat, subprocess, sys, time
from pathlib import Path
import pandas as pd, pytest
from PIL import Image
from corpus import snapshot
from imgclf.data import fashion_tiny

TINY = fashion_tiny()
IMGCLF = Path(sys.executable).parent/'imgclf'

from cli import run as imgclf # `imgclf ARGS` in a process of its own, forked from one that has its imports done

def one_clear_line(r):
    "A user error: exit code 1, one line, no traceback"
    return r.returncode == 1 and 'Traceback' not in r.stderr and r.stderr.strip().count('\n') == 0

def users_folder(d:Path)->Path:
    "A folder of someone's own: notes, a photo, a sub-folder, a link"
    (d/'holiday').mkdir(parents=True)
    (d/'notes.txt').write_text('my notes')
    Image.new('RGB', (32, 24), 'teal').save(d/'holiday'/'beach.jpg')
    (d/'metrics.json').write_text('{"mine": true}') # a name imgclf also writes
    os.symlink('notes.txt', d/'link_to_notes')
    return d

def small_set(d:Path, per_label=24)->Path:
    "A folder-per-label dataset with no valid/ folder (so the split is random): a copy of part of fashion_tiny's train/"
    for lbl in ('bag', 'sneaker', 'coat'):
        (d/lbl).mkdir(parents=True)
        for f in sorted((TINY/'train'/lbl).iterdir())[:per_label]: shutil.copy(f, d/lbl/f.name)
    return d

@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A finished one-epoch run (its folder) on a small dataset"
    root = tmp_path_factory.mktemp('trained')
    out = root/'run'
    r = imgclf('train', small_set(root/'data'), '--out', out, '--epochs', '1', '--size', '16')
    assert r.returncode == 0, r.stderr
    return out

@pytest.mark.parametrize('cmd', ['train', 'evaluate', 'app'])
def test_a_users_folder_is_refused_and_kept_byte_for_byte(trained, tmp_path, cmd):
    d = users_folder(tmp_path/'mine')
    before = snapshot(d)
    args = dict(train=('train', trained.parent/'data', '--out', d, '--epochs', '1'),
                evaluate=('evaluate', trained/'model', TINY, '--out', d),
                app=('app', trained/'model', '--write', d))[cmd]
    r = imgclf(*args)
    assert one_clear_line(r), r.stderr
    assert 'did not write' in r.stderr and str(d.name) in r.stderr
    for overwrite in ['--overwrite']: # not even --overwrite takes a folder imgclf did not make
        assert one_clear_line(imgclf(*args, overwrite))
    assert snapshot(d) == before

def test_app_write_dot_keeps_the_current_folder(trained, tmp_path):
    d = users_folder(tmp_path/'cwd')
    before = snapshot(d)
    r = imgclf('app', trained/'model', '--write', '.', cwd=d)
    assert one_clear_line(r), r.stderr
    assert snapshot(d) == before

def test_an_earlier_run_is_kept_unless_overwrite(trained, tmp_path):
    out = tmp_path/'run'
    shutil.copytree(trained, out)
    (out/'my_notes.txt').write_text('keep me')
    before = snapshot(out)
    r = imgclf('train', trained.parent/'data', '--out', out, '--epochs', '1', '--size', '16')
    assert one_clear_line(r) and '--overwrite' in r.stderr, r.stderr
    assert snapshot(out) == before
    r = imgclf('train', trained.parent/'data', '--out', out, '--epochs', '1', '--size', '20', '--overwrite')
    assert r.returncode == 0, r.stderr
    assert (out/'my_notes.txt').read_text() == 'keep me'
    assert json.loads((out/'run.json').read_text())['recipe']['size'] == 20 # the new run's
    assert json.loads((out/'model'/'imgclf.json').read_text())['size'] == [20, 20]

def test_an_earlier_app_is_kept_unless_overwrite(trained, tmp_path):
    app = tmp_path/'app'
    assert imgclf('app', trained/'model', '--write', app).returncode == 0
    (app/'DEPLOY.md').write_text('how we deploy')
    before = snapshot(app)
    r = imgclf('app', trained/'model', '--write', app)
    assert one_clear_line(r) and '--overwrite' in r.stderr, r.stderr
    assert snapshot(app) == before
    assert imgclf('app', trained/'model', '--write', app, '--overwrite').returncode == 0
    assert (app/'DEPLOY.md').read_text() == 'how we deploy' and (app/'app.py').is_file()

def test_out_that_is_a_file_is_one_line(trained, tmp_path):
    f = tmp_path/'a_file'; f.write_text('mine')
    r = imgclf('train', trained.parent/'data', '--out', f, '--epochs', '1')
    assert one_clear_line(r) and 'is a file' in r.stderr, r.stderr
    assert f.read_text() == 'mine'

@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_ctrl_c_sigterm_and_sighup_save_the_model(trained, tmp_path, sig):
    "Ctrl-C, kill and a closed terminal: the best model so far is saved; while it ran, a second process on its folder was refused"
    from imgclf.saved import load_model
    out = tmp_path/'run'
    p = subprocess.Popen([str(IMGCLF), 'train', str(trained.parent/'data'), '--out', str(out), '--epochs', '1000', '--size', '16'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) # Ctrl-C as in a terminal, also from a background job
    for line in p.stdout:
        if line.startswith('epoch 2/'): break
    if sig == signal.SIGTERM:
        r = imgclf('train', trained.parent/'data', '--out', out, '--epochs', '1', '--overwrite')
        assert one_clear_line(r) and 'another imgclf process' in r.stderr, r.stderr
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 128 + sig, err
    assert 'saved in' in err and '--resume' in err and 'Traceback' not in err
    assert len(load_model(out/'model').vocab) == 3

def test_a_resumed_run_keeps_its_split_when_the_dataset_changed(tmp_path):
    data = small_set(tmp_path/'data', per_label=30)
    out = tmp_path/'run'
    p = subprocess.Popen([str(IMGCLF), 'train', str(data), '--out', str(out), '--epochs', '30', '--size', '16'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stdout:
        if line.startswith('epoch 2/'): break
    p.send_signal(signal.SIGKILL); p.wait()
    split = pd.read_csv(out/'split.csv')
    trained_on = set(split.path[split.split == 'train'])
    # images are added to and removed from the dataset before the run is resumed
    for i, lbl in enumerate(('bag', 'sneaker', 'coat')):
        for f in sorted((TINY/'valid'/lbl).iterdir())[:5]: shutil.copy(f, data/lbl/f'new_{f.name}')
    removed = [Path(split.path[split.split == s].iloc[0]) for s in ('train', 'valid')]
    for f in removed: f.unlink()
    # the run would stop at epoch 30: it is resumed for what is left, then we check which images it used
    r = imgclf('train', '--resume', out)
    assert r.returncode == 0, r.stderr
    assert '15 images added' in r.stderr and '2 images removed' in r.stderr, r.stderr
    assert pd.read_csv(out/'split.csv').equals(split) # the record is kept as it was
    m = json.loads((out/'metrics.json').read_text())
    assert m['n_train'] == len(trained_on) - 1 and m['n_valid'] == (split.split == 'valid').sum() - 1

def test_files_follow_the_umask(trained, tmp_path):
    out = tmp_path/'run'
    r = subprocess.run([str(IMGCLF), 'train', str(trained.parent/'data'), '--out', str(out), '--epochs', '1', '--size', '16'],
                       capture_output=True, text=True, preexec_fn=lambda: os.umask(0o002))
    assert r.returncode == 0, r.stderr
    for f in ('report.html', 'metrics.json', 'split.csv', 'model/weights.safetensors', 'model/README.md'):
        assert stat.S_IMODE((out/f).stat().st_mode) == 0o664, f
    for d in ('.', 'model', 'checkpoints'):
        assert stat.S_IMODE((out/d).stat().st_mode) == 0o775, d

def test_labels_cannot_inject_into_outputs(tmp_path):
    "Labels a spreadsheet would run, and labels that are HTML or a Markdown link, stay text in every output"
    data = tmp_path/'data'
    labels = ['=HYPERLINK(1)', '@sum', '<img src=x onerror=alert(1)>', '[x](javascript:alert(1))', 'a|b']
    for i, lbl in enumerate(labels):
        (data/lbl).mkdir(parents=True)
        for f in sorted((TINY/'train'/('bag', 'sneaker', 'coat', 'dress', 'pullover')[i]).iterdir())[:20]: shutil.copy(f, data/lbl/f.name)
    out = tmp_path/'run'
    r = imgclf('train', data, '--out', out, '--epochs', '1', '--size', '16')
    assert r.returncode == 0, r.stderr
    assert imgclf('predict', out/'model', data/'@sum', '--csv', tmp_path/'p.csv').returncode == 0
    for csv in (out/'per_class.csv', out/'split.csv', tmp_path/'p.csv'):
        for line in csv.read_text().splitlines():
            assert not any(cell.startswith(('=', '+', '-', '@')) for cell in line.split(',')), (csv.name, line)
    import mistune
    card = mistune.create_markdown(plugins=['table'])((out/'model'/'README.md').read_text()) # as a Markdown viewer shows it
    assert '<img' not in card and 'href="javascript' not in card and '<td>a|b</td>' in card
    from imgclf.files import read_csv
    assert set(read_csv(out/'per_class.csv', index_col=0).index) >= set(labels) # imgclf reads its own files back exactly

def test_planted_cache_entries_are_not_used(trained, tmp_path, monkeypatch):
    "A cache anyone could write: a planted ONNX graph, pipes in place of entries, a scan of other files, a decoded entry of the wrong shape"
    import warnings, numpy as np, onnx, onnx.helper as oh, torch
    from fastai.vision.all import TensorImageBW, TensorCategory
    from imgclf.saved import load_model
    from imgclf.export import fast_model
    from imgclf.data import scan_images, get_dls, _save_decoded
    monkeypatch.setenv('IMGCLF_DATA', str(tmp_path/'cache'))
    data, m = trained.parent/'data', load_model(trained/'model')
    img = sorted((data/'coat').iterdir())[0]
    truth = m.predict(img)[0]
    entry = fast_model(m).net.fn
    const = np.zeros((1, 3), np.float32); const[0, [l for l in m.vocab if l != truth][0] == np.array(m.vocab)] = 1 # another label, always
    g = oh.make_graph([oh.make_node('Constant', [], ['probs'], value=onnx.numpy_helper.from_array(const))], 'planted',
                      [oh.make_tensor_value_info('image', onnx.TensorProto.UINT8, [None, 1, None, None])],
                      [oh.make_tensor_value_info('probs', onnx.TensorProto.FLOAT, [1, 3])])
    planted = oh.make_model(g, opset_imports=[oh.make_opsetid('', 17)]); planted.ir_version = 8
    for plant in (lambda f: onnx.save(planted, f), os.mkfifo): # a pipe would hang a reader
        entry.unlink(); plant(entry)
        with pytest.warns(UserWarning, match='exporting the model again'): fast = fast_model(m)
        assert fast.predict(img)[0] == truth
    n = len(scan_images(data))
    for f in (tmp_path/'cache'/'scans').glob('*.csv'): f.unlink(); os.mkfifo(f)
    assert len(scan_images(data)) == n # read again from the images, not from the pipe
    (scan,) = (tmp_path/'cache'/'scans').glob('*.csv')
    t = pd.read_csv(scan); t['path'] = [f'elsewhere/{i}.png' for i in range(len(t))]; t.to_csv(scan, index=False)
    assert all(Path(p).is_relative_to(data) for p in scan_images(data).path) # a scan of other files is not this folder's
    def batch(): return get_dls(data, size=16, bs=8, grayscale=True, decoded=True).one_batch()
    batch()
    entries = list((tmp_path/'cache'/'decoded').glob('*.safetensors'))
    assert entries
    for f in entries: _save_decoded((TensorImageBW(torch.zeros(2, 1, 5, 5)), TensorCategory(torch.zeros(2, dtype=torch.long))), f) # valid, wrong shape
    with pytest.warns(UserWarning, match='decoding the images again'): xb, yb = batch()
    assert xb.shape[1:] == (1, 16, 16)
