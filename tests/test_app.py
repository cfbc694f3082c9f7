"The web app in a real browser: `imgclf app` on a free localhost port, driven by Debian's headless Chromium through Selenium."
import shutil, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest
from imgclf.app import free_port
from cli import run
from imgclf.data import fashion_tiny

ROOT = Path(__file__).resolve().parent.parent
TINY = fashion_tiny()
ARTIFACTS = ROOT/'tests'/'artifacts'
IMGCLF = Path(sys.executable).parent/'imgclf'

def wait_for_http(url, proc, timeout=180):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f'the app stopped: {proc.stdout.read()}')
        try: urllib.request.urlopen(url, timeout=2); return
        except OSError: time.sleep(0.5)
    raise TimeoutError(url)

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    out = tmp_path_factory.mktemp('app')/'run'
    r = run('train', TINY, '--out', out, '--epochs', '3')
    assert r.returncode == 0, r.stderr
    return out/'model'

@pytest.fixture(scope='module')
def app(model):
    port = free_port()
    p = subprocess.Popen([IMGCLF, 'app', model, '--port', str(port), '--max-mb', '1'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f'http://127.0.0.1:{port}/'
    try:
        wait_for_http(url, p)
        yield url
    finally: p.terminate(); p.wait(20)

def upload(browser, fn):
    from selenium.webdriver.common.by import By
    browser.find_element(By.CSS_SELECTOR, '#image input[type=file]').send_keys(str(fn))

def text_of(browser, css):
    from selenium.webdriver.common.by import By
    return browser.find_element(By.CSS_SELECTOR, css).text

def wait_until(browser, cond, timeout=60):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(browser, timeout, poll_frequency=0.25).until(lambda d: cond())

def clear_example(model, dest):
    "The test image (of every fifth) the model is surest of and right about, enlarged 8 times into `dest`"
    from PIL import Image
    from imgclf.saved import load_model
    m, best = load_model(model), None
    for f in sorted((TINY/'test').glob('*/*.png'))[::5]:
        label, _, probs = m.predict(f)
        if label == f.parent.name and (best is None or float(probs.max()) > best[1]): best = (f, float(probs.max()))
    img = Image.open(best[0]); fn = dest/f'{best[0].parent.name}.png'
    img.resize((img.width*8, img.height*8), Image.BICUBIC).save(fn)
    return fn

def test_upload_shows_prediction_and_survives_bad_files(app, model, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from imgclf.saved import load_model
    browser.get(app)
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, '#image input[type=file]'))
    good = clear_example(model, tmp_path) # the screenshot in lesson 5 and the docs: a right answer, on an image big enough to see
    expected = load_model(model).predict(good)[0]
    upload(browser, good)
    wait_until(browser, lambda: expected in text_of(browser, '#prediction') and expected in text_of(browser, '#message'))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, '#gradcam img')) # the Grad-CAM overlay is drawn
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS/'app.png'))
    # a file that is not an image: a clear message, and the server keeps serving
    bad = tmp_path/'holiday.png'; bad.write_text('this is not a picture')
    browser.get(app) # a fresh page, as a new visitor
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, '#image input[type=file]'))
    upload(browser, bad)
    wait_until(browser, lambda: 'Cannot classify holiday.png' in text_of(browser, '#message'))
    browser.save_screenshot(str(ARTIFACTS/'app_bad_file.png'))
    browser.get(app)
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, '#image input[type=file]'))
    other = sorted((TINY/'test'/'trouser').iterdir())[0]
    upload(browser, other)
    wait_until(browser, lambda: load_model(model).predict(other)[0] in text_of(browser, '#message'))

def _serve_in_thread(app):
    "Serve the ASGI `app` on a free localhost port in a thread; returns its URL and the uvicorn server (`should_exit = True` stops it)"
    import threading, uvicorn
    port = free_port(); server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, log_level='error'))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started: time.sleep(0.05)
    return f'http://127.0.0.1:{port}/', server

def test_the_page_works_under_its_policy_and_a_served_file_runs_no_script(app, browser):
    "The app's page runs under its content-security policy (no violation in Chromium's console); a file route's sandbox stops the script of an HTML page that would run without it"
    import httpx
    from selenium.webdriver.common.by import By
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route
    from imgclf.app import SecurityHeaders
    browser.get(app)
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, '#image input[type=file]'))
    blocked = [o['message'] for o in browser.get_log('browser') if 'Content Security Policy' in o['message'] or 'Refused to' in o['message']]
    assert not blocked, blocked
    csp = httpx.get(app).headers['content-security-policy']
    assert "'unsafe-inline'" not in csp.split('script-src')[1].split(';')[0] and "frame-ancestors 'none'" in csp, csp
    r = httpx.post(f'{app}gradio_api/upload', files={'files': ('page.html', b'<p>hi</p>', 'text/html')})
    assert 'sandbox' in httpx.get(f'{app}gradio_api/file={r.json()[0]}').headers['content-security-policy'] # the app's own file route
    # Gradio sends uploads as attachments today; were a page served inline from a file route, the sandbox would stop its script:
    page = Starlette(routes=[Route('/gradio_api/file=x.html', lambda req: HTMLResponse("<script>document.title = 'script ran'</script>"))])
    titles = []
    for asgi in (page, SecurityHeaders(page)):
        url, server = _serve_in_thread(asgi)
        try: browser.get(f'{url}gradio_api/file=x.html'); titles.append(browser.title)
        finally: server.should_exit = True
    assert titles == ['script ran', ''], titles
