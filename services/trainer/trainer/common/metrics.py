"""Validation metrics with bootstrap confidence intervals (fixed seed)."""
import numpy as np
from sklearn.metrics import f1_score, roc_auc_score


def ece(probs, y, bins=15):
    conf = probs.max(1)
    correct = probs.argmax(1) == y
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def decisions(p_defect, review_threshold, fail_threshold):
    return np.where(p_defect >= fail_threshold, 'fail', np.where(p_defect >= review_threshold, 'review', 'pass'))


def summary(probs, y, good_index, ops, class_names):
    """probs: calibrated [N,C]; ops: {'review_threshold','fail_threshold'}."""
    n_cls = probs.shape[1]
    pred = probs.argmax(1)
    is_defect = y != good_index
    p_def = 1.0 - probs[:, good_index]
    dec = decisions(p_def, ops['review_threshold'], ops['fail_threshold'])
    out = {
        'n': int(len(y)),
        'accuracy': float((pred == y).mean()),
        'macro_f1': float(f1_score(y, pred, average='macro', labels=list(range(n_cls)), zero_division=0)),
        'auroc': float(roc_auc_score(is_defect, p_def)) if 0 < is_defect.sum() < len(y) else None,
        'ece': ece(probs, y),
        'escape_rate': float((dec[is_defect] == 'pass').mean()) if is_defect.any() else None,
        'false_reject_rate': float((dec[~is_defect] == 'fail').mean()) if (~is_defect).any() else None,
        'review_rate': float((dec == 'review').mean()),
        'good_sent_to_review_or_fail': float((dec[~is_defect] != 'pass').mean()) if (~is_defect).any() else None,
    }
    per_class = {}
    for c, name in enumerate(class_names):
        tp = int(((pred == c) & (y == c)).sum())
        support = int((y == c).sum())
        predicted = int((pred == c).sum())
        prec = tp / predicted if predicted else 0.0
        rec = tp / support if support else 0.0
        per_class[name] = {'precision': prec, 'recall': rec,
                           'f1': 2 * prec * rec / (prec + rec) if prec + rec else 0.0, 'support': support}
    out['per_class'] = per_class
    out['confusion'] = np.bincount(y * n_cls + pred, minlength=n_cls * n_cls).reshape(n_cls, n_cls).tolist()
    return out


def bootstrap(probs, y, good_index, ops, class_names, keys, n_boot=1000, seed=7):
    """95 % percentile intervals for the scalar metrics in keys (stratified resampling of the validation set)."""
    rng = np.random.default_rng(seed)
    by_class = [np.nonzero(y == c)[0] for c in np.unique(y)]
    samples = {k: [] for k in keys}
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(ix, len(ix)) for ix in by_class])
        s = summary(probs[idx], y[idx], good_index, ops, class_names)
        for k in keys:
            if s[k] is not None:
                samples[k].append(s[k])
    return {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] for k, v in samples.items() if v}
