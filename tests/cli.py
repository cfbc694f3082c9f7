"`run(*args)`: the `imgclf` command, run as a user runs it, through a fork server that has its imports done (see cli_server.py)"
import json, os, subprocess, sys
from pathlib import Path

_server = None

def _started():
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen([sys.executable, Path(__file__).parent/'cli_server.py'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return _server

def _ask(cmd, req, timeout)->subprocess.CompletedProcess:
    s = _started()
    s.stdin.write(json.dumps(req) + '\n'); s.stdin.flush()
    res = json.loads(s.stdout.readline())
    if res['timeout']: raise subprocess.TimeoutExpired(cmd, timeout, res['stdout'], res['stderr'])
    return subprocess.CompletedProcess(cmd, res['returncode'], res['stdout'], res['stderr'])

def run(*args, env=None, cwd=None, timeout=600)->subprocess.CompletedProcess:
    "Run `imgclf ARGS` in a process of its own, with `env` (default: this one's) in `cwd`; like `subprocess.run(..., capture_output=True, text=True)`"
    args = list(map(str, args))
    req = dict(args=args, env=dict(os.environ if env is None else env), cwd=str(cwd or os.getcwd()), timeout=timeout)
    return _ask(['imgclf', *args], req, timeout)

def script(path, *args, env=None, cwd=None, timeout=900)->subprocess.CompletedProcess:
    "Run `python PATH ARGS` (a benchmark script) in a process of its own, as `run` runs `imgclf`"
    args = list(map(str, args))
    req = dict(script=str(path), args=args, env=dict(os.environ if env is None else env), cwd=str(cwd or os.getcwd()), timeout=timeout)
    return _ask([sys.executable, str(path), *args], req, timeout)
