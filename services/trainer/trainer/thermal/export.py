"""Calibrates, exports and writes thermal_classifier, thermal_postprocess and thermal_ensemble."""
import os

import numpy as np
import torch

from ..common import calibration, card, drift, metrics, repo_writer
from ..common.combiner_graph import build_combiner, combine_numpy
from ..common.flip_mean import FlipMean
from ..common.mixture import fit_members
from ..common.log import log
from ..common.onnx_check import OPSET, export_torch, parity, run_onnx, store_weights_fp16
from ..common.repo_config import ALL_DEV_SCOPE
from .data import CLASS_NAMES, GOOD_CLASS, HEIGHT, WIDTH
from .grouped import served_count
from .train import HP, expand_members, fit_model, predict_logits

TARGET_RECALL = 0.98      # operating point: anomaly recall on validation
MAX_FALSE_REJECT = 0.02   # at most 2 % of No-Anomaly modules decided 'fail' (the rest of the band goes to review)
SEVERITY = {'Offline-Module': 'critical', 'Diode-Multi': 'critical', 'Diode': 'major', 'Cell-Multi': 'major',
            'Hot-Spot-Multi': 'major', 'Cracking': 'major', 'Cell': 'minor', 'Hot-Spot': 'minor',
            'Shadowing': 'minor', 'Soiling': 'minor', 'Vegetation': 'minor'}


SERVE_FIGURES = ('accuracy', 'macro_f1', 'auroc', 'escape_rate', 'false_reject_rate')


def serve_path_check(ds, va, yv, xv, clf_paths, post_path, p_def, ops, good):
    """Validation images decoded by sharp (as the gateway will) through the exported graphs."""
    from ..common.serve_check import compare_pixels, sharp_decode
    xs = sharp_decode([ds.path(ds.rows[i]['path']) for i in va], HEIGHT, WIDTH, 'linear', False)
    feeds = {}
    for name, path in clf_paths:
        feeds[name] = run_onnx(path, {'IMAGE': xs}, ['LOGITS'], batch=256)[0]['LOGITS']
    o, _ = run_onnx(post_path, feeds, ['PROBS', 'DEFECT_PROB'], batch=256)
    s = metrics.summary(o['PROBS'].astype(np.float64), yv, good, ops, CLASS_NAMES)
    out = compare_pixels(xs, xv)
    out.update({k: s[k] for k in SERVE_FIGURES})
    out['max_abs_diff_defect_prob'] = float(np.abs(o['DEFECT_PROB'][:, 0] - p_def).max())
    log(f'serve path (sharp decode) on validation: {out}')
    return out


def calibration_set(hp, x, y, va, check_logits):
    """(member logits, labels, out-of-fold report or None) that calibration, the operating point and every figure
    are taken from: the validation part's, or, for a model trained on every image (hp['all_dev']), each image's
    logits from the fold model that held it out."""
    if not hp.get('all_dev'):
        return check_logits, y[va], None
    if [kind for kind, _ in expand_members(hp)] != ['grouped']:
        raise ValueError("--all-dev calibrates from the grouped member's fold checkpoints: HP['members'] must be "
                         "('grouped',)")
    from .oof import oof_logits
    lg, accs = oof_logits(x, y, hp, hp['all_dev'])
    return [lg], y, {'folds_dir': hp['all_dev'], 'fold_accuracy': accs, 'n_check': len(va)}


def member_specs(hp):
    """[(repository name, combiner input tensor, role)] of every member, in the order fit_model returns them
    (HP['members']); combiner inputs are lettered A, B, C, ... in that order."""
    specs = []

    def add(name, role):
        letter = chr(ord('A') + len(specs))
        specs.append((name, f'LOGITS_{letter}', f'ensemble member {letter}: {role}'))

    for kind, spec in expand_members(hp):
        if kind == 'first':
            add('thermal_classifier', 'residual CNN, 4 blocks (uncalibrated logits)')
        elif kind == 'second':
            add('thermal_deepnet', 'residual CNN, 6 blocks (uncalibrated logits)')
        elif kind == 'extra':
            blocks = sum(spec['blocks']) if spec['arch'] == 'deep' else 4
            add(spec['name'], f'residual CNN, {blocks} blocks, own seed (uncalibrated logits)')
        else:
            add(spec['name'], f"{served_count(spec)} residual CNNs of {sum(spec['blocks'])} blocks, own seeds; output: "
                              f"the log of their mean probability")
    return specs


