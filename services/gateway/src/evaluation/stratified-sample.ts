/**
 * Deterministic stratified subsample: `limit` items with every class kept in proportion to its size, each
 * class getting at least one item while the limit allows. Within a class the chosen items are spread evenly
 * over the class's items in their original order (no randomness: the same data and limit give the same
 * items). The result keeps the original order.
 */

/** How many items each class gets (keys: class names). Sums to min(limit, total). */
export function stratifiedQuotas(
  classSizes: ReadonlyMap<string, number>,
  limit: number,
): Map<string, number> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const classes = [...classSizes.entries()].filter(([, size]) => size > 0);
  const total = classes.reduce((a, [, size]) => a + size, 0);
  const quotas = new Map<string, number>();
  if (limit >= total) {
    for (const [c, size] of classes) quotas.set(c, size);
    return quotas;
  }
  // Largest classes first, ties by name, so every choice below is deterministic.
  classes.sort(([a, sa], [b, sb]) => sb - sa || (a < b ? -1 : a > b ? 1 : 0));
  const share = (size: number): number => (limit * size) / total;
  for (const [c, size] of classes) quotas.set(c, Math.min(size, Math.floor(share(size))));
  if (limit >= classes.length) {
    for (const [c] of classes) if ((quotas.get(c) ?? 0) === 0) quotas.set(c, 1);
  }
  let sum = [...quotas.values()].reduce((a, b) => a + b, 0);
  while (sum > limit) {
    // Too many after the one-per-class floor: take back from the class with the most items chosen.
    const [c] = classes.reduce((best, entry) =>
      (quotas.get(entry[0]) ?? 0) > (quotas.get(best[0]) ?? 0) ? entry : best,
    );
    quotas.set(c, (quotas.get(c) ?? 0) - 1);
    sum--;
  }
  while (sum < limit) {
    // Too few after rounding down: give to the class furthest below its proportional share.
    let pick: string | undefined;
    let gap = -Infinity;
    for (const [c, size] of classes) {
      const q = quotas.get(c) ?? 0;
      if (q >= size) continue;
      const g = share(size) - q;
      if (g > gap) {
        gap = g;
        pick = c;
      }
    }
    if (pick === undefined) break;
    quotas.set(pick, (quotas.get(pick) ?? 0) + 1);
    sum++;
  }
  return quotas;
}

/** `k` of `size` positions spread evenly (the middle of each of k equal stretches). */
export function evenlySpaced(size: number, k: number): number[] {
  if (k >= size) return Array.from({ length: size }, (_, i) => i);
  return Array.from({ length: k }, (_, j) => Math.floor(((j + 0.5) * size) / k));
}

/** The stratified subsample of `items` (by `classOf`), in their original order. */
export function stratifiedSample<T>(items: readonly T[], classOf: (item: T) => string, limit: number): T[] {
  const byClass = new Map<string, number[]>();
  items.forEach((item, i) => {
    const c = classOf(item);
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  });
  const quotas = stratifiedQuotas(new Map([...byClass].map(([c, list]) => [c, list.length])), limit);
  const chosen: number[] = [];
  for (const [c, list] of byClass) {
    for (const position of evenlySpaced(list.length, quotas.get(c) ?? 0)) {
      const index = list[position];
      if (index !== undefined) chosen.push(index);
    }
  }
  return chosen.sort((a, b) => a - b).flatMap((i) => (items[i] === undefined ? [] : [items[i]]));
}
