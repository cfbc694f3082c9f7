"""Fine-tuning ablation: the fast-mode head, then one change at a time to the fine-tuning that follows it.

    python bench/finetune_ablation.py DATASET --name 'what changes' [--bn-stats fixed] [--lr 5e-4] [--lr-mult 100] [--aug flip] [--min-scale 0] [--bs 8] [--opt sgd]

Trains imgclf's default photo recipe's head (fast mode, on features of the un-augmented training images), validates it,
then fine-tunes the whole network for `--epochs` epochs with the given changes, and appends one JSON line to
`--results` (bench/results/finetune_ablation.jsonl): the validation loss after the head and after each epoch, the
training loss of each epoch, and the test accuracy of the head and of the last epoch. `--min-scale 0` trains on the whole
image resized (no random crop). Accuracy and losses only: its times are not for comparison (runs may share the machine).
"""
import sys, json, time, argparse, warnings
warnings.filterwarnings('ignore')
from pathlib import Path
import torch
from fastai.vision.all import set_seed, partial, SGD, Callback
from imgclf.pipeline import Recipe
from imgclf.train import fast_train, _fit_phase, FixedBNStats
from imgclf.data import get_test_dl
from dataclasses import replace

p = argparse.ArgumentParser()
p.add_argument('data'); p.add_argument('--seed', type=int, default=42); p.add_argument('--name', required=True, help='what the run changes, in words')
p.add_argument('--epochs', type=int, default=3); p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--bs', type=int, default=8); p.add_argument('--min-scale', type=float, default=0.35)
p.add_argument('--aug', default='standard'); p.add_argument('--bn-stats', default='update'); p.add_argument('--opt', default='adam')
p.add_argument('--size', type=int, default=224); p.add_argument('--div', type=float, default=5.)
p.add_argument('--lr-mult', type=float, default=100., help="the head's learning rate over the body's (fastai's fine_tune lr_mult)")
p.add_argument('--threads', type=int, default=0, help='torch threads (0: all)')
p.add_argument('--results', default=str(Path(__file__).parent/'results'/'finetune_ablation.jsonl'))
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
r = Recipe.for_dataset(a.data, seed=a.seed, bs=a.bs, aug=a.aug, size=a.size, epochs=a.epochs)
r = replace(r, min_scale=a.min_scale or None)
set_seed(a.seed, reproducible=True)
dls = r.dls(a.data)
learn = r.learner(dls)
if a.opt == 'sgd': learn.opt_func = partial(SGD, mom=0.9)
elif a.opt != 'adam': raise SystemExit(f'--opt {a.opt}: use adam or sgd')
fast_train(learn)
with learn.no_bar(), learn.no_logging(): hl, ha = learn.validate()
tdl = get_test_dl(dls)
def test_acc():
    with learn.no_bar(), learn.no_logging(): return float(learn.validate(dl=tdl)[1])
h_test = test_acc()
learn.unfreeze()
cbs = [FixedBNStats()] if a.bn_stats == 'fixed' else []
lr = a.lr
recs = []
class Rec(Callback):
    order = 90
    def after_epoch(self): recs.append(dict(train=float(self.recorder.log[1]), valid=float(self.recorder.log[2]), acc=float(self.recorder.log[3])))
with learn.no_bar(), learn.no_logging():
    learn.opt = None
    _fit_phase(learn, a.epochs, slice(lr/2/a.lr_mult, lr/2), pct_start=0.3, div=a.div, cbs=cbs+[Rec()])
res = dict(change=a.name, settings=dict(bn_stats=a.bn_stats, lr=a.lr, lr_mult=a.lr_mult, aug=a.aug, min_scale=a.min_scale or None, bs=a.bs, opt=a.opt, size=a.size, epochs=a.epochs), data=Path(a.data).name, seed=a.seed, head_valid=round(float(hl),4), head_test=round(h_test,4),
           valid=[round(x['valid'],4) for x in recs], train=[round(x['train'],4) for x in recs], acc=[round(x['acc'],4) for x in recs],
           test=round(test_acc(),4))
print(json.dumps(res), flush=True)
Path(a.results).parent.mkdir(exist_ok=True)
with open(a.results, 'a') as f: f.write(json.dumps(res)+'\n')
