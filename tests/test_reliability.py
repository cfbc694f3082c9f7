"Reliability: bad and unusual inputs, interruptions, untrusted model folders, determinism (issue 8)."
import io, json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from PIL import Image
from corpus import write_bad_files, snapshot, web_photo_folder, photo_folder, UNREADABLE, _photo
from imgclf.data import fashion_tiny

ROOT = Path(__file__).resolve().parent.parent
TINY = fashion_tiny()
IMGCLF = Path(sys.executable).parent/'imgclf'

from cli import run # `imgclf ARGS` in a process of its own, forked from one that has its imports done

def one_clear_line(r):
    "A user error: exit code 1 and no traceback"
    return r.returncode == 1 and 'Traceback' not in r.stderr and r.stderr.strip().count('\n') == 0

# What `check_images` must report for each kind of file (None: nothing to report)
EXPECTED = dict(zero_byte='empty', truncated_jpeg='unreadable', text_as_jpg='not_image', cmyk_jpeg='mode', png_16bit='mode',
                palette_alpha='mode', rgba=None, grayscale=None, exif_rotated=None, webp=None, animated_gif='animated',
                one_pixel='tiny', decompression_bomb='too_large', odd_name=None, symlink_loop='broken_link', self_link='broken_link',
                dangling_link='broken_link', trns_colour_key=None, tab_in_name=None, newline_in_name=None)

@pytest.fixture(scope='module')
def messy(tmp_path_factory):
    "fashion_tiny with every bad kind added to train/bag and valid/coat, an empty label folder, and a link loop"
    d = tmp_path_factory.mktemp('messy')/'data'
    shutil.copytree(TINY, d)
    files = write_bad_files(d/'train'/'bag')
    write_bad_files(d/'valid'/'coat')
    (d/'train'/'empty_label').mkdir()
    os.symlink('..', d/'train'/'bag'/'loop') # a folder link back up the tree
    return d, files

def test_check_images_reports_every_kind_and_changes_nothing(messy):
    from imgclf.data import check_images
    d, files = messy
    before = snapshot(d)
    df = check_images(d, duplicates=False)
    got = {Path(p).resolve() if not Path(p).is_symlink() else Path(p): k for p,k in zip(df.path, df.problem)}
    for kind, fn in files.items():
        assert got.get(fn if fn.is_symlink() else fn.resolve()) == EXPECTED[kind], kind
    assert 'no_images' in set(df.problem)
    dup = check_images(d).query("problem == 'duplicate'") # the copies in train/bag and valid/coat
    assert {Path(p).name for p in dup.path} >= {files[k].name for k in ('rgba', 'webp', 'grayscale')}
    assert snapshot(d) == before # nothing modified, nothing lost
    assert len(df.path) == len(set(map(str, df.path))) # the link loop does not list files twice

def test_open_image_handles_or_names_the_file(tmp_path):
    from imgclf.files import open_image, ImageError
    files = write_bad_files(tmp_path)
    for kind, fn in files.items():
        if kind in UNREADABLE:
            with pytest.raises(ImageError) as e: open_image(fn)
            assert fn.name in str(e.value) and 'Fix:' in str(e.value), kind
        else:
            im = open_image(fn)
            assert im.mode == 'RGB' and min(im.size) >= 1, kind
    up = np.asarray(open_image(files['exif_rotated'])).astype(int)
    assert up.shape[:2] == (48, 64) # shown upright: wider than tall
    assert up[5, -1, 0] > up[5, 0, 0] + 100 # red still grows from left to right
    assert np.asarray(open_image(files['png_16bit'])).std() > 40 # a ramp, not a white square
    assert open_image(files['rgba']).getpixel((0, 0)) == _photo().getpixel((0, 0))
    assert open_image(files['trns_colour_key']).getpixel((0, 0)) == (255, 255, 255) # the key colour is transparent: white, as for alpha
    assert open_image(files['trns_colour_key']).getpixel((5, 5)) == _photo().getpixel((5, 5))

