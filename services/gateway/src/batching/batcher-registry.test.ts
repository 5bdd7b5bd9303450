import { UnavailableError } from '../domain/errors';
import { BatcherRegistry, type BatcherKey } from './batcher-registry';
import { DynamicBatcher } from './dynamic-batcher';
import { fakeRun } from './fake-batch-run';

function registry() {
  const created: BatcherKey[] = [];
  const fake = fakeRun(() => 5);
  const reg = new BatcherRegistry<number, number>((key) => {
    created.push(key);
    return new DynamicBatcher({
      name: `${key.model}:${key.version}`,
      maxBatchSize: 4,
      maxQueueDepth: 16,
      maxInFlight: 1,
      maxWaitMs: 2,
      run: fake.run,
    });
  });
  return { reg, created, fake };
}

beforeEach(() => {
  jest.useFakeTimers({ now: 1_700_000_000_000 });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('BatcherRegistry', () => {
  it('creates one batcher per (model, version) on first use and reuses it', () => {
    const { reg, created } = registry();
    const a = reg.get('visual_ensemble', '1');
    expect(reg.get('visual_ensemble', '1')).toBe(a);
    expect(reg.get('visual_ensemble', '2')).not.toBe(a);
    expect(reg.get('thermal_ensemble', '1')).not.toBe(a);
    expect(created).toEqual([
      { model: 'visual_ensemble', version: '1' },
      { model: 'visual_ensemble', version: '2' },
      { model: 'thermal_ensemble', version: '1' },
    ]);
  });

  it('keeps versions apart: requests of different versions never share a batch', async () => {
    const { reg, fake } = registry();
    const pending = [
      reg.get('m', '1').submit(1, Date.now() + 1000),
      reg.get('m', '2').submit(2, Date.now() + 1000),
    ];
    await jest.advanceTimersByTimeAsync(20);
    await Promise.all(pending);
    expect(fake.batches).toEqual([[1], [2]]);
  });

  it('snapshots every batcher in a stable order', async () => {
    const { reg } = registry();
    await jest.advanceTimersByTimeAsync(0);
    const pending = reg.get('visual', '10').submit(1, Date.now() + 1000);
    reg.get('visual', '9');
    reg.get('electrical', '1');
    await jest.advanceTimersByTimeAsync(20);
    await pending;
    const rows = reg.snapshot();
    expect(rows.map((r) => `${r.model}:${r.version}`)).toEqual(['electrical:1', 'visual:9', 'visual:10']);
    expect(rows[2]?.stats).toMatchObject({ batches: 1, items: 1, queued: 0, inFlight: 0 });
  });

  it('drainAll flushes every queue and then refuses to hand out batchers', async () => {
    const { reg } = registry();
    const visual = reg.get('visual', '1');
    const pending = [
      visual.submit(1, Date.now() + 1000),
      reg.get('thermal', '1').submit(2, Date.now() + 1000),
    ];
    let drained = false;
    void reg.drainAll().then(() => (drained = true));
    await jest.advanceTimersByTimeAsync(20);
    expect(drained).toBe(true);
    expect((await Promise.all(pending)).map((r) => r.result)).toEqual([10, 20]);
    await expect(visual.submit(3, Date.now() + 1000)).rejects.toBeInstanceOf(UnavailableError);
    expect(() => reg.get('electrical', '1')).toThrow(UnavailableError);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('retire drains one batcher and forgets it, so the next use builds a fresh one', async () => {
    const { reg, created } = registry();
    const old = reg.get('visual', '1');
    const pending = old.submit(1, Date.now() + 1000);
    const retired = reg.retire('visual', '1');
    await jest.advanceTimersByTimeAsync(20);
    await retired;
    expect((await pending).result).toBe(10);
    expect(reg.snapshot()).toEqual([]);
    expect(reg.get('visual', '1')).not.toBe(old);
    expect(created).toHaveLength(2);
    await reg.retire('unknown', '1');
  });
});
