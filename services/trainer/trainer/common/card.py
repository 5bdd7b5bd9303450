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
