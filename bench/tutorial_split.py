"""The PyTorch-tutorial peer trained on the photos imgclf trains on: imgclf's training split, without its validation photos.

    python bench/tutorial_split.py DATASET [--seconds 240] [--seeds 3] [--results FILE]

`imgclf train` holds a random 20% of train/ out for validation (to choose the epoch it keeps), while the tutorial's
peer in bench/photo_finetune.py trains on all of train/. Here, for each seed, the peer trains on exactly the photos of
imgclf's training split for that seed (symbolic links in a temporary folder) for `--seconds` of training, and one JSON
line gives its test accuracy after each epoch: `curve` holds (training seconds, test accuracy) pairs.
"""
import sys, os, argparse, tempfile, warnings
warnings.filterwarnings('ignore')
from dataclasses import replace
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from photo_finetune import run_tutorial
from common import emit
from imgclf.pipeline import Recipe

def train_split_folder(data:Path, seed:int)->Path:
    "A folder with train/ holding imgclf's training photos for `seed` and test/ linked to `data`'s, both as links"
    dls = replace(Recipe.for_dataset(data), seed=seed).dls(data)
    d = Path(tempfile.mkdtemp())/data.name
    for f in map(Path, dls.train_ds.items):
        (d/'train'/f.parent.name).mkdir(parents=True, exist_ok=True); os.symlink(f.resolve(), d/'train'/f.parent.name/f.name)
    os.symlink((data/'test').resolve(), d/'test')
    return d

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dataset'); p.add_argument('--seconds', type=float, default=240); p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--results', help='append each JSON line to this file too')
    a = p.parse_args()
    for s in range(a.seeds):
        d = train_split_folder(Path(a.dataset), s)
        curve = run_tutorial(d, s, a.seconds)
        emit(dict(seed=s, n_train=sum(1 for _ in (d/'train').rglob('*.*')), curve=[(round(t, 1), round(acc, 4)) for t, acc in curve]), a.results)
