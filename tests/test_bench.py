"The benchmark scripts run and end with their JSON line (quick settings: this checks the scripts, it measures nothing)."
import json, subprocess, sys
from pathlib import Path
import pytest
from imgclf.data import fashion_tiny
from cli import run, script # `imgclf` and the scripts, forked from a process that has imported PyTorch and fastai once

ROOT = Path(__file__).resolve().parent.parent
TINY = fashion_tiny()

def last_json(r):
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

def test_fashion_speedrun_quick():
    r = script(ROOT/'bench'/'fashion_speedrun.py', '--quick')
    res = last_json(r)
    keys = 'imgclf_s_to_92 imgclf_s_to_93 imgclf_s_to_94 imgclf_best_acc peer_s_to_92 peer_best_acc ratio_to_92 peak_gflops achieved_gflops'.split()
    assert set(keys) <= set(res) and res['quick']
    assert 0 < res['achieved_gflops'] < res['peak_gflops'] * 2 and 0.1 < res['imgclf_best_acc'] <= 1 and 0.1 < res['imgclf_tta_best_acc'] <= 1

@pytest.fixture(scope='module')
def out(tmp_path_factory):
    "A small trained run, for the benchmarks that time a saved model"
    out = tmp_path_factory.mktemp('bench')/'run'
    assert run('train', TINY, '--out', out, '--epochs', '1').returncode == 0
    return out

def test_inference_bench(out):
    r = script(ROOT/'bench'/'inference.py', out/'model', '--images', TINY/'test', '--n', '20')
    res = last_json(r)
    assert res['onnx_max_abs_diff'] < 1e-4
    assert res['imgclf_p50_ms'] > 0 and res['fastai_p50_ms'] > 0

def test_photo_io_bench(out):
    "bench/photo_io.py on its generated 1-12 MP JPEGs, with a small model: the reduced decode agrees with the full one"
    res = last_json(script(ROOT/'bench'/'photo_io.py', out/'model', '--n', '8'))
    assert res['min_side'] == 56 and res['labels_agree'] >= 0.9 and res['imgclf_p50_ms'] > 0 and res['fastai_p50_ms'] > 0

def test_photo_epoch_bench():
    "bench/photo_epoch.py's quick mode on a few generated photos: every loader gives batches, and imgclf's cache fills on the first epoch"
    res = last_json(script(ROOT/'bench'/'photo_epoch.py', '--quick', '--n', '8', '--size', '64', '--rounds', '1'))
    assert res['n_photos'] == 8 and res['first_epoch_decode_s'] > 0 and 'epoch_s' not in res
    assert all(v > 0 for v in res['loading_ms_per_photo'].values()) and {'fastai, 2 workers', 'tutorial, 4 workers'} <= set(res['loading_ratio_peers_to_imgclf'])

def test_seeds_bench_fills_its_rows_where_the_data_is(tmp_path):
    "bench/seeds.py on small MNIST and CIFAR-10 files in the official formats: the rows that say 'needs data' without them are measured with them"
    import os, pandas as pd
    from corpus import official_copies
    ids = ['003-mnist', '004-cifar', '004-sharpened']
    def seeds(out, **env):
        cmd = [sys.executable, ROOT/'bench'/'seeds.py', '--quick', '--only', *ids, '--out', tmp_path/out, '--work', tmp_path/'work']
        env = {k: v for k, v in os.environ.items() if k not in ('IMGCLF_MNIST_IDX', 'IMGCLF_CIFAR10')} | dict(IMGCLF_DATA=str(tmp_path/out/'cache'), **env)
        r = script(*cmd[1:], env=env)
        seeds.log = r.stdout
        return last_json(r), pd.read_csv(tmp_path/out/'seeds.csv')
    res, df = seeds('without')
    assert res['needs'] == 3 and res['measured'] == 0 and set(df.status) == {'needs data'}
    assert df.note.str.contains('IMGCLF_MNIST_IDX').iloc[0] and df.note.str.contains('IMGCLF_CIFAR10').iloc[1]
    res, df = seeds('with', **official_copies(tmp_path/'files'))
    assert res['measured'] == 3 and res['failed'] == 0 and list(df.id) == ids and set(df.status) == {'measured'}
    assert df.ours.between(0, 1).all() and df.seed_value.tolist() == [.9873, .8023, .8131]
    assert '| 003-mnist | 003 | mnist_cnn, 10 epochs | MNIST | 98.7% |' in (tmp_path/'with'/'seeds.md').read_text()
    assert 'epoch 1/1' in seeds.log and 'mnist: prepared in' in seeds.log # a line per epoch; the data's preparation timed apart
    assert (df.prep_seconds > 0).any() and df.n_seeds.tolist() == [1, 1, 1]

