import { DeadlineError, InternalError, TooManyRequestsError, UnavailableError } from '../domain/errors';
import { fakeRun, track } from './fake-batch-run';
import { DynamicBatcher, type DynamicBatcherOptions } from './dynamic-batcher';
import { LatencyModel } from './latency-model';

const T0 = 1_700_000_000_000;

function batcher(
  run: DynamicBatcherOptions<number, number>['run'],
  overrides: Partial<DynamicBatcherOptions<number, number>> = {},
): DynamicBatcher<number, number> {
  return new DynamicBatcher<number, number>({
    name: 'visual:1',
    maxBatchSize: 8,
    maxQueueDepth: 64,
    maxInFlight: 1,
    maxWaitMs: 5,
    run,
    ...overrides,
  });
}

const later = (ms: number) => Date.now() + ms;

beforeEach(() => {
  jest.useFakeTimers({ now: T0 });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('DynamicBatcher', () => {
  it('batches concurrent requests up to maxBatchSize and gives each its own result', async () => {
    const fake = fakeRun(() => 20);
    const b = batcher(fake.run);
    const pending = Array.from({ length: 20 }, (_, i) => b.submit(i, later(1000)));
    await jest.advanceTimersByTimeAsync(100);
    const results = await Promise.all(pending);

    expect(fake.batches.map((batch) => batch.length)).toEqual([8, 8, 4]);
    expect(fake.batches.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i));
    results.forEach((r, i) => expect(r.result).toBe(i * 10));
    expect(results.map((r) => r.batchSize)).toEqual([...Array(16).fill(8), 4, 4, 4, 4]);
    expect(results[19]?.queueMs).toBe(40);
    expect(b.stats()).toMatchObject({ batches: 3, items: 20, queued: 0, inFlight: 0 });
  });

  it('forms batches from requests that arrive while a batch is in flight', async () => {
    const fake = fakeRun(() => 10);
    const b = batcher(fake.run);
    const pending = [];
    for (let i = 0; i < 20; i++) {
      pending.push(b.submit(i, later(1000)));
      await jest.advanceTimersByTimeAsync(1);
    }
    await jest.advanceTimersByTimeAsync(100);
    const results = await Promise.all(pending);

    results.forEach((r, i) => expect(r.result).toBe(i * 10));
    expect(fake.batches[0]).toEqual([0]);
    expect(Math.max(...fake.batches.map((batch) => batch.length))).toBeGreaterThan(5);
    expect(b.stats().meanBatchSize).toBeGreaterThan(3);
  });

  it('dispatches at once at low load: no wait added to a lone request', async () => {
    const fake = fakeRun(() => 3);
    const b = batcher(fake.run, { maxWaitMs: 50 });
    for (let i = 0; i < 5; i++) {
      const outcome = track(b.submit(i, later(1000)));
      await jest.advanceTimersByTimeAsync(0);
      expect(fake.batches).toHaveLength(i + 1);
      await jest.advanceTimersByTimeAsync(3);
      expect(outcome.value).toEqual({ result: i * 10, queueMs: 0, batchSize: 1 });
      await jest.advanceTimersByTimeAsync(100);
    }
    expect(b.stats().flushes.idle).toBe(5);
  });

  it('with a free slot beside a busy one, waits for company only while requests keep coming', async () => {
    const fake = fakeRun(() => 30);
    const b = batcher(fake.run, { maxInFlight: 2, maxWaitMs: 4 });
    // Steady traffic, one request per ms: the first goes alone, the next ones wait up to maxWaitMs together.
    const steady = [];
    for (let i = 0; i < 6; i++) {
      steady.push(b.submit(i, later(1000)));
      await jest.advanceTimersByTimeAsync(1);
    }
    expect(fake.batches).toEqual([[0], [1, 2, 3, 4]]);
    expect(b.stats().flushes['max-wait']).toBe(1);
    await jest.advanceTimersByTimeAsync(200);
    await Promise.all(steady);

    // Sparse traffic: waiting would buy nothing, so the lone request takes the free slot at once.
    const fake2 = fakeRun(() => 30);
    const sparse = batcher(fake2.run, { maxInFlight: 2, maxWaitMs: 4 });
    const first = sparse.submit(1, later(1000));
    await jest.advanceTimersByTimeAsync(20);
    const second = sparse.submit(2, later(1000));
    await jest.advanceTimersByTimeAsync(0);
    expect(fake2.batches).toEqual([[1], [2]]);
    expect(sparse.stats().flushes['no-company']).toBe(1);
    await jest.advanceTimersByTimeAsync(100);
    await Promise.all([first, second]);
  });

  it('flushes early when waiting longer would make a request miss its deadline', async () => {
    const fake = fakeRun(() => 50);
    const latency = new LatencyModel({ defaultPerItemMs: 1, defaultFixedMs: 2 });
    const b = batcher(fake.run, { maxInFlight: 2, maxWaitMs: 100, latency });
    const first = b.submit(0, later(1000));
    await jest.advanceTimersByTimeAsync(1);
    const tight = b.submit(1, later(10)); // deadline at 11 ms
    await jest.advanceTimersByTimeAsync(1);
    // With two queued, waiting for a third means predict(3) = 5 ms + 1 ms margin: must start by 11 - 6 = 5 ms.
    const other = b.submit(2, later(1000));
    await jest.advanceTimersByTimeAsync(2);
    expect(fake.batches).toEqual([[0]]);
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.batches).toEqual([[0], [1, 2]]);
    expect(b.stats().flushes.deadline).toBe(1);
    await jest.advanceTimersByTimeAsync(100);
    await Promise.all([first, tight, other]);
  });

  it('refuses a request when the queue is full, with a Retry-After of at least one second', async () => {
    const fake = fakeRun(() => 100);
    const b = batcher(fake.run, { maxQueueDepth: 3, maxBatchSize: 2 });
    const running = b.submit(0, later(10_000));
    await jest.advanceTimersByTimeAsync(0);
    const queued = [1, 2, 3].map((i) => b.submit(i, later(10_000)));
    const refused = track(b.submit(4, later(10_000)));
    await jest.advanceTimersByTimeAsync(0);

    expect(refused.error).toBeInstanceOf(TooManyRequestsError);
    expect((refused.error as TooManyRequestsError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(b.stats()).toMatchObject({ queued: 3, rejectedFull: 1 });
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all([running, ...queued]);
    expect(fake.batches.flat()).not.toContain(4);
  });

  it('estimates Retry-After from the queue and the latency model', async () => {
    const fake = fakeRun(() => 100);
    const latency = new LatencyModel({ defaultPerItemMs: 500, defaultFixedMs: 0 });
    const b = batcher(fake.run, { maxQueueDepth: 8, maxBatchSize: 4, latency });
    const all = [track(b.submit(0, later(60_000)))];
    await jest.advanceTimersByTimeAsync(0);
    for (let i = 1; i <= 9; i++) all.push(track(b.submit(i, later(60_000))));
    await jest.advanceTimersByTimeAsync(0);
    // 8 queued = 2 batches + the next one + 1 in flight = 4 rounds of predict(4) = 2 s each.
    expect((all[9]?.error as TooManyRequestsError).retryAfterSeconds).toBe(8);
    await jest.advanceTimersByTimeAsync(1000);
  });

  it('drops a request whose deadline passes in the queue; it never reaches run', async () => {
    const fake = fakeRun(() => 100);
    const b = batcher(fake.run);
    const running = b.submit(0, later(1000));
    await jest.advanceTimersByTimeAsync(0);
    const doomed = track(b.submit(1, later(30)));
    await jest.advanceTimersByTimeAsync(30);

    expect(doomed.error).toBeInstanceOf(DeadlineError);
    expect((doomed.error as Error).message).toMatch(/waited 30 ms in queue/);
    await jest.advanceTimersByTimeAsync(200);
    await running;
    expect(fake.batches.flat()).toEqual([0]);
    expect(b.stats().expired).toBe(1);
  });

  it('rejects at once a request whose deadline has already passed', async () => {
    const fake = fakeRun(() => 1);
    const b = batcher(fake.run);
    await expect(b.submit(1, Date.now())).rejects.toBeInstanceOf(DeadlineError);
    await expect(b.submit(2, Number.NaN)).rejects.toBeInstanceOf(DeadlineError);
    await jest.advanceTimersByTimeAsync(10);
    expect(fake.batches).toEqual([]);
  });

  it('passes the latest item deadline to run, so one urgent item does not fail the batch', async () => {
    const fake = fakeRun(() => 1);
    const b = batcher(fake.run);
    const pending = [b.submit(1, later(500)), b.submit(2, later(200)), b.submit(3, later(900))];
    await jest.advanceTimersByTimeAsync(10);
    await Promise.all(pending);
    expect(fake.deadlines).toEqual([T0 + 900]);
  });

  it('fails every request of a failed batch, and only those', async () => {
    const boom = new Error('triton exploded');
    const run = (items: number[]) => (items.includes(1) ? Promise.reject(boom) : Promise.resolve(items));
    const b = batcher(run, { maxBatchSize: 2 });
    const outcomes = [0, 1, 2, 3].map((i) => track(b.submit(i, later(1000))));
    await jest.advanceTimersByTimeAsync(10);
    expect(outcomes.map((o) => o.error)).toEqual([boom, boom, undefined, undefined]);
    expect(outcomes.map((o) => o.value?.result)).toEqual([undefined, undefined, 2, 3]);
  });

  it('treats a synchronous throw from run like a rejection', async () => {
    const b = batcher(() => {
      throw new Error('sync');
    });
    await jest.advanceTimersByTimeAsync(0);
    const outcome = track(b.submit(1, later(1000)));
    await jest.advanceTimersByTimeAsync(10);
    expect((outcome.error as Error).message).toBe('sync');
    expect(b.stats().inFlight).toBe(0);
  });

  it('fails the batch with an internal error when run returns the wrong number of results', async () => {
    const b = batcher((items) => Promise.resolve(items.slice(1)));
    const outcomes = [1, 2, 3].map((i) => track(b.submit(i, later(1000))));
    await jest.advanceTimersByTimeAsync(10);
    for (const o of outcomes) {
      expect(o.error).toBeInstanceOf(InternalError);
      expect((o.error as Error).message).toMatch(/batch of 3 returned 2 results/);
    }
  });

  it('never runs more batches at once than maxInFlight', async () => {
    const fake = fakeRun((n) => 5 + n);
    const b = batcher(fake.run, { maxInFlight: 2, maxBatchSize: 4 });
    const pending = [];
    for (let i = 0; i < 60; i++) {
      pending.push(b.submit(i, later(10_000)));
      if (i % 3 === 0) await jest.advanceTimersByTimeAsync(1);
    }
    await jest.advanceTimersByTimeAsync(1000);
    (await Promise.all(pending)).forEach((r, i) => expect(r.result).toBe(i * 10));
    expect(fake.peakConcurrency()).toBe(2);
  });

  it('learns batch latency from completed batches', async () => {
    const fake = fakeRun((n) => 2 * n + 5);
    const b = batcher(fake.run, { maxBatchSize: 8 });
    for (let size = 1; size <= 8; size++) {
      const pending = Array.from({ length: size }, (_, i) => b.submit(i, later(1000)));
      await jest.advanceTimersByTimeAsync(100);
      await Promise.all(pending);
    }
    expect(b.stats().latency.a).toBeCloseTo(2, 6);
    expect(b.stats().latency.b).toBeCloseTo(5, 6);
  });

  it('drain flushes everything without waiting, refuses new requests and leaves no timers', async () => {
    const fake = fakeRun(() => 10);
    const b = batcher(fake.run, { maxBatchSize: 4, maxInFlight: 2, maxWaitMs: 1000 });
    const pending = [track(b.submit(0, later(5000)))];
    await jest.advanceTimersByTimeAsync(0);
    for (let i = 1; i <= 6; i++) pending.push(track(b.submit(i, later(5000))));
    const drained = track(b.drain());
    const refused = track(b.submit(99, later(5000)));
    await jest.advanceTimersByTimeAsync(0);
    expect(refused.error).toBeInstanceOf(UnavailableError);
    expect((refused.error as Error).message).toMatch(/shutting down/);
    expect(fake.batches).toEqual([[0], [1, 2, 3, 4]]);

    await jest.advanceTimersByTimeAsync(30);
    expect(drained.settled).toBe(true);
    expect(pending.map((p) => p.value?.result)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(b.stats().flushes.drain).toBe(2);
    expect(jest.getTimerCount()).toBe(0);
    expect(b.drain()).toBe(b.drain());
  });

  it('drain of an idle batcher resolves at once', async () => {
    const b = batcher(fakeRun(() => 1).run);
    await b.drain();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects nonsensical options', () => {
    const run = fakeRun(() => 1).run;
    expect(() => batcher(run, { maxBatchSize: 0 })).toThrow(RangeError);
    expect(() => batcher(run, { maxInFlight: 1.5 })).toThrow(RangeError);
    expect(() => batcher(run, { maxWaitMs: -1 })).toThrow(RangeError);
  });
});

describe('DynamicBatcher admission by deadline', () => {
  /** A learned model (every batch takes 100 ms whatever its size) with six requests, three batches, queued ahead. */
  function busyBatcher() {
    const latency = new LatencyModel({ minSamples: 4 });
    for (let i = 0; i < 8; i++) latency.observe(1 + (i % 4), 100);
    const b = batcher(fakeRun(() => 100).run, { latency, maxBatchSize: 2 });
    const queued = Array.from({ length: 6 }, (_, i) => b.submit(i, later(10_000)));
    return { b, queued };
  }

  it('refuses at once with 429 a request whose deadline the queued work ahead would outlast', async () => {
    const { b, queued } = busyBatcher(); // ≈ 300 ms of work ahead
    await expect(b.submit(99, later(150))).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(b.stats().rejectedLate).toBe(1);
    // A request with room for the work ahead is accepted and answered.
    const roomy = b.submit(7, later(10_000));
    await jest.advanceTimersByTimeAsync(2_000);
    await expect(Promise.all([...queued, roomy])).resolves.toHaveLength(7);
  });

  it('does not refuse by deadline before the latency model has learned from real batches', async () => {
    const fake = fakeRun(() => 5);
    const b = batcher(fake.run, { latency: new LatencyModel({ minSamples: 4, defaultFixedMs: 10_000 }) });
    const p = b.submit(1, later(50));
    await jest.advanceTimersByTimeAsync(100);
    await expect(p).resolves.toMatchObject({ result: expect.anything() });
    expect(b.stats().rejectedLate).toBe(0);
  });

  it('before the model has learned, checkAdmission lets in one full batch of requests ahead at a time', async () => {
    const fake = fakeRun(() => 100);
    const latency = new LatencyModel({ minSamples: 2 });
    const b = batcher(fake.run, { latency, maxBatchSize: 2, maxInFlight: 2, maxWaitMs: 0 });
    b.checkAdmission(later(2_000));
    b.checkAdmission(later(2_000));
    // A burst is checked before any of it has decoded: the two admitted count as ahead.
    expect(() => b.checkAdmission(later(2_000))).toThrow(/warming up: 2 requests ahead/);
    const first = [b.submit(1, later(2_000)), b.submit(2, later(2_000))];
    await jest.advanceTimersByTimeAsync(0);
    expect(() => b.checkAdmission(later(2_000))).toThrow(TooManyRequestsError); // both still running
    expect(b.stats().rejectedLate).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    await expect(Promise.all(first)).resolves.toHaveLength(2);
    b.checkAdmission(later(2_000)); // room again
    const third = b.submit(3, later(2_000));
    await jest.advanceTimersByTimeAsync(100);
    await third;
    expect(latency.learned).toBe(true);
    // Learned (100 ms a batch): now the deadline decides, and ten fit in 2 s.
    for (let i = 0; i < 10; i++) b.checkAdmission(later(2_000));
    expect(b.stats().rejectedLate).toBe(2);
  });

  it('always admits when nothing is queued, admitted or running, however slow the model has seemed', async () => {
    const latency = new LatencyModel({ minSamples: 4, window: 8 });
    for (let i = 0; i < 8; i++) latency.observe(1 + (i % 2), 5_000); // learned while the server was swamped
    const b = batcher(fakeRun(() => 40).run, { latency, maxWaitMs: 0 });
    b.checkAdmission(later(2_000)); // idle: admitted although 5 s are predicted
    expect(() => b.checkAdmission(later(2_000))).toThrow(TooManyRequestsError); // one is ahead now
    const probe = b.submit(1, later(2_000));
    await jest.advanceTimersByTimeAsync(40);
    await expect(probe).resolves.toMatchObject({ batchSize: 1 });
    expect(latency.predict(1)).toBeLessThan(5_000); // the probe's 40 ms replaced a 5 s sample
  });

  it('counts admitted requests still decoding as queued, until their submit or their deadline', async () => {
    const { b, queued } = busyBatcher(); // six queued in batches of two, 100 ms each: 400 ms for one more
    b.checkAdmission(later(420));
    b.checkAdmission(later(420)); // the first is still decoding: 4 batches ahead, still 400 ms
    expect(() => b.checkAdmission(later(420))).toThrow(/about 500 ms/); // both ahead: a fifth batch
    await jest.advanceTimersByTimeAsync(421);
    await expect(Promise.all(queued)).resolves.toHaveLength(6);
    // Neither ever submitted (say their images did not decode): their reservations lapsed with their deadlines,
    // so there is nothing ahead now (two reservations would make it 200 ms).
    b.checkAdmission(later(150));
    // A submit uses its reservation up.
    const d = later(1_000);
    b.checkAdmission(d);
    const answer = b.submit(5, d);
    await jest.advanceTimersByTimeAsync(100);
    await expect(answer).resolves.toMatchObject({ batchSize: 1 });
  });

  it('a request that will not submit (its image did not decode) gives its place back at once', async () => {
    const b = batcher(fakeRun(() => 100).run, {
      latency: new LatencyModel({ minSamples: 2 }),
      maxBatchSize: 2,
    });
    // Cold: one full batch (two) may be ahead. Thirty bad uploads in a row must not use the places up.
    for (let i = 0; i < 30; i++) b.checkAdmission(later(2_000))();
    const d = later(2_000);
    b.checkAdmission(d);
    b.checkAdmission(later(2_000))();
    expect(b.stats().rejectedLate).toBe(0);
    const answer = b.submit(1, d);
    await jest.advanceTimersByTimeAsync(100);
    await expect(answer).resolves.toMatchObject({ batchSize: 1 });
  });

  it('checkAdmission refuses before any work is queued, as submit would, and admits when there is room', async () => {
    const { b, queued } = busyBatcher();
    expect(() => b.checkAdmission(later(150))).toThrow(TooManyRequestsError);
    expect(b.stats().rejectedLate).toBe(1);
    expect(() => b.checkAdmission(later(10_000))).not.toThrow();
    expect(b.stats().queued).toBe(6); // checking queues nothing
    await jest.advanceTimersByTimeAsync(2_000);
    await expect(Promise.all(queued)).resolves.toHaveLength(6);
    expect(() => b.checkAdmission(later(150))).not.toThrow(); // the queue has cleared
  });
});
