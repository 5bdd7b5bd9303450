"""Out-of-fold logits for a thermal model trained on every development image (`trainer train thermal --all-dev DIR`).

Such a model has no validation part, so its calibration, operating point and figures come from the five fold models
of the same recipe: each development image is scored by the fold model that did not train on it. DIR holds their
compact checkpoints, `thermal_members_f0.pt` … `thermal_members_f4.pt` (what experiments/thermal_grouped_folds.py
writes on a GPU machine).
"""
import os

import numpy as np
import torch

from ..common.log import log
from ..common.splits import stratified_holdout
from .grouped import GroupedDeepNet, MemberMean
from .train import predict_logits


def fold_checkpoint(folds_dir, fold):
    return os.path.join(folds_dir, f'thermal_members_f{fold}.pt')


def load_fold_model(path, spec):
    """A finished compact checkpoint of the grouped member as its served form (MemberMean, eval mode, CPU)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'--all-dev: no fold checkpoint {path} (the five folds of the same recipe are needed '
                                f'for calibration; experiments/thermal_grouped_folds.py writes them)')
    state = torch.load(path, map_location='cpu')
    if state.get('epoch') != spec['epochs']:
        raise ValueError(f"--all-dev: {path} stopped at epoch {state.get('epoch')} of {spec['epochs']}")
    net = GroupedDeepNet(spec['members'], spec['width'], 0.0, 1.0, tuple(spec['blocks']))
    net.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in state['model'].items()})
    return MemberMean(net).eval()


def oof_logits(x, y, hp, folds_dir):
    """(logits [N, 12] of every item from the fold model that held it out, per-fold accuracies)."""
    out = np.full((len(y), 12), np.nan, dtype=np.float32)
    accs = []
    for fold in range(hp['n_folds']):
        _, va = stratified_holdout(y, hp['n_folds'], fold, hp['seed'])
        model = load_fold_model(fold_checkpoint(folds_dir, fold), hp['grouped'])
        with torch.inference_mode():
            out[va] = predict_logits(model, x[va])
        accs.append(float((out[va].argmax(1) == y[va]).mean()))
        log(f'out-of-fold: fold {fold} model on its {len(va)} held-out images: accuracy {accs[-1]:.4f}')
    assert not np.isnan(out).any(), 'the folds cover every item'
    return out, accs