def test_calibration_bench_quick():
    r = script(ROOT/'bench'/'calibration.py', TINY, '--seeds', '1', '--epochs', '2')
    row, = last_json(r)
    assert row['dataset'] == 'fashion_tiny' and 0.01 <= row['temperature'][0] <= 100 and 0 <= row['ece_after'][0] <= 1 and row['nll_before'] > 0

@pytest.fixture(scope='module')
def photo_set(tmp_path_factory):
    "A small photo dataset with train/ and test/: colour JPEGs of any size, two labels"
    from corpus import colour_photos
    return colour_photos(tmp_path_factory.mktemp('photos'), dict(train=16, test=4))

def test_recipe_seeds_bench(photo_set, tmp_path):
    "bench/recipe_seeds.py: one line per seed, with the head's and each epoch's validation loss and both test accuracies, also appended to --results"
    res = tmp_path/'rows.jsonl'
    r = script(ROOT/'bench'/'recipe_seeds.py', photo_set, '{"size": 64, "epochs": 1}', '--seeds', '2', '--results', res)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{')]
    assert rows == [json.loads(l) for l in res.read_text().splitlines()] and [o['seed'] for o in rows] == [0, 1]
    for o in rows:
        assert o['kw'] == {'size': 64, 'epochs': 1} and len(o['epochs_loss']) == 1 and o['head_loss'] > 0 and o['s'] > 0
        assert o['data'] == photo_set.name and o['kept'] in (0, 1)
        assert o['best_loss'] == pytest.approx([o['head_loss'], *o['epochs_loss']][o['kept']], abs=1e-3) # the weights of the epoch it kept
        assert 0.5 <= o['acc'] <= 1 and 0.5 <= o['tta_acc'] <= 1 # colour alone tells the labels apart

def test_finetune_ablation_bench(photo_set, tmp_path):
    "bench/finetune_ablation.py: the head, then fine-tuning with one change, as one JSON line"
    res = tmp_path/'ablation.jsonl'
    r = script(ROOT/'bench'/'finetune_ablation.py', photo_set, '--name', 'quick', '--epochs', '1', '--size', '64', '--bn-stats', 'fixed', '--results', res)
    row = last_json(r)
    assert row == json.loads(res.read_text()) and row['change'] == 'quick' and len(row['valid']) == 1 and 0 <= row['test'] <= 1

def test_tutorial_split_bench(photo_set, tmp_path):
    "bench/tutorial_split.py: the tutorial's peer trains on imgclf's training split only (80% of train/), and reports test accuracy per epoch"
    r = script(ROOT/'bench'/'tutorial_split.py', photo_set, '--seconds', '1', '--seeds', '1')
    row = last_json(r)
    assert row['seed'] == 0 and row['n_train'] == 26 and len(row['curve']) == 1 and 0 <= row['curve'][0][1] <= 1 # 32 photos, 6 held out (20%)

def test_refit_all_bench(photo_set, tmp_path):
    "bench/refit_all.py: the default recipe trained on every photo of train/ (none held out), and its test accuracy"
    r = script(ROOT/'bench'/'refit_all.py', photo_set, '{"size": 64, "epochs": 1}', '--seeds', '1')
    row = last_json(r)
    assert row['seed'] == 0 and row['n_train'] == 32 and row['change'] == 'all photos' and 0.5 <= row['acc'] <= 1 # all 32 photos train; colour tells the labels apart
