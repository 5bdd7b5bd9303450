export interface QueuedItem {
  batchSize: number;
  key: string;
  enqueuedNs: bigint;
}

export interface BatchPolicy {
  maxBatchSize: number;
  preferredBatchSizes: number[];
  maxQueueDelayNs: bigint;
}

export interface Pick {
  /** Queue positions to dispatch now; empty means wait `waitNs` and look again. */
  indices: number[];
  waitNs: bigint;
}

/**
 * Chooses the next batch from the queue, oldest first. Requests whose shapes match the oldest one are added in
 * order while they fit in `max_batch_size`. The batch goes at once when it is full or when a preferred size can be
 * formed (the largest one wins); otherwise it goes when the oldest request has waited the maximum queue delay.
 */
export function pickBatch(queue: readonly QueuedItem[], policy: BatchPolicy, nowNs: bigint): Pick {
  const head = queue[0];
  if (!head) return { indices: [], waitNs: 0n };
  const max = Math.max(1, policy.maxBatchSize);
  const indices: number[] = [];
  const prefixSizes: number[] = [];
  let total = 0;
  for (let i = 0; i < queue.length; i++) {
    const item = queue[i] as QueuedItem;
    if (item.key !== head.key || total + item.batchSize > max) continue;
    total += item.batchSize;
    indices.push(i);
    prefixSizes.push(total);
    if (total === max) break;
  }
  if (total >= max) return { indices, waitNs: 0n };
  const preferred = new Set(policy.preferredBatchSizes);
  for (let k = prefixSizes.length - 1; k >= 0; k--) {
    if (preferred.has(prefixSizes[k] as number)) return { indices: indices.slice(0, k + 1), waitNs: 0n };
  }
  const waited = nowNs - head.enqueuedNs;
  if (waited >= policy.maxQueueDelayNs) return { indices, waitNs: 0n };
  return { indices: [], waitNs: policy.maxQueueDelayNs - waited };
}
