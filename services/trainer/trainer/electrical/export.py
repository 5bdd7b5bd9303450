"""Final fit on all dev rows, ONNX export (4 components + ensemble), parity, config and model card."""
import os

import numpy as np
from sklearn.metrics import roc_auc_score

from ..common import calibration, drift, metrics, repo_writer
from ..common.log import log
from ..common.onnx_check import parity, run_onnx
from . import graphs
from .card_text import member_short, render_card
from .data import CLASS_NAMES, GOOD_CLASS, N_FEATURES


def fold_metrics(folds, y, cal, ops):
    rows = []
    for te, s, a in folds:
        p = graphs.calibrate_numpy(s, a, cal)
        probs = np.stack([1 - p, p], 1)
        m = metrics.summary(probs, y[te], 0, ops, CLASS_NAMES)
        rows.append({k: m[k] for k in ['accuracy', 'macro_f1', 'auroc', 'ece', 'escape_rate', 'false_reject_rate',
                                       'review_rate']})
    return {k: {'mean': float(np.mean([r[k] for r in rows])), 'sd': float(np.std([r[k] for r in rows])),
                'n_folds': len(rows)} for k in rows[0]}


def n_nodes(members):
    from sklearn.ensemble import HistGradientBoostingClassifier
    return sum(sum(len(p.nodes) for it in m._predictors for p in it) if isinstance(m, HistGradientBoostingClassifier)
               else sum(e.tree_.node_count for e in np.ravel(m.estimators_)) for m in members)


def input_reference(x):
    q = np.nanquantile(x, [0.05, 0.5, 0.95], axis=0)
    rnd = lambda v: [None if np.isnan(t) else float(f'{t:.6g}') for t in v]  # noqa: E731
    return {'missing_rate': [round(float(v), 4) for v in np.isnan(x).mean(0)], 'p05': rnd(q[0]),
            'median': rnd(q[1]), 'p95': rnd(q[2]),
            'per_row_missing_count': drift.distribution(np.isnan(x).sum(1), np.linspace(0, 150, 16))}


def max_missing_fraction(hp, x):
    """hp['max_missing_fraction'], the largest share of missing measurements the gateway lets a row carry; it
    must admit every development row."""
    limit, seen = hp['max_missing_fraction'], float(np.isnan(x).mean(1).max())
    if not 0 < limit <= 1 or seen > limit:
        raise ValueError(f"max_missing_fraction {limit} must lie in (0, 1] and admit every development row "
                         f"(the most missing is {seen:.3f})")
    return limit


