"Generate bad and unusual image files on the fly, for the reliability tests"
import io, os, stat, struct, zlib
from pathlib import Path
import numpy as np
from PIL import Image

def _photo(w=64, h=48, seed=0):
    "A small RGB image with structure (a gradient and a square), so that rotations are visible"
    rng = np.random.default_rng(seed)
    a = np.zeros((h, w, 3), np.uint8)
    a[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)[None]
    a[..., 1] = np.linspace(0, 255, h, dtype=np.uint8)[:, None]
    a[h//4:h//2, w//4:w//2] = rng.integers(0, 255, 3)
    return Image.fromarray(a)

def _png_bomb(fn, w=30_000, h=30_000):
    "A valid-looking PNG header claiming `w`x`h` pixels (above PIL's decompression-bomb limit)"
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)
    fn.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0' * 100)) + chunk(b'IEND', b''))

def _exif_rotated(fn):
    "A JPEG stored sideways (taller than wide) with EXIF orientation 6: shown upright it is wider than tall"
    im = _photo(64, 48).transpose(Image.ROTATE_90) # turned a quarter anticlockwise: stored 48 wide, 64 high
    ex = Image.Exif(); ex[0x0112] = 6 # "turn 90 degrees clockwise to view"
    im.save(fn, exif=ex, quality=95)

