"""The default photo recipe trained once more on every photo of train/, none held out: what the 20% validation split costs.

    python bench/refit_all.py DATASET ['{"size": 64}'] [--seeds 3] [--results FILE]

DATASET has train/ and test/ folders. For each seed it trains the default recipe (the fast-mode head, then the whole
network for the recipe's epochs, to the end of its schedule) on all of train/, and prints and appends to `--results` one
JSON line: the training photos, seconds, and test accuracy without (`acc`) and with test-time augmentation (`tta_acc`).
A tenth of the training photos also serves as validation, only so that fast mode's head picks its epoch, as it does in
every run; the fine-tuning epochs are not chosen (keep_best=False), and the test split chooses nothing.
The optional JSON object holds `Recipe` fields that replace the default's, as in `recipe_seeds.py`; compare with
`recipe_seeds.py DATASET '{}'`, the same recipe with 20% of train/ held out.
"""
import sys, json, random, argparse, warnings
warnings.filterwarnings('ignore')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from common import emit
from recipe_seeds import fit_seed, test_accuracies
from imgclf.train import log_lines_outside_notebooks

def all_photos(seed:int):
    "A splitter that trains on every item, and validates on a random tenth of them too"
    def split(items):
        idx = list(range(len(items)))
        return idx, random.Random(seed).sample(idx, max(1, len(idx)//10))
    return split

def run_seed(data:Path, seed:int, kw:dict=None)->dict:
    "Train the default recipe, with `kw` changed, on all of `data`'s train/ photos with `seed`; its test accuracies and seconds"
    learn, _ = fit_seed(data, kw or {}, seed, splitter=all_photos(seed), keep_best=False)
    return dict(data=data.name, change='all photos', seed=seed, n_train=len(learn.dls.train_ds), s=round(learn.train_seconds, 1), **test_accuracies(learn))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dataset'); p.add_argument('changes', nargs='?', default='{}', help='a JSON object of Recipe fields (default: none)')
    p.add_argument('--seeds', type=int, default=3); p.add_argument('--results', help='append each JSON line to this file too')
    a = p.parse_args()
    log_lines_outside_notebooks() # a line per epoch in a log, not a console bar redrawn thousands of times
    for s in range(a.seeds): emit(run_seed(Path(a.dataset), s, json.loads(a.changes)), a.results)
