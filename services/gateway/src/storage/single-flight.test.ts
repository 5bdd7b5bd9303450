import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('runs work once for concurrent callers of the same key and marks the joiners', async () => {
    const flights = new SingleFlight<{ value: number; first: boolean }>();
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { value: 42, first: true };
    };
    const joined = (r: { value: number; first: boolean }) => ({ ...r, first: false });

    const results = await Promise.all([1, 2, 3].map(() => flights.run('k', work, joined)));

    expect(runs).toBe(1);
    expect(results.map((r) => r.first)).toEqual([true, false, false]);
    expect(flights.size).toBe(0);
  });

  it('shares a failure with the callers that joined, then starts afresh', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    const failing = async (): Promise<number> => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('boom');
    };

    const outcomes = await Promise.allSettled([
      flights.run('k', failing, (n) => n),
      flights.run('k', failing, (n) => n),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
    expect(
      await flights.run(
        'k',
        async () => 7,
        (n) => n,
      ),
    ).toBe(7);
  });
});
