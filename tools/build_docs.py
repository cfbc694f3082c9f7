"""Build the documentation site into _docs/ without Quarto, and check it.

`make docs` uses nbdev's own Quarto build (`nbdev-docs`) when `quarto` is installed. Quarto does not install offline
(the `quarto-cli` package on PyPI downloads it from GitHub while installing), so without it this script does the same
job with what pip installs: nbdev's processing (`proc_nbs`: `show_doc` rendered, hidden cells removed, directives
turned into Quarto's) and nbconvert's HTML export, plus a sidebar. `--check` then fails on a broken internal link,
a missing image, or a page whose notebook lost its saved pictures."""
import argparse, os, re, shutil, sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse
import nbformat, yaml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.serve import proc_nbs

ROOT = Path(__file__).resolve().parent.parent
SITE_URL = 'https://imgclf.github.io/imgclf/'
ATTRS = re.compile(r'\{(?:target|style|\.|#)[^{}\n]*\}') # pandoc attributes nbdev adds to links and headings

def frontmatter(nb)->dict:
    "The YAML frontmatter nbdev put in the first raw cell (title, description, output-file), taken out of `nb`"
    c = nb.cells[0] if nb.cells else None
    if c is None or c.cell_type != 'raw' or not c.source.startswith('---'): return {}
    nb.cells.pop(0)
    return yaml.safe_load(c.source.strip().strip('-')) or {}

def directives(src:str)->dict:
    return dict(re.findall(r'^#\|\s*([\w-]+):\s*(.*)$', src, re.M))

def prepare(nb, fm:dict, links:dict, depth:int, here:str):
    "Quarto's directives as nbconvert tags, links to notebooks as links to pages, the title on top"
    up = '../' * depth
    for c in nb.cells:
        for k in [k for k in c if k not in ('cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments')]: del c[k] # nbdev's bookkeeping
        c.metadata.pop('execution', None) # timings from the docs processing, not valid nbformat
        d = directives(c.source) if c.cell_type == 'code' else {}
        tags = c.metadata.setdefault('tags', [])
        if d.get('include') == 'false': tags.append('remove_cell')
        if d.get('echo') == 'false': tags.append('remove_input')
        if d.get('output') == 'false': tags.append('remove_output')
        if c.cell_type == 'code': c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))
        if c.cell_type == 'markdown': c.source = ATTRS.sub('', c.source)
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md: o['data']['text/markdown'] = ATTRS.sub('', ''.join(md) if isinstance(md, list) else md).replace(SITE_URL, up)
    def relink(m):
        target, anchor = m.group(2).split('#', 1) if '#' in m.group(2) else (m.group(2), '')
        rel = os.path.normpath(os.path.join(here, target))
        page = links.get(rel[4:] if rel.startswith('nbs/') else rel) # the README's links start at the repository root
        return m.group(0) if page is None else f"{m.group(1)}({up}{page}{'#'+anchor if anchor else ''})"
    for c in nb.cells:
        if c.cell_type != 'markdown': continue
        c.source = re.sub(r'(\[[^\]]*\])\(([^)\s]+\.ipynb(?:#[^)]*)?)\)', relink, c.source)
        if here == '.': c.source = re.sub(r'(!\[[^\]]*\])\(nbs/', r'\1(', c.source) # the README's pictures, seen from nbs/
    head = f"# {fm.get('title', '')}\n\n" + (f"> {fm['description']}\n" if fm.get('description') else '')
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(head))

NAV_CSS = """<style>
body { margin-left: 17rem !important; }
.imgclf-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 15.5rem; overflow-y: auto; padding: 1rem 1.2rem;
  background: #f6f7f9; border-right: 1px solid #dde; font: 14px/1.45 system-ui, sans-serif; }
.imgclf-nav h3 { font-size: 12px; text-transform: uppercase; color: #667; margin: 1.1rem 0 .3rem; }
.imgclf-nav a { display: block; color: #234; text-decoration: none; padding: .12rem 0; }
.imgclf-nav a.here { font-weight: 600; color: #06c; }
.imgclf-nav .brand { font-size: 20px; font-weight: 700; }
</style>"""

