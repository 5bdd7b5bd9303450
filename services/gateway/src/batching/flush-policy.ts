/**
 * When to send the queued requests as a batch. Pure: the batcher gathers the facts, this decides.
 * Only asked while an executor slot is free (fewer than `maxInFlight` batches running); with every slot busy
 * requests simply accumulate, which is where most batching happens under load.
 *
 * Flush, in this order, when
 * 1. `drain`      — shutting down: send everything, waiting buys nothing;
 * 2. `full`       — the queue holds a whole batch (`maxBatchSize`);
 * 3. `idle`       — nothing is in flight: an idle executor is never kept waiting, so latency at low load is the
 *                   bare execution time (requests that arrive in the same event-loop turn still share a batch);
 * 4. `max-wait`   — the oldest request has waited `maxWaitMs`;
 * 5. `deadline`   — `now + predict(queued + 1) + margin ≥ earliest deadline of the next batch`: waiting for one
 *                   more request would make a request of this batch miss its deadline (BentoML's idea: a fitted
 *                   `a·n + b` latency model decides how long waiting is affordable);
 * 6. `no-company` — at the recent arrival rate, fewer than one more request is expected before the wait would
 *                   end anyway, so waiting only adds latency.
 * Otherwise wait, at most until `wakeAt`, the time at which rule 4 or 5 would fire.
 */
export type FlushReason = 'drain' | 'full' | 'idle' | 'max-wait' | 'deadline' | 'no-company';

export const FLUSH_REASONS: readonly FlushReason[] = [
  'drain',
  'full',
  'idle',
  'max-wait',
  'deadline',
  'no-company',
];

export interface FlushFacts {
  readonly now: number;
  readonly draining: boolean;
  readonly queued: number;
  readonly inFlight: number;
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
  /** When the oldest queued request arrived. */
  readonly oldestEnqueuedAt: number;
  /** Earliest deadline among the requests the next batch would carry. */
  readonly earliestDeadline: number;
  /** Predicted execution time of a batch of n, in ms. */
  readonly predictMs: (n: number) => number;
  /** Slack kept between the predicted finish and the deadline, in ms. */
  readonly marginMs: number;
  /** Current estimate of the mean gap between arrivals, in ms (Infinity when unknown). */
  readonly arrivalGapMs: number;
}

export type FlushDecision =
  { readonly flush: true; readonly reason: FlushReason } | { readonly flush: false; readonly wakeAt: number };

export function decideFlush(facts: FlushFacts): FlushDecision {
  if (facts.draining) return { flush: true, reason: 'drain' };
  if (facts.queued >= facts.maxBatchSize) return { flush: true, reason: 'full' };
  if (facts.inFlight === 0) return { flush: true, reason: 'idle' };

  const maxWaitAt = facts.oldestEnqueuedAt + facts.maxWaitMs;
  if (facts.now >= maxWaitAt) return { flush: true, reason: 'max-wait' };

  const withOneMore = Math.min(facts.queued + 1, facts.maxBatchSize);
  const latestSafeStart = facts.earliestDeadline - facts.predictMs(withOneMore) - facts.marginMs;
  if (facts.now >= latestSafeStart) return { flush: true, reason: 'deadline' };

  const wakeAt = Math.min(maxWaitAt, latestSafeStart);
  const expectedArrivals = (wakeAt - facts.now) / facts.arrivalGapMs;
  if (!(expectedArrivals >= 1)) return { flush: true, reason: 'no-company' };

  return { flush: false, wakeAt };
}
