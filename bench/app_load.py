"""The web app under load: N visitors classify an image at the same time, through Gradio's own client (each uploads its
image and downloads the Grad-CAM overlay). Prints the latency's median and 99th percentile, the failures, and the server's
peak memory beside its memory at rest, as one JSON line. Run it with nothing else on the machine:

    python bench/app_load.py MODEL_FOLDER [--clients 50] [--rounds 2]
"""
import argparse, json, resource, statistics, sys, tempfile, threading, time, warnings
from pathlib import Path
import numpy as np
from PIL import Image

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model', help="a model folder (a run's model/)")
    p.add_argument('--clients', type=int, default=50, help='visitors at the same time')
    p.add_argument('--rounds', type=int, default=2, help='requests each visitor makes, one after the other')
    a = p.parse_args()
    from gradio_client import Client, handle_file
    from imgclf.app import serve, free_port
    tmp = Path(tempfile.mkdtemp())
    imgs = []
    for i in range(a.clients): # a different photo-like picture per visitor (640x480 JPEG)
        rng = np.random.default_rng(i)
        arr = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
        Image.fromarray(arr).resize((640, 480), Image.BICUBIC).save(f := tmp/f'{i}.jpg', quality=85); imgs.append(f)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        demo = serve(a.model, [], port=free_port(), block=False, quiet=True)
    rest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, errors, lock = [], [], threading.Lock()
    def visitor(i):
        try: c = Client(demo.local_url, verbose=False)
        except Exception as e:
            with lock: errors.append(f'connect: {type(e).__name__}: {e}'); return
        for _ in range(a.rounds):
            t = time.perf_counter()
            try:
                top, pic, msg = c.predict(handle_file(str(imgs[i])), api_name='/classify')
                assert top and Path(pic).is_file() and Path(pic).stat().st_size > 0, (top, pic)
                with lock: times.append(time.perf_counter() - t)
            except Exception as e:
                with lock: errors.append(f'{type(e).__name__}: {str(e)[:200]}')
    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(a.clients)]
    t0 = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - t0
    demo.close()
    times.sort()
    res = dict(clients=a.clients, requests=a.clients*a.rounds, answered=len(times), failures=len(errors),
               p50_s=round(statistics.median(times), 2) if times else None,
               p99_s=round(times[min(len(times)-1, int(0.99*len(times)))], 2) if times else None,
               wall_s=round(wall, 1), peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024),
               rest_rss_mb=round(rest/1024))
    for e in sorted(set(errors))[:5]: print('failure:', e, file=sys.stderr)
    print(json.dumps(res))

if __name__ == '__main__': main()
