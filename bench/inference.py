"""Inference speed on CPU: fastai's `learn.predict`, imgclf's `predict` (as `imgclf predict` runs it, and with eager PyTorch), and the ONNX export on onnxruntime, in the same run.

    python bench/inference.py MODEL_DIR [--images DIR] [--n 60]

MODEL_DIR is a model folder written by `imgclf train` (e.g. runs/photos/model). The images are DIR's image files, or
scikit-image's sample photos when no DIR is given. Prints a table, then one JSON line (the last line) with
single-image latency (p50, p95, ms), batch throughput (images/s) and the largest difference between the ONNX and the
PyTorch probabilities.
"""
import argparse, json, os, shutil, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch
from common import latencies
warnings.filterwarnings('ignore')

def sample_photos():
    import skimage
    d = Path(skimage.__file__).parent/'data'
    return [d/n for n in ('astronaut.png','chelsea.png','coffee.png','rocket.jpg','retina.jpg','motorcycle_left.png','hubble_deep_field.jpg','color.png')]

def ms(ts, q): return round(float(np.quantile(ts, q))*1000, 2)

def fastai_learner(model_dir, files, vocab):
    "A fastai `Learner` around the saved model, with the validation transforms, as `learn.predict` needs"
    from imgclf.saved import load_model
    d = Path(tempfile.mkdtemp())/vocab[0]; d.mkdir(parents=True)
    for i,f in enumerate(files): shutil.copy(f, d/f'{i}{f.suffix}')
    return load_model(model_dir).learner(d.parent)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model'); p.add_argument('--images'); p.add_argument('--n', type=int, default=60); p.add_argument('--bs', type=int, default=32)
    a = p.parse_args()
    from imgclf.files import image_files, open_image
    from imgclf.saved import load_model
    from imgclf.export import export_onnx, fast_model
    files = list(image_files(a.images))[:32] if a.images else sample_photos()
    loaded = load_model(a.model); meta = loaded.meta
    print(f"{meta['arch']} at {meta['size'][0]} px, {len(meta['vocab'])} classes; {len(files)} images; torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    # single images, from the file on disk to the probabilities
    fast = fast_model(loaded) # what `imgclf predict` uses: the model on onnxruntime, preprocessing as in training
    t_imgclf = latencies(lambda f: fast.predict(f), files, a.n)
    t_torch = latencies(lambda f: loaded.predict(f), files, a.n)
    learn = fastai_learner(a.model, files, meta['vocab'])
    with learn.no_bar(): t_fastai = latencies(lambda f: learn.predict(f), files, max(20, a.n//3))
    import onnxruntime as ort
    onnx_fn = Path(tempfile.mkdtemp())/'model.onnx'
    export_onnx(loaded, onnx_fn)
    sess = ort.InferenceSession(str(onnx_fn), providers=['CPUExecutionProvider'])
    mode = 'L' if meta['n_in'] == 1 else 'RGB'
    def onnx_one(f):
        a_ = np.asarray(open_image(f, mode))
        a_ = a_[None, None] if a_.ndim == 2 else a_.transpose(2,0,1)[None]
        return sess.run(None, {'image': np.ascontiguousarray(a_)})[0][0]
    t_onnx = latencies(onnx_one, files, a.n)
    # agreement: the ONNX graph resizes with antialiased bilinear interpolation, imgclf with PIL; compare on images already at the model's size
    from PIL import ImageOps, Image
    h, w = meta['size']
    fitted = [ImageOps.fit(open_image(f, mode), (w, h), method=Image.BILINEAR) for f in files]
    diffs = []
    for im in fitted:
        _, _, probs = loaded.predict(im)
        x = np.asarray(im); x = x[None, None] if x.ndim == 2 else x.transpose(2,0,1)[None]
        diffs.append(float(np.abs(sess.run(None, {'image': np.ascontiguousarray(x)})[0][0] - probs.numpy()).max()))
    # batches of the model's input size
    xb = torch.cat([loaded.prepare(im) for im in fitted] * (a.bs // len(fitted) + 1))[:a.bs]
    def per_s(f, reps=5):
        f(); t = time.perf_counter()
        for _ in range(reps): f()
        return round(a.bs*reps/(time.perf_counter() - t), 1)
    model = loaded.net.to(memory_format=torch.channels_last)
    xcl = xb.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode(): b_torch = per_s(lambda: model(xcl).softmax(1))
    xu8 = torch.cat([loaded.pixels(im) for im in fitted] * (a.bs // len(fitted) + 1))[:a.bs]
    b_imgclf = per_s(lambda: fast.net(xu8))
    dl = learn.dls.test_dl(list(files) * (a.bs // len(files) + 1))
    with learn.no_bar(): b_fastai = per_s(lambda: learn.get_preds(dl=dl), reps=2) * len(dl.dataset) / a.bs
    xu = np.ascontiguousarray(np.stack([np.asarray(im) if mode == 'L' else np.asarray(im).transpose(2,0,1) for im in fitted] * (a.bs // len(fitted) + 1))[:a.bs])
    if mode == 'L': xu = xu[:, None]
    b_onnx = per_s(lambda: sess.run(None, {'image': xu}))
    res = dict(arch=meta['arch'], size=meta['size'][0], threads=torch.get_num_threads(),
               imgclf_p50_ms=ms(t_imgclf, .5), imgclf_p95_ms=ms(t_imgclf, .95),
               fastai_p50_ms=ms(t_fastai, .5), fastai_p95_ms=ms(t_fastai, .95),
               imgclf_torch_p50_ms=ms(t_torch, .5), imgclf_torch_p95_ms=ms(t_torch, .95),
               onnx_p50_ms=ms(t_onnx, .5), onnx_p95_ms=ms(t_onnx, .95),
               ratio_fastai_to_imgclf=round(float(np.median(t_fastai)/np.median(t_imgclf)), 2),
               imgclf_batch_img_s=b_imgclf, imgclf_torch_batch_img_s=b_torch, fastai_batch_img_s=round(b_fastai, 1), onnx_batch_img_s=b_onnx,
               onnx_max_abs_diff=max(diffs))
    print(f"{'':24}{'p50 ms':>9}{'p95 ms':>9}{'batch img/s':>13}")
    for k, key, b in (('fastai learn.predict', 'fastai', b_fastai), ('imgclf predict', 'imgclf', b_imgclf),
                      ('imgclf predict, PyTorch', 'imgclf_torch', b_torch), ('onnxruntime, raw', 'onnx', b_onnx)):
        print(f"{k:24}{res[key+'_p50_ms']:>9}{res[key+'_p95_ms']:>9}{round(b,1):>13}")
    print(f"learn.predict / imgclf predict (p50): {res['ratio_fastai_to_imgclf']}x; ONNX vs PyTorch probabilities: max difference {res['onnx_max_abs_diff']:.2e}")
    print(json.dumps(res))

if __name__ == '__main__': main()
