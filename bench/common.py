"Helpers shared by the benchmark scripts"

def first_time(curve, # (training seconds, test accuracy) after each epoch
               acc # The accuracy to reach
              ):
    "Training seconds when test accuracy first reached `acc`, or None"
    return next((round(s, 1) for s, a in curve if a >= acc - 1e-9), None)