def test_train_leaves_out_unusable_files_and_loses_nothing(messy, tmp_path):
    d, files = messy
    before = snapshot(d)
    r = run('train', d, '--out', tmp_path/'run', '--epochs', '1')
    assert r.returncode == 0, r.stderr
    assert 'warning: leaving out' in r.stderr and 'Traceback' not in r.stderr
    m = json.loads((tmp_path/'run'/'metrics.json').read_text())
    skipped = {Path(p).name for p in m['skipped_files']}
    assert {files[k].name for k in UNREADABLE} <= skipped
    assert m['n_train'] == 500 + len(files) - len(UNREADABLE) # every usable kind is trained on (the loop's two links count as one kind)
    assert snapshot(d) == before

@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "The model folder of a one-epoch `imgclf train` run on fashion_tiny"
    out = tmp_path_factory.mktemp('trained')/'run'
    r = run('train', TINY, '--out', out, '--epochs', '1')
    assert r.returncode == 0, r.stderr
    return out/'model'

def test_predict_gives_a_row_per_file(messy, trained, tmp_path):
    d, files = messy
    before = snapshot(d)
    from imgclf.data import check_images
    r = run('predict', trained, d/'train'/'bag', '--csv', tmp_path/'p.csv')
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path/'p.csv')
    by_name = {Path(p).name: row for p,row in zip(df.path, df.itertuples())}
    checked = {Path(p).name: detail for p, detail in zip(*check_images(d/'train'/'bag', duplicates=False)[['path','detail']].values.T)}
    for kind, fn in files.items():
        row = by_name[fn.name]
        assert (row.label == 'error') == (kind in UNREADABLE), kind
        if kind in UNREADABLE: # the words of imgclf check, and its fix
            assert 'fix:' in row.top and row.top.split(';')[0].split(' (')[0] == checked[fn.name].split(' (')[0], (kind, row.top, checked[fn.name])
    lines = r.stdout.strip().split('\n') # one line per file, names with a tab or a line break included
    assert len(lines) == len(df) and all(len(o.split('\t')) == 4 for o in lines)
    assert any('tab\\tin name.png\t' in o for o in lines) and any('line\\nbreak.png\t' in o for o in lines)
    assert len(df) == len(set(df.path)) # the loop does not repeat files
    assert snapshot(d) == before

def make_split_dataset(root, layout):
    "Folder dataset from {'split/label': n_images}, with real small images"
    for k, n in layout.items():
        (root/k).mkdir(parents=True, exist_ok=True)
        for i in range(n): _photo(32, 32, seed=hash(k) % 1000 + i).save(root/k/f'{i}.png')
    return root

def test_dataset_layout_mistakes(tmp_path):
    one = make_split_dataset(tmp_path/'one', {'cats': 4})
    r = run('train', one)
    assert one_clear_line(r) and 'only one label' in r.stderr
    extra = make_split_dataset(tmp_path/'extra', {'train/a': 4, 'train/b': 4, 'valid/a': 2, 'valid/c': 2})
    r = run('train', extra)
    assert one_clear_line(r) and 'add training images' in r.stderr and 'valid/c' not in r.stdout
    unknown = make_split_dataset(tmp_path/'unknown', {'train/a': 8, 'train/b': 8, 'valid/a': 2, 'valid/b': 2, 'test/a': 2, 'test/zebra': 2})
    (unknown/'train'/'empty').mkdir()
    r = run('train', unknown, '--out', tmp_path/'run', '--epochs', '1')
    assert r.returncode == 0, r.stderr
    assert 'not trained on (zebra)' in r.stderr
    m = json.loads((tmp_path/'run'/'metrics.json').read_text())
    assert m['n_test'] == 2 and m['vocab'] == ['a', 'b']

# --- fuzz: random bytes and random valid images into the loading and prediction path ---
from hypothesis import given, settings, strategies as st, HealthCheck

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    from imgclf.data import get_dls
    from imgclf.train import make_learner
    from imgclf.saved import save_model, load_model
    dls = get_dls(TINY, size=28, bs=32, grayscale=True, decoded=True)
    learn = make_learner(dls)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return load_model(save_model(learn, tmp_path_factory.mktemp('m')/'model'))

# Pillow cannot write 32-bit 'I' as PNG; it is covered by TIFF's 'F' and PNG's 'I;16'
FORMATS = {'PNG': ('1','L','LA','P','RGB','RGBA','I;16'), 'JPEG': ('L','RGB','CMYK'), 'WEBP': ('RGB','RGBA'),
           'GIF': ('L','P'), 'BMP': ('1','L','P','RGB'), 'TIFF': ('1','L','RGB','RGBA','CMYK','I;16','F')}

