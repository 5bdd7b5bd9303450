"""Thermal: trains the shipped grouped member (HP['grouped'], trainer/thermal/grouped.py) on several folds in a row,
from the arrays `experiments.thermal_members pack` writes (no dataset folder needed), for a GPU machine. For each
fold, as soon as it finishes: OUT/thermal_members_f{K}.pt, a compact checkpoint (fp16 weights, no optimizer state)
that `trainer train thermal --fold K --ckpt-dir DIR` resumes from when it is copied to DIR/thermal/thermal_members.pt
(export then runs on the CPU), and a line of OUT/folds.jsonl (each member's and the mean's validation accuracy, from
the GPU, and the wall time).

    cd services/trainer
    python3 -m experiments.thermal_grouped_folds --npz /tmp/thermal.npz --out OUT --folds 0 1 2 3 4 --device cuda

`--grouped '{"epochs": 240}'` overrides keys of HP['grouped'] for an experiment (the shipped recipe otherwise).
`--folds all` trains on every item (OUT/thermal_members_fall.pt, for `trainer train thermal --all-dev`); its
"validation" line is then fold 0's items, which it trained on (in-sample, a check that training ran, not a figure).
`--train-fraction 0.8` trains on a stratified share of the fold's training items (a learning-curve point).
"""
import argparse
import json
import os
import time

import numpy as np

from trainer.common.log import log
from trainer.thermal.grouped import compact, val_report
from trainer.thermal.train import HP, fit_grouped_member


def fold_indices(arrays, fold, train_fraction=1.0, seed=0):
    """(train, val) indices of `fold` (an int, or 'all': every item trains, fold 0's items are the in-sample check),
    the training part cut to a stratified `train_fraction` of itself when that is below 1."""
    y = arrays['y']
    if fold == 'all':
        tr, va = np.arange(len(y)), arrays['val0']
    else:
        va = arrays[f'val{fold}']
        tr = np.setdiff1d(np.arange(len(y)), va)
    if not 0 < train_fraction <= 1:
        raise ValueError(f'train_fraction must be in (0, 1], got {train_fraction}')
    if train_fraction < 1:
        rng = np.random.default_rng(seed)
        keep = [rng.permutation(tr[y[tr] == c])[:int(round(train_fraction * (y[tr] == c).sum()))]
                for c in np.unique(y[tr])]
        tr = np.sort(np.concatenate(keep))
    return tr, va


def run_tag(fold, train_fraction):
    return f'f{fold}' + ('' if train_fraction == 1 else f'_tr{int(round(train_fraction * 100))}')


def train_fold(arrays, fold, out, work, device, hp=HP, train_fraction=1.0):
    x, y = arrays['x'], arrays['y']
    tr, va = fold_indices(arrays, fold, train_fraction, hp['seed'])
    name = hp['grouped']['name']
    tag = run_tag(fold, train_fraction)
    ckpt = os.path.join(work, tag)   # full per-epoch checkpoints (with optimizer state): not under OUT
    t0 = time.time()
    model = fit_grouped_member(x, y, tr, va, ckpt, dict(hp, device=device))   # the trainer's own recipe
    wall = time.time() - t0
    compact(ckpt, name, os.path.join(out, f'{name}_{tag}.pt'))
    row = {'fold': fold, 'train_fraction': train_fraction, 'n_train': int(len(tr)), 'n_val': int(len(va)),
           'val_in_sample': fold == 'all', 'wall_s': round(wall, 1),
           **val_report(model, x, y, va)}
    with open(os.path.join(out, 'folds.jsonl'), 'a') as f:
        f.write(json.dumps(row) + '\n')
    log(f'fold {fold}: {row}')


def fold_arg(text):
    return 'all' if text == 'all' else int(text)


def main(argv=None):
    ap = argparse.ArgumentParser(prog='experiments.thermal_grouped_folds')
    ap.add_argument('--npz', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--folds', type=fold_arg, nargs='+', default=list(range(5)), help="fold numbers, or 'all'")
    ap.add_argument('--train-fraction', type=float, default=1.0)
    ap.add_argument('--device', default='cuda')
    ap.add_argument('--work', default='/tmp/thermal-grouped-work', help='per-epoch checkpoints (resumable)')
    ap.add_argument('--grouped', type=json.loads, default={}, help="JSON object of HP['grouped'] keys to override")
    a = ap.parse_args(argv)
    unknown = sorted(set(a.grouped) - set(HP['grouped']))
    if unknown:
        ap.error(f"--grouped: unknown keys {unknown}; HP['grouped'] has {sorted(HP['grouped'])}")
    hp = dict(HP, grouped=dict(HP['grouped'], **a.grouped))
    os.makedirs(a.out, exist_ok=True)
    arrays = dict(np.load(a.npz))
    for fold in a.folds:
        train_fold(arrays, fold, a.out, a.work, a.device, hp, a.train_fraction)


if __name__ == '__main__':
    main()
