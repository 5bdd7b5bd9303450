"""MODEL_CARD.md for visual_ensemble."""
import math

from ..common.card import (blank_frame_text, confusion_table, fmt, metrics_table, per_class_table,
                           review_rule_text)
from .data import CLASS_NAMES


def precision_text(p):
    if p.get('precision', 'fp32') == 'fp32':
        return ''
    return (' Both PatchNet phases ran their forward passes under CPU bfloat16 autocast (weights, gradients and '
            'optimizer in fp32; the exported graph is fp32).')


def pad_text(p):
    if not p.get('pad'):
        return ''
    how = ('mirror-padded' if p.get('pad_value') is None else
           f"padded with the constant {p['pad_value']} (in normalized units, below any pixel's value)")
    return (f" Each whole image is {how} by {p['pad']} px on every side before the sliding window (inside the "
            'graph; training crops come from images padded the same way), so a defect on the border lies inside '
            'windows rather than only at their edge.')


def jitter_text(p):
    if not p.get('aspect_jitter'):
        return ''
    ratio = math.exp(p['aspect_jitter'])
    return (f" Half of the training patches were cut from a window of another aspect ratio (natural log of the ratio "
            f"uniform within ±{p['aspect_jitter']}, up to {ratio:.1f} : 1) and resized to the patch, so a defect "
            "squeezed by the 'fill' resize of a wide or tall image looks like one seen in training.")


def split_text(hp):
    if hp.get('split', 'stratified') == 'tile':
        return (f"{hp['n_folds']}-fold split grouped by tile (exposures of one tile under other lighting, matched by "
                'image correlation, `trainer/visual/tiles.py`, stay on one side; classes spread as evenly as the '
                'groups allow)')
    return f"Stratified {hp['n_folds']}-fold split"


def outvoted_text(hp):
    if not hp.get('drop_outvoted'):
        return ''
    return ('\n- The training count excludes images whose label the other training exposures of their own tile outvote'
            " (`HP['drop_outvoted']`, `trainer/visual/tiles.py`); no validation image was dropped or changed.")


def split_args(hp):
    """The `trainer split` options that write this model's validation fold ('' for the shipped fold 0)."""
    fold = f" --fold {hp['fold']}" if hp['fold'] else ''
    return fold + (' --split tile' if hp.get('split', 'stratified') == 'tile' else '')


def data_text(hp, n_train, n_val, support_text, oof):
    if not oof:
        return (f"""- {split_text(hp)} (seed {hp['seed']}), fold {hp['fold']} held out: {n_train} training
  images, {n_val} validation images ({support_text}). Temperatures, the combiner weight, thresholds and every
  figure below come from the validation part; the networks and heads never trained on it.{outvoted_text(hp)}""")
    accs = ', '.join(f'{a:.4f}' for a in oof['fold_accuracy'])
    return (f"""- The served networks and heads trained on all {n_train} development images ({support_text}); there is no
  validation part. Temperatures, the combiner weight, the class bias, thresholds and every figure below are **out of
  fold**: the same recipe trained five times, each time without one fold of a {split_text(hp).lower()} (seed
  {hp['seed']}), and each image scored by the exported graphs of the fold model that did not train on it (fold
  ensembles' accuracies on their held-out images: {accs}). A model trained on a quarter more images is expected to
  do at least as well on unseen images as these figures; they cannot be measured on it.{outvoted_text(hp)}""")


def results_heading(hp, summary, oof):
    if oof:
        return f"## Out-of-fold results ({hp['n_folds']} folds, n = {summary['n']})"
    return f"## Validation results (fold {hp['fold']}, n = {summary['n']})"


def reproduce_text(hp, oof):
    if not oof:
        return f"""## Reproduce the validation figures through the served model
```sh
cd services/trainer && /usr/bin/python3 -m trainer split visual{split_args(hp)} --out /tmp/val-visual   # manifest + symlinks, fold {hp['fold']}
cd ../.. && npm run evaluate -- --model visual_ensemble --data /tmp/val-visual
```
`npm run evaluate` on the whole dev folder (`../shared/datasets/magnetic_tile`) mixes in the training images (80 %) and
overstates quality; quote the validation fold."""
    return """## Reproduce the figures through served models
The served model trained on every development image, so `npm run evaluate` on any development folder scores images it
learnt from and overstates quality (the report says so). The five fold models are scored through `model-server`, one
fold at a time, by `./kfold.sh visual` in `services/trainer` with `WORK` set to the folder that holds their
repositories (`docs/model-quality.md`, visual section); this card's pooled figures come from the same exported graphs."""


