"""MODEL_CARD.md for electrical_ensemble."""
import numpy as np

from ..common.card import confusion_table, fmt, review_rule_text


# How the member set was chosen (exploration outside this trainer, same splits; figures are fold AUROC mean ± sd).
SELECTION_NOTE = """The first three members (random forest + extra trees + depth-1 boosting, equal weights on
standardized logits) were chosen among about 15 candidates compared on these same splits (missing-value indicators,
in-fold univariate or importance-based feature selection, L1/L2 logistic regression with nested C, a balanced
random forest, kNN, depth-2 boosting; rank, probability and logit averaging), so the mean below is somewhat
optimistic. The fourth, histogram boosting on the raw measurements with its own missing-value branches, was then
picked among three depth / learning-rate settings (depth 1, 2 and 3) on the same splits: with it the fold AUROC
went from 0.7548 ± 0.0546 to 0.7622 ± 0.0553 (better in 10 of 15 folds). On a second split seed (7, model seeds
7–10), not used for any choice, it went from 0.7499 ± 0.0687 to 0.7600 ± 0.0666 (better in 13 of 15 folds); the
previous random-forest-only pipeline gave 0.7423 ± 0.0714 there (0.7398 ± 0.0535 on the splits below). Whether the
calibrator keeps the anomaly term is decided on the pooled out-of-fold predictions (not nested); it changed the
fold AUROC by less than 0.002."""


HIST_LIMIT = """- The histogram booster sends a NaN in a column that had none in its training rows to the child that saw
  more rows (scikit-learn's rule). Where a column's missing rate drifts, its missingness splits shift the score:
  watch `drift_reference_json.input.missing_rate`.
"""


def member_short(m):
    """A few words for a member spec (the classifier config's role)."""
    if m['kind'] == 'hgb':
        return 'histogram-boosted ' + ('stumps' if m['depth'] == 1 else 'trees') + ' on the raw measurements'
    if m['kind'] == 'gb':
        return 'boosted ' + ('stumps' if m['depth'] == 1 else 'trees')
    return {'rf': 'random forest', 'et': 'extra trees'}[m['kind']]


def member_text(m, eps):
    if m['kind'] == 'hgb':
        return (f"histogram gradient boosting of depth {m['depth']} on the **raw** `MEASUREMENTS` ({m['n_iter']} "
                f"rounds, learning rate {m['learning_rate']}, min_samples_leaf {m['leaf']}, L2 {m['l2']}, no early "
                f"stopping; balanced sample weights; NaN is not imputed: every split learnt which side a missing "
                f"value takes, so missingness itself can carry signal; member logit = its raw additive score)")
    if m['kind'] == 'gb':
        return (f"gradient-boosted trees of depth {m['depth']} ({m['n_trees']} rounds, learning rate "
                f"{m['learning_rate']}, subsample {m['subsample']}, min_samples_leaf {m['leaf']}, max_features "
                f"{m['max_features']}; balanced sample weights; member logit = its raw additive score)")
    name = {'rf': 'random forest', 'et': 'extra trees'}[m['kind']]
    return (f"{name} of {m['n_trees']} trees (min_samples_leaf {m['leaf']}, max_features {m['max_features']}, "
            f"class weights `balanced_subsample`; member logit = logit of the mean fail fraction over trees, "
            f"clipped to [{eps}, 1 − {eps}])")


