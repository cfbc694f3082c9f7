"""Fast mode's head: features of the plain training images only, or also of `--passes` passes over them with their random crops and flips.

    python bench/fast_ablation.py DATASET [DATASET ...] [--passes 0 2 4] [--seeds 3] [--save FILE]

Each dataset is a folder with train/, valid/ and test/ splits of photos (e.g. bench/photo_sets.py's sets, ../shared/data/flowers12).
For every number of passes and seed it runs `imgclf.pipeline.run(path, fast=True, aug_passes=N)`: the head is chosen on the
validation split (its best epoch) and scored on test/, which it never sees. Prints mean ± sd of test accuracy, validation loss
and training seconds per setting, then one JSON line (the last line). Run it with nothing else on the machine: it times each run.
"""
import argparse, json, tempfile, warnings, contextlib, io
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')

def sd(xs): return np.std(xs, ddof=1) if len(xs) > 1 else 0.

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('datasets', nargs='+'); p.add_argument('--passes', type=int, nargs='+', default=[0, 2, 4])
    p.add_argument('--seeds', type=int, default=3); p.add_argument('--save')
    a = p.parse_args()
    from imgclf.pipeline import run
    res = []
    for d in map(Path, a.datasets):
        for k in a.passes:
            rs = []
            for s in range(a.seeds):
                with contextlib.redirect_stdout(io.StringIO()):
                    m = run(d, out=Path(tempfile.mkdtemp())/'run', fast=True, aug_passes=k, seed=s).metrics
                rs.append(dict(acc=m['test_accuracy'], valid_loss=m['valid_loss'], s=m['train_seconds']))
            row = dict(data=d.name, passes=k, **{key: [r[key] for r in rs] for key in ('acc', 'valid_loss', 's')})
            res.append(row)
            print(f"{d.name}, {k} augmented passes: test accuracy {np.mean(row['acc']):.4f} ± {sd(row['acc']):.4f}, "
                  f"valid loss {np.mean(row['valid_loss']):.4f} ± {sd(row['valid_loss']):.4f}, {np.mean(row['s']):.1f} ± {sd(row['s']):.1f} s", flush=True)
    if a.save: Path(a.save).write_text(json.dumps(res, indent=1))
    print(json.dumps(res))

if __name__ == '__main__': main()
