"""MODEL_CARD.md for thermal_ensemble."""
from ..common.card import (blank_frame_text, confusion_table, fmt, metrics_table, per_class_table,
                           review_rule_text)
from .data import CLASS_NAMES
from .grouped import served_count
from .train import expand_members


def schedule_of(spec):
    sch = spec.get('schedule')
    if not sch:
        return 'cosine'
    return (f"cosine planned for {sch['planned_epochs']} epochs, shortened at epoch {sch['shortened_at']}: a "
            f"half-cosine decay from there to zero at epoch {spec['epochs']}")


def member_lines(hp, specs, n_params):
    """The pipeline's member steps, numbered from 1."""
    lines = []
    for k, ((kind, spec), (name, tensor, _)) in enumerate(zip(expand_members(hp), specs)):
        head = f"{k + 1}. `{name}` (member {tensor[-1]}) — "
        head += ("`IMAGE` UINT8 `[1, 40, 24]` (gray, CHW, raw pixel values; the graph casts to float and normalizes "
                 "with the training pixel mean/std)" if k == 0 else 'same input')
        if kind == 'first':
            body = f"A small residual CNN ({n_params[k]:,} parameters, 4 residual blocks, width {hp['width']})."
        elif kind == 'second':
            second = hp['second']
            body = (f"A deeper residual CNN ({n_params[k]:,} parameters, blocks {tuple(second['blocks'])} at 40 × 24, "
                    f"20 × 12 and 10 × 6, width {second['width']}).")
        elif kind == 'extra':
            shape = (f"blocks {tuple(spec['blocks'])}" if spec['arch'] == 'deep' else '4 residual blocks')
            body = (f"A residual CNN ({n_params[k]:,} parameters, {shape}, width {spec['width']}) trained from "
                    f"scratch with its own seed.")
        else:
            body = (f"{served_count(spec)} residual CNNs in one graph ({n_params[k]:,} parameters in all; each has blocks "
                    f"{tuple(spec['blocks'])} at 40 × 24, 20 × 12 and 10 × 6, width {spec['width']}, and its own "
                    f"weights, trained from its own initialization, shuffling and augmentation). The graph feeds the "
                    f"image to each and returns the log of their mean softmax, so `LOGITS` is the members' average.")
        lines.append(f"{head} → `LOGITS` FP32 `[12]`. {body}")
    return lines


def training_lines(hp):
    """One bullet per member's training recipe."""
    out = []
    for kind, spec in expand_members(hp):
        if kind == 'first':
            sch, long = hp.get('schedule'), hp['long']
            schedule_text = ('cosine over all epochs' if not sch else
                             f"cosine planned for {sch['planned_epochs']} epochs, cut short at epoch "
                             f"{sch['shortened_at']}: from there a half-cosine decay to zero at epoch {hp['epochs']}")
            ft_text = ('' if not hp.get('ft') else f" Then a second cosine cycle (warm restart) of "
                       f"{hp['ft']['epochs']} epochs at peak lr {hp['ft']['lr']}.")
            out.append(f"- Member A: {hp['epochs']} epochs at peak lr {hp['lr']} ({schedule_text}), ±8 grey-level "
                       f"offset jitter.{ft_text} Third phase: a long cosine cycle of {long['epochs']} epochs (peak lr "
                       f"{long['lr']}) from the phase-2 weights, with milder class weights (power "
                       f"{long['class_weight_power']}) and no grey-level offset jitter.")
        elif kind == 'second':
            second = hp['second']
            out.append(f"- Member B: from scratch for {second['epochs']} epochs (cosine, peak lr {second['lr']}), "
                       f"class-weight power {second['class_weight_power']}, no offset jitter.")
        elif kind == 'extra':
            out.append(f"- `{spec['name']}`: from scratch for {spec['epochs']} epochs ({schedule_of(spec)}, peak lr "
                       f"{spec['lr']}, seed {hp['seed']} + {spec['seed_offset']}), class-weight power "
                       f"{spec['class_weight_power']}, no offset jitter.")
        else:
            out.append(f"- `{spec['name']}`: all {spec['members']} members at once (their convolutions grouped), from "
                       f"scratch for {spec['epochs']} epochs (cosine, peak lr {spec['lr']}, seed {hp['seed']} + "
                       f"{spec['seed_offset']}), class-weight power {spec['class_weight_power']}, no offset jitter; "
                       f"each member draws its own batches and augmentation. Forward passes under bfloat16 autocast "
                       f"(weights, gradients and optimizer in fp32).{served_text(spec)} Trained on one GPU in about 3 minutes (`trainer "
                       f"train thermal --device cuda`, or `experiments.thermal_grouped_folds` from packed arrays, as "
                       f"this version was); the checkpoint carried back to the exporting machine keeps "
                       f"the weights in fp16, and the graph stores exactly those values in fp16 and computes in fp32 "
                       f"(batch norm is kept as its own nodes, so no folding rounds the weights again).")
    return out


