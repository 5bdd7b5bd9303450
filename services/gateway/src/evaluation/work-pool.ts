/**
 * Runs `count` jobs with at most `concurrency` in flight, in index order, and reports progress. A job's
 * rejection stops new jobs from starting and is rethrown once the running ones have settled (evaluations
 * record per-item failures themselves; a rejection here means the whole run cannot go on).
 */
export async function runPool(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<void>,
  onProgress?: (done: number, count: number) => void,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        await job(index);
      } catch (error) {
        failure ??= { error };
        return;
      }
      done++;
      onProgress?.(done, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
  if (failure !== undefined) throw failure.error;
}

/** Progress lines (default: to stderr): at every tenth of the way (runs of 100 items or more) and at the end. */
export function progressPrinter(
  label: string,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
) {
  let lastTenth = -1;
  const started = Date.now();
  return (done: number, count: number): void => {
    const tenth = Math.floor((done * 10) / Math.max(1, count));
    // Small runs report once, at the end; larger ones at every tenth.
    if (done !== count && (count < 100 || tenth === lastTenth)) return;
    lastTenth = tenth;
    const seconds = (Date.now() - started) / 1000;
    write(`${label}: ${done}/${count} (${seconds.toFixed(1)} s)`);
  };
}
