import { pickBatch, type QueuedItem } from './batch-picker';

const item = (batchSize: number, enqueuedNs: bigint, key = 'a'): QueuedItem => ({
  batchSize,
  key,
  enqueuedNs,
});
const policy = { maxBatchSize: 8, preferredBatchSizes: [] as number[], maxQueueDelayNs: 1_000_000n };

describe('pickBatch', () => {
  it('waits for more requests while the oldest is younger than the queue delay', () => {
    const pick = pickBatch([item(1, 0n), item(2, 10n)], policy, 400_000n);
    expect(pick.indices).toEqual([]);
    expect(pick.waitNs).toBe(600_000n);
  });

  it('dispatches everything compatible once the oldest request has waited the delay', () => {
    const pick = pickBatch([item(1, 0n), item(2, 10n)], policy, 1_000_000n);
    expect(pick.indices).toEqual([0, 1]);
  });

  it('dispatches at once when max_batch_size is reached, without exceeding it', () => {
    const pick = pickBatch([item(4, 0n), item(3, 1n), item(2, 2n), item(1, 3n)], policy, 0n);
    expect(pick.indices).toEqual([0, 1, 3]);
  });

  it('only combines requests whose shapes match the oldest one', () => {
    const pick = pickBatch([item(1, 0n, 'x'), item(1, 1n, 'y'), item(1, 2n, 'x')], policy, 2_000_000n);
    expect(pick.indices).toEqual([0, 2]);
  });

  it('takes the largest preferred batch size that can be formed, without waiting', () => {
    const preferred = { ...policy, preferredBatchSizes: [2, 4] };
    const pick = pickBatch([item(1, 0n), item(1, 1n), item(1, 2n), item(1, 3n), item(1, 4n)], preferred, 0n);
    expect(pick.indices).toEqual([0, 1, 2, 3]);
  });

  it('with no delay configured dispatches whatever is queued', () => {
    const pick = pickBatch([item(3, 5n)], { ...policy, maxQueueDelayNs: 0n }, 5n);
    expect(pick.indices).toEqual([0]);
  });
});
