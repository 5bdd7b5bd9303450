/**
 * SQL expressions shared by the queries that compare decisions with people's labels, for an `inspections` row
 * aliased `n`: its highest-scoring class (ties: the first name) and its latest feedback label (null if none).
 */
export const TOP_CLASS_OF_N =
  "(SELECT k FROM jsonb_each(n.scores) AS e(k, v) ORDER BY (v #>> '{}')::float8 DESC, k LIMIT 1)";
export const LATEST_LABEL_OF_N =
  '(SELECT fb.label FROM feedback fb WHERE fb.inspection_id = n.id ORDER BY fb.created_at DESC, fb.id DESC LIMIT 1)';
