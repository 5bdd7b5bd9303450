/**
 * Area under the ROC curve of a score that should be higher for positives (defects) than for negatives
 * (good items). Equal to the Mann–Whitney U statistic over P·N, ties counted as one half (the average-rank
 * rule). Items may carry a weight (how often a bootstrap resample drew them); weight 1 gives the plain AUROC.
 */

export interface ScoredLabel {
  score: number;
  positive: boolean;
}

/**
 * Indices of `items` in ascending score order (ties keep input order). Sort once and reuse the order for every
 * bootstrap resample: `weightedAuroc` then runs in linear time.
 */
export function ascendingOrder(items: readonly ScoredLabel[]): number[] {
  const order = items.map((_, i) => i);
  order.sort((a, b) => (items[a]?.score ?? 0) - (items[b]?.score ?? 0) || a - b);
  return order;
}

/**
 * AUROC from items in `order` (ascending score), each counted `weights[i]` times (default once).
 * Returns null when there is no positive or no negative weight (the AUROC is undefined then).
 */
export function weightedAuroc(
  items: readonly ScoredLabel[],
  order: readonly number[],
  weights?: ArrayLike<number>,
): number | null {
  let negativesBelow = 0;
  let pairs = 0;
  let positiveTotal = 0;
  let k = 0;
  while (k < order.length) {
    const first = items[order[k] ?? 0];
    if (first === undefined) break;
    let positives = 0;
    let negatives = 0;
    // One group of equal scores: each positive beats the negatives below and ties with those inside.
    while (k < order.length) {
      const index = order[k] ?? 0;
      const item = items[index];
      if (item === undefined || item.score !== first.score) break;
      const w = weights === undefined ? 1 : (weights[index] ?? 0);
      if (item.positive) positives += w;
      else negatives += w;
      k++;
    }
    pairs += positives * (negativesBelow + negatives / 2);
    negativesBelow += negatives;
    positiveTotal += positives;
  }
  if (positiveTotal === 0 || negativesBelow === 0) return null;
  return pairs / (positiveTotal * negativesBelow);
}

/** Plain AUROC (every item once). Scores must be finite. */
export function auroc(items: readonly ScoredLabel[]): number | null {
  for (const item of items) {
    if (!Number.isFinite(item.score)) throw new RangeError(`AUROC needs finite scores, got ${item.score}`);
  }
  return weightedAuroc(items, ascendingOrder(items));
}
