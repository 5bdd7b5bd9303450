"""Visual: how much of the five-fold figures comes from fitting the combiner on the images it is scored on?

The combiner's parameters (each member's temperature, the SegNet's weight, a final temperature and the prior bias on
`Free`; trainer.visual.export.fit_combination) are fitted on each fold's validation images, and the k-fold tables
score the same images. Here each fold's members run once on its validation images (sharp-decoded, as served); the
parameters are then fitted on a random stratified half and the other half is scored (both ways, `--draws` times),
against fitting and scoring on the whole fold. Variants: the shipped recipe, no prior bias, and the SegNet's weight
fixed at 1/4 (all four members equal). Nothing is written to triton-model-repo/.

    cd services/trainer
    /usr/bin/python3 -m experiments.visual_combiner_crossfit --repos R0 R1 R2 R3 R4 --vals V0 V1 V2 V3 V4

R0..R4 and V0..V4 as for experiments.visual_defect_scores.
"""
import argparse

import numpy as np

from experiments.visual_defect_scores import FREE_INDEX, fold_member_logits
from trainer.common import calibration, metrics
from trainer.common.combiner_graph import combine_numpy
from trainer.visual.data import CLASS_NAMES
from trainer.visual.export import MAX_FALSE_REJECT, TARGET_RECALL, fit_combination

VARIANTS = {'shipped': {'bias': ['Free']}, 'no prior bias': {'bias': []},
            'equal weights': {'bias': ['Free'], 'weights': [0.25]}}
KEYS = ('accuracy', 'macro_f1', 'auroc', 'ece', 'escape_rate', 'false_reject_rate', 'review_rate')


def scores(logits, tensors, y, fit_rows, score_rows, variant):
    """Figures on score_rows of the combiner fitted on fit_rows."""
    spec = VARIANTS[variant]
    fit = fit_combination([lg[fit_rows] for lg in logits], y[fit_rows], tensors, spec['bias'],
                          **({'weights': spec['weights']} if 'weights' in spec else {}))
    probs_fit = combine_numpy([lg[fit_rows] for lg in logits], fit['members'], FREE_INDEX, fit['t_final'],
                              fit['class_bias'])[0]
    ops = calibration.operating_point(1 - probs_fit[:, FREE_INDEX], y[fit_rows] != FREE_INDEX, TARGET_RECALL,
                                      MAX_FALSE_REJECT, warn=False)
    probs = combine_numpy([lg[score_rows] for lg in logits], fit['members'], FREE_INDEX, fit['t_final'],
                          fit['class_bias'])[0]
    s = metrics.summary(probs.astype(np.float64), y[score_rows], FREE_INDEX, ops, CLASS_NAMES)
    return np.array([s[k] for k in KEYS], np.float64)


def halves(y, rng):
    a = np.zeros(len(y), bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        a[idx[:len(idx) // 2]] = True
    return a


def fold_figures(y, logits, tensors, draws, seed):
    """{variant: (in-sample figures, cross-fitted figures)} of one fold."""
    everything = np.ones(len(y), bool)
    out = {}
    for variant in VARIANTS:
        rng = np.random.default_rng(seed)
        crossed = []
        for _ in range(draws):
            a = halves(y, rng)
            crossed += [scores(logits, tensors, y, a, ~a, variant), scores(logits, tensors, y, ~a, a, variant)]
        out[variant] = (scores(logits, tensors, y, everything, everything, variant), np.mean(crossed, axis=0))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog='experiments.visual_combiner_crossfit')
    ap.add_argument('--repos', nargs='+', required=True)
    ap.add_argument('--vals', nargs='+', required=True)
    ap.add_argument('--draws', type=int, default=20, help='random stratified halvings per fold')
    a = ap.parse_args(argv)
    if len(a.repos) != len(a.vals):
        ap.error('--repos and --vals need one entry per fold, in the same order')
    per_fold = []
    for k, (repo, val) in enumerate(zip(a.repos, a.vals)):
        y, members = fold_member_logits(repo, val)
        logits = [lg.astype(np.float64) for _, _, _, lg in members]
        if members[0][2] != 'LOGITS_SEG':
            raise ValueError(f'{repo}: the SegNet must be the first member, got {members[0][0]}')
        per_fold.append(fold_figures(y, logits, [t for _, _, t, _ in members[1:]], a.draws, seed=k))
        print(f'fold {k}: ' + '; '.join(f'{v} in-sample acc {f[0][0]:.4f} auroc {f[0][2]:.4f}, cross-fitted acc '
                                        f'{f[1][0]:.4f} auroc {f[1][2]:.4f}' for v, f in per_fold[-1].items()),
              flush=True)
    print('mean over folds (' + ', '.join(KEYS) + ')')
    for variant in VARIANTS:
        for i, label in enumerate(('in-sample', 'cross-fitted')):
            m = np.mean([f[variant][i] for f in per_fold], axis=0)
            print(f'  {variant:14s} {label:12s} ' + ' '.join(f'{v:.4f}' for v in m))


if __name__ == '__main__':
    main()
