"""Fashion-MNIST speedrun on CPU: imgclf's default recipe against a plain PyTorch loop, in the same run.

    python bench/fashion_speedrun.py [--quick] [--peer-seconds 480] [--bs N] [--no-peer] [--save FILE]

imgclf: the recipe `imgclf train` chooses for Fashion-MNIST, trained on all 60,000 training PNGs (the 10,000 test PNGs
take the place of the validation split, so fastai measures test accuracy after every epoch; that time is not counted).
The `imgclf_tta_*` keys score the same models with flip test-time augmentation (`predict(..., tta=True)`).
Peer: the VGG-style CNN of seed 004 §5.4 adapted to 28x28x1, Adam lr 1e-3, batch 64, on the same PNG files as tensors;
what a user following the seeds would write. It runs until it passes 92% or `--peer-seconds` of training.
Prints one line per epoch, then one JSON line (the last line); `--save` also writes it, with both curves, to a file
(bench/results/fashion_speedrun.json is the run the README quotes).
"""
import argparse, json, sys, time, warnings
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from common import first_time
warnings.filterwarnings('ignore')

def train_step_flops(model, xb, yb):
    "FLOPs of one forward and backward pass over `xb`"
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc: F.cross_entropy(model(xb), yb).backward()
    model.zero_grad(set_to_none=True)
    return fc.get_total_flops()

def train_on_all(path):
    "A view of `path` with train/ as given and test/ as valid/: training on all training images, validating on the test set"
    from imgclf.data import data_dir
    d = data_dir()/'bench'/f'{path.name}_all' # a fixed place, so that the images decoded by the last run are found again
    d.mkdir(parents=True, exist_ok=True)
    for src, dst in (('train', 'train'), ('test', 'valid')):
        (d/dst).unlink(missing_ok=True); (d/dst).symlink_to(path/src) # the decoded cache keys on the image files, not the links
    return d

def flip_tta_accuracy(learn):
    "Validation accuracy with each image's mirror image averaged in, as `predict(..., tta=True)` does"
    model, correct = learn.model.eval(), 0
    with torch.no_grad():
        for xb, yb in learn.dls.valid: correct += ((model(xb).softmax(1) + model(xb.flip(-1)).softmax(1)).argmax(1) == yb).sum().item()
    return correct/len(learn.dls.valid_ds)

def run_imgclf(path, epochs=None, bs=None):
    from fastai.vision.all import set_seed, Callback
    from imgclf.pipeline import Recipe
    from imgclf.train import train
    r = Recipe.for_dataset(path, bs=bs); epochs = epochs or r.epochs
    set_seed(42, reproducible=True)
    dls = r.dls(train_on_all(path))
    learn = r.learner(dls)
    xb, yb = (o.as_subclass(torch.Tensor) for o in dls.one_batch())
    flops = train_step_flops(learn.model, xb, yb) / len(xb)
    curve, tta = [], []
    class TestEachEpoch(Callback):
        order = 90
        def before_fit(self): self.train_s = 0.
        def before_train(self): self.t = time.perf_counter()
        def after_train(self): self.train_s += time.perf_counter() - self.t
        def after_epoch(self):
            acc = float(self.recorder.log[self.recorder.metric_names.index('accuracy')])
            curve.append((self.train_s, acc)); tta.append((self.train_s, flip_tta_accuracy(self.learn)))
            print(f"imgclf  epoch {len(curve)}: {self.train_s:6.1f} s of training, test accuracy {acc:.4f} ({tta[-1][1]:.4f} with flip TTA)", flush=True)
    print(f"imgclf: {r.arch}, {len(dls.train_ds)} training images, batch {r.bs}, {epochs} epochs", flush=True)
    with learn.no_bar(), learn.no_logging(): train(learn, epochs=epochs, cbs=[TestEachEpoch()])
    return curve, tta, flops*len(dls.train_ds)*epochs

def peer_net():
    "Seed 004 §5.4's VGG-style CNN, for 28x28 grayscale images"
    from imgclf.models import vgg_cifar
    return vgg_cifar(n_in=1, n_out=10, size=28)

def folder_tensors(path, labels):
    "The grayscale images of a `path/<label>/*.png` folder as a float tensor in [0,1], and their label indices"
    from PIL import Image
    from imgclf.files import image_files
    fs = image_files(path)
    x = np.stack([np.asarray(Image.open(f).convert('L')) for f in fs])
    return torch.tensor(x, dtype=torch.float32)[:, None]/255., torch.tensor([labels.index(f.parent.name) for f in fs])

