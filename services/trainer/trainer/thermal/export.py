"""Calibrates, exports and writes thermal_classifier, thermal_postprocess and thermal_ensemble."""
import os

import numpy as np
import torch

from ..common import calibration, card, drift, metrics, repo_writer
from ..common.combiner_graph import build_combiner, combine_numpy
from ..common.log import log
from ..common.onnx_check import OPSET, export_torch, parity, run_onnx
from .data import CLASS_NAMES, GOOD_CLASS, HEIGHT, WIDTH
from .train import HP, fit_model, predict_logits

TARGET_RECALL = 0.98      # operating point: anomaly recall on validation
MAX_FALSE_REJECT = 0.02   # at most 2 % of No-Anomaly modules decided 'fail' (the rest of the band goes to review)
SEVERITY = {'Offline-Module': 'critical', 'Diode-Multi': 'critical', 'Diode': 'major', 'Cell-Multi': 'major',
            'Hot-Spot-Multi': 'major', 'Cracking': 'major', 'Cell': 'minor', 'Hot-Spot': 'minor',
            'Shadowing': 'minor', 'Soiling': 'minor', 'Vegetation': 'minor'}


def serve_path_check(ds, va, yv, xv, clf_path, post_path, probs, p_def, ops, good):
    """Validation images decoded by sharp (as the gateway will) through the exported graphs."""
    from ..common.serve_check import compare_pixels, sharp_decode
    xs = sharp_decode([ds.path(ds.rows[i]['path']) for i in va], HEIGHT, WIDTH, 'linear', False)
    o_l, _ = run_onnx(clf_path, {'IMAGE': xs}, ['LOGITS'], batch=256)
    o, _ = run_onnx(post_path, {'LOGITS': o_l['LOGITS']}, ['PROBS', 'DEFECT_PROB'], batch=256)
    s = metrics.summary(o['PROBS'].astype(np.float64), yv, good, ops, CLASS_NAMES)
    out = compare_pixels(xs, xv)
    out.update({k: s[k] for k in ['accuracy', 'macro_f1', 'auroc', 'escape_rate', 'false_reject_rate']})
    out['max_abs_diff_defect_prob'] = float(np.abs(o['DEFECT_PROB'][:, 0] - p_def).max())
    log(f'serve path (sharp decode) on validation: {out}')
    return out


