/** The human-readable console summary of an evaluation report. */
import type { Interval } from './bootstrap';
import type { EvaluationReport } from './report';

const fmt = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined ? 'n/a' : v.toFixed(digits);
const ci = (i: Interval | null | undefined): string => (i ? `  95% CI [${fmt(i.low)}, ${fmt(i.high)}]` : '');
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padLeft = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function formatSummary(r: EvaluationReport): string {
  const lines: string[] = [];
  const via = Object.entries(r.endpoint)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`${r.tool}: ${r.model.name} version ${r.model.version} via ${via}`);
  const limit = r.dataset.limit === null ? '' : ` (stratified --limit ${r.dataset.limit})`;
  lines.push(
    `dataset ${r.dataset.name} (${r.dataset.dir}): ${r.dataset.sent} of ${r.dataset.total_items} items sent${limit}, ` +
      `${r.n} decided, ${r.failures.count} failed`,
  );
  if (r.dataset.same_manifest_as_training === true) {
    lines.push(
      'WARNING: the model was trained on this manifest: these are training-set figures, not held-out ones',
    );
  }
  const good = r.labels.good_class ?? '(none)';
  lines.push(`labels (${r.labels.source}): good ${good}; defects ${r.labels.defect_classes.join(', ')}`);
  // The training-manifest note is the WARNING above.
  for (const note of r.notes) if (!note.includes('training_manifest_sha256')) lines.push(`note: ${note}`);
  lines.push('');
  const d = r.decisions_of_defect_items;
  const g = r.decisions_of_good_items;
  const rows: Array<[string, string]> = [
    ['n', String(r.n)],
    ['accuracy', fmt(r.accuracy) + ci(r.ci95.accuracy)],
    ['macro-F1', fmt(r.macro_f1) + ci(r.ci95.macro_f1)],
    ['AUROC defect vs good', fmt(r.auroc) + ci(r.ci95.auroc)],
    ['ECE (15 bins)', fmt(r.ece)],
    [
      'escape rate',
      `${fmt(r.escape_rate)} (${d.pass} of ${r.defect_items} defect items passed)${ci(r.ci95.escape_rate)}`,
    ],
    ['false-reject rate', `${fmt(r.false_reject_rate)} (${g.fail} of ${r.good_items} good items failed)`],
    [
      'false reject or review',
      `${fmt(r.false_reject_or_review_rate)} (${g.fail + g.review} of ${r.good_items})`,
    ],
    ['review rate', `${fmt(r.review_rate)} (${r.decisions.review} of ${r.n} items)`],
    ['decisions', `pass ${r.decisions.pass}, review ${r.decisions.review}, fail ${r.decisions.fail}`],
  ];
  for (const [label, value] of rows) lines.push(`  ${pad(label, 24)} ${value}`);
  lines.push('', ...perClassTable(r), '', ...confusionTable(r));
  if (r.failures.count > 0) {
    const statuses = Object.entries(r.failures.by_status)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    lines.push('', `failures: ${r.failures.count} (${statuses}); first ones:`);
    for (const f of r.failures.first.slice(0, 5)) {
      lines.push(`  ${f.id} [${f.status ?? '-'}${f.code ? ` ${f.code}` : ''}] ${f.message}`);
    }
  }
  if (r.retries > 0) lines.push(`retried back-pressure answers (429/503): ${r.retries}`);
  const rate = r.timing.items_per_second === null ? '' : `, ${r.timing.items_per_second} items/s`;
  lines.push('', `${r.dataset.sent} items in ${r.timing.seconds.toFixed(1)} s${rate}`);
  return lines.join('\n');
}

function perClassTable(r: EvaluationReport): string[] {
  const width = Math.max(10, ...Object.keys(r.per_class).map((c) => c.length + 2));
  const lines = [
    `  ${pad('class', width)}${['precision', 'recall', 'f1', 'support'].map((h) => padLeft(h, 10)).join('')}`,
  ];
  for (const [c, f] of Object.entries(r.per_class)) {
    const role = c === r.labels.good_class ? ' *' : '';
    const cells = [fmt(f.precision, 3), fmt(f.recall, 3), fmt(f.f1, 3), String(f.support)];
    lines.push(`  ${pad(c + role, width)}${cells.map((v) => padLeft(v, 10)).join('')}`);
  }
  lines.push(`  (* good class)`);
  return lines;
}

function confusionTable(r: EvaluationReport): string[] {
  const { classes, matrix } = r.confusion;
  const width = Math.max(8, ...classes.map((c) => c.length + 1));
  const lines = ['confusion (rows: true class, columns: predicted)'];
  lines.push(`  ${pad('', width)}${classes.map((c) => padLeft(c, width)).join('')}`);
  classes.forEach((c, i) => {
    const row = matrix[i] ?? [];
    lines.push(`  ${pad(c, width)}${row.map((v) => padLeft(String(v), width)).join('')}`);
  });
  return lines;
}
