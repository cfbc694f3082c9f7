"The run report as a person meets it: `imgclf train` on a small dataset, then `report.html` opened from disk in headless Chromium"
import json, re, subprocess, sys
from pathlib import Path
import pytest
import cli
from imgclf.data import fashion_tiny

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT/'tests'/'artifacts'
IMGCLF = Path(sys.executable).parent/'imgclf'

@pytest.fixture(scope='module')
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp('report')/'run'
    r = cli.run('train', fashion_tiny(), '--out', out, '--epochs', '5')
    assert r.returncode == 0, r.stderr
    return out, r.stdout

def test_terminal_ends_with_the_result_in_words_and_the_report(run):
    out, stdout = run
    last = stdout.strip().splitlines()[-3:]
    assert last[0].startswith('It kept the weights') or last[0].startswith('It kept the model'), last
    assert re.match(r'On the 200 test images it is right \d+\.\d% of the time \(95% interval', last[1]), last
    assert last[2].startswith('Report: ') and last[2].endswith('run/report.html'), last

def test_calibration_is_saved_and_lowers_the_error_on_the_test_images(run):
    out, _ = run
    meta, m = json.loads((out/'model'/'imgclf.json').read_text()), json.loads((out/'metrics.json').read_text())
    t = meta['calibration']['temperature']
    assert 0.05 < t < 20 and m['report']['temperature'] == t
    assert m['report']['ece'] < m['report']['ece_uncalibrated'] # measured on the test split, which the fit never saw

def test_report_opens_in_a_browser_with_every_image_and_no_raw_numbers(run, browser):
    from selenium.webdriver.common.by import By
    out, _ = run
    browser.get((out/'report.html').as_uri())
    imgs = browser.find_elements(By.TAG_NAME, 'img')
    assert len(imgs) == 4 # mistakes, confusion matrix, ROC, calibration
    for img in imgs: # loaded, and shown at its own size (max-width only shrinks what is wider than the page): one scale for all
        w, nw = browser.execute_script('return [arguments[0].width, arguments[0].naturalWidth]', img)
        assert nw > 100 and w == nw, (img.get_attribute('alt'), w, nw)
    text = browser.find_element(By.TAG_NAME, 'body').text
    assert not re.search(r'\bNaN\b', text, re.I) and not re.search(r'\d\.\d{5,}', text), re.findall(r'\S*\d\.\d{5,}\S*', text)[:3]
    for s in ('small_resnet, trained from random weights on', 'On the 200 test images it is right', 'What to look at next', 'Key numbers', 'Per class', 'Mistakes, and where the model looked'):
        assert s in text, s
    assert browser.find_element(By.CSS_SELECTOR, 'img[alt^="The worst wrong answers"]') # the picture says what it shows
    for a in browser.find_elements(By.CSS_SELECTOR, 'a[href]'): # every link points at a file beside the report
        href = a.get_attribute('href')
        assert href.startswith('file://') and Path(href[len('file://'):]).is_file(), href
    h = browser.execute_script('return document.documentElement.scrollHeight')
    browser.set_window_size(1100, h)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS/'report.png'))
    browser.set_window_size(1280, 1000)
