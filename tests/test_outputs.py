"""Stored outputs are what a reader should see: no absolute paths of the machine that ran them, no raw numpy scalar reprs,
no library warnings a reader cannot act on, no widget reprs in place of a widget."""
import json, os, re, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def machine_paths():
    "Absolute folders of this machine that must not appear in a stored output: the temporary folder, the checkout, the home folder"
    tmp = {Path(tempfile.gettempdir()), Path('/tmp'), Path('/var/tmp')}
    return sorted({str(p) for p in (*tmp, ROOT, ROOT.parent, Path.home()) if str(p) != '/'}, key=len, reverse=True)

BAD = [(re.compile(r"np\.(float|int|uint|bool)\w*\("), 'a raw numpy scalar repr (show float(x) or round it)'),
       (re.compile(r"(Future|Deprecation|User)Warning:"), 'a library warning the reader cannot act on'),
       (re.compile(r"(VBox|HBox|Output|Button)\(children="), 'a widget repr instead of the widget'),
       (re.compile(r"\b0\.\d{12,}"), 'an unrounded number'),
       (re.compile(r"\|[█-]{20,}\| *\d+\.\d+% \["), "fastai's console progress bar (call `log_lines_outside_notebooks()`)"),
       (re.compile(r"command not found|No such file or directory: '?\.venv"), 'a shell command that did not run (run the notebooks with .venv/bin on PATH, as make test does)')]

def output_texts(nb):
    "Every text a reader sees in the stored outputs of notebook `nb`: (cell index, text)"
    for i, c in enumerate(json.loads(Path(nb).read_text())['cells']):
        for o in c.get('outputs', []):
            parts = [o.get('text', '')] + [v for k, v in o.get('data', {}).items() if k.startswith('text/') or k == 'application/json']
            parts += [o.get('evalue', ''), *o.get('traceback', [])]
            yield i, ''.join(''.join(p) if isinstance(p, list) else str(p) for p in parts)

def problems(texts, where):
    "Lines naming what is wrong in `texts`"
    roots = machine_paths()
    out = []
    for i, t in texts:
        starts = sorted({m.start() for r in roots for m in re.finditer(re.escape(r) + r"(?=[/\s'\")\]]|$)", t)})
        for st in starts: # several roots can match at one place (/tmp and a checkout inside it): one problem
            out.append(f"{where} cell {i}: absolute path {t[st:st+80].split()[0]!r}")
        for rx, why in BAD:
            if (m := rx.search(t)): out.append(f"{where} cell {i}: {why}: {t[max(0, m.start()-30):m.end()+30]!r}")
    return out

def readme_texts():
    "README.md as one text: it is the rendered index notebook, outputs included"
    yield 0, (ROOT/'README.md').read_text()

def test_stored_outputs_are_clean():
    found = [p for nb in sorted((ROOT/'nbs').rglob('*.ipynb')) if '.ipynb_checkpoints' not in nb.parts
             for p in problems(output_texts(nb), nb.relative_to(ROOT))]
    found += problems(readme_texts(), 'README.md')
    assert not found, f"{len(found)} stored outputs a reader should not see:\n" + '\n'.join(found[:60])

def test_checker_catches_what_it_should(tmp_path):
    "The checker is not vacuous: it flags a planted path, numpy repr and warning"
    cell = dict(cell_type='code', source='', metadata={}, outputs=[dict(output_type='stream', name='stdout',
                text=[f"wrote {tmp_path}/x.png\n", f"{Path.home()}/data\n", "np.float64(0.725)\n", "FutureWarning: x\n",
                      " |████████----------------------------------------| 16.67% [1/6 00:00<00:02]", "/bin/bash: line 1: imgclf: command not found\n"])])
    nb = tmp_path/'a.ipynb'; nb.write_text(json.dumps(dict(cells=[cell])))
    ps = problems(output_texts(nb), 'a')
    assert sum('absolute path' in p for p in ps) == 2 and any('numpy' in p for p in ps) and any('warning' in p for p in ps) and any('progress bar' in p for p in ps)
    assert any('did not run' in p for p in ps)
    assert not problems([(0, 'wrote runs/x.png, accuracy 0.725')], 'b')

def test_hidden_cells_are_collapsed_in_jupyter():
    "A `#| hide` cell (a test or setup) is left out of the docs by nbdev, and collapsed in Jupyter by its metadata"
    shown = [f"{nb.relative_to(ROOT)} cell {i}" for nb in sorted((ROOT/'nbs').rglob('*.ipynb')) if '.ipynb_checkpoints' not in nb.parts
             for i, c in enumerate(json.loads(nb.read_text())['cells'])
             if c['cell_type'] == 'code' and ''.join(c['source']).lstrip().startswith('#| hide')
             and not c['metadata'].get('jupyter', {}).get('source_hidden')]
    assert not shown, f"{len(shown)} hidden cells open in Jupyter (set metadata.jupyter.source_hidden):\n" + '\n'.join(shown[:20])
