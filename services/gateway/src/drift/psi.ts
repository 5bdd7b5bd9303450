/**
 * Population stability index over a reference histogram's bins, and the plain reading of it.
 *
 *   PSI = Σ_i (cur_i − ref_i) · ln(cur_i / ref_i)
 *
 * with cur_i, ref_i the fractions in bin i and an empty bin (on either side) counted as `PSI_EPSILON`, so that a
 * bin the reference never saw adds a large but finite term instead of infinity. Conventional reading, which the
 * trainer's reference suggests too: below 0.1 stable, 0.1–0.2 worth watching, above 0.2 investigate.
 */

/** Stands in for an empty bin's fraction. */
export const PSI_EPSILON = 1e-4;
/** PSI at or above this is `watch`. */
export const PSI_WATCH = 0.1;
/** PSI above this is `drift` (the ModelDrift alert uses the same bound). */
export const PSI_DRIFT = 0.2;

export type DriftStatus = 'ok' | 'watch' | 'drift' | 'insufficient_data';

/**
 * Bin of `value` for ascending `edges` (numpy's convention: [e_i, e_i+1), the last bin closed). Values below
 * the first edge fall into the first bin, values above the last edge into the last one. O(log bins).
 */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** PSI of `counts` (out of `total`) against the reference `fractions` of the same bins. */
export function populationStabilityIndex(
  counts: ArrayLike<number>,
  total: number,
  reference: ArrayLike<number>,
  epsilon = PSI_EPSILON,
): number {
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const cur = Math.max((counts[i] ?? 0) / total, epsilon);
    const ref = Math.max(reference[i]!, epsilon);
    psi += (cur - ref) * Math.log(cur / ref);
  }
  return psi;
}

/** `ok` below 0.1, `watch` from 0.1 to 0.2, `drift` above 0.2; `insufficient_data` without a PSI. */
export function driftStatus(psi: number | null): DriftStatus {
  if (psi === null) return 'insufficient_data';
  if (psi > PSI_DRIFT) return 'drift';
  if (psi >= PSI_WATCH) return 'watch';
  return 'ok';
}

const SEVERITY: Record<DriftStatus, number> = { insufficient_data: 0, ok: 1, watch: 2, drift: 3 };

/** The most severe of several statuses (`insufficient_data` for none). */
export function worstStatus(statuses: Iterable<DriftStatus>): DriftStatus {
  let worst: DriftStatus = 'insufficient_data';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}
