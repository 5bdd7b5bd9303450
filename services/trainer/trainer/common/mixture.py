"""Mixture weights of an ensemble's calibrated members, fitted on validation (no PyTorch needed)."""
import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax

from . import calibration
from .combiner_graph import combine_numpy, mixture


def mixture_nll(logits, yv, good, tensors, temps, weights):
    members = [(n, t, float(w)) for n, t, w in zip(tensors, temps, weights)]
    p, _ = combine_numpy(logits, members, good)
    return -np.mean(np.log(np.maximum(p[np.arange(len(yv)), yv], 1e-12))), members


def fit_members(logits, yv, good, tensors):
    """Per-member temperature, mixture weights (validation NLL: a 0.05 grid for two members, Nelder-Mead on the
    simplex for more), then one temperature on the mixture."""
    temps = [calibration.fit_temperature(lg, yv) for lg in logits]
    if len(logits) == 2:
        best = min((mixture_nll(logits, yv, good, tensors, temps, [w, 1 - w]) for w in np.linspace(0.0, 1.0, 21)),
                   key=lambda r: r[0])
    else:
        res = minimize(lambda z: mixture_nll(logits, yv, good, tensors, temps, softmax(z))[0],
                       np.zeros(len(logits)), method='Nelder-Mead', options={'xatol': 1e-4, 'fatol': 1e-7})
        best = mixture_nll(logits, yv, good, tensors, temps, np.round(softmax(res.x), 4))
    members = best[1]
    t_final = calibration.fit_temperature(np.log(np.maximum(mixture(logits, members), 1e-30)), yv)
    return members, t_final
