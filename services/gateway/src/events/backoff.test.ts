import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and starts over after reset()', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('spreads each delay by the jitter fraction and never exceeds the cap', () => {
    const low = new Backoff({ initialMs: 1_000, maxMs: 1_500, multiplier: 2, jitter: 0.2 }, () => 0);
    const high = new Backoff({ initialMs: 1_000, maxMs: 1_500, multiplier: 2, jitter: 0.2 }, () => 0.999999);
    expect(low.next()).toBe(800);
    expect(high.next()).toBe(1_200);
    expect(high.next()).toBe(1_500);
  });
});
