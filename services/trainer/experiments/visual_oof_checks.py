"""Checks on the visual ensemble's out-of-fold outputs (no training; nothing is written to triton-model-repo/).

1. Tiles photographed more than once (trainer/visual/tiles.py: images reduced to 48 x 48, correlation above
   --threshold, 0.95, is a match): prints how many images have a match in another fold of the trainer's stratified
   split, and the number of groups of matching images.
2. With --repos (one scratch repository per fold, 0..4 in order, each trained with that fold held out, as
   kfold.sh writes them): each fold's member networks and combiner score that fold's validation images
   (sharp-decoded, as served). Prints accuracy and defect-vs-Free AUROC for validation images with and without a
   match in their training folds, and the AUROC of the SegNet's heatmap used directly as a defect score (largest
   pixel, mean of the top 10 pixels, mean of the map).
3. Labels that differ within a tile: images with a same-tile match (as in 1, and file numbers within 200) that
   carries another label; with --repos, how many of the ensemble's errors are such images.

    cd services/trainer
    /usr/bin/python3 -m experiments.visual_oof_checks [--data DIR] [--repos R0 R1 R2 R3 R4]
"""
import argparse
import collections
import os

import numpy as np

from experiments.visual_defect_scores import ensemble_members, member_tensors
from trainer.__main__ import REPO_ROOT
from trainer.common.repo_config import newest_model_file
from trainer.visual.data import CLASS_NAMES, GOOD_CLASS
from trainer.visual.tiles import file_number, label_conflicts, load_gray, match_groups, same_tile, signatures

FREE_INDEX = CLASS_NAMES.index(GOOD_CLASS)

DEFAULT_DATA = os.path.join(REPO_ROOT, '..', 'shared', 'datasets', 'magnetic_tile')


def best_match_elsewhere(sig, fold):
    """For every row, its largest correlation with a row of a different fold (-1 where there is none)."""
    corr = sig @ sig.T
    corr[fold[:, None] == fold[None, :]] = -1.0
    return corr.max(1)


def heatmap_scores(heatmaps):
    """[N, ..., H, W] defect heatmaps -> {'max', 'top10', 'mean'} per-image scores."""
    flat = heatmaps.reshape(len(heatmaps), -1)
    top = np.sort(flat, 1)[:, ::-1]
    return {'max': top[:, 0], 'top10': top[:, :10].mean(1), 'mean': flat.mean(1)}


def fold_of(y, n_folds, seed):
    """The validation fold of every row under the trainer's stratified split."""
    from trainer.common.splits import stratified_holdout
    fold = np.full(len(y), -1)
    for k in range(n_folds):
        fold[stratified_holdout(y, n_folds, k, seed)[1]] = k
    return fold


def model_file(repo, name):
    """The newest numbered version's model.onnx of `name` in a model repository (exits when there is none)."""
    try:
        return newest_model_file(repo, name)
    except FileNotFoundError as e:
        raise SystemExit(str(e))


def score_folds(repos, images, fold):
    """Runs each fold's members and combiner on its validation images: (probs [N,6], heatmaps [N,1,64,64])."""
    from trainer.common.onnx_check import run_onnx
    probs, heat = np.zeros((len(fold), len(CLASS_NAMES)), np.float32), None
    for k, repo in enumerate(repos):
        va = np.where(fold == k)[0]
        feeds, tensors = {}, member_tensors()
        for name, _ in ensemble_members(repo):
            tensor = tensors[name]
            outputs = ['LOGITS', 'HEATMAP'] if name == 'visual_segnet' else ['LOGITS']
            o = run_onnx(model_file(repo, name), {'IMAGE': images[va]}, outputs, batch=16)[0]
            feeds[tensor] = o['LOGITS']
            if 'HEATMAP' in o:
                heat = np.zeros((len(fold),) + o['HEATMAP'].shape[1:], np.float32) if heat is None else heat
                heat[va] = o['HEATMAP']
        probs[va] = run_onnx(model_file(repo, 'visual_combiner'), feeds, ['PROBS'])[0]['PROBS']
    return probs, heat


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=DEFAULT_DATA)
    ap.add_argument('--threshold', type=float, default=0.95)
    ap.add_argument('--repos', nargs='*', default=[])
    args = ap.parse_args(argv)
    from sklearn.metrics import roc_auc_score
    from trainer.visual.train import HP
    from trainer.common.manifest import read_dataset
    ds = read_dataset(args.data)
    y = np.array([CLASS_NAMES.index(r['class']) for r in ds.rows])
    sig = signatures(load_gray([ds.path(r['path']) for r in ds.rows]))
    fold = fold_of(y, HP['n_folds'], HP['seed'])
    twin = best_match_elsewhere(sig, fold) > args.threshold
    sizes = collections.Counter(collections.Counter(match_groups(sig, args.threshold)).values())
    print(f'{twin.sum()} of {len(y)} images match (> {args.threshold}) an image of another fold; '
          f'{sum(sizes.values())} groups, by size: {dict(sorted(sizes.items()))}')
    conflict = label_conflicts(same_tile(sig, [file_number(r['path']) for r in ds.rows], args.threshold), y)
    print(f'{conflict.sum()} images have a same-tile match (file numbers within 200) with another label')
    if not args.repos:
        return
    if len(args.repos) != HP['n_folds']:
        raise SystemExit(f'--repos needs {HP["n_folds"]} repositories, fold 0 first')
    from trainer.common.serve_check import sharp_decode
    images = sharp_decode([ds.path(r['path']) for r in ds.rows], 256, 256, 'lanczos3', True)
    probs, heat = score_folds(args.repos, images, fold)
    ok, defect = probs.argmax(1) == y, y != FREE_INDEX
    for name, m in [('with a match in training', twin), ('without one', ~twin)]:
        print(f'{name}: n {m.sum()}, Free {np.mean(y[m] == FREE_INDEX):.2f}, accuracy {ok[m].mean():.3f}, '
              f'AUROC {roc_auc_score(defect[m], 1 - probs[m, FREE_INDEX]):.3f}')
    print(f'errors: {(~ok).sum()}, of them on images with a same-tile match of another label: {(~ok & conflict).sum()}')
    scores = heatmap_scores(heat)
    for key, s in scores.items():
        per_fold = [roc_auc_score(defect[fold == k], s[fold == k]) for k in range(HP['n_folds'])]
        print(f'SegNet heatmap {key} as defect score, AUROC per fold: ' + ' '.join(f'{a:.3f}' for a in per_fold))


if __name__ == '__main__':
    main()
