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


def with_fold(hp, fold):
    """The hyper-parameters with another held-out fold (None keeps the shipped fold)."""
    if fold is None:
        return hp
    if not 0 <= fold < hp['n_folds']:
        raise ValueError(f"fold must be between 0 and {hp['n_folds'] - 1}, got {fold}")
    return dict(hp, fold=fold)