def export_all(args, fitted=None):
    ds, x, y, tr, va, model = fitted or fit_model(args.data, args.ckpt_dir)
    good = CLASS_NAMES.index(GOOD_CLASS)
    logits = predict_logits(model, x[va])
    yv = y[va]
    temperature = calibration.fit_temperature(logits, yv)
    members = [('LOGITS', temperature, 1.0)]
    probs, p_def = combine_numpy([logits], members, good)
    p_def = p_def[:, 0]
    ops = calibration.operating_point(p_def, yv != good, TARGET_RECALL, MAX_FALSE_REJECT)
    defect_idx = [i for i, c in enumerate(CLASS_NAMES) if c != GOOD_CLASS]
    thr = {CLASS_NAMES[c]: t for c, t in calibration.class_thresholds(probs, yv, defect_idx).items()}
    summary = metrics.summary(probs, yv, good, ops, CLASS_NAMES)
    ci = metrics.bootstrap(probs, yv, good, ops, CLASS_NAMES,
                           ['accuracy', 'macro_f1', 'auroc', 'ece', 'escape_rate', 'false_reject_rate'])
    uncal = metrics.summary(calibration.calibrated(logits, 1.0), yv, good, ops, CLASS_NAMES)
    log(f"thermal val: T={temperature:.3f} acc {summary['accuracy']:.4f} macroF1 {summary['macro_f1']:.4f} "
        f"AUROC {summary['auroc']:.4f} ECE {uncal['ece']:.4f}->{summary['ece']:.4f} ops {ops}")

    work = os.path.join(args.ckpt_dir, 'export')
    os.makedirs(work, exist_ok=True)
    clf_path, post_path = os.path.join(work, 'classifier.onnx'), os.path.join(work, 'postprocess.onnx')
    export_torch(model, torch.zeros(2, 1, HEIGHT, WIDTH, dtype=torch.uint8), clf_path, ['IMAGE'], ['LOGITS'])
    build_combiner(post_path, members, len(CLASS_NAMES), good)
    onnx_logits, ms = run_onnx(clf_path, {'IMAGE': x[va]}, ['LOGITS'], batch=256)
    parity_logits = parity('thermal_classifier', {'LOGITS': logits}, onnx_logits, 1e-3, log, relative=True)
    onnx_post, _ = run_onnx(post_path, {'LOGITS': onnx_logits['LOGITS']}, ['PROBS', 'DEFECT_PROB'])
    parity_probs = parity('thermal_ensemble', {'PROBS': probs, 'DEFECT_PROB': p_def[:, None]}, onnx_post, 1e-4, log)
    log(f'onnxruntime-node: {ms / len(va):.3f} ms per image at batch 256 (1 thread)')
    serve = serve_path_check(ds, va, yv, x[va], clf_path, post_path, probs, p_def, ops, good)

    repo = args.repo
    version = args.version or repo_writer.next_version(repo, 'thermal_ensemble')
    preprocessing = {
        'input_name': 'IMAGE', 'input_datatype': 'UINT8', 'input_layout': 'CHW', 'input_channels': 1,
        'input_height': HEIGHT, 'input_width': WIDTH, 'channel_order': 'GRAY', 'colourspace': 'b-w',
        'resize_method': 'none', 'resize_fit': 'fill', 'resize_kernel': 'linear',
        'normalization': 'none (inside the model: (x - %.4f) / %.4f)' % (float(model.pixel_mean),
                                                                         float(model.pixel_std)),
    }
    common = {'modality': 'thermal', 'training_manifest_sha256': ds.manifest_sha256,
              'training_dataset': 'infrared_solar_modules (InfraredSolarModules, Raptor Maps 2020, MIT)'}
    common.update(preprocessing)
    onnx_size = {}
    for name, src in [('thermal_classifier', clf_path), ('thermal_postprocess', post_path)]:
        onnx_size[name] = os.path.getsize(src)
        assert onnx_size[name] <= 20 * 1024 * 1024, f'{name} is larger than 20 MB'
    cls_cfg = repo_writer.render_config(
        'thermal_classifier', platform='onnxruntime_onnx', max_batch_size=64,
        inputs=[{'name': 'IMAGE', 'type': 'uint8', 'dims': [1, HEIGHT, WIDTH]}],
        outputs=[{'name': 'LOGITS', 'type': 'float32', 'dims': [len(CLASS_NAMES)], 'label_filename': 'labels.txt'}],
        parameters={**common, 'role': 'classifier (uncalibrated logits)', 'class_names_json': CLASS_NAMES})
    repo_writer.write_model(repo, 'thermal_classifier', version, cls_cfg, clf_path, labels=CLASS_NAMES)
    post_cfg = repo_writer.render_config(
        'thermal_postprocess', platform='onnxruntime_onnx', max_batch_size=64,
        inputs=[{'name': 'LOGITS', 'type': 'float32', 'dims': [len(CLASS_NAMES)]}],
        outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [len(CLASS_NAMES)], 'label_filename': 'labels.txt'},
                 {'name': 'DEFECT_PROB', 'type': 'float32', 'dims': [1]}],
        parameters={'modality': 'thermal', 'role': 'temperature scaling: PROBS = softmax(LOGITS / T)',
                    'calibration_temperature': temperature, 'class_names_json': CLASS_NAMES})
    repo_writer.write_model(repo, 'thermal_postprocess', version, post_cfg, post_path, labels=CLASS_NAMES)

    params = {
        **common,
        'task': 'classification',
        'outputs_json': {'probabilities': 'PROBS', 'defect_probability': 'DEFECT_PROB'},
        'class_names_json': CLASS_NAMES,
        'good_class': GOOD_CLASS,
        'defect_classes_json': [CLASS_NAMES[i] for i in defect_idx],
        'probabilities_calibrated': True,
        'calibration_method': 'temperature scaling on validation, applied inside thermal_postprocess',
        'calibration_temperature': temperature,
        'calibration_json': {'applied_in_graph': True, 'method': 'temperature', 'members': {
            'thermal_classifier': {'temperature': temperature, 'weight': 1.0}}},
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
        'drift_reference_json': {'scores': drift.score_reference(p_def),
                                 'input': drift.image_reference(x[tr])},
        'validation_metrics_json': {k: summary[k] for k in ['n', 'accuracy', 'macro_f1', 'auroc', 'ece',
                                                             'escape_rate', 'false_reject_rate']}
                                    | {'sharp_decoded': serve},
        'model_version_note': f'components thermal_classifier and thermal_postprocess version {version}',
    }
    ens_cfg = repo_writer.render_config(
        'thermal_ensemble', platform='ensemble', max_batch_size=64,
        inputs=[{'name': 'IMAGE', 'type': 'uint8', 'dims': [1, HEIGHT, WIDTH]}],
        outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [len(CLASS_NAMES)], 'label_filename': 'labels.txt'},
                 {'name': 'DEFECT_PROB', 'type': 'float32', 'dims': [1]}],
        parameters=params,
        steps=[{'model': 'thermal_classifier', 'inputs': {'IMAGE': 'IMAGE'}, 'outputs': {'LOGITS': 'logits'}},
               {'model': 'thermal_postprocess', 'inputs': {'LOGITS': 'logits'},
                'outputs': {'PROBS': 'PROBS', 'DEFECT_PROB': 'DEFECT_PROB'}}])
    from .card_text import render_card
    text = render_card(ds=ds, hp=HP, n_train=len(tr), n_val=len(va), temperature=temperature, ops=ops, thr=thr,
                       summary=summary, ci=ci, uncal=uncal, parity=(parity_logits, parity_probs),
                       ms=ms / len(va), sizes=onnx_size, version=version, params=params, model=model, serve=serve)
    repo_writer.write_model(repo, 'thermal_ensemble', version, ens_cfg, labels=CLASS_NAMES, card=text)
    log(f'wrote thermal_ensemble version {version} to {repo}')
