"""One change to imgclf's photo recipe, trained with several seeds: what it does to the validation loss and to test accuracy.

    python bench/recipe_seeds.py DATASET '{"epochs": 3, "min_scale": 0.75}' [--seeds 3] [--results FILE]

DATASET has train/ and test/ folders (a random 20% of train/ validates, as `imgclf train` does). The JSON object holds
`Recipe` fields that replace the dataset's default recipe (`{}`: the default itself). For each seed it trains the recipe
as `imgclf train` does, then prints and appends to `--results` one JSON line: the training seconds, the validation loss
of the fast-mode head (`head_loss`) and after each fine-tuning epoch (`epochs_loss`), the lowest one (`best_loss`, whose
weights the run keeps; `kept` is its epoch, 0 for the head), and the test accuracy without (`acc`) and with test-time augmentation (`tta_acc`). The test
split chooses nothing. Run it with nothing else on the machine when its seconds are to be compared.
"""
import sys, json, argparse, tempfile, warnings
warnings.filterwarnings('ignore')
from dataclasses import replace
from pathlib import Path
import pandas as pd
from fastai.vision.all import set_seed
sys.path.insert(0, str(Path(__file__).parent))
from common import emit
from imgclf.pipeline import Recipe
from imgclf.data import get_test_dl
from imgclf.evaluate import score
from imgclf.train import log_lines_outside_notebooks

def fit_seed(data:Path, kw:dict, seed:int, splitter=None, keep_best:bool=True):
    "The default recipe with `kw` changed, trained with `seed` as `imgclf train` does; its `Learner` and run folder"
    rec = replace(Recipe.for_dataset(data), seed=seed, **kw)
    set_seed(seed, reproducible=True)
    learn = rec.learner(rec.dls(data, splitter=splitter))
    out = Path(tempfile.mkdtemp())
    rec.fit(learn, out=out, keep_best=keep_best)
    return learn, out

def test_accuracies(learn)->dict:
    "Accuracy on `learn`'s test/ photos, without (`acc`) and with test-time augmentation (`tta_acc`)"
    tdl = get_test_dl(learn.dls)
    return dict(acc=score(learn, tdl)['accuracy'], tta_acc=score(learn, tdl, tta=True)['accuracy'])

def run_seed(data:Path, kw:dict, seed:int)->dict:
    "Train the default recipe with `kw` changed, with `seed`; its losses, test accuracies and seconds"
    learn, out = fit_seed(data, kw, seed)
    epochs_loss = pd.read_csv(out/'history.csv').valid_loss.round(4).tolist() if (out/'history.csv').exists() else None
    return dict(data=Path(data).name, kw=kw, seed=seed, s=round(learn.train_seconds, 1), head_loss=getattr(learn, 'head_valid_loss', None),
                best_loss=round(score(learn)['loss'], 4), epochs_loss=epochs_loss, kept=getattr(learn, 'kept_epoch', None), **test_accuracies(learn))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dataset'); p.add_argument('changes', help='a JSON object of Recipe fields, e.g. \'{"epochs": 3}\'')
    p.add_argument('--seeds', type=int, default=3); p.add_argument('--results', help='append each JSON line to this file too')
    a = p.parse_args()
    log_lines_outside_notebooks() # a line per epoch in a log, not a console bar redrawn thousands of times
    for s in range(a.seeds):
        emit(run_seed(Path(a.dataset), json.loads(a.changes), s), a.results)
