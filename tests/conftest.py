"Shared by the browser tests: Debian's headless Chromium, driven through Selenium"
import shutil
from pathlib import Path
import pytest

CHROMIUM, DRIVER = shutil.which('chromium') or '/usr/bin/chromium', shutil.which('chromedriver') or '/usr/bin/chromedriver'

@pytest.fixture(scope='session')
def browser():
    webdriver = pytest.importorskip('selenium.webdriver')
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip('needs Chromium and ChromeDriver: apt-get install chromium chromium-driver (make test installs them when it can)')
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1280,1000'):
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'}) # the console, where a blocked script or style is reported
    d = webdriver.Chrome(service=Service(DRIVER), options=opts) # a given driver: Selenium Manager downloads nothing
    d.set_page_load_timeout(60)
    yield d
    d.quit()
