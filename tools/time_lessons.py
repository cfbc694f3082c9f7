"""Time each lesson as learners run it: the whole notebook, top to bottom, alone on the machine (nbdev's test run).
Writes nbs/lessons/times.json, the one source of the times the instructor's guide and the lessons' headers state
(a hidden cell of the guide checks both against it). Run it with nothing else busy on the machine."""
import json, os, platform, sys
from datetime import date
from pathlib import Path
from nbdev.test import test_nb

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT/'nbs'/'lessons'

def cpu_name()->str:
    "The processor's model name, as /proc/cpuinfo gives it (or what platform knows)"
    try: return next(l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

if __name__ == '__main__':
    secs = {}
    for fn in sorted(LESSONS.glob('0*.ipynb')):
        ok, t = test_nb(fn, skip_flags=['notest', 'slow', 'cuda'])
        if not ok: sys.exit(f'{fn.name} failed: fix it before timing it')
        secs[fn.stem] = round(t)
        print(f'{fn.stem}: {t:.0f} s', flush=True)
    out = dict(measured=str(date.today()), machine=f'{os.cpu_count()} CPU threads ({cpu_name()}), no GPU, {platform.system()}', seconds=secs)
    (LESSONS/'times.json').write_text(json.dumps(out, indent=1) + '\n')
    print(f'Wrote {LESSONS/"times.json"}')