@st.composite
def images(draw):
    fmt = draw(st.sampled_from(sorted(FORMATS)))
    mode = draw(st.sampled_from(FORMATS[fmt]))
    w, h = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**16))
    a = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    im = Image.fromarray(a).convert(mode) if mode not in ('I;16','I','F') else Image.fromarray(a[...,0].astype(np.uint16)*257).convert(mode) if mode != 'I;16' else Image.fromarray(a[...,0].astype(np.uint16)*257)
    b = io.BytesIO(); im.save(b, fmt)
    return b.getvalue(), (w, h)

@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]) # the same examples on every CI run
@given(data=st.binary(max_size=2048))
def test_fuzz_random_bytes(model, tmp_path, data):
    fn = tmp_path/'x.jpg'; fn.write_bytes(data)
    df = model.predict_folder([fn])
    assert len(df) == 1 and df.label[0] in [*model.vocab, 'error']

@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]) # the same examples on every CI run
@given(img=images(), cut=st.floats(0.05, 1.0))
def test_fuzz_valid_and_cut_images(model, tmp_path, img, cut):
    from imgclf.files import open_image, ImageError
    data, size = img
    im = open_image(data)
    assert im.mode == 'RGB' and im.size == size
    label, idx, probs = model.predict(io.BytesIO(data))
    assert label in model.vocab and abs(float(probs.sum()) - 1) < 1e-4
    fn = tmp_path/'cut.img'; fn.write_bytes(data[:max(1, int(len(data)*cut))]) # the same file cut short
    df = model.predict_folder([fn])
    assert len(df) == 1 and df.label[0] in [*model.vocab, 'error']