def run_peer(path, max_seconds, max_epochs=30):
    "The peer on the same PNG files as imgclf (read into memory first; that time is not counted)"
    from imgclf.data import FASHION_LABELS
    (xt, yt), (xv, yv) = (folder_tensors(path/s, FASHION_LABELS) for s in ('train', 'test'))
    torch.manual_seed(42)
    model, curve, train_s = peer_net(), [], 0.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    print(f"peer: VGG-style CNN of seed 004, Adam 1e-3, batch 64, until 92% or {max_seconds} s", flush=True)
    for epoch in range(max_epochs):
        model.train(); t = time.perf_counter()
        for i in torch.randperm(len(xt)).split(64):
            opt.zero_grad(); F.cross_entropy(model(xt[i]), yt[i]).backward(); opt.step()
        train_s += time.perf_counter() - t
        model.eval()
        with torch.no_grad(): acc = sum((model(x).argmax(1) == y).sum().item() for x, y in zip(xv.split(1000), yv.split(1000)))/len(xv)
        curve.append((train_s, acc))
        print(f"peer    epoch {epoch+1}: {train_s:6.1f} s of training, test accuracy {acc:.4f}", flush=True)
        if acc >= 0.92 or train_s >= max_seconds: break
    return curve

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='fashion_tiny (ships with imgclf), one epoch each: checks the script offline, measures nothing')
    p.add_argument('--peer-seconds', type=float, default=480, help='stop the peer after this much training if it has not reached 92%%')
    p.add_argument('--epochs', type=int, help="imgclf's epochs (default: the recipe's)")
    p.add_argument('--bs', type=int, help="imgclf's batch size (default: the recipe's)")
    p.add_argument('--no-peer', action='store_true', help='measure imgclf only')
    p.add_argument('--save', help='also write the JSON result, with both curves, to this file')
    a = p.parse_args()
    from imgclf.data import fashion_mnist, fashion_tiny
    from imgclf.train import matmul_gflops
    from imgclf.pipeline import Recipe
    path = fashion_tiny() if a.quick else fashion_mnist()
    peak = matmul_gflops()
    print(f"matmul peak: {peak:.0f} GFLOP/s fp32 ({torch.get_num_threads()} threads)", flush=True)
    curve, tta, flops = run_imgclf(path, epochs=1 if a.quick else a.epochs, bs=a.bs)
    peer = [] if a.no_peer else run_peer(path, 5 if a.quick else a.peer_seconds, max_epochs=1 if a.quick else 30)
    s92, p92 = first_time(curve, .92), first_time(peer, .92)
    peer_best = max((a for _, a in peer), default=None)
    res = dict(imgclf_s_to_92=s92, imgclf_s_to_93=first_time(curve, .93), imgclf_s_to_94=first_time(curve, .94),
               imgclf_best_acc=max(a for _, a in curve), imgclf_train_s=round(curve[-1][0], 1),
               imgclf_tta_s_to_93=first_time(tta, .93), imgclf_tta_best_acc=max(a for _, a in tta),
               imgclf_bs=a.bs or Recipe.for_dataset(path).bs, imgclf_epochs=len(curve),
               peer_s_to_92=p92, peer_best_acc=peer_best, peer_train_s=round(peer[-1][0], 1) if peer else None,
               ratio_to_92=round(p92/s92, 2) if s92 and p92 else None,
               ratio_to_92_at_least=round(peer[-1][0]/s92, 2) if s92 and peer and not p92 else None,
               imgclf_s_to_peer_best=first_time(curve, peer_best) if peer else None, peer_s_to_peer_best=first_time(peer, peer_best) if peer else None,
               peak_gflops=round(peak, 1), achieved_gflops=round(flops/curve[-1][0]/1e9, 1), quick=a.quick)
    if res['imgclf_s_to_peer_best']: res['ratio_to_peer_best'] = round(res['peer_s_to_peer_best']/res['imgclf_s_to_peer_best'], 2)
    if a.save:
        with open(a.save, 'w') as f: json.dump(res | dict(imgclf_curve=curve, imgclf_tta_curve=tta, peer_curve=peer), f, indent=1)
    print(json.dumps(res))

if __name__ == '__main__': main()
