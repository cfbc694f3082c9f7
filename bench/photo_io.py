"""Photos at any size: single-image prediction on 3-12 megapixel JPEGs, decoded at the scale the model needs against a full decode, in the same run.

    python bench/photo_io.py MODEL_DIR [--images DIR] [--n 40]

MODEL_DIR is a model folder written by `imgclf train` (e.g. runs/photos/model). The photos are DIR's JPEG files, or,
without DIR, scikit-image's sample photos upscaled and re-encoded as JPEGs of 1, 3, 6 and 12 megapixels (what a phone
or a web page gives). For each photo it times, from the file on disk to the probabilities:
- `imgclf predict`: the model on onnxruntime (`fast_model`), the JPEG decoded at reduced scale (`open_image(min_side=...)`);
- the same with a full decode (the peer: what imgclf did before);
- fastai's `learn.predict` on the same files.
It also reports how far the prepared pixels of the reduced decode are from a full decode (mean and 99th percentile, 0-255),
and whether the predicted labels agree. Prints a table, then one JSON line (the last line).
"""
import argparse, json, tempfile, time, warnings
from pathlib import Path
import numpy as np
from common import latencies
warnings.filterwarnings('ignore')

def big_photos(dest, megapixels=(1, 3, 6, 12)):
    "scikit-image's colour photos, upscaled to each size in `megapixels` and saved as JPEG (quality 90)"
    from skimage import data as skdata
    from PIL import Image
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for name in ('chelsea', 'coffee', 'astronaut', 'rocket'):
        im = Image.fromarray(getattr(skdata, name)())
        for mp in megapixels:
            s = (mp*1e6/(im.width*im.height))**.5
            f = dest/f'{name}_{mp}mp.jpg'
            im.resize((round(im.width*s), round(im.height*s)), Image.BICUBIC).save(f, quality=90)
            files.append(f)
    return files

def ms(ts, q): return round(float(np.quantile(ts, q))*1000, 1)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model'); p.add_argument('--images'); p.add_argument('--n', type=int, default=40)
    a = p.parse_args()
    from imgclf.files import image_files
    from imgclf.saved import load_model, SavedModel
    from imgclf.export import fast_model
    files = [f for f in image_files(a.images) if f.suffix.lower() in ('.jpg', '.jpeg')] if a.images else big_photos(Path(tempfile.mkdtemp()))
    loaded = load_model(a.model)
    fast = fast_model(loaded) # what `imgclf predict` uses
    side = loaded.meta.get('min_side') or 2*max(loaded.meta['size'])
    drafted = SavedModel(fast.net, loaded.meta | dict(min_side=side))
    full = SavedModel(fast.net, loaded.meta | dict(min_side=None))
    from PIL import Image
    mp = [Image.open(f).size for f in files]
    print(f"{loaded.meta['arch']} at {loaded.meta['size'][0]} px; {len(files)} JPEGs of {min(w*h for w,h in mp)/1e6:.1f}-{max(w*h for w,h in mp)/1e6:.1f} MP; decoded no finer than {side} px", flush=True)
    t_draft = latencies(drafted.predict, files, a.n)
    t_full = latencies(full.predict, files, a.n)
    d = Path(tempfile.mkdtemp())/loaded.vocab[0]; d.mkdir(parents=True)
    for i, f in enumerate(files): (d/f'{i}.jpg').symlink_to(f)
    learn = SavedModel(loaded.net, loaded.meta | dict(min_side=None)).learner(d.parent) # plain fastai: full decode
    with learn.no_bar(): t_fastai = latencies(lambda f: learn.predict(f), files, max(12, a.n//3))
    diffs = [np.abs(drafted.pixels(f).float() - full.pixels(f).float()).numpy() for f in files]
    agree = np.mean([drafted.predict(f)[0] == full.predict(f)[0] for f in files])
    res = dict(arch=loaded.meta['arch'], size=loaded.meta['size'][0], n_photos=len(files), min_side=side,
               imgclf_p50_ms=ms(t_draft, .5), imgclf_p95_ms=ms(t_draft, .95), full_decode_p50_ms=ms(t_full, .5), full_decode_p95_ms=ms(t_full, .95),
               fastai_p50_ms=ms(t_fastai, .5), fastai_p95_ms=ms(t_fastai, .95),
               ratio_full_to_imgclf=round(float(np.median(t_full)/np.median(t_draft)), 2),
               ratio_fastai_to_imgclf=round(float(np.median(t_fastai)/np.median(t_draft)), 2),
               pixel_diff_mean=round(float(np.mean([x.mean() for x in diffs])), 2), pixel_diff_p99=round(float(np.percentile(np.concatenate([x.ravel() for x in diffs]), 99)), 1),
               labels_agree=round(float(agree), 3))
    print(f"{'':34}{'p50 ms':>9}{'p95 ms':>9}")
    for k, key in (('imgclf predict (reduced decode)', 'imgclf'), ('imgclf predict, full decode', 'full_decode'), ('fastai learn.predict', 'fastai')):
        print(f"{k:34}{res[key+'_p50_ms']:>9}{res[key+'_p95_ms']:>9}")
    print(f"full decode / reduced (p50): {res['ratio_full_to_imgclf']}x; learn.predict / imgclf predict: {res['ratio_fastai_to_imgclf']}x; "
          f"pixels differ by {res['pixel_diff_mean']} on average (99th percentile {res['pixel_diff_p99']}, of 255); labels agree on {res['labels_agree']:.0%}")
    print(json.dumps(res))

if __name__ == '__main__': main()