# kind -> (file name, writer); every writer makes one file
def bad_files():
    "The bad and unusual single-file inputs: kind -> (file name, function writing it)"
    def save(im, **kw): return lambda fn: im.save(fn, **kw)
    def truncated(fn):
        b = io.BytesIO(); _photo(128, 96).save(b, 'JPEG', quality=95); fn.write_bytes(b.getvalue()[:len(b.getvalue())//2])
    def gif(fn):
        frames = [_photo(seed=i).convert('P') for i in range(3)]
        frames[0].save(fn, save_all=True, append_images=frames[1:], duration=100, loop=0)
    def palette_alpha(fn):
        im = _photo().convert('P'); im.info['transparency'] = 0; im.save(fn, transparency=0)
    def sixteen(fn):
        a = (np.linspace(0, 65535, 64*48).reshape(48, 64)).astype(np.uint16)
        Image.fromarray(a).save(fn)
    return {
        'zero_byte':       ('empty.jpg', lambda fn: fn.write_bytes(b'')),
        'truncated_jpeg':  ('truncated.jpg', truncated),
        'text_as_jpg':     ('notes.jpg', lambda fn: fn.write_text('this is not an image\n')),
        'cmyk_jpeg':       ('cmyk.jpg', save(_photo().convert('CMYK'), quality=95)),
        'png_16bit':       ('sixteen.png', sixteen),
        'palette_alpha':   ('palette_alpha.png', palette_alpha),
        'rgba':            ('rgba.png', save(_photo().convert('RGBA'))),
        'grayscale':       ('gray.png', save(_photo().convert('L'))),
        'exif_rotated':    ('exif_rotated.jpg', _exif_rotated),
        'webp':            ('photo.webp', save(_photo(), quality=90)),
        'animated_gif':    ('animated.gif', gif),
        'one_pixel':       ('one_pixel.png', save(_photo(1, 1))),
        'decompression_bomb': ('bomb.png', _png_bomb),
        'odd_name':        ('a photo – ünïcødé 写真.png', save(_photo())),
        'symlink_loop':    ('loop.jpg', lambda fn: (os.symlink(fn.name + '.2.jpg', fn), os.symlink(fn.name, str(fn) + '.2.jpg'))),
        'self_link':       ('self.png', lambda fn: os.symlink(fn.name, fn)),
        'dangling_link':   ('moved.png', lambda fn: os.symlink('no_such_photo.png', fn)),
        'trns_colour_key': ('keyed.png', save(_photo(), transparency=tuple(_photo().getpixel((0, 0))))), # a PNG tRNS chunk: one colour is transparent
        'tab_in_name':     ('tab\tin name.png', save(_photo())),
        'newline_in_name': ('line\nbreak.png', save(_photo())),
    }

UNREADABLE = {'zero_byte', 'truncated_jpeg', 'text_as_jpg', 'decompression_bomb', 'symlink_loop', 'self_link', 'dangling_link'}

def write_bad_files(dest, kinds=None):
    "Write the bad files (all kinds, or `kinds`) into folder `dest`; returns kind -> path"
    dest = Path(dest); dest.mkdir(parents=True, exist_ok=True)
    res = {}
    for k,(name,f) in bad_files().items():
        if kinds is None or k in kinds: f(dest/name); res[k] = dest/name
    return res

def snapshot(root):
    "Every file and link under `root` with its bytes (or link target): to prove nothing was changed or lost"
    res = {}
    for dp, dns, fns in os.walk(root):
        for n in fns + [d for d in dns if os.path.islink(os.path.join(dp, d))]:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            res[os.path.relpath(p, root)] = (('link', os.readlink(p)) if os.path.islink(p) else ('file', Path(p).read_bytes()) if stat.S_ISREG(st.st_mode)
                                             else ('special', stat.S_IFMT(st.st_mode))) # a pipe or a device: never opened
    return res

def photo_folder(dest, n_train=16, n_valid=20, n_test=20, seed=0, scale=1):
    "A two-label folder of real photos (crops of scikit-image's samples) in many sizes and shapes, with train/, valid/ and test/; `scale` enlarges them (6: 0.2-5 megapixels)"
    from skimage import data as sk
    rng, dest = np.random.default_rng(seed), Path(dest)
    sources = dict(cat=[sk.chelsea(), sk.cat()], other=[sk.coffee(), sk.rocket(), sk.astronaut()])
    for split, n in (('train', n_train), ('valid', n_valid), ('test', n_test)):
        for label, photos in sources.items():
            (dest/split/label).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                a = photos[i % len(photos)]
                h, w = rng.integers(a.shape[0]//3, a.shape[0]), rng.integers(a.shape[1]//3, a.shape[1]) # wide, tall and square crops
                y, x = rng.integers(0, a.shape[0]-h+1), rng.integers(0, a.shape[1]-w+1)
                im = Image.fromarray(a[y:y+h, x:x+w])
                if scale != 1: im = im.resize((im.width*scale, im.height*scale), Image.BICUBIC)
                im.save(dest/split/label/f'{i:03d}.jpg', quality=90)
    return dest

def colour_photos(dest, counts={'': 24}, seed=0):
    "Colour JPEGs of any size (80-220 px a side), two labels that differ in colour and in the shape drawn on them: `counts[split]` per label in `dest/split/label/` (split '': no split folders)"
    from PIL import ImageDraw
    rng, dest = np.random.default_rng(seed), Path(dest)
    for split, n in counts.items():
        for label, (bg, shape) in dict(sunny=((200, 150, 60), 'ellipse'), stormy=((60, 80, 150), 'rectangle')).items():
            (dest/split/label).mkdir(parents=True)
            for i in range(n):
                w, h = (int(v) for v in rng.integers(80, 220, 2))
                img = Image.fromarray((rng.normal(0, 25, (h, w, 3)) + np.array(bg)).clip(0, 255).astype(np.uint8))
                s = int(min(w, h)*rng.uniform(.3, .6)); x, y = int(rng.integers(0, w-s)), int(rng.integers(0, h-s))
                getattr(ImageDraw.Draw(img), shape)([x, y, x+s, y+s], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
                img.save(dest/split/label/f'IMG_{i:04d}.jpg', quality=85)
    return dest

# The names a folder of photos saved from the web has (the fastbook chapter-2 kind: 427 files, 50 of them named after their URL)
WEB_NAMES = ['{i:08d}.jpg?width=3200&height=1680&fit=crop', '{i:08d}.jpg?v=1584804420', '{i:08d}.php?itemNumber={i}',
             '{i:08d}.jpeg?quality=80&strip=all', '{i:08d}.png?resize=1024%2C768&ssl=1']

def web_photo_folder(dest, n=427, n_url=50, seed=0):
    "`n` small photos in three label folders, named as a web download names them: `n_url` after their URL (see `WEB_NAMES`), some `.JPG`/`.jpeg`, a WebP, an AVIF; returns the paths of the URL-named ones"
    from skimage import data as sk
    from PIL import features
    rng, dest = np.random.default_rng(seed), Path(dest)
    photos, labels = [sk.chelsea(), sk.coffee(), sk.astronaut()], ['grizzly', 'black', 'teddy']
    url = set(rng.choice(n, n_url, replace=False).tolist())
    res = []
    for i in range(n):
        k = i % 3; a = photos[k]
        h, w = rng.integers(a.shape[0]//3, a.shape[0]), rng.integers(a.shape[1]//3, a.shape[1])
        y, x = rng.integers(0, a.shape[0]-h+1), rng.integers(0, a.shape[1]-w+1)
        im = Image.fromarray(a[y:y+h, x:x+w]); im = im.resize((64, max(8, round(64*h/w))))
        d = dest/labels[k]; d.mkdir(parents=True, exist_ok=True)
        if i in url: name, fmt = WEB_NAMES[i % len(WEB_NAMES)].format(i=i), 'JPEG'
        elif i % 50 == 7: name, fmt = f'{i:08d}.webp', 'WEBP'
        elif i % 50 == 17 and features.check('avif'): name, fmt = f'{i:08d}.avif', 'AVIF'
        else: name, fmt = f'{i:08d}' + ('.JPG', '.jpeg', '.jpg', '.jpg')[i % 4], 'JPEG'
        im.save(d/name, fmt)
        if i in url: res.append(d/name)
    return res

def official_copies(dest, n_mnist=(200, 40), n_cifar=20, seed=0)->dict:
    "Small MNIST IDX files and CIFAR-10 Python batches in exactly the official formats under `dest`; the environment variables naming them"
    from imgclf.datasets import write_idx, write_cifar_batch, IDX_FILES, CIFAR10_FILES
    rng, dest = np.random.default_rng(seed), Path(dest)
    (dest/'mnist_raw').mkdir(parents=True)
    for split, n in zip(('train', 'test'), n_mnist):
        im, lb = IDX_FILES[split]
        write_idx(dest/'mnist_raw'/f'{im}.gz', rng.integers(0, 256, (n, 28, 28))); write_idx(dest/'mnist_raw'/f'{lb}.gz', np.arange(n) % 10)
    c = dest/'cifar-10-batches-py'; c.mkdir()
    for names in CIFAR10_FILES.values():
        for name in names: write_cifar_batch(c/name, rng.integers(0, 256, (n_cifar, 32, 32, 3)), rng.integers(0, 10, n_cifar))
    return dict(IMGCLF_MNIST_IDX=str(dest/'mnist_raw'), IMGCLF_CIFAR10=str(c))
