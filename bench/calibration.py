"""Temperature scaling on held-out images: ECE and NLL on each dataset's test split, before and after the temperature a run fits on its validation split.

    python bench/calibration.py DATASET [DATASET ...] [--seeds 3] [--fast] [--epochs N] [--save FILE]

Each dataset is a folder with train/, valid/ and test/ (fashion_tiny, bench/photo_sets.py's sets, ../shared/data/flowers12).
For every seed it runs `imgclf.pipeline.run` (fast mode with --fast, else the dataset's default recipe, or N epochs),
which fits the calibration on validation and writes the report on test/, which the fit never sees. Prints mean ± sd of
the temperature, the test ECE before and after and the test NLL before and after per dataset, then one JSON line (the last line).
It measures no time, so it may share the machine.
"""
import argparse, contextlib, io, json, tempfile, warnings
from pathlib import Path
import numpy as np
from common import mean_sd
warnings.filterwarnings('ignore')

def test_nll(run_folder):
    "NLL of the run's model on its test split, with and without its temperature"
    from imgclf.saved import load_model, temper
    from imgclf.evaluate import predictions, nll
    m = load_model(run_folder/'model')
    learn = m.learner(Path(json.loads((run_folder/'run.json').read_text())['dataset']))
    probs, targs = predictions(learn)
    return nll(probs, targs), nll(temper(probs, m.temperature), targs)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('datasets', nargs='+'); p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--fast', action='store_true'); p.add_argument('--epochs', type=int); p.add_argument('--save')
    a = p.parse_args()
    from imgclf.pipeline import run
    res = []
    for d in map(Path, a.datasets):
        rs = []
        for s in range(a.seeds):
            out = Path(tempfile.mkdtemp())/'run'
            with contextlib.redirect_stdout(io.StringIO()): m = run(d, out=out, seed=s, fast=a.fast or None, epochs=a.epochs).metrics
            r = m['report']
            rs.append(dict(t=r['temperature'], ece0=r['ece_uncalibrated'], ece1=r['ece'], nll=test_nll(out), acc=m['test_accuracy']))
        col = lambda k, i=None: [o[k] if i is None else o[k][i] for o in rs]
        row = dict(dataset=d.name, fast=a.fast, seeds=a.seeds, test_accuracy=mean_sd(col('acc'))[0], temperature=mean_sd(col('t'), 3),
                   ece_before=mean_sd(col('ece0')), ece_after=mean_sd(col('ece1')), nll_before=mean_sd(col('nll', 0))[0], nll_after=mean_sd(col('nll', 1))[0],
                   ece_fell=sum(o['ece1'] < o['ece0'] for o in rs))
        res.append(row)
        print(f"{d.name}: T {row['temperature'][0]} ± {row['temperature'][1]}; test ECE {row['ece_before'][0]} ± {row['ece_before'][1]} -> {row['ece_after'][0]} ± {row['ece_after'][1]} "
              f"(fell in {row['ece_fell']} of {a.seeds}); test NLL {row['nll_before']} -> {row['nll_after']}; accuracy {row['test_accuracy']}", flush=True)
    if a.save: Path(a.save).write_text(json.dumps(res, indent=1))
    print(json.dumps(res))

if __name__ == '__main__': main()
