"""Stratified validation inside the development data."""
import numpy as np
from sklearn.model_selection import StratifiedKFold


def stratified_holdout(labels, n_folds, fold, seed):
    """Indices (train, val) of fold `fold` of a stratified k-fold split; the val part is 1/n_folds of each class."""
    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for i, (tr, va) in enumerate(skf.split(np.zeros(len(labels)), labels)):
        if i == fold:
            return np.sort(tr), np.sort(va)
    raise ValueError(f'fold {fold} out of range for {n_folds} folds')
