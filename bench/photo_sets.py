"""Photo sets for developing the photo recipe, built from data that ships offline (beside flowers12, which users do not have).

    python bench/photo_sets.py OUT_FOLDER

Writes three folder datasets with train/, valid/ and test/, each a different kind of task for an ImageNet network:
- skphotos: pieces of six of scikit-image's colour photos (astronaut, cat, coffee, rocket, motorcycle, Hubble deep field),
  48 to 240 px wide, enlarged to 224 px; 42/14/14 per label. Each split is cut from its own band of rows of each photo
  (train from the top 60%, valid the next 20%, test the last 20%), so no piece overlaps another split's: a model has to
  recognise a scene from parts of it it has not seen. Limits: one photo per label, so it measures generalisation within a
  photo, not across photos of a kind; 84 validation images make its losses noisy.
- fashion224: imgclf's fashion_tiny (Fashion-MNIST, 50/20/20 per label) enlarged from 28 to 224 px, in RGB. Limits: not
  photos; grayscale, blurry after a 8x enlargement, far from ImageNet's images, which is the point (frozen features are
  not enough, fine-tuning has to adapt the body).
- textures224: imgclf's textures (brick, grass, gravel) with 100 pieces per label at 224 px. Limits: frozen ImageNet
  features already separate them perfectly (the head alone reaches a validation loss near 0), so it can only show that
  fine-tuning does no harm.
"""
import sys
from pathlib import Path
from PIL import Image

def skphotos(dest, n=70, size=224, seed=0):
    "Pieces of six scikit-image colour photos, one label per photo, each split from its own band of rows"
    from skimage import data as skdata
    from imgclf.datasets import write_image_folder, pieces_by_band
    src = dict(astronaut=skdata.astronaut, cat=skdata.chelsea, coffee=skdata.coffee, rocket=skdata.rocket,
               motorcycle=lambda: skdata.stereo_motorcycle()[0], hubble=skdata.hubble_deep_field)
    return write_image_folder(dest, pieces_by_band({k: f() for k, f in src.items()}, n, size, seed, largest=240), list(src))

def fashion224(dest, size=224):
    "fashion_tiny enlarged to `size` px, in RGB"
    from imgclf.datasets import fashion_tiny
    src = fashion_tiny()
    for f in sorted(src.rglob('*.png')):
        o = Path(dest)/f.relative_to(src); o.parent.mkdir(parents=True, exist_ok=True)
        Image.open(f).convert('RGB').resize((size, size), Image.BICUBIC).save(o)
    return Path(dest)

if __name__ == '__main__':
    from imgclf.datasets import textures
    out = Path(sys.argv[1] if len(sys.argv) > 1 else 'photo_sets')
    for name, f in dict(skphotos=skphotos, fashion224=fashion224, textures224=lambda d: textures(d, n=100, size=224)).items():
        if not (out/name).exists(): f(out/name)
        print(name, {s: sum(1 for _ in (out/name/s).rglob('*.png')) for s in ('train', 'valid', 'test')})
