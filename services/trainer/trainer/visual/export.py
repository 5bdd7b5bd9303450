"""Calibrates and combines the two visual classifiers, exports ONNX, writes the visual_* models."""
import os

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from ..common import calibration, drift, metrics, repo_writer
from ..common.combiner_graph import build_combiner, combine_numpy, pooled_log
from ..common.flip_mean import FlipMean
from ..common.log import log
from ..common.onnx_check import export_torch, parity, run_onnx
from .data import CLASS_NAMES, DEFECT_CLASSES, GOOD_CLASS, SIZE
from ..common.repo_config import ALL_DEV_SCOPE
from .train import HP, SERVE_KEY

TARGET_RECALL = 0.98
MAX_FALSE_REJECT = 0.02
WEIGHTS = [0.25, 0.5, 0.75]     # candidate weights of the SegNet member; the PatchNets share the rest equally
HEATMAP_THRESHOLD = 0.5
SEVERITY = {'Break': 'critical', 'Crack': 'critical', 'Blowhole': 'major', 'Fray': 'major', 'Uneven': 'minor'}


@torch.no_grad()
def outputs(model, x, batch=16):
    model.eval()
    logits, heat = [], []
    for i in range(0, len(x), batch):
        out = model(torch.from_numpy(x[i:i + batch]))
        if isinstance(out, tuple):
            logits.append(out[0])
            heat.append(out[1])
        else:
            logits.append(out)
    return torch.cat(logits).numpy(), (torch.cat(heat).numpy() if heat else None)


def localization(heat, masks, y, good):
    """Pixel AUROC of the heatmap against masks (max-pooled to the heatmap grid) and the share of defect images
    whose hottest cell lies on the (one-cell dilated) mask, over defect images with a non-empty mask."""
    m = F.max_pool2d(torch.from_numpy(masks[:, None].astype(np.float32)), 4).numpy()
    sel = [i for i in range(len(y)) if y[i] != good and m[i].any()]
    if not sel:
        return {}
    dil = F.max_pool2d(torch.from_numpy(m[sel]), 3, 1, 1).numpy()
    hits = [dil[j, 0].flat[heat[i, 0].argmax()] > 0 for j, i in enumerate(sel)]
    return {'pixel_auroc_defect_images': float(roc_auc_score(m[sel].ravel() > 0, heat[sel].ravel())),
            'hottest_cell_on_defect': float(np.mean(hits)), 'n_images': len(sel)}


def serve_path_check(images, va, yv, paths, tensors, probs, p_def, ops, good):
    """Robustness to the resampler: the same validation images resized by PIL (Lanczos) instead of sharp, through
    the exported graphs at the shipped thresholds. tensors: {classifier model name: its combiner input}."""
    from ..common.serve_check import compare_pixels
    xs, xp = images[SERVE_KEY][va], images['lanczos3'][va]
    feeds = {tensor: run_onnx(paths[name], {'IMAGE': xp}, ['LOGITS'], batch=16)[0]['LOGITS']
             for name, tensor in tensors.items()}
    o, _ = run_onnx(paths['visual_combiner'], feeds, ['PROBS', 'DEFECT_PROB'])
    s = metrics.summary(o['PROBS'].astype(np.float64), yv, good, ops, CLASS_NAMES)
    out = compare_pixels(xs, xp)
    out.update({k: s[k] for k in ['accuracy', 'macro_f1', 'auroc', 'escape_rate', 'false_reject_rate']})
    out['max_abs_diff_defect_prob'] = float(np.abs(o['DEFECT_PROB'][:, 0] - p_def).max())
    out['argmax_changed'] = int((o['PROBS'].argmax(1) != probs.argmax(1)).sum())
    log(f'PIL-resized validation images through the served graphs: {out}')
    return out


