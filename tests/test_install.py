"""The pip route, as a newcomer meets it: the wheel built from the repository installs into a new virtual environment and
`imgclf train` works there offline from a folder outside the repository; the app folder `imgclf app --write` makes
installs with `pip install -r requirements.txt` in another new environment and serves the app.
The new environments reuse the dependencies already installed (through a .pth file), so nothing is downloaded."""
import json, os, shutil, subprocess, sys, sysconfig, time, urllib.request, zipfile
from pathlib import Path
import pytest
from imgclf.app import free_port

ROOT = Path(__file__).resolve().parent.parent

def run(*args, **kw):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, args))} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r

def new_env(d):
    "A new virtual environment that sees the dependencies installed here (but not this checkout's imgclf)"
    run(getattr(sys, '_base_executable', sys.executable), '-m', 'venv', d)
    site = next(Path(d).glob('lib/python*/site-packages'))
    for f in [*site.glob('setuptools*'), *site.glob('_distutils_hack'), *site.glob('distutils-precedence.pth')]: # venv's old copy would hide ours
        shutil.rmtree(f) if f.is_dir() else f.unlink()
    (site/'reuse_deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    return Path(d)/'bin'

def user_env(tmp_path):
    "Environment variables of a user outside the repository, on a machine without Fashion-MNIST: an empty imgclf cache"
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    (tmp_path/'no_fashion').mkdir(exist_ok=True) # named as the only copy, so Debian's dataset-fashion-mnist, if installed here, is not used
    return env | dict(IMGCLF_DATA=str(tmp_path/'cache'), HOME=str(tmp_path/'home'), IMGCLF_FASHION_IDX=str(tmp_path/'no_fashion'))

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    d = tmp_path_factory.mktemp('wheel')
    left = [p for p in (ROOT/'build', ROOT/'imgclf.egg-info') if not p.exists()] # what setuptools leaves in the checkout
    try: run(sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', d, ROOT)
    finally:
        for p in left: shutil.rmtree(p, ignore_errors=True) # an imgclf.egg-info in the checkout would be found before the installed imgclf
    return next(d.glob('imgclf-*.whl'))

def test_wheel_carries_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert 'imgclf/py.typed' in names and 'imgclf/assets/README.md' in names
    assert sum(n.startswith('imgclf/assets/fashion_tiny/') and n.endswith('.png') for n in names) == 900

def test_wheel_install_trains_offline_and_writes_an_app(wheel, tmp_path):
    bin_ = new_env(tmp_path/'env')
    run(bin_/'pip', 'install', '-q', '--no-deps', '--no-index', wheel)
    user = tmp_path/'user'; user.mkdir(); env = user_env(tmp_path)
    where = run(bin_/'python', '-c', 'import imgclf; print(imgclf.__file__)', cwd=user, env=env).stdout
    assert str(tmp_path/'env') in where, where # the installed wheel, not the checkout
    r = run(bin_/'imgclf', 'train', '--epochs', '1', '--out', 'runs/first', cwd=user, env=env)
    assert 'training on fashion_tiny' in r.stderr and 'Done in' in r.stdout, r.stdout + r.stderr
    m = json.loads((user/'runs/first/metrics.json').read_text())
    assert m['n_train'] == 500 and 0 < m['accuracy'] <= 1
    # the app folder, written by the wheel-installed imgclf, installs in another new environment and serves
    run(bin_/'imgclf', 'app', 'runs/first/model', '--write', 'deploy', cwd=user, env=env)
    deploy = user/'deploy'
    reqs = (deploy/'requirements.txt').read_text().split()
    assert reqs[0] == './imgclf-0.0.1-py3-none-any.whl' and (deploy/reqs[0]).exists() and not any(r.startswith('imgclf==') for r in reqs)
    bin2 = new_env(tmp_path/'env2')
    run(bin2/'pip', 'install', '-q', '--no-index', '-r', 'requirements.txt', cwd=deploy)
    port = free_port()
    p = subprocess.Popen([bin2/'python', 'app.py'], cwd=deploy, env=env | dict(GRADIO_SERVER_PORT=str(port)),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=2) as page: assert page.status == 200; break
            except OSError: time.sleep(1)
        else: pytest.fail('the deployed app did not answer within 2 minutes')
        used = run(bin2/'python', '-c', 'import imgclf; print(imgclf.__file__)', cwd=deploy, env=env).stdout
        assert str(tmp_path/'env2') in used, used
    finally: p.kill()
