"""A fork server for the tests: it imports imgclf's commands once, then runs each `imgclf` command line in a child forked from it.

Importing PyTorch, torchvision and fastai takes about 15 s on the 2-core test machine, more than most commands take to run, and the tests
run `imgclf` some 150 times. A forked child starts with those imports done, yet as a process of its own: its own environment, working folder,
standard output and error, exit code and signals, exactly as `imgclf ARGS` would have them. Nothing else is shared, since every child is
forked from this server, which only imports and never runs a command.

It runs the benchmark scripts the same way (`python bench/X.py ARGS`, run with `runpy` in the child), for the same reason.

Protocol: one JSON request per line on stdin, `{"args": [...], "env": {...}, "cwd": "...", "timeout": s}` (and `"script": path` for a
script); one JSON answer per line,
`{"returncode": n, "stdout": "...", "stderr": "...", "timeout": bool}`.
"""
import json, os, runpy, sys, tempfile, time, traceback

answers = os.fdopen(os.dup(1), 'w') # the answers' own channel: whatever an import prints goes to stderr instead
os.dup2(2, 1)
import imgclf.cli, imgclf.pipeline, imgclf.evaluate, imgclf.export, imgclf.clean, imgclf.app # what the commands import

def child(req, out, err):
    "Run one command line, as the `imgclf` script would, and exit with its code"
    os.environ.clear(); os.environ.update(req['env'])
    os.chdir(req['cwd'])
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0); os.dup2(out, 1); os.dup2(err, 2)
    sys.stdin = open(0, closefd=False)
    sys.stdout, sys.stderr = open(1, 'w', closefd=False), open(2, 'w', closefd=False, buffering=1)
    if 'script' in req: # a benchmark script, run as `python SCRIPT ARGS` would run it
        sys.argv = [req['script'], *req['args']]; sys.path.insert(0, os.path.dirname(req['script']))
    else: sys.argv = ['imgclf', *req['args']]
    try:
        if 'script' in req: runpy.run_path(req['script'], run_name='__main__'); code = 0
        else: code = imgclf.cli.main(req['args'])
    except SystemExit as e: code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
    except BaseException:
        traceback.print_exc(); code = 1
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(code or 0)

def serve_one(req)->dict:
    "Fork a child for `req` and wait for it, killing it after its timeout"
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0: child(req, out.fileno(), err.fileno())
        end, status, timed_out = time.monotonic() + req.get('timeout', 600), None, False
        while status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done: status = st
            elif time.monotonic() > end: os.kill(pid, 9); status, timed_out = os.waitpid(pid, 0)[1], True
            else: time.sleep(0.02)
        read = lambda f: (f.seek(0), f.read().decode('utf-8', 'replace'))[1]
        return dict(returncode=os.waitstatus_to_exitcode(status), stdout=read(out), stderr=read(err), timeout=timed_out)

for line in sys.stdin:
    answers.write(json.dumps(serve_one(json.loads(line))) + '\n'); answers.flush()