def fit_combination(all_logits, yv, patch_tensors, bias_class_names, weights=WEIGHTS, pooling='linear'):
    """The combiner's parameters from validation logits: all_logits = [SegNet's, each PatchNet's] ([N, 6] each),
    patch_tensors the PatchNets' combiner inputs. Each member's temperature, the SegNet's weight (the candidate in
    `weights` with the lowest validation NLL; the PatchNets share the rest equally), a final temperature on the
    pool and, for the classes named in bias_class_names, a prior bias. `pooling` is the combiner's (combiner_graph:
    'linear' or 'log-linear'). Returns a dict: ta, tps, w_seg, members [(tensor, temperature, weight)], t_final,
    class_bias (None without bias classes)."""
    good = CLASS_NAMES.index(GOOD_CLASS)
    la, lps = all_logits[0], all_logits[1:]
    ta = calibration.fit_temperature(la, yv)
    tps = [calibration.fit_temperature(lp, yv) for lp in lps]
    best = None
    for w in weights:
        members = [('LOGITS_SEG', ta, w)] + [(tensor, t, (1 - w) / len(lps)) for tensor, t in zip(patch_tensors, tps)]
        p, _ = combine_numpy(all_logits, members, good, pooling=pooling)
        nll = -np.log(np.clip(p[np.arange(len(yv)), yv], 1e-12, 1)).mean()
        if best is None or nll < best[0] - 1e-9:
            best = (nll, w, members)
    _, w_seg, members = best
    # Pooling calibrated members leaves the pool mis-calibrated (a mean under-confident): one more temperature on it.
    log_mix = pooled_log(all_logits, members, pooling)
    t_final = calibration.fit_temperature(log_mix, yv)
    # The heads learnt class frequencies on images their networks had trained on, where defects are easy to see;
    # on unseen images the mixture over-predicts Free. A bias on the classes in HP['class_bias'], fitted by validation
    # NLL after the temperature, corrects that prior (None: no bias in the graph).
    bias_classes = [CLASS_NAMES.index(c) for c in bias_class_names]
    class_bias = calibration.fit_class_bias(log_mix / t_final, yv, bias_classes) if bias_classes else None
    return {'ta': ta, 'tps': tps, 'w_seg': w_seg, 'members': members, 't_final': t_final, 'class_bias': class_bias}


def calibration_set(hp, ds, images, masks, y, va, seg, patches, check_logits, heat_check):
    """What the combiner, operating point and every figure are taken from: the validation part's outputs of the
    networks being exported, or, for a model trained on every image (hp['all_dev']), each development image's
    outputs from the fold model that held it out (oof.py). A dict: logits and logits_pil (per member, sharp- and
    PIL-resized pixels), heatmaps, labels, masks, and oof (None, or the out-of-fold report)."""
    if not hp.get('all_dev'):
        xp = images['lanczos3'][va]
        return {'logits': check_logits, 'logits_pil': [outputs(seg, xp)[0]] + [outputs(m, xp)[0] for _, _, m in patches],
                'heatmaps': heat_check, 'labels': y[va], 'masks': masks[va], 'oof': None}
    from .oof import oof_outputs
    members = [('visual_segnet', 'LOGITS_SEG')] + [(name, tensor) for name, tensor, _ in patches]
    views = {SERVE_KEY: images[SERVE_KEY], 'lanczos3': images['lanczos3']}
    logits, heat, accs = oof_outputs(views, y, hp, hp['all_dev'], members, ds.manifest_sha256)
    return {'logits': logits[SERVE_KEY], 'logits_pil': logits['lanczos3'], 'heatmaps': heat, 'labels': y,
            'masks': masks, 'oof': {'folds_dir': hp['all_dev'], 'fold_accuracy': accs, 'n_check': len(va)}}