def limits_text(summary, support_text, n_val, met, oof):
    if oof:
        return (f"""- Quality bars of issue 4 (accuracy ≥ 0.97, macro-F1 ≥ 0.92, AUROC ≥ 0.99, escape ≤ 2 % at ≤ 5 % false rejects):
  {'met' if met else 'NOT all met'} out of fold — see the table above.
- The figures pool five fold models, not the served one; the per-fold mean ± sd through `model-server` is in
  `docs/model-quality.md`. The rare classes' per-class figures still rest on a few dozen images.""")
    return (f"""- Quality bars of issue 4 (accuracy ≥ 0.97, macro-F1 ≥ 0.92, AUROC ≥ 0.99, escape ≤ 2 % at ≤ 5 % false rejects):
  {'met' if met else 'NOT all met'} on this validation fold — see the table above.
- One validation fold of {n_val} images ({support_text}): intervals are wide and the rare classes'
  per-class figures rest on a handful of images. This recipe's 5-fold cross-validation through the served
  models (each fold held out once, `services/trainer/kfold.sh`) is in `docs/model-quality.md`: fold 0 is one of the
  easier folds, so quote the mean over folds.""")

def render_card(*, ds, hp, oof=None, n_train, n_val, ta, tb, w_seg, t_final, ops, thr, summary, ci, single, loc, parity, ms, sizes,
                version, seg, patch, serve, input_floors, extra=(), flips=(), class_bias=None):
    """extra: further PatchNets [(model name, combiner input, seed offset, temperature)]."""
    s, p = hp['seg'], hp['patch']
    n_seg = sum(t.numel() for t in seg.parameters())
    n_val_defects = summary['n'] - summary['per_class']['Free']['support']
    support_text = ', '.join(f"{name} {m['support']}" for name, m in summary['per_class'].items())
    loc_text = ', '.join(f'{k} = {v:.4f}' if isinstance(v, float) else f'{k} = {v}' for k, v in loc.items())
    n_patch = sum(t.numel() for t in patch.parameters())
    singles = '\n'.join(f"| {name} | " + ' | '.join(fmt(v[k]) for k in ['accuracy', 'macro_f1', 'auroc', 'ece',
                                                                         'escape_rate', 'false_reject_rate']) + ' |'
                        for name, v in single.items())
    n_p = 1 + len(extra)
    more = ''.join(f"""
   `{name}` (classifier B{k + 2}) — the same PatchNet recipe from its own seed (training seed + {off}), with its own
   head; T = {t:.4f}.""" for k, (name, _, off, t) in enumerate(extra))
    pooling = hp.get('pooling', 'linear')
    if pooling == 'log-linear':
        comb = (f"""log-linear pool `log M = w·log_softmax(LOGITS_SEG / T_A) + Σ_j (1 − w)/{n_p}·log_softmax(LOGITS_PATCH_j /
   T_j)` over the {n_p} PatchNets (the members' weighted geometric mean: a member sure of a defect moves it more than
   it would move a mean), with T_A = {ta:.4f}, T_B = {tb:.4f}, w = {w_seg} (SegNet weight picked from
   {{0.25, 0.5, 0.75}} by NLL; the PatchNets, one recipe, share the rest equally)""")
    elif extra:
        comb = (f"""mixture `M = w·softmax(LOGITS_SEG / T_A) + Σ_j (1 − w)/{n_p}·softmax(LOGITS_PATCH_j / T_j)` over
   the {n_p} PatchNets, with T_A = {ta:.4f}, T_B = {tb:.4f}, w = {w_seg} (SegNet weight picked from
   {{0.25, 0.5, 0.75}} by validation NLL; the PatchNets, one recipe, share the rest equally)""")
    else:
        comb = f"""mixture `M = w·softmax(LOGITS_SEG / T_A) + (1 − w)·softmax(LOGITS_PATCH / T_B)` with
   T_A = {ta:.4f}, T_B = {tb:.4f}, w = {w_seg} (weight picked from {{0.25, 0.5, 0.75}} by validation NLL)"""
    nonzero = [] if class_bias is None else [(CLASS_NAMES[c], float(b)) for c, b in enumerate(class_bias) if b != 0]
    bias_term = '' if class_bias is None else ' + b'
    bias_text = ('' if class_bias is None else
                 ' and `b` a class-prior bias fitted by validation NLL after T_F ('
                 + ', '.join(f'b_{name} = {b:.4f}' for name, b in nonzero) + ', 0 elsewhere): the heads learnt the'
                 ' class frequencies on images their networks had trained on, where defects are easy to see, so'
                 ' without it the mixture over-predicts `Free` on unseen images')
    names = {'h': 'horizontal', 'v': 'vertical', 'hv': 'double'}
    tta_text = ('' if not flips else
                '\nEach classifier graph averages its outputs over the image and its '
                + ', '.join(names[f] for f in flips) + (' flip' if len(flips) == 1 else ' flips')
                + ' (test-time augmentation with flips used in training; the SegNet\'s heatmap is flipped back before'
                ' it is averaged), so temperatures, weights and thresholds above are those of the averaged outputs.\n')
    met = (summary['accuracy'] >= 0.97 and summary['macro_f1'] >= 0.92 and (summary['auroc'] or 0) >= 0.99
           and (summary['escape_rate'] or 0) <= 0.02 and (summary['false_reject_rate'] or 0) <= 0.05)
    return f"""# visual_ensemble — version {version}

Classifies a grayscale magnetic-tile surface image into `Blowhole`, `Break`, `Crack`, `Fray`, `Free` (no defect)
or `Uneven`, gives the calibrated defect probability, and returns a defect heatmap for localization.

## Pipeline (Triton ensemble)
Input `IMAGE` UINT8 `[1, 256, 256]`: the JPEG decoded to 8-bit gray and resized to 256 × 256 **without keeping the
aspect ratio** (sharp `resize(256, 256, {{ fit: 'fill', kernel: 'lanczos3' }})`), raw bytes, CHW. Casting and
normalization happen inside the graphs.
1. `visual_segnet` (classifier A + localization, {n_seg:,} parameters) — a small fully-convolutional
   encoder-decoder trained on the **pixel masks** (per-pixel classes: background + the 5 defect types, output
   stride 4). `HEATMAP` `[1, 64, 64]` = P(defect) per 4 × 4-pixel cell of the 256 × 256 input. `LOGITS` `[6]` come
   from a linear head over pooled statistics (max, mean, top-2 % mean) of its per-class probability map.
2. `visual_patchnet` (classifier B, {n_patch:,} parameters) — a patch classifier trained on 64 × 64 patches with
   image-level labels (defect patches centred on mask pixels, `Free` patches from defect-free images and from
   defect-free areas of defect images), applied to the whole image as a sliding window (stride 8); `LOGITS` `[6]`
   from a linear head over pooled statistics of its window probabilities. Different supervision, architecture and
   receptive field from A.{more}
3. `visual_combiner` — {comb}, then
   `PROBS = softmax(log M / T_F{bias_term})` with T_F = {t_final:.4f} (pooling calibrated members leaves them
   mis-calibrated){bias_text}; `DEFECT_PROB = 1 − PROBS[Free]`.
{tta_text}
## Data
- `magnetic_tile` development split (Huang, Qiu & Yuan, "Surface defect saliency of magnetic tile", The Visual
  Computer 36, 2020; no license stated: research use with citation). manifest SHA-256 `{ds.manifest_sha256}`.
{data_text(hp, n_train, n_val, support_text, oof)}

## Training
- Networks: images resized to 256 × 256 by PIL with Lanczos **and** bilinear resampling (randomly chosen per
  sample), so they tolerate resampler differences. Image heads, calibration, thresholds and every validation figure
  use sharp-decoded pixels (the served preprocessing). Masks binarised at ≥ 128.
- SegNet: {s['epochs']} epochs of random {s['crop']} × {s['crop']} crops (70 % centred near a defect pixel for
  defect images), batch {s['batch']}, AdamW lr {s['lr']}, cosine schedule; pixel cross-entropy with defect-pixel
  weight {s['defect_pixel_weight']}; a cell counts as defect if any of its 4 × 4 pixels is. The 4 `Uneven` images
  with empty masks are left out of pixel training.
- PatchNet: {p['epochs']} epochs, each {p['per_defect_class']} patches per defect class (class-balanced) and
  {p['negatives']} `Free` patches, batch {p['batch']}, label smoothing {p['label_smoothing']}.{precision_text(p)}{pad_text(p)}{jitter_text(p)}
- PatchNet fine-tuning: a second cosine cycle of {hp['patch_ft']['epochs']} epochs (lr {hp['patch_ft']['lr']}) from
  the phase-1 weights (its loss was still falling at the end of phase 1).
- Augmentation: horizontal/vertical flips, ±10 % contrast, ±10 grey-level offset.
- SegNet fine-tuning: a second cosine cycle of {hp['seg_ft']['epochs']} epochs (lr {hp['seg_ft']['lr']}) from the
  phase-1 weights with twice the `Free` crops and defect-pixel weight {hp['seg_ft']['defect_pixel_weight']}, to cut
  false alarms on defect-free texture (phase 1 alone reached validation defect AUROC ≈ 0.89 by max-pooling).
- Image heads: multinomial logistic regression (C = {hp['head_C']}, no class weights: the networks already saw
  class-balanced samples, and balanced head weights cost ≈ 0.25 accuracy on validation in a check on phase-1
  features) on the pooled map statistics of the training images (plain and mirrored), written into the ONNX graph.
- Class imbalance: class-balanced patch sampling, defect images drawn twice per SegNet epoch, defect-pixel weight in
  the pixel loss; the head keeps the natural class prior.

{results_heading(hp, summary, oof)}
{metrics_table(summary, ci)}

Operating point: `review_threshold` = {ops['review_threshold']:.4f}; `fail_threshold` = {ops['fail_threshold']:.4f} (≤ 2 % of
Free images decided `fail`). {review_rule_text(n_val_defects, 0.98, 'defect image', 'defect images', 'out-of-fold' if oof else 'validation')} Both must hold on the {'out-of-fold' if oof else 'validation'}
images as sharp resizes them (served) and as PIL's Lanczos filter does, a pixel-level perturbation (see Resampler
robustness): the lower review and the higher fail threshold of the two are kept, a margin for unseen images. `escape_rate` = defects decided
`pass`; `false_reject_rate` = Free decided `fail`; `good_sent_to_review_or_fail` = Free not passed.

### Members alone (calibrated, same thresholds)
| member | accuracy | macro_f1 | auroc | ece | escape_rate | false_reject_rate |
|---|---:|---:|---:|---:|---:|---:|
{singles}

### Per class (arg-max prediction)
{per_class_table(summary, thr)}

### Confusion (rows true, columns predicted)
{confusion_table(summary, CLASS_NAMES)}

### Localization ({'out-of-fold' if oof else 'validation'} defect images with a non-empty mask)
{loc_text}
(`pixel_auroc_defect_images`: heatmap vs mask cells; `hottest_cell_on_defect`: share of images whose maximum heatmap
cell lies on the mask, dilated by one cell.)

### Resampler robustness
All figures above use the {'out-of-fold' if oof else 'validation'} images decoded and resized **by sharp** exactly as the gateway does
(`toColourspace('b-w')`, `resize(256, 256, fit 'fill', kernel 'lanczos3')`). The same images resized by PIL's
Lanczos filter instead (what the networks were trained on, with PIL bilinear as augmentation), through the exported
graphs{' of the fold models' if oof else ''} at the same thresholds{' (pixel differences and max_abs_diff_defect_prob: the served graphs on fold 0, trained on)' if oof else ''}: {', '.join(f'{k} = {v:.4f}' if isinstance(v, float) else f'{k} = {v}' for k, v in serve.items())}.

{reproduce_text(hp, oof)}

## Export checks
- ONNX opset 17, dynamic batch. Parity PyTorch vs onnxruntime-node on the {n_val} {'fold-0 images (trained on)' if oof else 'validation images'} (max abs
  difference): """ + ', '.join(f'{k} {v:.2e}' for k, v in parity.items()) + f""".
- Sizes: {', '.join(f'{k} {v / 1024:.1f} KiB' for k, v in sizes.items())} (limit 20 MB each).
- onnxruntime-node, 1 thread, batch 16: SegNet {ms['segnet']:.2f} ms, PatchNet {ms['patchnet']:.2f} ms per image
  (shared CPU; not a benchmark).

## Known limits
{limits_text(summary, support_text, n_val, met, oof)}
- The heads were fitted on training-image statistics; the networks saw those images, so the heads are
  over-confident before temperature scaling and favour `Free` (the temperatures{' and the class-prior bias' if class_bias is not None else ''}
  correct this {'out of fold' if oof else 'on validation'}).
- Tiles never seen: the {'held-out' if oof else 'validation'} images share tiles with the training images (other exposures of the same
  tile), as the dataset's own held-out split does. On folds grouped by tile the ensemble is markedly weaker (lower
  accuracy and AUROC, a far higher review rate; `docs/model-quality.md`, "Tiles never seen"), and wide images,
  which the resize squeezes most, are over-represented among its errors. Check the operating point on a new tile
  type's own labelled images before trusting `pass`.
- The aspect ratio is not kept: images far from the dataset's shapes (≈ 100–630 × 220–400 px) are out of scope.
- The heatmap has 4-pixel cells in the resized image; hairline cracks may show as faint, broken lines.
{blank_frame_text(*input_floors)}
"""
