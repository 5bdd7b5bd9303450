/**
 * A fake batch executor for tests and benchmarks: takes simulated time (works with jest fake timers), answers
 * `item * 10` per item, and records what it was given and how many batches ran at once.
 */
export interface FakeRun {
  readonly run: (items: number[], deadline: number) => Promise<number[]>;
  /** Every batch `run` received, in dispatch order. */
  readonly batches: number[][];
  /** Deadline passed with each batch. */
  readonly deadlines: number[];
  /** Largest number of batches running at the same time. */
  readonly peakConcurrency: () => number;
}

/** A run that takes `durationMs(n)` of (fake) time and answers `item * 10` for each item. */
export function fakeRun(durationMs: (n: number) => number): FakeRun {
  const batches: number[][] = [];
  const deadlines: number[] = [];
  let running = 0;
  let peak = 0;
  const run = (items: number[], deadline: number): Promise<number[]> => {
    batches.push([...items]);
    deadlines.push(deadline);
    running++;
    peak = Math.max(peak, running);
    return new Promise((resolve) => {
      setTimeout(() => {
        running--;
        resolve(items.map((item) => item * 10));
      }, durationMs(items.length));
    });
  };
  return { run, batches, deadlines, peakConcurrency: () => peak };
}

/** Lets a promise settle in the background and records how. */
export function track<T>(promise: Promise<T>): { value?: T; error?: unknown; settled: boolean } {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  void promise.then(
    (value) => {
      state.value = value;
      state.settled = true;
    },
    (error: unknown) => {
      state.error = error;
      state.settled = true;
    },
  );
  return state;
}
