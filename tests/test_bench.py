"The benchmark scripts run and end with their JSON line (quick settings: this checks the scripts, it measures nothing)."
import json, subprocess, sys
from pathlib import Path
import pytest
from imgclf.data import fashion_tiny

ROOT = Path(__file__).resolve().parent.parent
TINY = fashion_tiny()

def last_json(r):
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

def test_fashion_speedrun_quick():
    r = subprocess.run([sys.executable, ROOT/'bench'/'fashion_speedrun.py', '--quick'], capture_output=True, text=True, timeout=900)
    res = last_json(r)
    keys = 'imgclf_s_to_92 imgclf_s_to_93 imgclf_s_to_94 imgclf_best_acc peer_s_to_92 peer_best_acc ratio_to_92 peak_gflops achieved_gflops'.split()
    assert set(keys) <= set(res) and res['quick']
    assert 0 < res['achieved_gflops'] < res['peak_gflops'] * 2 and 0.1 < res['imgclf_best_acc'] <= 1 and 0.1 < res['imgclf_tta_best_acc'] <= 1

@pytest.fixture(scope='module')
def out(tmp_path_factory):
    "A small trained run, for the benchmarks that time a saved model"
    out = tmp_path_factory.mktemp('bench')/'run'
    assert subprocess.run([Path(sys.executable).parent/'imgclf', 'train', TINY, '--out', out, '--epochs', '1'],
                          capture_output=True, timeout=600).returncode == 0
    return out

def test_inference_bench(out):
    r = subprocess.run([sys.executable, ROOT/'bench'/'inference.py', out/'model', '--images', TINY/'test', '--n', '20'],
                       capture_output=True, text=True, timeout=900)
    res = last_json(r)
    assert res['onnx_max_abs_diff'] < 1e-4
    assert res['imgclf_p50_ms'] > 0 and res['fastai_p50_ms'] > 0

def test_photo_io_bench(out):
    "bench/photo_io.py on its generated 1-12 MP JPEGs, with a small model: the reduced decode agrees with the full one"
    res = last_json(subprocess.run([sys.executable, ROOT/'bench'/'photo_io.py', out/'model', '--n', '8'], capture_output=True, text=True, timeout=900))
    assert res['min_side'] == 56 and res['labels_agree'] >= 0.9 and res['imgclf_p50_ms'] > 0 and res['fastai_p50_ms'] > 0

def test_photo_epoch_bench():
    "bench/photo_epoch.py's quick mode on a few generated photos: every loader gives batches, and imgclf's cache fills on the first epoch"
    res = last_json(subprocess.run([sys.executable, ROOT/'bench'/'photo_epoch.py', '--quick', '--n', '8', '--size', '64', '--rounds', '1'],
                                   capture_output=True, text=True, timeout=900))
    assert res['n_photos'] == 8 and res['first_epoch_decode_s'] > 0 and 'epoch_s' not in res
    assert all(v > 0 for v in res['loading_ms_per_photo'].values()) and {'fastai, 2 workers', 'tutorial, 4 workers'} <= set(res['loading_ratio_peers_to_imgclf'])