# --- interruptions ---
def start_training(out, epochs=8):
    return subprocess.Popen([str(IMGCLF), 'train', str(TINY), '--out', str(out), '--epochs', str(epochs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) # Ctrl-C as in a terminal, also when the tests run in a background job (which ignores SIGINT)

def wait_for_line(p, prefix, timeout=300):
    t = time.time()
    for line in p.stdout:
        if line.startswith(prefix): return line
        assert time.time() - t < timeout
    raise AssertionError(f'{prefix!r} never printed: {p.stderr.read()}')

def test_kill_mid_epoch_then_resume(tmp_path):
    from imgclf.saved import load_model
    out = tmp_path/'run'
    p = start_training(out)
    wait_for_line(p, 'epoch 3/8'); time.sleep(0.3) # inside epoch 4
    p.send_signal(signal.SIGKILL); p.wait()
    # whatever was left on disk is complete: it loads
    hist = pd.read_csv(out/'history.csv'); assert 3 <= len(hist) <= 4
    last = torch.load(out/'checkpoints'/'last.pth', weights_only=True)
    assert last['phase_epoch'] == len(hist) and len(last['history']) == len(hist)
    torch.load(out/'checkpoints'/'best.pth', weights_only=True)
    assert not (out/'model').exists() and not (out/'metrics.json').exists()
    r = run('train', '--resume', out)
    assert r.returncode == 0, r.stderr
    assert 'Resuming' in r.stdout
    assert [l.split()[1] for l in r.stdout.splitlines() if l.startswith('epoch ')] == [f'{i}/8' for i in range(len(hist)+1, 9)]
    assert pd.read_csv(out/'history.csv').epoch.tolist() == list(range(1, 9))
    m = json.loads((out/'metrics.json').read_text())
    assert m['epochs'] == 8 and m['accuracy'] > 0.5
    assert load_model(out/'model').predict(TINY/'test'/'bag'/os.listdir(TINY/'test'/'bag')[0])[0] in m['vocab']
    assert run('train', '--resume', out).returncode == 0 # a finished run: says so, changes nothing
    # the weights, optimizer, schedule and random states were all restored: the same result as a run never interrupted
    assert run('train', TINY, '--out', tmp_path/'whole', '--epochs', '8').returncode == 0
    whole = pd.read_csv(tmp_path/'whole'/'history.csv')
    assert np.allclose(whole.valid_loss, pd.read_csv(out/'history.csv').valid_loss, atol=1e-4)

# Ctrl-C, SIGTERM and SIGHUP: tests/test_contract.py

# --- untrusted model folders, through the command ---
def test_tampered_model_folders_are_refused(trained, tmp_path):
    good = trained
    img = TINY/'test'/'bag'/os.listdir(TINY/'test'/'bag')[0]
    def tampered(name, change):
        d = tmp_path/name; shutil.copytree(good, d); change(d)
        return run('predict', d, img)
    meta = json.loads((good/'imgclf.json').read_text())
    def edit(**kw): return lambda d: (d/'imgclf.json').write_text(json.dumps(meta | kw))
    cases = {
        'weights': lambda d: (d/'weights.safetensors').write_bytes((d/'weights.safetensors').read_bytes()[:-8] + b'\1'*8),
        'arch': edit(arch='no_such_net'),
        'traversal_arch': edit(arch='../../../etc/passwd'),
        'traversal_label': edit(vocab=['../../evil'] + meta['vocab'][1:]),
        'shape': edit(vocab=meta['vocab'][:4]),
        'size': edit(size=[28, 10**9]),
        'json': lambda d: (d/'imgclf.json').write_text('{"format": '),
        'pickle': lambda d: (d/'weights.safetensors').write_bytes(b'\x80\x04\x95cos\nsystem\n'),
    }
    def replace(name, make): return lambda d: ((d/name).unlink(), make(d/name))
    cases |= { # these would hang or exhaust the machine if read: through the command, with a time limit
        'fifo_json': replace('imgclf.json', os.mkfifo),
        'dev_zero_weights': replace('weights.safetensors', lambda f: f.symlink_to('/dev/zero')),
        'json_outside': replace('imgclf.json', lambda f: f.symlink_to(good/'imgclf.json')),
    }
    from imgclf.saved import load_model
    for name, change in cases.items():
        if name in ('pickle', 'fifo_json', 'dev_zero_weights', 'json_outside'): # through the command: one line, exit 1
            r = tampered(name, change)
            assert one_clear_line(r), (name, r.stderr)
        else: # the same check in-process, to keep the test quick
            d = tmp_path/name; shutil.copytree(good, d); change(d)
            with pytest.raises(ValueError) as e: load_model(d)
            assert '\n' not in str(e.value), name

class _Planted:
    "Unpickled, it would create the file `mark`: the proof that code ran"
    def __init__(self, mark): self.mark = mark
    def __reduce__(self): return (os.system, (f'touch {self.mark}',))

def test_planted_pickles_in_caches_and_checkpoints_never_run(tmp_path):
    "Every file imgclf reads back (its caches and a run's checkpoints) replaced by a pickle that would run code: nothing runs, and each is rebuilt or refused in one line"
    import pickle
    mark, env = tmp_path/'pwned', os.environ | dict(IMGCLF_DATA=str(tmp_path/'cache'))
    photos, img = photo_folder(tmp_path/'photos', 4, 4, 4), TINY/'test'/'bag'/sorted(os.listdir(TINY/'test'/'bag'))[0]
    def ok(*args):
        r = run(*args, env=env); assert r.returncode == 0, (args, r.stderr); return r
    ok('train', TINY, '--out', tmp_path/'tiny', '--epochs', '2') # decoded images, scans, checkpoints
    ok('train', photos, '--out', tmp_path/'ph', '--fast') # decoded photos, converted weights
    ok('predict', tmp_path/'tiny'/'model', img) # the ONNX export
    planted = [f for f in (tmp_path/'cache').rglob('*') if f.is_file()] + list((tmp_path/'tiny'/'checkpoints').glob('*.pth'))
    for f in planted:
        if f.suffix == '.pth': torch.save({'model': _Planted(mark)}, f) # the zip format torch.load reads
        else: f.write_bytes(pickle.dumps(_Planted(mark)))
    assert {f.parent.name for f in planted} == {'decoded', 'photos', 'scans', 'weights', 'onnx', 'checkpoints'}
    assert 'exporting the model again' in ok('predict', tmp_path/'tiny'/'model', img).stderr
    (tmp_path/'tiny'/'metrics.json').unlink(); shutil.rmtree(tmp_path/'tiny'/'model') # as if interrupted, so --resume reads last.pth
    r = run('train', '--resume', tmp_path/'tiny', env=env)
    err = r.stderr.strip().splitlines() # the scan cache's warning, then the refusal
    assert r.returncode == 1 and 'Traceback' not in r.stderr and 'last.pth' in err[-1] and 'Python objects' in err[-1], r.stderr
    assert 'is not a scan imgclf wrote' in err[0] # scanned again
    r = ok('train', TINY, '--out', tmp_path/'tiny2', '--epochs', '1')
    assert 'is not a cache imgclf wrote' in r.stderr, r.stderr # decoded again
    assert 'converting the package' in ok('train', photos, '--out', tmp_path/'ph2', '--fast').stderr
    assert not mark.exists()

# --- determinism ---
def test_same_seed_same_split_and_metrics(tmp_path):
    from sklearn.datasets import load_digits
    d = load_digits(); root = tmp_path/'digits' # no split folders: a seeded random split
    for i, (x, y) in enumerate(zip(d.images[:400], d.target[:400])):
        (root/str(y)).mkdir(parents=True, exist_ok=True)
        Image.fromarray((x*16).astype(np.uint8)).save(root/str(y)/f'{i}.png')
    runs = [run('train', root, '--out', tmp_path/f'r{i}', '--epochs', '2', '--seed', s) for i,s in enumerate((1, 1, 2))]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    m = [json.loads((tmp_path/f'r{i}'/'metrics.json').read_text()) for i in range(3)]
    split = [(tmp_path/f'r{i}'/'split.csv').read_text() for i in range(3)]
    assert split[0] == split[1] and split[0] != split[2]
    assert abs(m[0]['valid_loss'] - m[1]['valid_loss']) < 1e-6 and m[0]['accuracy'] == m[1]['accuracy']

def test_check_command_quarantines_only_unusable_files(tmp_path):
    d = tmp_path/'data'; shutil.copytree(TINY/'train', d)
    files = write_bad_files(d/'bag')
    before = snapshot(d)
    r = run('check', d)
    assert r.returncode == 0 and snapshot(d) == before # looking changes nothing
    assert 'cannot be used' in r.stdout and 'truncated.jpg' in r.stdout
    r = run('check', d, '--quarantine', '--csv', tmp_path/'problems.csv')
    assert r.returncode == 0, r.stderr
    after, q = snapshot(d), tmp_path/'data_quarantine'
    moved = set(before) - set(after)
    assert moved == {f'bag/{files[k].name}' for k in UNREADABLE} | {'bag/loop.jpg.2.jpg'}
    assert all(after[k] == before[k] for k in after) # everything else untouched
    assert all(before[k] == snapshot(q)[k] for k in moved) # nothing lost: the moved files are intact
    assert len(pd.read_csv(q/'quarantine.csv')) == len(moved)
    assert run('check', tmp_path/'nope').returncode == 1

def test_photos_saved_from_the_web_are_reported_then_renamed_on_request(tmp_path):
    "427 files named as a web download names them, 50 after their URL (`a.jpg?width=3200&fit=crop`): none is silently ignored"
    d = tmp_path/'bears'; url = web_photo_folder(d)
    before = snapshot(d)
    r = run('check', d)
    assert r.returncode == 0 and snapshot(d) == before # looking changes nothing
    assert sum('\tmisnamed\t' in l for l in r.stdout.splitlines()) == 50 and all(p.name in r.stdout for p in url)
    assert '377 images checked' in r.stdout and '50 of them images (--fix-names renames them)' in r.stdout, r.stdout[-500:]
    r = run('summary', d)
    assert r.returncode == 0 and '50 image file(s) are never used' in r.stderr and '--fix-names' in r.stderr, r.stderr
    r = run('check', d, '--fix-names')
    assert r.returncode == 0 and 'Renamed 50 image file(s)' in r.stdout and '427 images checked' in r.stdout, r.stdout[-800:]
    after = snapshot(d)
    assert sorted(after.values()) == sorted(before.values()) # the same bytes: renamed, nothing changed or lost
    assert set(before) - set(after) == {str(p.relative_to(d)) for p in url}
    log = pd.read_csv(tmp_path/'bears_renamed.csv')
    assert len(log) == 50 and all(Path(p).exists() for p in log.renamed_to) and not any(Path(p).exists() for p in log.path)
    assert 'never used' not in run('summary', d).stderr
