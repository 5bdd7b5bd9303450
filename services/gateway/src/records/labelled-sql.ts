/**
 * SQL expressions shared by the queries that compare decisions with people's labels, for a row (alias `a`) that has
 * an inspection's `id` and `scores`: its highest-scoring class (ties: the first name) and its latest feedback label
 * (null if none). Each runs a subquery per row: apply them after the rows are narrowed down, not to a whole scan.
 */
export const topClassOf = (a: string): string =>
  `(SELECT k FROM jsonb_each(${a}.scores) AS e(k, v) ORDER BY (v #>> '{}')::float8 DESC, k LIMIT 1)`;
export const latestLabelOf = (a: string): string =>
  `(SELECT fb.label FROM feedback fb WHERE fb.inspection_id = ${a}.id ORDER BY fb.created_at DESC, fb.id DESC LIMIT 1)`;
