"Training on several processes with Hugging Face Accelerate (fastai's `distrib_ctx`): two CPU processes (gloo) against one."
import json, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from imgclf.data import fashion_tiny
from cli import run

ROOT = Path(__file__).resolve().parent.parent
TINY = fashion_tiny()
BIN = Path(sys.executable).parent

def files(run): return sorted(str(p.relative_to(run)) for p in run.rglob('*'))

def test_two_cpu_processes_make_the_same_run_folder(tmp_path):
    pytest.importorskip('accelerate')
    one, two = tmp_path/'one', tmp_path/'two'
    r1 = run('train', TINY, '--out', one, '--epochs', '3') # one process: through the tests' fork server (see cli.py)
    assert r1.returncode == 0, r1.stderr
    r2 = subprocess.run([BIN/'accelerate', 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1', '--mixed_precision', 'no',
                         '--dynamo_backend', 'no', '-m', 'imgclf.cli', 'train', TINY, '--out', two, '--epochs', '3'],
                        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert files(one) == files(two)                                        # the same run folder ...
    assert (one/'split.csv').read_text() == (two/'split.csv').read_text() # ... the same images for training and validation
    m1, m2 = (json.loads((d/'metrics.json').read_text()) for d in (one, two))
    assert (m1['processes'], m2['processes']) == (1, 2)
    assert set(m1) == set(m2) and m1['vocab'] == m2['vocab'] and (m1['n_train'], m1['n_valid'], m1['n_test']) == (m2['n_train'], m2['n_valid'], m2['n_test'])
    assert len(pd.read_csv(one/'history.csv')) == len(pd.read_csv(two/'history.csv')) == 3
    # the same training, shared out: both learn, to a similar accuracy (the batches are composed differently)
    assert m1['test_accuracy'] > 0.4 and m2['test_accuracy'] > 0.4 and abs(m1['test_accuracy'] - m2['test_accuracy']) < 0.15
    assert [l for l in r2.stdout.splitlines() if l.startswith('epoch ')] == [l for l in r2.stdout.splitlines() if l.startswith('epoch ')][:3] # logged once
    p = run('predict', two/'model', TINY/'test'/'bag', timeout=300)
    assert p.returncode == 0 and len(p.stdout.splitlines()) == 20, p.stderr
