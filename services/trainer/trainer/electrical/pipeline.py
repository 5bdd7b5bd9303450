"""Electrical (SECOM): repeated stratified CV for the figures and calibration, then a final fit on all dev rows."""
import os
import pickle

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from threadpoolctl import threadpool_limits

from ..common import calibration, metrics
from ..common.log import log
from .data import CLASS_NAMES, GOOD_CLASS, load
from .model import Anomaly, Combiner, Preprocess, fit_member, member_logits

HP = dict(seed=20260403, n_splits=5, n_repeats=3,
          # members of the classifier, equally weighted on the standardized logit scale (see model.Combiner)
          members=[dict(kind='rf', n_trees=500, leaf=3, max_features='sqrt'),
                   dict(kind='et', n_trees=500, leaf=3, max_features='sqrt'),
                   dict(kind='gb', n_trees=300, depth=1, learning_rate=0.03, subsample=0.7, leaf=5,
                        max_features='sqrt'),
                   # histogram boosting on the raw measurements: a missing value takes the branch learnt for it
                   dict(kind='hgb', n_iter=300, depth=1, learning_rate=0.05, leaf=10, l2=0.0)],
          member_eps=1e-3, anomaly_variance=0.9, target_recall=0.9, max_false_reject=0.1, eps=1e-4,
          # The gateway refuses a row with a larger share of missing measurements (input_max_missing_fraction)
          # instead of deciding on imputed values: the development rows miss at most 26 % (median 4 %), so half
          # missing is far outside anything the model has seen, and more likely a station's mapping error.
          max_missing_fraction=0.5)


def fit_members(x, y, hp, seed):
    pre = Preprocess.fit(x)
    imp = pre.imputed(x)
    members = [fit_member(spec, imp, x, y, seed + i) for i, spec in enumerate(hp['members'])]
    scaled = pre.scaled(imp)
    anomaly = Anomaly.fit(scaled[y == 0], hp['anomaly_variance'])
    return pre, members, anomaly


def predict_members(fitted, x, hp):
    """([N, M] member logits, [N] anomaly score)."""
    pre, members, anomaly = fitted
    imp = pre.imputed(x)
    return member_logits(members, imp, x, hp['member_eps']), anomaly.score(pre.scaled(imp))


def cross_validate(x, y, hp, ckpt_dir):
    """[(test indices, member logits [n_te, M], anomaly [n_te])] for every fold of the repeated CV."""
    path = os.path.join(ckpt_dir, 'cv_members.pkl')
    if os.path.isfile(path):
        with open(path, 'rb') as f:
            saved = pickle.load(f)
        if saved['hp'] == hp:
            return saved['folds']
        log(f'{path} was written with other hyper-parameters: cross-validating again')
    cv = RepeatedStratifiedKFold(n_splits=hp['n_splits'], n_repeats=hp['n_repeats'], random_state=hp['seed'])
    folds = []
    names = [m['kind'] for m in hp['members']]
    for k, (tr, te) in enumerate(cv.split(x, y)):
        logits, a = predict_members(fit_members(x[tr], y[tr], hp, hp['seed']), x[te], hp)
        folds.append((te, logits, a))
        log(f'electrical fold {k + 1}: AUROC ' + ' '.join(f'{n} {roc_auc_score(y[te], logits[:, j]):.4f}'
                                                            for j, n in enumerate(names))
            + f' anomaly {roc_auc_score(y[te], a):.4f}')
    os.makedirs(ckpt_dir, exist_ok=True)
    with open(path, 'wb') as f:
        pickle.dump({'hp': hp, 'folds': folds}, f)
    return folds


def combine_folds(member_folds, y, hp):
    """Fits the combiner's label-free standardization on the pooled out-of-fold member logits and returns it with
    the folds as [(test indices, SCORE, anomaly)], plus the per-member fold AUROCs [(mean, sd)] in member order."""
    combiner = Combiner.fit(np.concatenate([f[1] for f in member_folds]), hp['member_eps'])
    folds = [(te, combiner.score(logits), a) for te, logits, a in member_folds]
    per_member = []
    for j in range(len(hp['members'])):
        aucs = [roc_auc_score(y[te], logits[:, j]) for te, logits, _ in member_folds]
        per_member.append((float(np.mean(aucs)), float(np.std(aucs))))
    return combiner, folds, per_member


def logit(p, eps):
    p = np.clip(p, eps, 1 - eps)
    return np.log(p / (1 - p))


def fit_calibration(folds, y, hp):
    """Platt-style temperature + bias on the out-of-fold classifier logit, optionally with the log anomaly score."""
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
    cal.update(eps=hp['eps'], oof_auroc_classifier=float(auc_plain), oof_auroc_with_anomaly=float(auc_both))
    return cal


def run(args, hp=HP):
    # The histogram booster (OpenMP) sums gradients per thread: hold it to --threads, as PyTorch is held.
    with threadpool_limits(limits=args.threads, user_api='openmp'):
        _run(args, hp)


def _run(args, hp):
    from .export import export_all
    ds, x, y = load(args.data)
    log(f'electrical: {len(y)} rows, {int(y.sum())} fail, {int(np.isnan(x).sum())} missing cells')
    member_folds = cross_validate(x, y, hp, args.ckpt_dir)
    combiner, folds, per_member = combine_folds(member_folds, y, hp)
    log('electrical members, fold AUROC: ' + ', '.join(f"{spec['kind']} {m:.4f} ± {sd:.4f}"
                                                        for spec, (m, sd) in zip(hp['members'], per_member))
        + f'; combined {np.mean([roc_auc_score(y[te], s) for te, s, _ in folds]):.4f}')
    cal = fit_calibration(folds, y, hp)
    log(f'calibration {cal}')
    if args.stage == 'fit':
        return
    export_all(args, hp, ds, x, y, folds, cal, combiner, per_member)
