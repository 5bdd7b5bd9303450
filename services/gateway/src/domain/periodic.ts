/**
 * Runs `task` every `seconds` in the background (the timer does not keep the process alive); a failure goes to
 * `onError` and the next round runs as planned. Returns the function that stops it.
 */
export function every(
  seconds: number,
  task: () => Promise<void>,
  onError: (err: unknown) => void,
): () => void {
  const timer = setInterval(() => void task().catch(onError), seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