def nav(pages, here:str, depth:int)->str:
    up, group = '../' * depth, None
    out = [f'<nav class="imgclf-nav"><a class="brand" href="{up}index.html">imgclf</a>']
    for p in pages:
        if p['group'] != group: group = p['group']; out.append(f'<h3>{group}</h3>')
        cls = ' class="here"' if p['out'] == here else ''
        out.append(f'<a href="{up}{p["out"]}"{cls}>{p["title"]}</a>')
    return '\n'.join(out + ['</nav>'])

def _pictures(nb)->int: return sum('image/png' in o.get('data', {}) or 'image/jpeg' in o.get('data', {}) for c in nb.cells for o in c.get('outputs', []))

def build(dest:Path)->list:
    proc = Path(proc_nbs(n_workers=0))
    nbs = sorted(proc.rglob('*.ipynb'), key=lambda p: (p != proc/'index.ipynb', 'lessons' not in p.parts, p.name != 'index.ipynb', str(p)))
    pages = []
    for p in nbs:
        nb = nbformat.read(p, as_version=4); fm = frontmatter(nb)
        rel = p.relative_to(proc)
        out = (rel.parent/fm.get('output-file', rel.with_suffix('.html').name)).as_posix()
        group = ('Start' if rel == Path('index.ipynb') else 'Lessons' if 'lessons' in rel.parts
                 else 'Research' if 'research' in rel.parts else 'Library')
        pages.append(dict(rel=rel, nb=nb, fm=fm, out=out, group=group, title=fm.get('title', rel.stem), pictures=_pictures(nb)))
    links = {pg['rel'].as_posix(): pg['out'] for pg in pages} # notebook path under nbs/ -> page path under _docs/
    exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={'remove_cell'}, remove_input_tags={'remove_input'},
                                                         remove_all_outputs_tags={'remove_output'}), enabled=True)
    if dest.exists(): shutil.rmtree(dest)
    for pg in pages:
        depth = len(Path(pg['out']).parts) - 1
        prepare(pg['nb'], pg['fm'], links, depth, pg['rel'].parent.as_posix())
        html, _ = exporter.from_notebook_node(pg['nb'])
        html = html.replace('</head>', NAV_CSS + '\n</head>', 1)
        html = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav(pages, pg['out'], depth), html, count=1)
        html = re.sub(r'<title>[^<]*</title>', f"<title>{pg['title']} – imgclf</title>", html, count=1)
        (dest/pg['out']).parent.mkdir(parents=True, exist_ok=True)
        (dest/pg['out']).write_text(html)
        print(f"{pg['out']:38} {pg['title']}")
    if (proc/'images').exists(): shutil.copytree(proc/'images', dest/'images')
    return pages

class _Refs(HTMLParser):
    def __init__(self): super().__init__(); self.refs, self.imgs = [], 0
    def handle_starttag(self, tag, attrs):
        ref = dict(attrs).get({'a': 'href', 'img': 'src'}.get(tag, ''))
        if ref: self.refs.append(ref)
        self.imgs += tag == 'img'

def check(dest:Path, pages)->list:
    "Problems: links to pages or files that do not exist, and pages without the pictures their notebook has"
    problems = []
    for pg in pages:
        f = dest/pg['out']
        parser = _Refs(); parser.feed(f.read_text())
        for r in parser.refs:
            u = urlparse(r)
            if u.scheme or r.startswith(('#', 'data:', 'mailto:')): continue
            if not (f.parent/u.path).resolve().exists(): problems.append(f"{pg['out']}: broken link {r}")
        if parser.imgs < pg['pictures']: problems.append(f"{pg['out']}: {parser.imgs} images on the page, {pg['pictures']} in the notebook")
    return problems

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dest', default=str(ROOT/'_docs'), help='site folder to write (default: _docs)')
    ap.add_argument('--check', action='store_true', help='also fail on broken links and missing pictures')
    args = ap.parse_args()
    pages = build(Path(args.dest))
    print(f"{len(pages)} pages in {args.dest}; open {Path(args.dest)/'index.html'} in a browser")
    if args.check:
        problems = check(Path(args.dest), pages)
        for p in problems: print('docs check:', p, file=sys.stderr)
        if problems: sys.exit(1)
        print('docs check: every link resolves and every picture is on its page')
