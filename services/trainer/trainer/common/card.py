"""MODEL_CARD.md rendering shared by the three modalities."""
import json


def fmt(v):
    return '—' if v is None else f'{v:.4f}' if isinstance(v, float) else str(v)


def metrics_table(summary, ci):
    keys = ['accuracy', 'macro_f1', 'auroc', 'ece', 'escape_rate', 'false_reject_rate',
            'good_sent_to_review_or_fail', 'review_rate']
    lines = ['| metric | value | 95 % bootstrap CI |', '|---|---:|---|']
    for k in keys:
        if k in summary:
            lo_hi = ci.get(k)
            lines.append(f'| {k} | {fmt(summary[k])} | '
                         + (f'{lo_hi[0]:.4f} – {lo_hi[1]:.4f}' if lo_hi else '—') + ' |')
    return '\n'.join(lines)


def per_class_table(summary, thresholds):
    lines = ['| class | support | precision | recall | F1 | reporting threshold |', '|---|---:|---:|---:|---:|---:|']
    for name, m in summary['per_class'].items():
        lines.append(f"| {name} | {m['support']} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                     f"{fmt(thresholds.get(name))} |")
    return '\n'.join(lines)


def confusion_table(summary, names):
    lines = ['| true \\ predicted | ' + ' | '.join(names) + ' |', '|---|' + '---:|' * len(names)]
    for name, row in zip(names, summary['confusion']):
        lines.append(f'| {name} | ' + ' | '.join(str(v) for v in row) + ' |')
    return '\n'.join(lines)


def json_block(obj):
    return '```json\n' + json.dumps(obj, indent=2) + '\n```'


def blank_frame_text(min_std, min_side):
    """The model card's lines on input_min_pixel_std and input_min_source_side."""
    return (f'- An image whose model input has a pixel standard deviation below {min_std} (`input_min_pixel_std`, half '
            f'the least of any training image) is refused by the gateway (422 `unusable_image`) as a blank frame '
            f'rather than decided: a lens cap or a dead camera must not pass. So is an image whose shorter side is '
            f'below {min_side} px (`input_min_source_side`, half the shortest side of any training image), such as a '
            f'thumbnail or another modality\'s frame.')


def ordinal(n):
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def review_rule_text(n_defects, target_recall, one, many, where='validation'):
    """How the review threshold was chosen (calibration.operating_point), for a model card: which of the n
    validation scores it is and the escape rate that bounds on unseen items of the same distribution. one / many:
    what a defect item is called, singular and plural ('defect image', 'defect images')."""
    from .calibration import allowed_misses
    k = allowed_misses(n_defects, target_recall)
    bound = (k + 1) / (n_defects + 1)
    text = (f'The review threshold is the {"lowest" if k == 0 else f"{ordinal(k + 1)} lowest"} score of the '
            f'{n_defects} {where} {many}, so an unseen {one} of the same distribution is passed with probability '
            f'at most {k + 1}/{n_defects + 1} = {100 * bound:.1f} % (target ≤ {100 * (1 - target_recall):.0f} %')
    if bound > 1 - target_recall + 1e-12:
        text += f'; too few {where} items to reach it'
    return text + ').'
