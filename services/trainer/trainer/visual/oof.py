"""Out-of-fold outputs for a visual ensemble trained on every development image (`trainer train visual --all-dev DIR`).

Such a model has no validation part, so its combiner, operating point and figures come from the five fold models of
the same recipe: each development image is scored by the fold model that did not train on it. DIR holds one model
repository per fold, `visual-f0-repo` ... `visual-f4-repo`, in the layout `kfold.sh` writes (fold k's ensemble
trained without fold k). Their exported graphs score the images exactly as they are served.
"""
import json
import os

import numpy as np

from ..common.log import log
from ..common.onnx_check import run_onnx
from ..common.repo_config import ALL_DEV_SCOPE, newest_model_file, string_parameter
from ..common.splits import stratified_holdout


def fold_repo(folds_dir, fold):
    return os.path.join(folds_dir, f'visual-f{fold}-repo')


def read_ensemble_parameters(repo):
    path = os.path.join(repo, 'visual_ensemble', 'config.pbtxt')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'--all-dev: no fold model {path} (the five folds of the same recipe are needed for '
                                f'calibration; services/trainer/kfold.sh visual writes them)')
    with open(path) as f:
        text = f.read()

    def get(key):
        try:
            return string_parameter(text, key)
        except KeyError:
            return None
    return {'manifest': get('training_manifest_sha256'), 'scope': get('training_scope'),
            'metrics': json.loads(get('validation_metrics_json') or '{}')}


def check_fold_model(params, repo, fold, manifest_sha256, accuracy, n_val):
    """Refuses a repository that is not fold `fold`'s model of this data: another data set, a model trained on every
    image, or one whose accuracy on fold `fold`'s images is not the validation accuracy it recorded (so it did train
    on them, or was trained for another fold). params: its read_ensemble_parameters; `accuracy`: its ensemble's
    accuracy on those images here."""
    if params['manifest'] != manifest_sha256:
        raise ValueError(f'--all-dev: {repo} was trained on another data set (manifest {params["manifest"]})')
    if params['scope'] == ALL_DEV_SCOPE:
        raise ValueError(f'--all-dev: {repo} trained on every development image, so fold {fold} is not held out of it')
    recorded, n = params['metrics'].get('accuracy'), params['metrics'].get('n')
    # The recorded figure came from PyTorch, this one from the exported graphs: a decision on the edge may flip.
    if recorded is None or n != n_val or abs(recorded - accuracy) > 2.5 / n_val:
        raise ValueError(f'--all-dev: {repo} is not the model that held out fold {fold}: it recorded accuracy '
                         f'{recorded} on {n} validation images, and scores {accuracy:.4f} on fold {fold}\'s {n_val}')


def score_fold(repo, members, views, rows):
    """One fold model's outputs on `rows`: ({view: [logits [n, 6] per member]}, heatmaps [n, 1, 64, 64] of the
    first view, {view: its combiner's PROBS [n, 6]}). members: [(model name, combiner input)], SegNet first."""
    logits, heat, probs = {}, None, {}
    for view, images in views.items():
        feeds, logits[view] = {}, []
        for name, tensor in members:
            wanted = ['LOGITS', 'HEATMAP'] if name == 'visual_segnet' else ['LOGITS']
            out = run_onnx(newest_model_file(repo, name), {'IMAGE': images[rows]}, wanted, batch=16)[0]
            logits[view].append(out['LOGITS'])
            feeds[tensor] = out['LOGITS']
            if heat is None and 'HEATMAP' in out:
                heat = out['HEATMAP']
        probs[view] = run_onnx(newest_model_file(repo, 'visual_combiner'), feeds, ['PROBS'])[0]['PROBS']
    return logits, heat, probs


def oof_outputs(views, y, hp, folds_dir, members, manifest_sha256):
    """Every development image scored by the fold model that held it out. views: {name: uint8 images [N,1,256,256]},
    the served (sharp) view first. Returns ({view: [logits [N, 6] per member]}, heatmaps [N, 1, 64, 64] of the first
    view, per-fold accuracies of the fold ensembles on their held-out images, first view)."""
    n = len(y)
    logits = {view: [np.full((n, 6), np.nan, np.float32) for _ in members] for view in views}
    heat, accs = None, []
    first = next(iter(views))
    for fold in range(hp['n_folds']):
        _, va = stratified_holdout(y, hp['n_folds'], fold, hp['seed'])
        repo = fold_repo(folds_dir, fold)
        params = read_ensemble_parameters(repo)   # a clear error before any scoring when the fold is missing
        lg, h, probs = score_fold(repo, members, views, va)
        accs.append(float((probs[first].argmax(1) == y[va]).mean()))
        check_fold_model(params, repo, fold, manifest_sha256, accs[-1], len(va))
        for view in views:
            for k in range(len(members)):
                logits[view][k][va] = lg[view][k]
        heat = np.zeros((n,) + h.shape[1:], np.float32) if heat is None else heat
        heat[va] = h
        log(f'out-of-fold: fold {fold} model on its {len(va)} held-out images: accuracy {accs[-1]:.4f}')
    assert not any(np.isnan(a).any() for v in logits.values() for a in v), 'the folds cover every image'
    return logits, heat, accs
