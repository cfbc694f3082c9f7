"The lesson slides as an instructor meets them: built by `make slides`'s script, opened from disk in headless Chromium, with nothing fetched from the network"
import json, re, subprocess, sys
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT/'tests'/'artifacts'
LESSONS = sorted((ROOT/'nbs'/'lessons').glob('0*.ipynb'))

@pytest.fixture(scope='module')
def slides(tmp_path_factory):
    if not (ROOT/'tools'/'slides'/'node_modules'/'reveal.js').is_dir():
        pytest.skip('needs reveal.js from npm: `make slides` (or `npm ci` in tools/slides) installs it')
    dest = tmp_path_factory.mktemp('slides')/'_slides'
    r = subprocess.run([sys.executable, ROOT/'tools'/'build_slides.py', '--dest', dest], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return dest

def test_a_deck_per_lesson_that_loads_nothing_from_the_network(slides):
    assert sorted(o.name for o in slides.glob('0*.html')) == [f'{f.stem}.html' for f in LESSONS]
    for deck in slides.glob('*.html'):
        page = deck.read_text()
        refs = re.findall(r'<(?:script|link|img)\b[^>]*?(?:src|href)="([^"]+)"', page)
        assert not [r for r in refs if re.match(r'(https?:)?//', r)], (deck.name, [r for r in refs if '//' in r][:3]) # no CDN
        for r in refs:
            if not r.startswith(('data:', '#')): assert (slides/r).is_file(), (deck.name, r)

def test_cells_learners_need_not_see_are_left_out(slides):
    import html
    for fn in LESSONS:
        text = html.unescape(re.sub(r'<[^>]+>', '', (slides/f'{fn.stem}.html').read_text())) # the deck's text, as a reader sees it
        cells = [c.source for c in nbformat.read(fn, as_version=4).cells if c.cell_type == 'code']
        longest = lambda src: max((l.strip() for l in src.splitlines() if not l.startswith('#|')), key=len, default='')
        hidden, shown = [c for c in cells if c.startswith('#| hide')], [c for c in cells if not c.startswith('#| hide')]
        assert hidden and '#| hide' not in text, fn.name
        assert all(longest(c) in text for c in shown), fn.name # the code learners run is there, line for line
        for h in hidden: assert len(longest(h)) < 25 or longest(h) not in text, (fn.name, longest(h)) # the tests are not

def test_deck_runs_in_a_browser(slides, browser):
    browser.get((slides/'02_how_a_cnn_sees.html').as_uri())
    browser.set_script_timeout(30)
    n = browser.execute_async_script("""const done = arguments[arguments.length - 1];
        const t0 = Date.now(); (function wait() {
          if (window.Reveal && Reveal.isReady() && document.querySelector('mjx-container')) done(Reveal.getTotalSlides());
          else if (Date.now() - t0 > 25000) done(-1); else setTimeout(wait, 100); })();""")
    assert n >= 10, n # reveal.js started, and MathJax typeset the lesson's formula
    scripts = browser.execute_script("return [...document.scripts].map(s => s.src).filter(s => s)") # including those RequireJS and MathJax added
    assert len(scripts) >= 3 and all(u.startswith('file:') for u in scripts), scripts
    errors = [e['message'] for e in browser.get_log('browser') if e['level'] == 'SEVERE'] # a file that failed to load is reported here
    assert not errors, errors
    browser.execute_script("Reveal.slide(2)")
    ARTIFACTS.mkdir(exist_ok=True); browser.save_screenshot(str(ARTIFACTS/'slides.png'))