def render_card(*, ds, hp, cal, ops, folds, pooled, ci, sizes, parity, ms, version, k, anomaly_auc, n_nodes, n,
                n_fail, combiner, per_member, cls_inputs, x_dev):
    members = '\n'.join(f"   - {member_text(m, hp['member_eps'])}: out-of-fold AUROC alone {auc:.4f} ± {sd:.4f}; "
                         f"standardized with center {c:.4f}, scale {sc:.4f}"
                         for m, (auc, sd), c, sc in zip(hp['members'], per_member, combiner.center, combiner.scale))
    rows = '\n'.join(f"| {key} | {v['mean']:.4f} ± {v['sd']:.4f} | {fmt(pooled.get(key))} | "
                     + (f'{ci[key][0]:.4f} – {ci[key][1]:.4f}' if key in ci else '—') + ' |'
                     for key, v in folds.items())
    met = folds['auroc']['mean'] >= 0.80
    n_val_defects = pooled['per_class']['fail']['support']
    raw = any(name == 'MEASUREMENTS' for name, _ in cls_inputs)
    cls_in = ' and '.join({'IMPUTED': '`IMPUTED`', 'MEASUREMENTS': '`MEASUREMENTS` (raw, NaN kept)'}[name]
                          for name, _ in cls_inputs)
    boosters = 'the boosters' if sum(m['kind'] in ('gb', 'hgb') for m in hp['members']) > 1 else 'the booster'
    missing = ('\n   A NaN in `MEASUREMENTS` takes the branch learnt for it (`nodes_missing_value_tracks_true`), as in '
               'scikit-learn.') if raw else ''
    hist_limit = HIST_LIMIT if raw else ''
    return f"""# electrical_ensemble — version {version}

Predicts whether a semiconductor production entity fails in-house line testing from its 590 process / metrology
measurements (UCI SECOM), with a calibrated fail probability and an unsupervised anomaly score.

## Pipeline (Triton ensemble)
1. `electrical_preprocess` — `MEASUREMENTS` FP32 `[590]` (raw values; **NaN for a missing measurement**) →
   `IMPUTED` `[{k}]` (NaN → training median, the {590 - k} columns constant in training dropped) and `SCALED`
   `[{k}]` (standardized with training mean/std, clipped to ±10).
2. `electrical_classifier` — {cls_in} → `SCORE` `[1]`
   = sigmoid(mean over {len(hp['members'])} members of (member logit − center) / scale), all members fitted on the
   same rows and weighted equally:
{members}

   center and scale are the mean and standard deviation of each member's out-of-fold logits (no labels used).
   Each member is an ONNX `ai.onnx.ml.TreeEnsembleRegressor` ({n_nodes:,} nodes in all) whose output equals
   scikit-learn's (`predict_proba[:, 1]` for the forests, `decision_function` for {boosters}).{missing}
3. `electrical_anomaly` — `SCALED` → `ANOMALY_SCORE` `[1]`: principal components of the passing rows
   ({int(hp['anomaly_variance'] * 100)} % of variance); score = (Hotelling T² per component + residual Q per
   remaining dimension) / 2. Unsupervised: it never sees the labels.
4. `electrical_calibrator` — `FAIL_PROB = sigmoid((logit(SCORE) + w·log(ANOMALY_SCORE + 0.001)) / T + b)` with
   T = {cal['temperature']:.4f}, b = {cal['bias']:.4f}, w = {cal['anomaly_weight']:.4f}; `PROBS = [1 − FAIL_PROB,
   FAIL_PROB]`, `DEFECT_PROB = FAIL_PROB`. The anomaly term is kept only if it raised out-of-fold AUROC
   (classifier alone {cal['oof_auroc_classifier']:.4f}, with anomaly term {cal['oof_auroc_with_anomaly']:.4f}).

## Data
- `secom` development split ({n} rows, {n_fail} fail = {n_fail / n:.1%}; UCI SECOM, McCann & Johnston 2008,
  CC BY 4.0, doi:10.24432/C54305). manifest SHA-256 `{ds.manifest_sha256}`. Timestamps are not used.
- Class imbalance: balanced class weights (per bootstrap sample in the forests, as sample weights in {boosters});
  calibration restores the base rate.

## Validation: repeated stratified cross-validation
{hp['n_splits']}-fold × {hp['n_repeats']} repeats (seed {hp['seed']}); every fold re-fits imputation, scaling,
the classifier's members and the anomaly model on its training part (the members' hyper-parameters are fixed;
nothing is selected inside a fold).
{SELECTION_NOTE}
Calibration and thresholds are fitted on the pooled out-of-fold
predictions (so the pooled ECE is slightly optimistic); the final model is re-fitted on all dev rows. "Pooled"
counts every row once per repeat ({hp['n_repeats']} ×), so its bootstrap intervals are somewhat too narrow; the
fold spread is the figure to quote.

| metric | mean ± sd over {folds['auroc']['n_folds']} folds | pooled out-of-fold | 95 % bootstrap CI (pooled) |
|---|---:|---:|---|
{rows}

Unsupervised anomaly score alone: out-of-fold AUROC {anomaly_auc:.4f} (mean over folds).
Operating point, on the pooled out-of-fold predictions: `review_threshold` = {ops['review_threshold']:.4f};
`fail_threshold` = {ops['fail_threshold']:.4f} (at most {hp['max_false_reject']:.0%} of passing rows decided `fail`). Between the
two: `review`. {review_rule_text(n_val_defects, hp['target_recall'], 'failing row', 'failing rows (each once per repeat)')}

### Pooled out-of-fold confusion at arg-max (rows true, columns predicted)
{confusion_table(pooled, ['pass', 'fail'])}

## Export checks
- ONNX opset 17 (+ ai.onnx.ml 3), dynamic batch. Parity numpy/scikit-learn vs onnxruntime-node on all {n} dev rows
  (raw NaN inputs): """ + ', '.join(f'{key} {v:.2e}' for key, v in parity.items()) + f""" (max abs difference).
- Sizes: {', '.join(f'{key} {v / 1024:.1f} KiB' for key, v in sizes.items())} (limit 20 MB each).
- Classifier in onnxruntime-node, 1 thread: {ms:.3f} ms per row at batch 256 (shared CPU; not a benchmark).

## Known limits
- Quality bar of issue 4 (fail AUROC ≥ 0.80): {'met' if met else 'NOT met'} (mean {folds['auroc']['mean']:.4f} ±
  {folds['auroc']['sd']:.4f} over folds). Published results on SECOM mostly lie between 0.70 and 0.80; with 84
  fails, fold-to-fold spread is large and a single split can mislead.
- The shipped classifier is fitted on **all** dev rows, so `npm run evaluate` on `../shared/datasets/secom` is an
  in-sample figure (near-perfect, meaningless for quality); the cross-validation table above is the estimate.
- At a useful recall the false-alarm rate is high: this model ranks entities for inspection, it does not replace
  line testing. Most fails end up in the `review` band.
- SECOM is one fab, 2008, chronological; process drift over time is likely. Watch `drift_reference_json`
  (missing rates and quantiles per feature, anomaly-score distribution).
- A row missing more than {hp['max_missing_fraction']:.0%} of its measurements (`input_max_missing_fraction`) is refused by
  the gateway (400) rather than decided on imputed values: the development rows miss at most
  {np.isnan(x_dev).mean(1).max():.1%} (median {np.median(np.isnan(x_dev).mean(1)):.1%}).
- The trees were fitted on float32 values; the ONNX thresholds are the largest float32 not above scikit-learn's
  (for the histogram booster: float64 midpoints between bin edges), so decisions agree exactly on float32 inputs.
{hist_limit}"""
