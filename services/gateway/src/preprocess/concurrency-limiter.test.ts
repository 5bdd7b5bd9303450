import { TooManyRequestsError } from '../domain/errors';
import { ConcurrencyLimiter } from './concurrency-limiter';

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit at once, in arrival order, and frees slots on failure', async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (i === 1) throw new Error('boom');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => limiter.run(task(i))));
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(limiter.pending).toBe(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow('positive integer');
  });

  it('refuses with 429 once maxWaiting callers are already waiting', async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    let release!: () => void;
    const running = limiter.run(() => new Promise<void>((r) => (release = r)));
    const waiting = limiter.run(async () => 'ran');
    await expect(limiter.run(async () => 'refused')).rejects.toBeInstanceOf(TooManyRequestsError);
    release();
    await running;
    await expect(waiting).resolves.toBe('ran');
  });
});
