"""Slide decks of the lessons, for an instructor: `make slides` writes `_slides/`, one reveal.js deck per lesson and an index.

nbconvert's reveal.js exporter does the work; this script only decides where slides begin (a `#`/`##` heading starts a slide,
any other text a slide below it, and code stays with the text before it), leaves out the cells learners need not see
(`#| hide`), embeds the pictures, and points every script at `lib/`, copied from the npm packages in tools/slides/
(reveal.js, RequireJS, jQuery, MathJax): the folder works offline, from a USB stick or a laptop without internet."""
import argparse, base64, html, json, re, shutil, sys
from pathlib import Path
import nbformat
from nbconvert import SlidesExporter

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT/'tools'/'slides'
LIBS = {'reveal.js': ['dist', 'plugin/notes'], 'requirejs': ['require.js'], 'jquery': ['dist/jquery.min.js'],
        'mathjax': ['es5/tex-chtml.js', 'es5/output/chtml/fonts/woff-v2']} # what the decks load, from node_modules/

def copy_libs(dest:Path):
    "The scripts, styles and fonts the decks load, from tools/slides/node_modules into `dest`"
    nm = HERE/'node_modules'
    if not (nm/'reveal.js').is_dir(): sys.exit(f"{nm} is missing: run `npm ci` in {HERE} (make slides does)")
    for pkg, parts in LIBS.items():
        for p in parts:
            src = nm/pkg/p
            out = dest/pkg/(p.split('/', 1)[1] if pkg == 'mathjax' else p) # MathJax's es5/ becomes lib/mathjax/
            out.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy)(src, out)

def _embed_images(text:str, folder:Path)->str:
    "Markdown pictures with a relative path, as data URIs: the deck is one file"
    def sub(m):
        f = (folder/m[2]).resolve()
        if m[2].startswith(('http:', 'https:', 'data:')) or not f.is_file(): return m[0]
        mime = 'image/jpeg' if f.suffix.lower() in ('.jpg', '.jpeg') else 'image/png'
        return f'![{m[1]}](data:{mime};base64,{base64.b64encode(f.read_bytes()).decode()})'
    return re.sub(r'!\[([^\]]*)\]\(([^)\s]+)\)', sub, text)

def slide_notebook(fn:Path):
    "The lesson `fn` as a notebook nbconvert can show as slides"
    nb = nbformat.read(fn, as_version=4)
    cells = []
    for c in nb.cells:
        lines = c.source.splitlines()
        if c.cell_type == 'code':
            if any(re.match(r'#\|\s*hide\b', l) for l in lines[:3]): continue # test cells: not for learners
            c.source = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
            if not c.source and not c.get('outputs'): continue
            c.metadata['slideshow'] = {'slide_type': '-'}
        elif c.cell_type == 'markdown':
            c.source = _embed_images(c.source, fn.parent)
            c.metadata['slideshow'] = {'slide_type': 'slide' if re.match(r'#{1,2} ', c.source) else 'subslide'}
        else: continue
        cells.append(c)
    if cells: cells[0].metadata['slideshow'] = {'slide_type': 'slide'}
    nb.cells = cells
    return nb

def build(lessons, dest:Path)->list:
    "Write a deck for each lesson notebook into `dest`, with `lib/` and an `index.html`; returns the decks"
    if dest.exists(): shutil.rmtree(dest)
    dest.mkdir(parents=True)
    copy_libs(dest/'lib')
    ex = SlidesExporter(extra_template_paths=[str(HERE/'template')], template_file='imgclf_slides.html.j2', exclude_input_prompt=True, exclude_output_prompt=True,
                        reveal_url_prefix='lib/reveal.js', reveal_theme='white', jquery_url='lib/jquery/dist/jquery.min.js', require_js_url='lib/requirejs/require.js')
    decks = []
    for fn in lessons:
        body, _ = ex.from_notebook_node(slide_notebook(fn), resources={'metadata': {'name': fn.stem}})
        out = dest/f'{fn.stem}.html'
        out.write_text(body)
        decks.append(out)
    titles = {d: nbformat.read(f, as_version=4).cells[0].source.splitlines()[0].lstrip('# ') for d, f in zip(decks, lessons)}
    items = ''.join(f'<li><a href="{d.name}">{html.escape(titles[d])}</a></li>' for d in decks)
    (dest/'index.html').write_text(f'<!doctype html><meta charset="utf-8"><title>imgclf lessons: slides</title><h1>imgclf lessons: slides</h1><ul>{items}</ul>'
                                   '<p>Arrow keys move between slides (down: the next part of the same slide); <kbd>S</kbd> opens the speaker view, <kbd>Esc</kbd> the overview.</p>')
    return decks

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--dest', default=str(ROOT/'_slides'), help='folder to write (replaced)')
    p.add_argument('lessons', nargs='*', help='lesson notebooks (default: nbs/lessons/0*.ipynb)')
    a = p.parse_args()
    decks = build([Path(o) for o in a.lessons] or sorted((ROOT/'nbs'/'lessons').glob('0*.ipynb')), Path(a.dest))
    print(f"Wrote {len(decks)} decks to {a.dest}: open {Path(a.dest)/'index.html'}")