def served_text(spec):
    k = served_count(spec)
    return '' if k == spec['members'] else f" Only the first {k} of the {spec['members']} are served (`serve_members`)."


def epochs_text(hp):
    parts = []
    for kind, spec in expand_members(hp):
        if kind == 'first':
            parts.append(f"{hp['epochs'] + hp['ft']['epochs'] + hp['long']['epochs']} epochs (member A)")
        elif kind == 'second':
            parts.append(f"{hp['second']['epochs']} (member B)")
        elif kind == 'extra':
            parts.append(f"{spec['epochs']} ({spec['name']})")
        else:
            parts.append(f"{spec['epochs']} epochs (each of the {spec['members']} members of `{spec['name']}`)")
    return ', '.join(parts)


def data_text(hp, n_train, n_val, oof):
    if not oof:
        return (f"- Stratified {hp['n_folds']}-fold split of the dev data (seed {hp['seed']}), fold {hp['fold']} held out "
                f"for\n  validation: {n_train} training images, {n_val} validation images. Calibration, thresholds and "
                f"every figure below\n  come from the validation part only; the model never trained on it.")
    accs = ', '.join(f'{a:.4f}' for a in oof['fold_accuracy'])
    return (f"- The served model trained on all {n_train} development images; it has no validation part. Calibration "
            f"(temperature),\n  thresholds and every figure below are **out of fold**: the same recipe trained five "
            f"times, each time without one\n  fold of a stratified {hp['n_folds']}-fold split (seed {hp['seed']}), and "
            f"each image scored by the fold model that did not train on it\n  (fold models' accuracies on their "
            f"held-out images: {accs}). A model trained on a quarter more images is expected\n  to do at least as well "
            f"on unseen modules as these figures; they cannot be measured on it.")


def results_heading(hp, summary, oof):
    if oof:
        return f"## Out-of-fold results ({hp['n_folds']} folds, n = {summary['n']})"
    return f"## Validation results (fold {hp['fold']}, n = {summary['n']})"


def reproduce_text(oof):
    if not oof:
        return """## Reproduce the validation figures through the served model
```sh
cd services/trainer && /usr/bin/python3 -m trainer split thermal --out /tmp/val-thermal   # manifest + symlinks, fold 0
cd ../.. && npm run evaluate -- --model thermal_ensemble --data /tmp/val-thermal
```
`npm run evaluate` on the whole dev folder (`../shared/datasets/infrared_solar_modules`) mixes in the training images (80 %) and
overstates quality; quote the validation fold."""
    return """## Reproduce the figures through served models
The served model trained on every development image, so `npm run evaluate` on any development folder scores images it
learnt from and overstates quality. The five fold models are exported and scored through `model-server` one fold at a
time by `MEMBERS_FROM=DIR ./kfold.sh thermal` in `services/trainer` (DIR holds their checkpoints; see
`docs/model-quality.md`, thermal section); this card's pooled figures come from the same fold models in PyTorch."""


