"""Electrical model pieces in numpy/sklearn, each mirrored exactly by an ONNX graph (see graphs.py)."""
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import (ExtraTreesClassifier, GradientBoostingClassifier, HistGradientBoostingClassifier,
                              RandomForestClassifier)


@dataclass
class Preprocess:
    medians: np.ndarray   # [590] float32, NaN-free
    keep: np.ndarray      # [K] int64 column indices (non-constant in training data)
    mean: np.ndarray      # [K] float32
    std: np.ndarray       # [K] float32
    clip: float = 10.0

    @staticmethod
    def fit(x):
        med = np.nanmedian(x, axis=0)
        med = np.where(np.isnan(med), 0.0, med).astype(np.float32)
        keep = np.nonzero(np.nan_to_num(np.nanstd(x, axis=0), nan=0.0) > 0)[0].astype(np.int64)
        imp = np.where(np.isnan(x), med, x)[:, keep]
        mean = imp.mean(0).astype(np.float32)
        std = imp.std(0).astype(np.float32)
        std = np.where(std > 0, std, 1.0).astype(np.float32)
        return Preprocess(med, keep, mean, std)

    def imputed(self, x):
        return np.where(np.isnan(x), self.medians, x).astype(np.float32)[:, self.keep]

    def scaled(self, imputed):
        return np.clip((imputed - self.mean) / self.std, -self.clip, self.clip).astype(np.float32)


@dataclass
class Anomaly:
    """Hotelling-style score in the leading principal components of the scaled passing rows, plus the
    squared reconstruction residual, both per dimension: (T2 / k + Q / (K - k)) / 2."""
    center: np.ndarray
    components: np.ndarray  # [K, k]
    inv_sd: np.ndarray      # [k]
    n_rest: int

    @staticmethod
    def fit(scaled, variance=0.9):
        center = scaled.mean(0)
        z = scaled - center
        _, s, vt = np.linalg.svd(z, full_matrices=False)
        var = s ** 2 / (len(z) - 1)
        k = int(np.searchsorted(np.cumsum(var) / var.sum(), variance) + 1)
        return Anomaly(center.astype(np.float32), vt[:k].T.astype(np.float32),
                       (1.0 / np.sqrt(var[:k])).astype(np.float32), scaled.shape[1] - k)

    def score(self, scaled):
        z = scaled - self.center
        proj = z @ self.components
        t2 = ((proj * self.inv_sd) ** 2).mean(1)
        resid = z - proj @ self.components.T
        q = (resid ** 2).sum(1) / max(self.n_rest, 1)
        return (0.5 * (t2 + q)).astype(np.float32)


def make_forest(kind, n_trees, leaf, max_features, seed):
    cls = RandomForestClassifier if kind == 'rf' else ExtraTreesClassifier
    return cls(n_estimators=n_trees, min_samples_leaf=leaf, max_features=max_features,
               class_weight='balanced_subsample', random_state=seed, n_jobs=1)


def make_booster(n_trees, depth, learning_rate, subsample, leaf, max_features, seed):
    return GradientBoostingClassifier(n_estimators=n_trees, max_depth=depth, learning_rate=learning_rate,
                                      subsample=subsample, min_samples_leaf=leaf, max_features=max_features,
                                      random_state=seed)


def make_hist_booster(depth, learning_rate, n_iter, leaf, l2, seed):
    """Histogram gradient boosting with native missing-value handling (each split learns where NaN goes).
    No early stopping, so the fit uses every row and does not draw a validation split."""
    return HistGradientBoostingClassifier(max_depth=depth, learning_rate=learning_rate, max_iter=n_iter,
                                          min_samples_leaf=leaf, l2_regularization=l2, early_stopping=False,
                                          random_state=seed)


def balanced_weights(y):
    """Sample weights giving each class half of the total weight."""
    return np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))


def member_input(m):
    """The tensor a fitted member reads: 'MEASUREMENTS' (raw, NaN = missing, handled by the member's own
    missing-value branches) for the histogram booster, 'IMPUTED' (median-imputed kept columns) for the others."""
    return 'MEASUREMENTS' if isinstance(m, HistGradientBoostingClassifier) else 'IMPUTED'


def fit_member(spec, imputed, raw, y, seed):
    """spec: {'kind': 'rf' | 'et' | 'gb' | 'hgb', ...}. Forests use class weights 'balanced_subsample'; the boosters
    get balanced sample weights (each class half of the total weight). 'hgb' is fitted on the raw measurements
    (NaN kept), the others on the imputed kept columns."""
    if spec['kind'] == 'hgb':
        return make_hist_booster(spec['depth'], spec['learning_rate'], spec['n_iter'], spec['leaf'], spec['l2'],
                                 seed).fit(raw, y, sample_weight=balanced_weights(y))
    if spec['kind'] == 'gb':
        return make_booster(spec['n_trees'], spec['depth'], spec['learning_rate'], spec['subsample'], spec['leaf'],
                            spec['max_features'], seed).fit(imputed, y, sample_weight=balanced_weights(y))
    return make_forest(spec['kind'], spec['n_trees'], spec['leaf'], spec['max_features'], seed).fit(imputed, y)


def booster_base(gb):
    """The booster's constant raw score (log-odds of the weighted class prior)."""
    return float(gb._raw_predict_init(np.zeros((1, gb.n_features_in_), np.float32))[0, 0])


def member_logits(members, imputed, raw, eps):
    """[N, M]: per member a fail logit: logit(clip(predict_proba, eps, 1 - eps)) for forests (mean over trees of
    the leaf's fail fraction), the raw additive score (decision_function) for a booster. imputed: the kept,
    median-imputed columns; raw: the measurements with NaN (read only by 'hgb' members)."""
    out = []
    for m in members:
        if isinstance(m, HistGradientBoostingClassifier):
            out.append(m.decision_function(raw).astype(np.float64))
        elif isinstance(m, GradientBoostingClassifier):
            out.append(m.decision_function(imputed).astype(np.float64))
        else:
            p = np.clip(m.predict_proba(imputed)[:, 1].astype(np.float64), eps, 1 - eps)
            out.append(np.log(p / (1 - p)))
    return np.stack(out, 1)


@dataclass
class Combiner:
    """SCORE = sigmoid(mean over members of (logit_m - center_m) / scale_m). center/scale are the mean and standard
    deviation of each member's out-of-fold logits (label-free statistics), so every member has the same weight."""
    center: np.ndarray  # [M]
    scale: np.ndarray   # [M]
    eps: float

    @staticmethod
    def fit(oof_logits, eps):
        sd = oof_logits.std(0)
        return Combiner(oof_logits.mean(0), np.where(sd > 0, sd, 1.0), eps)

    def score(self, logits):
        z = ((logits - self.center) / self.scale).mean(1)
        return 1 / (1 + np.exp(-z))