def export_all(args, fitted=None):
    hp = getattr(args, 'hp', HP)
    ds, x, y, tr, va, models = fitted or fit_model(args.data, args.ckpt_dir, hp)
    specs = member_specs(hp)
    assert len(specs) == len(models), 'one repository model per trained member'
    if hp.get('flip_tta'):
        models = [FlipMean(m, ('h', 'v', 'hv')).eval() for m in models]
    good = CLASS_NAMES.index(GOOD_CLASS)
    check_logits = [predict_logits(m, x[va]) for m in models]   # the exported models' own outputs on `va`
    logits, yv, oof = calibration_set(hp, x, y, va, check_logits)
    for (name, _, _), lg in zip(specs, logits):
        log(f"{name}: {'out-of-fold' if oof else 'val'} acc {(lg.argmax(1) == yv).mean():.4f}")
    members, t_final = fit_members(logits, yv, good, [tensor for _, tensor, _ in specs])
    probs, p_def = combine_numpy(logits, members, good, t_final)
    p_def = p_def[:, 0]
    probs_check, p_def_check = combine_numpy(check_logits, members, good, t_final)
    ops = calibration.operating_point(p_def, yv != good, TARGET_RECALL, MAX_FALSE_REJECT)
    defect_idx = [i for i, c in enumerate(CLASS_NAMES) if c != GOOD_CLASS]
    thr = {CLASS_NAMES[c]: t for c, t in calibration.class_thresholds(probs, yv, defect_idx).items()}
    summary = metrics.summary(probs, yv, good, ops, CLASS_NAMES)
    ci = metrics.bootstrap(probs, yv, good, ops, CLASS_NAMES,
                           ['accuracy', 'macro_f1', 'auroc', 'ece', 'escape_rate', 'false_reject_rate'])
    raw_mix, _ = combine_numpy(logits, [(n, 1.0, w) for n, _, w in members], good)
    uncal = metrics.summary(raw_mix, yv, good, ops, CLASS_NAMES)
    singles = {name: metrics.summary(calibration.calibrated(lg, m[1]), yv, good, ops, CLASS_NAMES)
               for (name, _, _), lg, m in zip(specs, logits, members)}
    log(f"thermal val: members {[(n, round(t, 3), round(w, 2)) for n, t, w in members]} T_final={t_final:.3f} "
        f"acc {summary['accuracy']:.4f} macroF1 {summary['macro_f1']:.4f} AUROC {summary['auroc']:.4f} "
        f"ECE {uncal['ece']:.4f}->{summary['ece']:.4f} ops {ops}")

    work = os.path.join(args.ckpt_dir, 'export')
    os.makedirs(work, exist_ok=True)
    clf_paths = [(tensor, os.path.join(work, f'{name}.onnx')) for name, tensor, _ in specs]
    post_path = os.path.join(work, 'postprocess.onnx')
    onnx_logits, parity_logits, ms = {}, 0.0, 0.0
    kinds = [kind for kind, _ in expand_members(hp)]
    for model, kind, (name, _, _), (tensor, path), lg in zip(models, kinds, specs, clf_paths, check_logits):
        export_torch(model, torch.zeros(2, 1, HEIGHT, WIDTH, dtype=torch.uint8), path, ['IMAGE'], ['LOGITS'],
                     keep_batchnorm=kind == 'grouped')
        if kind == 'grouped':   # its weights come back from training as fp16 (grouped.compact): stored as such
            log(f'{name}: {store_weights_fp16(path)} weight tensors stored as fp16 (computed in fp32)')
        out, t = run_onnx(path, {'IMAGE': x[va]}, ['LOGITS'], batch=256)
        onnx_logits[tensor] = out['LOGITS']
        ms += t
        parity_logits = max(parity_logits, parity(name, {'LOGITS': lg}, out, 1e-3, log, relative=True))
    build_combiner(post_path, members, len(CLASS_NAMES), good, final_temperature=t_final)
    onnx_post, _ = run_onnx(post_path, onnx_logits, ['PROBS', 'DEFECT_PROB'])
    parity_probs = parity('thermal_ensemble', {'PROBS': probs_check, 'DEFECT_PROB': p_def_check}, onnx_post, 1e-4, log)
    log(f'onnxruntime-node: {ms / len(va):.3f} ms per image at batch 256 (1 thread, all members)')
    serve = serve_path_check(ds, va, y[va], x[va], clf_paths, post_path, p_def_check[:, 0], ops, good)
    if oof:   # the model trained on these images: its figures on them say nothing; the decode checks stand
        serve = {k: v for k, v in serve.items() if k not in SERVE_FIGURES}

    repo = args.repo
    version = args.version or repo_writer.next_version(repo, 'thermal_ensemble')
    preprocessing = {
        'input_name': 'IMAGE', 'input_datatype': 'UINT8', 'input_layout': 'CHW', 'input_channels': 1,
        'input_height': HEIGHT, 'input_width': WIDTH, 'channel_order': 'GRAY', 'colourspace': 'b-w',
        'resize_method': 'none', 'resize_fit': 'fill', 'resize_kernel': 'linear',
        'normalization': 'none (inside the model: (x - %.4f) / %.4f)' % (float(models[0].pixel_mean),
                                                                         float(models[0].pixel_std)),
    }
    common = {'modality': 'thermal', 'training_manifest_sha256': ds.manifest_sha256,
              # `npm run evaluate` reads it to say when figures on development images are in-sample
              'training_scope': (ALL_DEV_SCOPE if oof else
                                 f"development images except fold {hp['fold']} of {hp['n_folds']}"),
              'training_dataset': 'infrared_solar_modules (InfraredSolarModules, Raptor Maps 2020, MIT)'}
    common.update(preprocessing)
    onnx_size = {}
    for (name, _, _), (_, src) in zip(specs + [('thermal_postprocess', None, None)], clf_paths + [(None, post_path)]):
        onnx_size[name] = os.path.getsize(src)
        assert onnx_size[name] <= 20 * 1024 * 1024, f'{name} is larger than 20 MB'
    for (name, _, role), (_, path) in zip(specs, clf_paths):
        cfg = repo_writer.render_config(
            name, platform='onnxruntime_onnx', max_batch_size=64,
            inputs=[{'name': 'IMAGE', 'type': 'uint8', 'dims': [1, HEIGHT, WIDTH]}],
            outputs=[{'name': 'LOGITS', 'type': 'float32', 'dims': [len(CLASS_NAMES)],
                      'label_filename': 'labels.txt'}],
            parameters={**common, 'role': role, 'class_names_json': CLASS_NAMES})
        repo_writer.write_model(repo, name, version, cfg, path, labels=CLASS_NAMES)
    mix_text = ' + '.join(f'{w:.2f} * softmax({n} / {t:.4f})' for n, t, w in members)
    post_cfg = repo_writer.render_config(
        'thermal_postprocess', platform='onnxruntime_onnx', max_batch_size=64,
        inputs=[{'name': tensor, 'type': 'float32', 'dims': [len(CLASS_NAMES)]} for _, tensor, _ in specs],
        outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [len(CLASS_NAMES)], 'label_filename': 'labels.txt'},
                 {'name': 'DEFECT_PROB', 'type': 'float32', 'dims': [1]}],
        parameters={'modality': 'thermal',
                    'role': f'calibrated mixture: PROBS = softmax(log({mix_text}) / {t_final:.4f})',
                    'calibration_temperature': t_final, 'class_names_json': CLASS_NAMES})
    repo_writer.write_model(repo, 'thermal_postprocess', version, post_cfg, post_path, labels=CLASS_NAMES)

    params = {
        **common,
        'task': 'classification',
        'outputs_json': {'probabilities': 'PROBS', 'defect_probability': 'DEFECT_PROB'},
        'class_names_json': CLASS_NAMES,
        'good_class': GOOD_CLASS,
        'defect_classes_json': [CLASS_NAMES[i] for i in defect_idx],
        'probabilities_calibrated': True,
        'calibration_method': ('per-member temperature scaling, a weighted mixture, and one more temperature on '
                               'the mixture, all fitted on validation and applied inside thermal_postprocess'),
        'calibration_temperature': t_final,
        'calibration_json': {'applied_in_graph': True, 'method': 'temperature mixture',
                             'final_temperature': t_final, 'members': {
                                 name: {'temperature': t, 'weight': w}
                                 for (name, _, _), (_, t, w) in zip(specs, members)}},
        'class_thresholds_json': thr,
        'review_threshold': ops['review_threshold'],
        'fail_threshold': ops['fail_threshold'],
        'decision_rule': ('DEFECT_PROB = 1 - PROBS[No-Anomaly] (anomaly vs no-anomaly); fail if DEFECT_PROB >= '
                          'fail_threshold; review if review_threshold <= DEFECT_PROB < fail_threshold; else pass. '
                          'Reported anomaly types: defect classes with PROBS >= their class threshold, and always '
                          'the most probable defect class when the decision is not pass.'),
        'operating_point_json': {'target_defect_recall': TARGET_RECALL, 'max_false_reject_rate': MAX_FALSE_REJECT,
                                 'validation_escape_rate': summary['escape_rate'],
                                 'validation_false_reject_rate': summary['false_reject_rate'],
                                 'validation_review_rate': summary['review_rate']},
        'severity_rules_json': {'per_class': SEVERITY, 'levels': ['minor', 'major', 'critical'],
                                'escalate_one_level_if_probability_at_least': 0.9},
        'input_min_pixel_std': drift.min_pixel_std(x[tr]),
        'input_min_source_side': drift.min_source_side([ds.path(ds.rows[i]['path']) for i in tr]),
        'drift_reference_json': {'scores': drift.score_reference(p_def),
                                 'input': drift.image_reference(x[tr])},
        'validation_metrics_json': {k: summary[k] for k in ['n', 'accuracy', 'macro_f1', 'auroc', 'ece',
                                                             'escape_rate', 'false_reject_rate']}
                                    | ({'source': f"out of fold: each of the {summary['n']} development images "
                                                  f"scored by the fold model of the same recipe that held it out "
                                                  f"(the served model trained on all of them)"} if oof else {})
                                    | {'sharp_decoded': serve},
        'model_version_note': (f"components {', '.join(name for name, _, _ in specs)} and thermal_postprocess "
                               f'version {version}'),
    }
    ens_cfg = repo_writer.render_config(
        'thermal_ensemble', platform='ensemble', max_batch_size=64,
        inputs=[{'name': 'IMAGE', 'type': 'uint8', 'dims': [1, HEIGHT, WIDTH]}],
        outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [len(CLASS_NAMES)], 'label_filename': 'labels.txt'},
                 {'name': 'DEFECT_PROB', 'type': 'float32', 'dims': [1]}],
        parameters=params,
        steps=[{'model': name, 'inputs': {'IMAGE': 'IMAGE'}, 'outputs': {'LOGITS': tensor.lower()}}
               for name, tensor, _ in specs]
              + [{'model': 'thermal_postprocess', 'inputs': {tensor: tensor.lower() for _, tensor, _ in specs},
                  'outputs': {'PROBS': 'PROBS', 'DEFECT_PROB': 'DEFECT_PROB'}}])
    from .card_text import render_card
    text = render_card(ds=ds, hp=hp, specs=specs, n_train=len(tr), n_val=len(va), oof=oof, members=members, t_final=t_final, ops=ops,
                       thr=thr, summary=summary, ci=ci, uncal=uncal, singles=singles,
                       parity=(parity_logits, parity_probs), ms=ms / len(va), sizes=onnx_size, version=version,
                       params=params, models=models, serve=serve)
    repo_writer.write_model(repo, 'thermal_ensemble', version, ens_cfg, labels=CLASS_NAMES, card=text)
    log(f'wrote thermal_ensemble version {version} to {repo}')
