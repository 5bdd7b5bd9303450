import fc from 'fast-check';
import { DeadlineError, InternalError, TooManyRequestsError } from '../domain/errors';
import { DynamicBatcher, type BatchedResult } from './dynamic-batcher';

/** One arrival: wait `gapMs`, then submit with a deadline `ttlMs` ahead; `poison` makes its batch fail. */
const arrival = fc.record({
  gapMs: fc.nat({ max: 6 }),
  ttlMs: fc.integer({ min: 0, max: 80 }),
  fault: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'reject', 'miscount'),
});

const config = fc.record({
  maxBatchSize: fc.integer({ min: 1, max: 8 }),
  maxInFlight: fc.integer({ min: 1, max: 3 }),
  maxQueueDepth: fc.integer({ min: 1, max: 16 }),
  maxWaitMs: fc.integer({ min: 0, max: 10 }),
  fixedMs: fc.integer({ min: 0, max: 10 }),
  perItemMs: fc.integer({ min: 0, max: 3 }),
});

type Outcome = { kind: 'ok'; value: BatchedResult<string> } | { kind: 'error'; error: unknown };

beforeEach(() => {
  jest.useFakeTimers({ now: 1_700_000_000_000 });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('DynamicBatcher under random traffic', () => {
  it('settles every request exactly once, within the size and concurrency limits', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.array(arrival, { minLength: 1, maxLength: 60 }), async (cfg, arrivals) => {
        const batches: number[][] = [];
        const batchOf = new Map<number, number>();
        let running = 0;
        let peak = 0;
        const faultOf = (id: number) => arrivals[id]?.fault ?? 'none';
        const batcher = new DynamicBatcher<number, string>({
          name: 'prop',
          ...cfg,
          run: (ids, deadline) => {
            expect(ids.length).toBeGreaterThan(0);
            expect(ids.length).toBeLessThanOrEqual(cfg.maxBatchSize);
            expect(deadline).toBeGreaterThan(Date.now());
            for (const id of ids) {
              expect(batchOf.has(id)).toBe(false);
              batchOf.set(id, batches.length);
            }
            batches.push([...ids]);
            running++;
            peak = Math.max(peak, running);
            return new Promise<string[]>((resolve, reject) => {
              setTimeout(
                () => {
                  running--;
                  if (ids.some((id) => faultOf(id) === 'reject')) reject(new Error('batch failed'));
                  else if (ids.some((id) => faultOf(id) === 'miscount')) resolve([]);
                  else resolve(ids.map((id) => `out-${id}`));
                },
                cfg.fixedMs + cfg.perItemMs * ids.length,
              );
            });
          },
        });

        const settled = new Map<number, Outcome[]>();
        const record = (id: number, outcome: Outcome) =>
          settled.set(id, [...(settled.get(id) ?? []), outcome]);
        for (const [id, a] of arrivals.entries()) {
          await jest.advanceTimersByTimeAsync(a.gapMs);
          void batcher.submit(id, Date.now() + a.ttlMs).then(
            (value) => record(id, { kind: 'ok', value }),
            (error: unknown) => record(id, { kind: 'error', error }),
          );
        }
        let drained = false;
        void batcher.drain().then(() => (drained = true));
        for (let i = 0; i < 200 && !drained; i++) await jest.advanceTimersByTimeAsync(10);
        await jest.advanceTimersByTimeAsync(0);

        expect(drained).toBe(true);
        expect(jest.getTimerCount()).toBe(0);
        expect(peak).toBeLessThanOrEqual(cfg.maxInFlight);
        expect(batcher.stats()).toMatchObject({ queued: 0, inFlight: 0 });
        arrivals.forEach((_, id) => {
          const outcomes = settled.get(id) ?? [];
          expect(outcomes).toHaveLength(1);
          const outcome = outcomes[0]!;
          const batch = batchOf.has(id) ? batches[batchOf.get(id)!] : undefined;
          if (outcome.kind === 'ok') {
            expect(outcome.value.result).toBe(`out-${id}`);
            expect(outcome.value.batchSize).toBe(batch?.length);
            return;
          }
          const { error } = outcome;
          if (error instanceof DeadlineError || error instanceof TooManyRequestsError) {
            expect(batch).toBeUndefined();
            if (error instanceof TooManyRequestsError)
              expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          } else if (error instanceof InternalError) {
            expect(batch?.some((other) => faultOf(other) === 'miscount')).toBe(true);
          } else {
            expect((error as Error).message).toBe('batch failed');
            expect(batch?.some((other) => faultOf(other) === 'reject')).toBe(true);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});
