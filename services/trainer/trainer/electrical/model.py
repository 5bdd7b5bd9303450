"""Electrical model pieces in numpy/sklearn, each mirrored exactly by an ONNX graph (see graphs.py)."""
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier


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


def forest_score(forests, imputed):
    """Mean over all trees of the fail probability (equal weight per tree)."""
    total = sum(f.n_estimators for f in forests)
    return sum(f.predict_proba(imputed)[:, 1] * f.n_estimators for f in forests) / total
