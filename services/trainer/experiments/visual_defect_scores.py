"""Visual: would another way of combining the members' calibrated probabilities rank defect images above `Free`
ones better than the shipped combiner does? No training; nothing is written to triton-model-repo/.

For each fold, the fold's members (read from its ensemble's `calibration_json`: names and temperatures) and its
combiner run on that fold's validation images, sharp-decoded as served. Each member's calibrated P(defect) =
1 - P(Free) is then combined by every rule in RULES, and the defect-vs-Free AUROC of each rule is printed per fold
and as mean and sd over the folds.

    cd services/trainer
    /usr/bin/python3 -m experiments.visual_defect_scores --repos R0 R1 R2 R3 R4 --vals V0 V1 V2 V3 V4

R0..R4: one model repository per fold (kfold.sh's, or triton-model-repo for the shipped fold); V0..V4: each fold's
validation folder (`trainer split visual --fold K --out DIR`).
"""
import argparse
import json
import os

import numpy as np
from scipy.special import softmax

from trainer.common.repo_config import string_parameter  # noqa: F401 (tests import it from here)
from trainer.visual.data import CLASS_NAMES, GOOD_CLASS

FREE_INDEX = CLASS_NAMES.index(GOOD_CLASS)
EPS = 1e-7


def ensemble_members(repo, ensemble='visual_ensemble'):
    """[(member model name, its temperature)] from the ensemble's calibration_json, in the config's order."""
    with open(os.path.join(repo, ensemble, 'config.pbtxt')) as f:
        calibration = json.loads(string_parameter(f.read(), 'calibration_json'))
    return [(name, float(m['temperature'])) for name, m in calibration['members'].items()]


def member_tensors():
    """Member model name -> the combiner input it feeds (the trainer's HP)."""
    from trainer.visual.train import HP
    return {'visual_segnet': 'LOGITS_SEG', 'visual_patchnet': 'LOGITS_PATCH',
            **{spec['name']: spec['tensor'] for spec in HP['patch_extra']}}


def defect_probabilities(logits, temperature):
    """A member's logits [N, 6] and temperature -> its calibrated P(defect) [N]."""
    return 1.0 - softmax(np.asarray(logits, np.float64) / temperature, axis=1)[:, FREE_INDEX]


def rule_scores(p):
    """p [M, N]: the members' P(defect) -> {rule: defect score [N]} for every rule."""
    logit = np.log(np.clip(p, EPS, 1.0)) - np.log(np.clip(1.0 - p, EPS, 1.0))
    return {'mean': p.mean(0), 'mean log-odds': logit.mean(0), 'noisy-OR': 1.0 - np.prod(1.0 - p, 0),
            'mean of the two highest': np.sort(p, 0)[-2:].mean(0), 'maximum': p.max(0)}


def fold_member_logits(repo, val):
    """(labels [N], [(member model name, its temperature, its combiner input, its raw logits [N, 6])]) of one fold:
    the members of its ensemble on its validation images, sharp-decoded as served."""
    from trainer.common.manifest import read_dataset
    from trainer.common.onnx_check import run_onnx
    from trainer.common.serve_check import sharp_decode
    from experiments.visual_oof_checks import model_file
    ds = read_dataset(val)
    y = np.array([CLASS_NAMES.index(r['class']) for r in ds.rows])
    images = sharp_decode([ds.path(r['path']) for r in ds.rows], 256, 256, 'lanczos3', True)
    tensors = member_tensors()
    return y, [(name, temperature, tensors[name],
                run_onnx(model_file(repo, name), {'IMAGE': images}, ['LOGITS'], batch=16)[0]['LOGITS'])
               for name, temperature in ensemble_members(repo)]


def score_fold(repo, val):
    """(labels, {rule: scores}) of one fold: its members and combiner on its validation images."""
    from trainer.common.onnx_check import run_onnx
    from experiments.visual_oof_checks import model_file
    y, members = fold_member_logits(repo, val)
    feeds = {tensor: logits for _, _, tensor, logits in members}
    p = np.stack([defect_probabilities(logits, temperature) for _, temperature, _, logits in members])
    names = [name for name, _, _, _ in members]
    shipped = run_onnx(model_file(repo, 'visual_combiner'), feeds, ['DEFECT_PROB'])[0]['DEFECT_PROB'][:, 0]
    return y, {'shipped combiner': shipped, **rule_scores(p), **alone(names, p)}


def alone(names, p):
    """Each member's own P(defect), and the mean of the PatchNets' (members named visual_patchnet*)."""
    patch = [i for i, n in enumerate(names) if n.startswith('visual_patchnet')]
    return {'PatchNets only (mean)': p[patch].mean(0), **{f'{n} alone': p[i] for i, n in enumerate(names)}}


def main(argv=None):
    ap = argparse.ArgumentParser(prog='experiments.visual_defect_scores')
    ap.add_argument('--repos', nargs='+', required=True)
    ap.add_argument('--vals', nargs='+', required=True)
    a = ap.parse_args(argv)
    if len(a.repos) != len(a.vals):
        ap.error('--repos and --vals need one entry per fold, in the same order')
    from sklearn.metrics import roc_auc_score
    table = {}
    for repo, val in zip(a.repos, a.vals):
        y, scores = score_fold(repo, val)
        for rule, s in scores.items():
            table.setdefault(rule, []).append(roc_auc_score(y != FREE_INDEX, s))
    for rule, aucs in table.items():
        print(f'{rule:24s} ' + ' '.join(f'{v:.4f}' for v in aucs) +
              f'  mean {np.mean(aucs):.4f} sd {np.std(aucs, ddof=1) if len(aucs) > 1 else 0.0:.4f}')


if __name__ == '__main__':
    main()
