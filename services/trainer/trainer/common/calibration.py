"""Temperature scaling, class-prior bias, the defect operating point (review band) and per-class thresholds, all on
validation."""
import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import log_softmax, softmax


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


def operating_point(p_defect, is_defect, target_recall, max_false_reject):
    """Review band on the defect probability.

    review_threshold: the highest threshold whose validation defect recall (p >= t) is >= target_recall;
    below it an item passes. fail_threshold: the lowest threshold >= review_threshold at which at most
    max_false_reject of the good items would fail; items in between go to human review.
    """
    p = np.asarray(p_defect, np.float64)
    d = np.asarray(is_defect, bool)
    cands = np.unique(p)
    review = float(cands[0])
    for t in cands:  # ascending: recall falls as t rises
        if (p[d] >= t).mean() >= target_recall:
            review = float(t)
        else:
            break
    fail = None
    for t in cands[cands >= review]:
        if (p[~d] >= t).mean() <= max_false_reject:
            fail = float(t)
            break
    if fail is None:
        fail = float(cands[-1])
    # The chosen values are validation scores themselves; a small margin keeps those items on the same side of
    # '>=' after the float32 arithmetic of the served graph.
    review, fail = max(review - 1e-6, 0.0), max(fail - 1e-6, 0.0)
    return {'review_threshold': review, 'fail_threshold': max(fail, review)}


def operating_point_views(views, is_defect, target_recall, max_false_reject):
    """operating_point that holds on every view of the same validation items (e.g. the images as the gateway
    resizes them and as another resampler does): the lowest review threshold and the highest fail threshold of the
    per-view ones, so recall >= target_recall and false rejects <= max_false_reject on each view."""
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