def export_all(args, hp, ds, x, y, folds, cal, combiner, per_member):
    from .pipeline import fit_members, predict_members
    te_all = np.concatenate([f[0] for f in folds])
    s_all = np.concatenate([f[1] for f in folds])
    a_all = np.concatenate([f[2] for f in folds])
    p_all = graphs.calibrate_numpy(s_all, a_all, cal)
    y_all = y[te_all]
    ops = calibration.operating_point(p_all, y_all == 1, hp['target_recall'], hp['max_false_reject'])
    folds_summary = fold_metrics(folds, y, cal, ops)
    probs_all = np.stack([1 - p_all, p_all], 1)
    pooled = metrics.summary(probs_all, y_all, 0, ops, CLASS_NAMES)
    log(f"electrical: fold AUROC {folds_summary['auroc']['mean']:.4f} ± {folds_summary['auroc']['sd']:.4f}; "
        f"ops {ops}; pooled escape {pooled['escape_rate']:.3f} false reject {pooled['false_reject_rate']:.3f}")

    fitted = fit_members(x, y, hp, hp['seed'])
    pre, members, anomaly = fitted
    l_fit, a_fit = predict_members(fitted, x, hp)
    s_fit = combiner.score(l_fit)
    p_fit = graphs.calibrate_numpy(s_fit, a_fit, cal)
    work = os.path.join(args.ckpt_dir, 'export')
    os.makedirs(work, exist_ok=True)
    paths = {n: os.path.join(work, f'{n}.onnx') for n in ['preprocess', 'classifier', 'anomaly', 'calibrator']}
    k = len(pre.keep)
    graphs.preprocess_graph(paths['preprocess'], pre, N_FEATURES)
    graphs.classifier_graph(paths['classifier'], members, combiner, k, N_FEATURES)
    graphs.logits_graph(os.path.join(work, 'member_logits.onnx'), members, k, N_FEATURES, hp['member_eps'])  # check
    cls_inputs = graphs.classifier_inputs(members, k, N_FEATURES)
    graphs.anomaly_graph(paths['anomaly'], anomaly, k)
    graphs.calibrator_graph(paths['calibrator'], cal)
    o_pre, _ = run_onnx(paths['preprocess'], {'MEASUREMENTS': x}, ['IMPUTED', 'SCALED'], batch=256)
    imp = pre.imputed(x)
    d_pre = parity('electrical_preprocess', {'IMPUTED': imp, 'SCALED': pre.scaled(imp)}, o_pre, 1e-4, log)
    feeds = {n: {'IMPUTED': o_pre['IMPUTED'], 'MEASUREMENTS': x}[n] for n, _ in cls_inputs}
    o_log, _ = run_onnx(os.path.join(work, 'member_logits.onnx'), feeds, ['LOGITS'], batch=256)
    d_log = parity('electrical_classifier members (logits)', {'LOGITS': l_fit}, o_log, 1e-3, log)
    o_cls, ms = run_onnx(paths['classifier'], feeds, ['SCORE'], batch=256)
    d_cls = parity('electrical_classifier', {'SCORE': s_fit[:, None]}, o_cls, 1e-5, log)
    o_an, _ = run_onnx(paths['anomaly'], {'SCALED': o_pre['SCALED']}, ['ANOMALY_SCORE'], batch=256)
    rel = {'ANOMALY_SCORE': np.log(a_fit[:, None] + 1e-3)}
    d_an = parity('electrical_anomaly(log)', rel, {'ANOMALY_SCORE': np.log(o_an['ANOMALY_SCORE'] + 1e-3)}, 1e-3, log)
    o_cal, _ = run_onnx(paths['calibrator'], {'SCORE': o_cls['SCORE'], 'ANOMALY_SCORE': o_an['ANOMALY_SCORE']},
                        ['FAIL_PROB', 'PROBS'], batch=256)
    d_cal = parity('electrical_ensemble', {'FAIL_PROB': p_fit[:, None]}, {'FAIL_PROB': o_cal['FAIL_PROB']}, 1e-4, log)
    sizes = {f'electrical_{n}': os.path.getsize(p) for n, p in paths.items()}
    for n, size in sizes.items():
        assert size <= 20 * 1024 * 1024, f'{n} is larger than 20 MB'

    repo = args.repo
    version = args.version or repo_writer.next_version(repo, 'electrical_ensemble')
    base = {'modality': 'electrical', 'training_manifest_sha256': ds.manifest_sha256}
    comp = [
        ('electrical_preprocess', [('MEASUREMENTS', N_FEATURES)], [('IMPUTED', k), ('SCALED', k)],
         'median imputation of NaN, drop constant columns, standardize and clip to +-10'),
        ('electrical_classifier', cls_inputs, [('SCORE', 1)],
         ' + '.join(member_short(m) for m in hp['members']) + ' (TreeEnsembleRegressor, ai.onnx.ml): '
         'sigmoid of the mean standardized member logit, uncalibrated'),
        ('electrical_anomaly', [('SCALED', k)], [('ANOMALY_SCORE', 1)],
         'unsupervised: PCA (Hotelling T2 + residual Q) fitted on passing rows; larger = more unusual'),
        ('electrical_calibrator', [('SCORE', 1), ('ANOMALY_SCORE', 1)], [('FAIL_PROB', 1), ('DEFECT_PROB', 1),
                                                                         ('PROBS', 2)],
         'FAIL_PROB = sigmoid((logit(SCORE) + anomaly_weight*log(ANOMALY_SCORE+0.001)) / T + bias)'),
    ]
    for name, ins, outs, role in comp:
        cfg = repo_writer.render_config(
            name, platform='onnxruntime_onnx', max_batch_size=256,
            inputs=[{'name': n, 'type': 'float32', 'dims': [d]} for n, d in ins],
            outputs=[{'name': n, 'type': 'float32', 'dims': [d]} for n, d in outs],
            parameters={**base, 'role': role})
        repo_writer.write_model(repo, name, version, cfg, paths[name.split('_', 1)[1]])

    params = {
        **base,
        'task': 'classification',
        'training_dataset': 'secom (UCI SECOM, McCann & Johnston 2008, CC BY 4.0)',
        'input_name': 'MEASUREMENTS', 'input_datatype': 'FP32', 'input_layout': 'N_FEATURES',
        'input_features': N_FEATURES,
        'input_feature_names_json': {'pattern': 'f{index}', 'first': 'f0', 'last': f'f{N_FEATURES - 1}',
                                     'note': 'column order of the UCI secom.data file'},
        'missing_value': 'NaN (send NaN for a missing measurement; imputation happens inside the model)',
        'input_max_missing_fraction': max_missing_fraction(hp, x),
        'normalization': 'none (inside the model)',
        'outputs_json': {'probabilities': 'PROBS', 'defect_probability': 'FAIL_PROB',
                         'anomaly_score': 'ANOMALY_SCORE'},
        'class_names_json': CLASS_NAMES, 'good_class': GOOD_CLASS, 'defect_classes_json': ['fail'],
        'probabilities_calibrated': True,
        'calibration_method': 'Platt scaling (temperature + bias) of the classifier logit on out-of-fold predictions',
        'calibration_temperature': cal['temperature'], 'calibration_bias': cal['bias'],
        'calibration_anomaly_weight': cal['anomaly_weight'],
        'calibration_json': {'applied_in_graph': True, 'method': 'platt', 'temperature': cal['temperature'],
                             'bias': cal['bias'], 'anomaly_weight': cal['anomaly_weight']},
        'class_thresholds_json': {'fail': ops['fail_threshold']},
        'review_threshold': ops['review_threshold'], 'fail_threshold': ops['fail_threshold'],
        'decision_rule': ('fail if FAIL_PROB >= fail_threshold; review if review_threshold <= FAIL_PROB < '
                          'fail_threshold; else pass. ANOMALY_SCORE is reported alongside; an ANOMALY_SCORE above '
                          'drift_reference_json.anomaly_score quantile 0.99 also suggests review.'),
        'operating_point_json': {'target_defect_recall': hp['target_recall'],
                                 'max_false_reject_rate': hp['max_false_reject'],
                                 'out_of_fold_escape_rate': pooled['escape_rate'],
                                 'out_of_fold_false_reject_rate': pooled['false_reject_rate'],
                                 'out_of_fold_review_rate': pooled['review_rate']},
        'severity_rules_json': {'per_class': {'fail': 'major'}, 'levels': ['minor', 'major', 'critical'],
                                'critical_if_fail_probability_at_least': 0.8},
        'drift_reference_json': {'scores': drift.score_reference(p_all, 'out-of-fold, repeated CV'),
                                 'anomaly_score': drift.distribution(np.log10(a_fit + 1e-3), np.linspace(-1, 3, 21)),
                                 'anomaly_score_scale': 'log10(ANOMALY_SCORE + 0.001), training rows',
                                 'input': input_reference(x)},
        'validation_metrics_json': {k: v for k, v in folds_summary.items()},
        'model_version_note': f'components electrical_* version {version}',
    }
    ens_cfg = repo_writer.render_config(
        'electrical_ensemble', platform='ensemble', max_batch_size=256,
        inputs=[{'name': 'MEASUREMENTS', 'type': 'float32', 'dims': [N_FEATURES]}],
        outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [2], 'label_filename': 'labels.txt'},
                 {'name': 'FAIL_PROB', 'type': 'float32', 'dims': [1]},
                 {'name': 'DEFECT_PROB', 'type': 'float32', 'dims': [1]},
                 {'name': 'ANOMALY_SCORE', 'type': 'float32', 'dims': [1]}],
        parameters=params,
        steps=[{'model': 'electrical_preprocess', 'inputs': {'MEASUREMENTS': 'MEASUREMENTS'},
                'outputs': {'IMPUTED': 'imputed', 'SCALED': 'scaled'}},
               {'model': 'electrical_classifier',
                'inputs': {n: {'IMPUTED': 'imputed', 'MEASUREMENTS': 'MEASUREMENTS'}[n] for n, _ in cls_inputs},
                'outputs': {'SCORE': 'score'}},
               {'model': 'electrical_anomaly', 'inputs': {'SCALED': 'scaled'},
                'outputs': {'ANOMALY_SCORE': 'ANOMALY_SCORE'}},
               {'model': 'electrical_calibrator', 'inputs': {'SCORE': 'score', 'ANOMALY_SCORE': 'ANOMALY_SCORE'},
                'outputs': {'FAIL_PROB': 'FAIL_PROB', 'DEFECT_PROB': 'DEFECT_PROB', 'PROBS': 'PROBS'}}])
    ci = metrics.bootstrap(probs_all, y_all, 0, ops, CLASS_NAMES, ['auroc', 'ece', 'escape_rate', 'false_reject_rate'])
    anomaly_auc = float(np.mean([roc_auc_score(y[f[0]], f[2]) for f in folds]))
    text = render_card(ds=ds, hp=hp, cal=cal, ops=ops, folds=folds_summary, pooled=pooled, ci=ci, sizes=sizes,
                       parity={'preprocess': d_pre, 'classifier member logits': d_log, 'classifier': d_cls,
                               'anomaly (log)': d_an, 'ensemble': d_cal},
                       ms=ms / len(x), version=version, k=k, anomaly_auc=anomaly_auc, n_nodes=n_nodes(members),
                       n=len(y), n_fail=int(y.sum()), combiner=combiner, per_member=per_member, x_dev=x,
                       cls_inputs=cls_inputs)
    repo_writer.write_model(repo, 'electrical_ensemble', version, ens_cfg, labels=CLASS_NAMES, card=text)
    log(f'wrote electrical_ensemble version {version} to {repo}')
