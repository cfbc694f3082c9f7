"""Photos at any size: seconds per fine-tuning epoch with each way of loading them, against tensors already in memory, in the same run.

    python bench/photo_epoch.py [--images DIR] [--n 48] [--size 224] [--rounds 3] [--quick]

The photos are DIR's images (a folder per label, or a dataset whose train/ split is used), or, without DIR, crops of
scikit-image's sample photos enlarged to 1-12 megapixels and saved as JPEGs (what a phone or a web page gives), in two labels.
Every variant trains the same EfficientNet-Lite0 (ImageNet weights, every layer trainable, Adam, batch 8, as imgclf's
photo recipe) with the same loop; only the loader differs:
- `tensors`: every photo decoded and resized once into tensors in memory (`DecodedDL`, no random crop): the compute limit;
- `imgclf`: `get_dls(decoded=True)`, photos decoded once into imgclf's cache, random crops each epoch (`PhotoDL`),
  with 0, 1 and 2 worker processes; its first epoch, which fills the cache, is reported on its own;
- `imgclf, no cache`: the same DataBlock decoding every photo every epoch (at reduced scale), 0 and 2 workers;
- `fastai`: `ImageDataLoaders.from_folder` with `RandomResizedCrop` and `aug_transforms`, 0, 1 and 2 workers (2 is its default here);
- `tutorial`: torchvision's `ImageFolder` with the PyTorch transfer-learning tutorial's transforms and `DataLoader(num_workers=4)`.
Each training runs in a process of its own (one untimed epoch, then two timed), the variants in turn for `--rounds` rounds,
median and fastest reported: this machine's speed drifts by up to 2x. The loaders are also timed alone, without the model
(milliseconds per photo). Prints a table, then one JSON line (the last line).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
warnings.filterwarnings('ignore')

def photo_dataset(dest, n, seed=0, noise=4):
    "`n` JPEGs of 1-12 megapixels in two labels: random crops of scikit-image's photos, enlarged, with a little noise"
    from skimage import data as skdata
    from PIL import Image
    rng = np.random.default_rng(seed)
    sources = dict(cat=[skdata.chelsea(), skdata.cat()], other=[skdata.coffee(), skdata.astronaut(), skdata.rocket()])
    for i in range(n):
        label = list(sources)[i % 2]; a = sources[label][(i//2) % len(sources[label])]
        h, w = rng.integers(a.shape[0]//2, a.shape[0]+1), rng.integers(a.shape[1]//2, a.shape[1]+1)
        y, x = rng.integers(0, a.shape[0]-h+1), rng.integers(0, a.shape[1]-w+1)
        im = Image.fromarray(a[y:y+h, x:x+w]); s = (rng.uniform(1, 12)*1e6/(im.width*im.height))**.5
        big = np.asarray(im.resize((round(im.width*s), round(im.height*s)), Image.BICUBIC)).astype(np.int16)
        big = np.clip(big + rng.normal(0, noise, big.shape).astype(np.int16), 0, 255).astype(np.uint8) # sensor-like noise: an enlarged photo alone is unnaturally smooth, and quick to decode
        (dest/label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(big).save(dest/label/f'{i:03d}.jpg', quality=90)
    return dest

def plain(t): return t.as_subclass(torch.Tensor) if isinstance(t, torch.Tensor) else t

def loader_seconds(dl):
    "Seconds to go once through `dl`, making every batch, with no model"
    t = time.perf_counter()
    for b in dl: pass
    return time.perf_counter() - t

class Trainer:
    "The same fine-tuning loop for every loader: EfficientNet-Lite0 from ImageNet weights, every layer trainable, Adam"
    def __init__(self, dl, size, n_classes):
        from imgclf.models import imagenet_model
        torch.manual_seed(0)
        self.dl, self.size = dl, size
        self.model = imagenet_model('efficientnet_lite0'); self.model.reset_classifier(n_classes)
        self.model = self.model.train().to(memory_format=torch.channels_last) # as imgclf trains on a CPU (fastai's `ChannelsLast`)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-4)
    def epoch(self):
        t = time.perf_counter()
        for xb, yb in self.dl:
            xb, yb = plain(xb), plain(yb)
            assert xb.shape[-1] == self.size
            self.opt.zero_grad(); F.cross_entropy(self.model(xb), yb).backward(); self.opt.step()
        return time.perf_counter() - t

def interleaved(fs, rounds):
    "Median seconds of each of `fs` (a dict of functions), called in turn for `rounds` rounds, so that the machine's drift hits all alike"
    ts = {k: [] for k in fs}
    for r in range(rounds):
        for k, f in (fs.items() if r % 2 == 0 else reversed(fs.items())): ts[k].append(f())
    return {k: float(np.median(v)) for k, v in ts.items()}, {k: float(np.min(v)) for k, v in ts.items()}

def loader_factories(data, size, bs, ms):
    "The four ways of loading `data`'s training photos, as functions that make a loader"
    from fastai.vision.all import ImageDataLoaders, RandomResizedCrop, aug_transforms, Normalize, imagenet_stats
    from imgclf.data import get_dls
    norm = Normalize.from_stats(*imagenet_stats)
    def imgclf(decoded, workers):
        dl = get_dls(data, size=size, bs=bs, min_scale=ms, decoded=decoded, num_workers=workers).train
        dl.after_batch.add(norm); return dl
    def tensors():
        dl = get_dls(data, size=size, bs=bs, decoded='memory').train
        dl.after_batch.add(norm); return dl
    def fastai(workers): return ImageDataLoaders.from_folder(data, item_tfms=RandomResizedCrop(size, min_scale=ms), bs=bs, num_workers=workers,
                                                             batch_tfms=[*aug_transforms(), norm]).train
    def tutorial(workers):
        from torchvision import datasets, transforms as T
        tfm = T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
        return torch.utils.data.DataLoader(datasets.ImageFolder(data/'train', tfm), batch_size=bs, shuffle=True, num_workers=workers)
    return imgclf, tensors, fastai, tutorial

def make_loader(name, data, size, bs=8, ms=0.35):
    "The loader a variant's name describes ('imgclf, 2 workers', 'fastai, 0 workers', ...)"
    imgclf, tensors, fastai, tutorial = loader_factories(data, size, bs, ms)
    if name == 'tensors in memory': return tensors()
    kind, w = name.split(', '); w = int(w.split()[0])
    return dict(imgclf=lambda: imgclf('photos', w), fastai=lambda: fastai(w), tutorial=lambda: tutorial(w))[kind]()

def train_one(name, data, size, epochs=2):
    "Seconds of each of `epochs` timed epochs (after one untimed) of fine-tuning with the loader `name`"
    data = Path(data)
    tr = Trainer(make_loader(name, data, size), size, len([d for d in (data/'train').iterdir() if d.is_dir()]))
    tr.epoch()
    return [tr.epoch() for _ in range(epochs)]

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images'); p.add_argument('--n', type=int, default=48); p.add_argument('--size', type=int, default=224)
    p.add_argument('--rounds', type=int, default=3); p.add_argument('--train', help=argparse.SUPPRESS); p.add_argument('--data', help=argparse.SUPPRESS); p.add_argument('--quick', action='store_true', help='fewer variants, no training: a smoke test')
    a = p.parse_args()
    if a.train: print(json.dumps(train_one(a.train, a.data, a.size))); return
    tmp = Path(tempfile.mkdtemp())
    os.environ['IMGCLF_DATA'] = str(tmp/'cache') # a cold cache: the first epoch decodes, as on a user's first run
    from PIL import Image
    from imgclf.data import find_splits, image_files
    if a.images: root = find_splits(a.images).get('train', Path(a.images))
    else: root = photo_dataset(tmp/'photos', a.n)
    data = tmp/'data' # every variant reads the same files, all as training images
    for f in image_files(root): (data/'train'/f.parent.name).mkdir(parents=True, exist_ok=True); (data/'train'/f.parent.name/f.name).symlink_to(f.resolve())
    shutil.copytree(data/'train', data/'valid', symlinks=True)
    files = image_files(data/'train')
    mp = [w*h/1e6 for w, h in (Image.open(f).size for f in files)]
    mb = np.median([f.stat().st_size/1e6 for f in files])
    print(f"{len(files)} photos of {min(mp):.1f}-{max(mp):.1f} MP (median {np.median(mp):.1f} MP, {mb:.1f} MB); EfficientNet-Lite0 at {a.size} px, batch 8; "
          f"medians of {a.rounds} rounds, after one untimed", flush=True)
    size, bs, ms = a.size, 8, 0.35
    imgclf, tensors, fastai, tutorial = loader_factories(data, size, bs, ms)
    t = time.perf_counter(); dls = {'imgclf, 0 workers': imgclf('photos', 0)}; loader_seconds(dls['imgclf, 0 workers'])
    first = time.perf_counter() - t # the first epoch decodes every photo into the cache
    train, fastest = {}, {} # first, while this process holds no loaders (and no worker processes)
    if not a.quick: # each training in a process of its own, in turn: nothing left over from one loader (worker processes, memory) slows the next
        chosen = ['tensors in memory', 'imgclf, 0 workers', 'imgclf, 2 workers', 'fastai, 0 workers', 'fastai, 2 workers', 'tutorial, 4 workers']
        ts = {k: [] for k in chosen}
        for r in range(a.rounds):
            for k in (chosen if r % 2 == 0 else chosen[::-1]):
                out = subprocess.run([sys.executable, __file__, '--train', k, '--data', str(data), '--size', str(size)], capture_output=True, text=True, env=os.environ)
                assert out.returncode == 0, out.stderr[-2000:]
                ts[k] += json.loads(out.stdout.strip().splitlines()[-1])
        train, fastest = {k: float(np.median(v)) for k, v in ts.items()}, {k: float(np.min(v)) for k, v in ts.items()}
        print(f"{'':30}{'epoch s (median)':>18}{'fastest':>10}", flush=True)
        for k, v in train.items(): print(f"{k:30}{v:>18.2f}{fastest[k]:>10.2f}", flush=True)
    dls |= {'tensors in memory': tensors()}
    if not a.quick: dls |= {'imgclf, 1 worker': imgclf('photos', 1), 'imgclf, 2 workers': imgclf('photos', 2),
                            'imgclf no cache, 0 workers': imgclf(False, 0), 'imgclf no cache, 2 workers': imgclf(False, 2)}
    dls |= {'fastai, 0 workers': fastai(0), 'fastai, 2 workers': fastai(2), 'tutorial, 4 workers': tutorial(4)}
    if not a.quick: dls |= {'fastai, 1 worker': fastai(1), 'tutorial, 0 workers': tutorial(0)}
    for dl in dls.values(): loader_seconds(dl) # untimed: caches filled, files in the page cache
    load, _ = interleaved({k: (lambda dl=dl: loader_seconds(dl)) for k, dl in dls.items()}, a.rounds)
    print(f"{'':30}{'loading ms/photo':>18}", flush=True)
    for k, v in load.items(): print(f"{k:30}{v/len(files)*1000:>18.1f}", flush=True)
    def ratios(d, best):
        return {k: round(v/d[best], 2) for k, v in d.items() if k.startswith(('fastai', 'tutorial'))}
    res = dict(n_photos=len(files), megapixels_median=round(float(np.median(mp)), 1), megapixels_max=round(max(mp), 1), mb_median=round(float(mb), 2), size=size,
               first_epoch_decode_s=round(first, 2), loading_ms_per_photo={k: round(v/len(files)*1000, 1) for k, v in load.items()},
               loading_ratio_peers_to_imgclf=ratios(load, 'imgclf, 0 workers'))
    if train: res |= dict(epoch_s={k: round(v, 2) for k, v in train.items()}, epoch_fastest_s={k: round(v, 2) for k, v in fastest.items()},
                          ratio_imgclf_to_tensors=round(train['imgclf, 0 workers']/train['tensors in memory'], 2),
                          ratio_imgclf_to_tensors_fastest=round(fastest['imgclf, 0 workers']/fastest['tensors in memory'], 2),
                          epoch_ratio_peers_to_imgclf=ratios(train, 'imgclf, 0 workers'), epoch_ratio_peers_to_imgclf_fastest=ratios(fastest, 'imgclf, 0 workers'))
    print(f"first epoch (decoding into the cache): {first:.1f} s; loading, peers / imgclf: " + ', '.join(f'{k} {v}x' for k, v in res['loading_ratio_peers_to_imgclf'].items()))
    if train: print(f"epoch: imgclf / tensors in memory {res['ratio_imgclf_to_tensors']}x; peers / imgclf: " + ', '.join(f'{k} {v}x' for k, v in res['epoch_ratio_peers_to_imgclf'].items()))
    shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(res))

if __name__ == '__main__': main()
