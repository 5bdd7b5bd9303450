"""Temperature scaling, class-prior bias, the defect operating point (review band) and per-class thresholds, all on
validation."""
import math

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import log_softmax, softmax

from .log import log


def fit_temperature(logits, y):
    """Multiclass temperature T minimising validation NLL of softmax(logits / T)."""
    logits = np.asarray(logits, np.float64)

    def nll(log_t):
        lp = log_softmax(logits / np.exp(log_t), axis=1)
        return -lp[np.arange(len(y)), y].mean()

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method='bounded')
    return float(np.exp(res.x))


def fit_class_bias(logits, y, classes):
    """Additive biases for the given class indices (the others stay 0) minimising validation NLL of
    softmax(logits + bias): a prior correction after temperature scaling, for members whose heads learnt class
    frequencies on images the networks had trained on. Returns a float vector of length C."""
    logits = np.asarray(logits, np.float64)
    classes = list(classes)
    if not classes:
        return np.zeros(logits.shape[1])

    def full(b):
        bias = np.zeros(logits.shape[1])
        bias[classes] = b
        return bias

    def nll(b):
        lp = log_softmax(logits + full(b), axis=1)
        return -lp[np.arange(len(y)), y].mean()

    res = minimize(nll, np.zeros(len(classes)), method='L-BFGS-B', bounds=[(-5.0, 5.0)] * len(classes))
    return full(res.x)


def calibrated(logits, temperature):
    return softmax(np.asarray(logits, np.float64) / temperature, axis=1)


def allowed_misses(n_defects, target_recall):
    """How many of n validation defects may score below the review threshold so that an unseen defect, exchangeable
    with them, scores below it with probability at most 1 - target_recall. With the threshold at the (k+1)-th
    lowest of n defect scores, a new score falls below it when it ranks among the lowest k+1 of the n+1, which has
    probability (k+1)/(n+1): the largest k with (k+1)/(n+1) <= 1 - target_recall. Where n is too small for any k
    (n + 1 < 1 / (1 - target_recall)), 0: the threshold sits at the lowest validation defect score.

    Requiring recall >= target_recall on validation alone allows floor((1 - target_recall) n) misses, one more than
    this whenever (1 - target_recall) n >= 1: with 64 validation defects at 0.98 that is one miss and an expected
    escape rate of 2/65 = 3.1 % on unseen defects, against 1/65 = 1.5 % here (docs/model-quality.md)."""
    k = math.floor(round((1.0 - target_recall) * (n_defects + 1), 9)) - 1
    return max(k, 0)


def operating_point(p_defect, is_defect, target_recall, max_false_reject, warn=True):
    """Review band on the defect probability.

    review_threshold: the (k+1)-th lowest validation defect score, k = allowed_misses(n, target_recall), so that an
    unseen defect is passed with probability at most 1 - target_recall (and validation recall >= target_recall);
    below it an item passes. fail_threshold (band): an unseen good item fails with probability at most
    max_false_reject; items in between go to human review.
    warn: log when there are too few validation defects for the bound.
    """
    p = np.asarray(p_defect, np.float64)
    d = np.asarray(is_defect, bool)
    review = float(p.min())
    if d.any():
        k = allowed_misses(int(d.sum()), target_recall)
        if warn and k == 0 and (1.0 - target_recall) * (d.sum() + 1) < 1.0:
            log(f'operating point: {int(d.sum())} validation defects are too few to bound the unseen escape rate '
                f'by {1.0 - target_recall:.3g}; the review threshold is the lowest defect score '
                f'(expected escape rate {1.0 / (d.sum() + 1):.3g})')
        review = float(np.sort(p[d])[k])
    return band(p, d, review, max_false_reject)


def band(p_defect, is_defect, review, max_false_reject):
    """The review band from a review threshold (a validation score). fail_threshold is the j-th highest validation
    score of a good item, j = floor(max_false_reject (m + 1)) of m good items, so that an unseen good item, which
    fails when it ranks among the highest j of the m+1, does with probability j/(m+1) <= max_false_reject; at least
    the review threshold. With j = 0 (too few good items) it lies just above every good score. The chosen values are
    validation scores themselves; a small margin keeps those items on the same side of '>=' after the float32
    arithmetic of the served graph."""
    p = np.asarray(p_defect, np.float64)
    d = np.asarray(is_defect, bool)
    good = np.sort(p[~d])[::-1]
    if len(good) == 0:
        fail = float(p.max())
    else:
        j = math.floor(round(max_false_reject * (len(good) + 1), 9))
        fail = float(good[j - 1]) if j >= 1 else float(good[0]) + 2e-6
    review, fail = max(review - 1e-6, 0.0), max(fail - 1e-6, 0.0)
    return {'review_threshold': review, 'fail_threshold': max(fail, review)}


def operating_point_views(views, is_defect, target_recall, max_false_reject):
    """operating_point that holds on every view of the same validation items (e.g. the images as the gateway
    resizes them and as another resampler does): the lowest review threshold and the highest fail threshold of the
    per-view ones, so each view's review threshold bounds the unseen escape rate as operating_point's does and false
    rejects stay <= max_false_reject on each view."""
    ops = [operating_point(p, is_defect, target_recall, max_false_reject) for p in views]
    review = min(o['review_threshold'] for o in ops)
    return {'review_threshold': review, 'fail_threshold': max(max(o['fail_threshold'] for o in ops), review)}


def class_thresholds(probs, y, classes, lo=0.05, hi=0.9):
    """Per-class reporting threshold: the one maximising one-vs-rest F1 on validation, clipped to [lo, hi]."""
    out = {}
    for c in classes:
        p, t = probs[:, c], (y == c)
        best, best_f1 = 0.5, -1.0
        for thr in np.linspace(lo, hi, 18):
            pred = p >= thr
            tp = (pred & t).sum()
            f1 = 2 * tp / max(pred.sum() + t.sum(), 1)
            if f1 > best_f1 + 1e-12:
                best, best_f1 = float(thr), f1
        out[c] = round(best, 4)
    return out
