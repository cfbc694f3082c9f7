"Helpers shared by the benchmark scripts"

def first_time(curve, # (training seconds, test accuracy) after each epoch
               acc # The accuracy to reach
              ):
    "Training seconds when test accuracy first reached `acc`, or None"
    return next((round(s, 1) for s, a in curve if a >= acc - 1e-9), None)

def latencies(f, # Called as `f(item)`
              items, # Cycled through
              n:int, # Timed calls
              warmup:int=2 # Calls first, not timed
             ):
    "Seconds per call of `f(item)`, as a numpy array"
    import time, numpy as np
    for i in range(warmup): f(items[i % len(items)])
    ts = []
    for i in range(n):
        t = time.perf_counter(); f(items[i % len(items)]); ts.append(time.perf_counter() - t)
    return np.array(ts)

def mean_sd(xs, # Numbers, one per seed
            digits:int=4 # Decimal places kept
           )->list:
    "`[mean, sd]` of `xs`, rounded (the sd of one number is 0)"
    import numpy as np
    return [round(float(np.mean(xs)), digits), round(float(np.std(xs, ddof=1)) if len(xs) > 1 else 0., digits)]

def emit(row:dict, # One result, as JSON
         results=None # A file to append the line to as well, or None
        ):
    "Print `row` as one JSON line, and append it to `results` when given"
    import json
    print(json.dumps(row), flush=True)
    if results:
        with open(results, 'a') as f: f.write(json.dumps(row) + '\n')
