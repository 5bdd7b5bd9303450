"""Stratified validation inside the development data."""
import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

SPLITS = ('stratified', 'tile')


def stratified_holdout(labels, n_folds, fold, seed):
    """Indices (train, val) of fold `fold` of a stratified k-fold split; the val part is 1/n_folds of each class."""
    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for i, (tr, va) in enumerate(skf.split(np.zeros(len(labels)), labels)):
        if i == fold:
            return np.sort(tr), np.sort(va)
    raise ValueError(f'fold {fold} out of range for {n_folds} folds')


def group_holdout(labels, groups, n_folds, fold, seed):
    """Indices (train, val) of fold `fold` of a k-fold split that keeps every group on one side, with each class
    spread over the folds as evenly as the groups allow (scikit-learn's StratifiedGroupKFold)."""
    sgkf = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for i, (tr, va) in enumerate(sgkf.split(np.zeros(len(labels)), labels, groups)):
        if i == fold:
            return np.sort(tr), np.sort(va)
    raise ValueError(f'fold {fold} out of range for {n_folds} folds')


def dev_holdout(labels, hp, groups=None):
    """(train, val) of hp's fold under hp['split']: 'stratified' (the default), or 'tile', which needs `groups`
    (one label per item; items of a group never straddle the split)."""
    split = hp.get('split', 'stratified')
    if split == 'stratified':
        return stratified_holdout(labels, hp['n_folds'], hp['fold'], hp['seed'])
    if split != 'tile':
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if groups is None or len(groups) != len(labels):
        raise ValueError("split 'tile' needs one group label per item")
    return group_holdout(labels, groups, hp['n_folds'], hp['fold'], hp['seed'])


def with_fold(hp, fold):
    """The hyper-parameters with another held-out fold (None keeps the shipped fold)."""
    if fold is None:
        return hp
    if not 0 <= fold < hp['n_folds']:
        raise ValueError(f"fold must be between 0 and {hp['n_folds'] - 1}, got {fold}")
    return dict(hp, fold=fold)


def with_split(hp, split):
    """The hyper-parameters with another kind of split (None keeps hp's)."""
    if split is None:
        return hp
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return dict(hp, split=split)
