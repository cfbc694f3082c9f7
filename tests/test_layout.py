"The notebooks are numbered in dependency order: each imports only from notebooks numbered before it"
import json, re
from pathlib import Path

NBS = Path(__file__).parent.parent/'nbs'
IMPORT = re.compile(r'^\s*(?:from\s+(?:imgclf\.|\.)(\w+)\s+import|import\s+imgclf\.(\w+))', re.M)

def notebooks():
    "`{module: (number, notebook name)}` and `{notebook name: [code cells]}` for the numbered module notebooks"
    mods, cells = {}, {}
    for f in sorted(NBS.glob('[0-9][0-9]_*.ipynb')):
        cs = [''.join(c['source']) for c in json.loads(f.read_text())['cells'] if c['cell_type'] == 'code']
        exp = next(m.group(1) for s in cs if (m := re.search(r'^#\|\s*default_exp\s+(\S+)', s, re.M)))
        mods[exp] = (int(f.name[:2]), f.stem); cells[f.stem] = cs
    return mods, cells

def imports(cells, export_only):
    for s in cells:
        if export_only and not re.match(r'\s*#\|\s*export', s): continue
        for m in IMPORT.finditer(s): yield m.group(1) or m.group(2)

def late_imports(export_only=True):
    mods, cells = notebooks()
    return [(nb, mod) for nb, cs in cells.items() for mod in imports(cs, export_only) if mod in mods and mods[mod][0] >= int(nb[:2]) and mods[mod][1] != nb]

def test_one_number_per_notebook():
    nums = [f.name[:2] for f in NBS.glob('[0-9][0-9]_*.ipynb')]
    assert len(nums) == len(set(nums)), sorted(nums)

def test_exported_code_imports_only_earlier_notebooks():
    mods, _ = notebooks()
    assert len(mods) >= 12 and late_imports() == []

def test_no_notebook_imports_a_later_one_anywhere():
    assert late_imports(export_only=False) == []

def test_the_checker_sees_a_late_import():
    mods, cells = notebooks()
    cells['02_data'].append("#| export\nfrom imgclf.cli import main")
    assert [(nb, mod) for nb, cs in cells.items() for mod in imports(cs, True) if mods[mod][0] >= int(nb[:2]) and mods[mod][1] != nb] == [('02_data', 'cli')]