def export_all(args, fitted):
    ds, images, masks, y, tr, va, seg, patch, extra = fitted
    flips = getattr(args, 'hp', HP).get('flip_tta') or ()
    if flips:   # every classifier's graph averages its outputs over the image and these flips of it
        seg, patch = FlipMean(seg, flips).eval(), FlipMean(patch, flips).eval()
        extra = [(s, FlipMean(m, flips).eval()) for s, m in extra]
    hp = getattr(args, 'hp', HP)
    good = CLASS_NAMES.index(GOOD_CLASS)
    xv = images[SERVE_KEY][va]
    # Classifier members after the SegNet: (served model name, combiner input, network).
    patches = [('visual_patchnet', 'LOGITS_PATCH', patch)] + [(s['name'], s['tensor'], m) for s, m in extra]
    la_check, heat_check = outputs(seg, xv)                       # the exported networks' own outputs on `va`
    check_logits = [la_check] + [outputs(m, xv)[0] for _, _, m in patches]
    figures = calibration_set(hp, ds, images, masks, y, va, seg, patches, check_logits, heat_check)
    all_logits, yv, oof = figures['logits'], figures['labels'], figures['oof']
    la, lps, heat = all_logits[0], all_logits[1:], figures['heatmaps']
    pooling = hp.get('pooling', 'linear')
    fit = fit_combination(all_logits, yv, [tensor for _, tensor, _ in patches], hp.get('class_bias', []),
                          pooling=pooling)
    ta, tps, w_seg, members, t_final, class_bias = (fit[k] for k in ('ta', 'tps', 'w_seg', 'members', 't_final',
                                                                     'class_bias'))
    tb = tps[0]
    probs, p_def = combine_numpy(all_logits, members, good, t_final, class_bias, pooling)
    p_def = p_def[:, 0]
    probs_check, p_def_check = combine_numpy(check_logits, members, good, t_final, class_bias, pooling)
    p_def_check = p_def_check[:, 0]
    # The thresholds must also hold on the same images resized by PIL's Lanczos filter (a pixel-level perturbation
    # of about 2 grey levels on average), so that no decision rests on resampler rounding.
    probs_pil, p_def_pil = combine_numpy(figures['logits_pil'], members, good, t_final, class_bias, pooling)
    p_def_pil = p_def_pil[:, 0]
    ops = calibration.operating_point_views([p_def, p_def_pil], yv != good, TARGET_RECALL, MAX_FALSE_REJECT)
    defect_idx = [CLASS_NAMES.index(c) for c in DEFECT_CLASSES]
    thr = {CLASS_NAMES[c]: t for c, t in calibration.class_thresholds(probs, yv, defect_idx).items()}
    summary = metrics.summary(probs, yv, good, ops, CLASS_NAMES)
    keys = ['accuracy', 'macro_f1', 'auroc', 'ece', 'escape_rate', 'false_reject_rate']
    ci = metrics.bootstrap(probs, yv, good, ops, CLASS_NAMES, keys)
    single = {}
    for name, lg, t in [('segnet', la, ta)] + [(n[len('visual_'):], lp, t) for (n, _, _), lp, t in zip(patches, lps, tps)]:
        pr = calibration.calibrated(lg, t)
        s = metrics.summary(pr, yv, good, ops, CLASS_NAMES)
        single[name] = {k: s[k] for k in keys}
    loc = localization(heat, figures['masks'], yv, good)
    log(f"visual val: T_seg={ta:.3f} T_patch={', '.join(f'{t:.3f}' for t in tps)} w_seg={w_seg} "
        f"bias={None if class_bias is None else np.round(class_bias, 4).tolist()} acc {summary['accuracy']:.4f} "
        f"macroF1 {summary['macro_f1']:.4f} AUROC {summary['auroc']:.4f} ops {ops} single {single} loc {loc}")

    work = os.path.join(args.ckpt_dir, 'export')
    os.makedirs(work, exist_ok=True)
    names = ['visual_segnet'] + [n for n, _, _ in patches] + ['visual_combiner']
    paths = {n: os.path.join(work, f"{n[len('visual_'):]}.onnx") for n in names}
    example = torch.zeros(2, 1, SIZE, SIZE, dtype=torch.uint8)
    export_torch(seg, example, paths['visual_segnet'], ['IMAGE'], ['LOGITS', 'HEATMAP'])
    for name, _, m in patches:
        export_torch(m, example, paths[name], ['IMAGE'], ['LOGITS'])
    build_combiner(paths['visual_combiner'], members, len(CLASS_NAMES), good, final_temperature=t_final,
                   class_bias=class_bias, pooling=pooling)
    o_seg, ms_seg = run_onnx(paths['visual_segnet'], {'IMAGE': xv}, ['LOGITS', 'HEATMAP'], batch=16)
    d_seg = parity('visual_segnet', {'LOGITS': la_check, 'HEATMAP': heat_check}, o_seg, 1e-3, log, relative=True)
    feeds, ms_patch, d_patch = {'LOGITS_SEG': o_seg['LOGITS']}, {}, {}
    for (name, tensor, _), lp in zip(patches, check_logits[1:]):
        o_p, ms_patch[name] = run_onnx(paths[name], {'IMAGE': xv}, ['LOGITS'], batch=16)
        d_patch[name] = parity(name, {'LOGITS': lp}, o_p, 1e-3, log, relative=True)
        feeds[tensor] = o_p['LOGITS']
    o_comb, _ = run_onnx(paths['visual_combiner'], feeds, ['PROBS', 'DEFECT_PROB'])
    d_comb = parity('visual_ensemble', {'PROBS': probs_check, 'DEFECT_PROB': p_def_check[:, None]}, o_comb, 1e-3, log)
    serve = serve_path_check(images, va, y[va], paths, {'visual_segnet': 'LOGITS_SEG', **{n: t for n, t, _ in patches}},
                             probs_check, p_def_check, ops, good)
    if oof:   # the served model trained on `va`: its figures there say nothing; the fold models' on PIL pixels do
        s_pil = metrics.summary(probs_pil.astype(np.float64), yv, good, ops, CLASS_NAMES)
        serve.update({k: s_pil[k] for k in ['accuracy', 'macro_f1', 'auroc', 'escape_rate', 'false_reject_rate']})
        serve['figures'] = 'out of fold (the fold models on PIL-resized images)'
    sizes = {n: os.path.getsize(p) for n, p in paths.items()}
    for n, size in sizes.items():
        assert size <= 20 * 1024 * 1024, f'{n} is larger than 20 MB'

    repo = args.repo
    version = args.version or repo_writer.next_version(repo, 'visual_ensemble')
    figure_set = 'out-of-fold development' if oof else 'validation'
    fitted_on = ('the out-of-fold outputs of the five fold models of the same recipe' if oof else 'validation')
    h = SIZE // 4
    pre = {'input_name': 'IMAGE', 'input_datatype': 'UINT8', 'input_layout': 'CHW', 'input_channels': 1,
           'input_height': SIZE, 'input_width': SIZE, 'channel_order': 'GRAY', 'colourspace': 'b-w',
           'resize_method': 'resize to input_height x input_width without keeping the aspect ratio',
           'resize_fit': 'fill', 'resize_kernel': 'lanczos3',
           'normalization': 'none (inside the model: (x - %.4f) / %.4f)' % (float(seg.norm.mean),
                                                                            float(seg.norm.std))}
    base = {'modality': 'visual', 'training_manifest_sha256': ds.manifest_sha256,
            # `npm run evaluate` reads it to say when figures on development images are in-sample
            'training_scope': (ALL_DEV_SCOPE if oof else
                               f"development images except fold {hp['fold']} of {hp['n_folds']}"
                               + (' (split by tile)' if hp.get('split', 'stratified') == 'tile' else ''))}
    if flips:
        base['test_time_flips_json'] = list(flips)
    img_in = [{'name': 'IMAGE', 'type': 'uint8', 'dims': [1, SIZE, SIZE]}]
    cfg = repo_writer.render_config(
        'visual_segnet', platform='onnxruntime_onnx', max_batch_size=32, inputs=img_in,
        outputs=[{'name': 'LOGITS', 'type': 'float32', 'dims': [6], 'label_filename': 'labels.txt'},
                 {'name': 'HEATMAP', 'type': 'float32', 'dims': [1, h, h]}],
        parameters={**base, **pre, 'role': 'classifier A (uncalibrated logits) + localization heatmap',
                    'class_names_json': CLASS_NAMES, 'calibration_temperature': ta})
    repo_writer.write_model(repo, 'visual_segnet', version, cfg, paths['visual_segnet'], labels=CLASS_NAMES)
    for k, ((name, _, _), t) in enumerate(zip(patches, tps)):
        role = 'classifier B (uncalibrated logits)' if k == 0 else f'classifier B{k + 1} (uncalibrated logits)'
        cfg = repo_writer.render_config(
            name, platform='onnxruntime_onnx', max_batch_size=32, inputs=img_in,
            outputs=[{'name': 'LOGITS', 'type': 'float32', 'dims': [6], 'label_filename': 'labels.txt'}],
            parameters={**base, **pre, 'role': role, 'class_names_json': CLASS_NAMES, 'calibration_temperature': t})
        repo_writer.write_model(repo, name, version, cfg, paths[name], labels=CLASS_NAMES)
    if len(patches) == 1:
        role = 'PROBS = softmax(log(w*softmax(LOGITS_SEG/T_seg) + (1-w)*softmax(LOGITS_PATCH/T_patch)) / T_final)'
    else:
        role = ('PROBS = softmax(log(w*softmax(LOGITS_SEG/T_seg) + sum over the PatchNets of '
                '(1-w)/%d*softmax(LOGITS_PATCH*/T)) / T_final)' % len(patches))
    if pooling == 'log-linear':   # the weighted sum of the members' log probabilities instead of log of the mean
        role = ('PROBS = softmax((w*log_softmax(LOGITS_SEG/T_seg) + sum over the %d PatchNets of '
                '(1-w)/%d*log_softmax(LOGITS_PATCH*/T)) / T_final)' % (len(patches), len(patches)))
    if class_bias is not None:
        role = role.replace(' / T_final)', ' / T_final + class_bias)')
    bias_json = ({} if class_bias is None else
                 {'class_bias': {CLASS_NAMES[c]: float(class_bias[c]) for c in range(len(CLASS_NAMES))}})
    comb_cal = {'segnet': {'temperature': ta, 'weight': w_seg},
                **{n[len('visual_'):]: {'temperature': t, 'weight': (1 - w_seg) / len(patches)}
                   for (n, _, _), t in zip(patches, tps)},
                'final_temperature': t_final, 'pooling': pooling, **bias_json}
    cfg = repo_writer.render_config(
        'visual_combiner', platform='onnxruntime_onnx', max_batch_size=32,
        inputs=[{'name': 'LOGITS_SEG', 'type': 'float32', 'dims': [6]}]
        + [{'name': tensor, 'type': 'float32', 'dims': [6]} for _, tensor, _ in patches],
        outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [6], 'label_filename': 'labels.txt'},
                 {'name': 'DEFECT_PROB', 'type': 'float32', 'dims': [1]}],
        parameters={**base, 'role': role, 'calibration_json': comb_cal})
    repo_writer.write_model(repo, 'visual_combiner', version, cfg, paths['visual_combiner'], labels=CLASS_NAMES)

    params = {
        **base, **pre,
        'task': 'classification+localization',
        'training_dataset': 'magnetic_tile (Huang, Qiu, Yuan 2020; no license stated, research use with citation)',
        'outputs_json': {'probabilities': 'PROBS', 'defect_probability': 'DEFECT_PROB', 'heatmap': 'HEATMAP'},
        'class_names_json': CLASS_NAMES, 'good_class': GOOD_CLASS, 'defect_classes_json': DEFECT_CLASSES,
        'probabilities_calibrated': True,
        'calibration_method': (f'temperature scaling per member on {fitted_on}, '
                               + ('weighted average, then one temperature on the log of the mixture'
                                  if pooling == 'linear' else
                                  'weighted sum of their log probabilities (log-linear pooling), then one '
                                  'temperature on it')
                               + ('' if class_bias is None else
                                                                          ' and a class-prior bias, both fitted by NLL')
                               + ' (in visual_combiner)'),
        'calibration_json': {'applied_in_graph': True,
                             'method': ('temperature per member, weighted mean' if pooling == 'linear' else
                                        'temperature per member, weighted geometric mean (log-linear pooling)'),
                             'pooling': pooling,
                             'members': {'visual_segnet': {'temperature': ta, 'weight': w_seg},
                                         **{n: {'temperature': t, 'weight': (1 - w_seg) / len(patches)}
                                            for (n, _, _), t in zip(patches, tps)}},
                             'final_temperature': t_final, **bias_json},
        'class_thresholds_json': thr,
        'review_threshold': ops['review_threshold'], 'fail_threshold': ops['fail_threshold'],
        'decision_rule': ('DEFECT_PROB = 1 - PROBS[Free]; fail if DEFECT_PROB >= fail_threshold; review if '
                          'review_threshold <= DEFECT_PROB < fail_threshold; else pass. Reported defect types: '
                          'classes with PROBS >= their class threshold, and always the most probable defect class '
                          'when the decision is not pass.'),
        'operating_point_json': {'target_defect_recall': TARGET_RECALL, 'max_false_reject_rate': MAX_FALSE_REJECT,
                                 'must_hold_on': [f'{figure_set} images resized by sharp (served)',
                                                  'the same images resized by PIL Lanczos'],
                                 'validation_escape_rate': summary['escape_rate'],
                                 'validation_false_reject_rate': summary['false_reject_rate'],
                                 'validation_review_rate': summary['review_rate']},
        'heatmap_json': {'output': 'HEATMAP', 'dims': [1, h, h], 'stride': 4, 'value': 'P(defect) per cell',
                         'threshold': HEATMAP_THRESHOLD,
                         'to_image_coordinates': 'cell (row r, col c) covers input pixels [4r, 4r+4) x [4c, 4c+4) '
                                                 'of the 256 x 256 resized image; scale by original/256 per axis',
                         'validation': loc},
        'severity_rules_json': {'per_class': SEVERITY, 'levels': ['minor', 'major', 'critical'],
                                'escalate_one_level_if_heatmap_area_fraction_at_least': 0.05,
                                'heatmap_area': 'fraction of HEATMAP cells >= heatmap_json.threshold'},
        'input_min_pixel_std': drift.min_pixel_std(images[SERVE_KEY][tr]),
        'input_min_source_side': drift.min_source_side([ds.path(ds.rows[i]['path']) for i in tr]),
        'drift_reference_json': {'scores': drift.score_reference(p_def),
                                 'input': drift.image_reference(images[SERVE_KEY][tr])},
        'validation_metrics_json': {**{k: summary[k] for k in ['n'] + keys},
                                    **({'source': f"out of fold: each of the {summary['n']} development images scored "
                                                  f"by the fold model of the same recipe that held it out (the served "
                                                  f"model trained on all of them)"} if oof else {}),
                                    'pil_resized_robustness': serve},
        'model_version_note': f"components {', '.join(names)} version {version}",
    }
    ens = repo_writer.render_config(
        'visual_ensemble', platform='ensemble', max_batch_size=32, inputs=img_in,
        outputs=[{'name': 'PROBS', 'type': 'float32', 'dims': [6], 'label_filename': 'labels.txt'},
                 {'name': 'DEFECT_PROB', 'type': 'float32', 'dims': [1]},
                 {'name': 'HEATMAP', 'type': 'float32', 'dims': [1, h, h]}],
        parameters=params,
        steps=[{'model': 'visual_segnet', 'inputs': {'IMAGE': 'IMAGE'},
                'outputs': {'LOGITS': 'logits_seg', 'HEATMAP': 'HEATMAP'}},
               *[{'model': name, 'inputs': {'IMAGE': 'IMAGE'}, 'outputs': {'LOGITS': tensor.lower()}}
                 for name, tensor, _ in patches],
               {'model': 'visual_combiner',
                'inputs': {'LOGITS_SEG': 'logits_seg', **{tensor: tensor.lower() for _, tensor, _ in patches}},
                'outputs': {'PROBS': 'PROBS', 'DEFECT_PROB': 'DEFECT_PROB'}}])
    from .card_text import render_card
    text = render_card(ds=ds, hp=hp, oof=oof, n_train=len(tr), n_val=len(va), ta=ta, tb=tb, w_seg=w_seg, t_final=t_final, ops=ops, thr=thr,
                       summary=summary, ci=ci, single=single, loc=loc,
                       parity={'segnet': d_seg, **{n[len('visual_'):]: d for n, d in d_patch.items()},
                               'ensemble': d_comb},
                       ms={'segnet': ms_seg / len(va), 'patchnet': ms_patch['visual_patchnet'] / len(va)}, sizes=sizes,
                       version=version, seg=seg, patch=patch, serve=serve,
                       input_floors=(params['input_min_pixel_std'], params['input_min_source_side']),
                       extra=[(s['name'], s['tensor'], s['seed_offset'], t) for (s, _), t in zip(extra, tps[1:])],
                       flips=flips, class_bias=class_bias)
    repo_writer.write_model(repo, 'visual_ensemble', version, ens, labels=CLASS_NAMES, card=text)
    log(f'wrote visual_ensemble version {version} to {repo}')