def render_card(*, ds, hp, specs, n_train, n_val, oof, members, t_final, ops, thr, summary, ci, uncal, singles, parity, ms, sizes,
                version, params, models, serve):
    n_params = [sum(p.numel() for p in m.parameters()) for m in models]
    n_val_defects = summary['n'] - summary['per_class']['No-Anomaly']['support']
    steps = member_lines(hp, specs, n_params)
    mix = ' + '.join(f'{w:.2f}·softmax({tensor} / {t:.4f})' for tensor, t, w in members)
    tta_text = ('' if not hp.get('flip_tta') else
                '\n\nEach member\'s graph averages its logits over the image and its horizontal, vertical and double '
                'flips (test-time augmentation with the flips used in training; chosen on validation).')
    cpu_kinds = {kind for kind, _ in expand_members(hp)} - {'grouped'}
    precision_text = ('' if hp.get('precision', 'fp32') == 'fp32' or not cpu_kinds else
                      '\n- The CPU-trained members\' forward passes ran under CPU bfloat16 autocast (weights, gradients and '
                      'optimizer in fp32; the exported graphs are fp32).')
    single_rows = '\n'.join(
        f"| {name} alone (own temperature) | {fmt(s['accuracy'])} | {fmt(s['macro_f1'])} | {fmt(s['auroc'])} |"
        for name, s in singles.items())
    return f"""# thermal_ensemble — version {version}

Classifies one infrared image of a photovoltaic module (24 × 40 px) into 12 classes (11 anomaly types and
`No-Anomaly`) and gives the calibrated probability that the module has an anomaly.

## Pipeline (Triton ensemble)
{chr(10).join(steps)}
{len(steps) + 1}. `thermal_postprocess` — each member temperature-scaled, mixed with the weights that minimised
   validation log-loss, and the mixture re-calibrated by one more temperature; `DEFECT_PROB = 1 − PROBS[No-Anomaly]`:
   `PROBS = softmax(log({mix}) / {t_final:.4f})`.{tta_text}

The gateway decodes the JPEG to 8-bit gray (sharp `.toColourspace('b-w')`, or `.grayscale()`), does **not**
resize dataset images (they are already 24 × 40; other sizes: resize to 24 × 40, fit `fill`), and sends the raw
bytes. Everything the gateway needs is in `config.pbtxt` `parameters` (see the keys there).

## Data
- `infrared_solar_modules` development split (InfraredSolarModules, Raptor Maps 2020, MIT license, Millendorf et
  al., ICLR 2020 AI4Earth workshop). manifest SHA-256 `{ds.manifest_sha256}`.
{data_text(hp, n_train, n_val, oof)}

## Training
- AdamW (weight decay {hp['weight_decay']}), batch {hp['batch']}, 1 warm-up epoch, fixed seeds ({hp['seed']} and
  offsets), checkpoints after every epoch (an interrupted run resumes).
- Class imbalance (No-Anomaly is half the data, Diode-Multi < 1 %): cross-entropy weighted by
  (1/frequency)^power (power per member below), label smoothing {hp['label_smoothing']}.
- Augmentation: horizontal and vertical flips, ±2 px shifts (edge padding), ±10 % contrast.{precision_text}
{chr(10).join(training_lines(hp))}

{results_heading(hp, summary, oof)}
{metrics_table(summary, ci)}

| model | accuracy | macro-F1 | AUROC |
|---|---:|---:|---:|
{single_rows}
| ensemble (served) | {fmt(summary['accuracy'])} | {fmt(summary['macro_f1'])} | {fmt(summary['auroc'])} |

ECE of the mixture without any temperature: {uncal['ece']:.4f}; calibrated: {summary['ece']:.4f}.
Operating point: `review_threshold` = {ops['review_threshold']:.4f}; `fail_threshold` = {ops['fail_threshold']:.4f} (≤ 2 % of
No-Anomaly modules decided `fail`). {review_rule_text(n_val_defects, 0.98, 'anomalous module', 'anomalous modules',
                                'out-of-fold' if oof else 'validation')} Between the two the
decision is `review`. `escape_rate` = anomalies decided `pass`; `false_reject_rate` = No-Anomaly decided `fail`;
`good_sent_to_review_or_fail` = No-Anomaly not passed.

### Per class (arg-max prediction)
{per_class_table(summary, thr)}

### Confusion (rows true, columns predicted)
{confusion_table(summary, CLASS_NAMES)}

### Served preprocessing (sharp) on {'fold 0 (trained on; decode checks only)' if oof else 'validation'}
The {'fold-0' if oof else 'validation'} images decoded by sharp (`toColourspace('b-w')`, no resize) instead of PIL, through the exported
graphs: {', '.join(f'{k} = {v:.4f}' if isinstance(v, float) else f'{k} = {v}' for k, v in serve.items())}.

{reproduce_text(oof)}

## Export checks
- ONNX opset {17}, dynamic batch dimension; parity PyTorch vs ONNX Runtime (onnxruntime-node) on all {n_val}
  {'fold-0' if oof else 'validation'} images: max relative |Δ logits| (worse member) = {parity[0]:.2e}, max |Δ probabilities| =
  {parity[1]:.2e}.
- Sizes: {', '.join(f'{k} {v / 1024:.1f} KiB' for k, v in sizes.items())} (limit 20 MB each).
- onnxruntime-node, 1 thread, batch 256: {ms:.3f} ms per image for all members (trainer machine, shared CPU;
  not a benchmark).

## Known limits
- Quality bar of issue 4 (12-class accuracy ≥ 0.92, anomaly AUROC ≥ 0.97): {'met' if summary['accuracy'] >= 0.92 and (summary['auroc'] or 0) >= 0.97 else 'NOT met'} {'out of fold' if oof else 'on this validation fold'}
  (accuracy {fmt(summary['accuracy'])}, AUROC {fmt(summary['auroc'])}). Training was limited to
  {epochs_text(hp)}
  of small CNNs trained from scratch; published CNNs (0.885–0.921) train deeper nets for far longer.
- The intervals above are bootstrap intervals over {'the out-of-fold' if oof else "this fold's validation"} images, not fold-to-fold spread. This
  recipe's 5-fold cross-validation through the served models (each fold held out once, `services/trainer/kfold.sh
  thermal`) is in `docs/model-quality.md`: quote its mean.
- Rare classes (Diode-Multi, Hot-Spot, Hot-Spot-Multi, Soiling: {'140–200 development' if oof else '28–40 validation'} images each) have wide
  uncertainty; see the confusion table for the classes this model mixes up (mostly anomaly types taken for
  No-Anomaly or for a neighbouring type, {'out of fold' if oof else 'on this fold'}: Cell, Cell-Multi and Vegetation with one another,
  Offline-Module and Shadowing with No-Anomaly).
- Images from other cameras, resolutions or temperature scalings than the Raptor Maps set are out of scope;
  watch the input drift statistics in the config.
{blank_frame_text(params['input_min_pixel_std'], params['input_min_source_side'])}
"""
