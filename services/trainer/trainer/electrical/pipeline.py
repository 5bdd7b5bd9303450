"""Electrical (SECOM): repeated stratified CV for the figures and calibration, then a final fit on all dev rows."""
import os
import pickle

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

from ..common import calibration, metrics
from ..common.log import log
from .data import CLASS_NAMES, GOOD_CLASS, load
from .model import Anomaly, Preprocess, forest_score, make_forest

HP = dict(seed=20260403, n_splits=5, n_repeats=3,
          forests=[dict(kind='rf', n_trees=500, leaf=3, max_features='sqrt')],
          anomaly_variance=0.9, target_recall=0.9, max_false_reject=0.1, eps=1e-4)


def fit_members(x, y, hp, seed):
    pre = Preprocess.fit(x)
    imp = pre.imputed(x)
    forests = [make_forest(f['kind'], f['n_trees'], f['leaf'], f['max_features'], seed + i).fit(imp, y)
               for i, f in enumerate(hp['forests'])]
    scaled = pre.scaled(imp)
    anomaly = Anomaly.fit(scaled[y == 0], hp['anomaly_variance'])
    return pre, forests, anomaly


def predict_members(members, x):
    pre, forests, anomaly = members
    imp = pre.imputed(x)
    return forest_score(forests, imp), anomaly.score(pre.scaled(imp))


def cross_validate(x, y, hp, ckpt_dir):
    path = os.path.join(ckpt_dir, 'cv.pkl')
    if os.path.isfile(path):
        with open(path, 'rb') as f:
            return pickle.load(f)
    cv = RepeatedStratifiedKFold(n_splits=hp['n_splits'], n_repeats=hp['n_repeats'], random_state=hp['seed'])
    folds = []
    for k, (tr, te) in enumerate(cv.split(x, y)):
        s, a = predict_members(fit_members(x[tr], y[tr], hp, hp['seed']), x[te])
        folds.append((te, s, a))
        log(f'electrical fold {k + 1}: AUROC forest {roc_auc_score(y[te], s):.4f} '
            f'anomaly {roc_auc_score(y[te], a):.4f}')
    os.makedirs(ckpt_dir, exist_ok=True)
    with open(path, 'wb') as f:
        pickle.dump(folds, f)
    return folds


def logit(p, eps):
    p = np.clip(p, eps, 1 - eps)
    return np.log(p / (1 - p))


def fit_calibration(folds, y, hp):
    """Platt-style temperature + bias on the out-of-fold forest logit, optionally with the log anomaly score."""
    s = np.concatenate([f[1] for f in folds])
    a = np.concatenate([f[2] for f in folds])
    t = np.concatenate([y[f[0]] for f in folds])
    z = logit(s, hp['eps'])
    la = np.log(a + 1e-3)
    plain = LogisticRegression(C=1e4, max_iter=1000).fit(z[:, None], t)
    both = LogisticRegression(C=1e4, max_iter=1000).fit(np.stack([z, la], 1), t)
    w_z, w_a = both.coef_[0]
    # Keep the anomaly term only if it improves out-of-fold AUROC in every repeat on average.
    auc_plain = np.mean([roc_auc_score(y[f[0]], f[1]) for f in folds])
    auc_both = np.mean([roc_auc_score(y[f[0]], logit(f[1], hp['eps']) + w_a / w_z * np.log(f[2] + 1e-3))
                        for f in folds])
    if auc_both > auc_plain and w_z > 0:
        cal = {'temperature': float(1 / w_z), 'anomaly_weight': float(w_a / w_z), 'bias': float(both.intercept_[0])}
    else:
        cal = {'temperature': float(1 / plain.coef_[0][0]), 'anomaly_weight': 0.0,
               'bias': float(plain.intercept_[0])}
    cal.update(eps=hp['eps'], oof_auroc_forest=float(auc_plain), oof_auroc_with_anomaly=float(auc_both))
    return cal


def run(args, hp=HP):
    from .export import export_all
    ds, x, y = load(args.data)
    log(f'electrical: {len(y)} rows, {int(y.sum())} fail, {int(np.isnan(x).sum())} missing cells')
    folds = cross_validate(x, y, hp, args.ckpt_dir)
    cal = fit_calibration(folds, y, hp)
    log(f'calibration {cal}')
    if args.stage == 'fit':
        return
    export_all(args, hp, ds, x, y, folds, cal)
