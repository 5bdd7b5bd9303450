/**
 * How often requests arrive: an exponentially weighted mean of the gaps between arrivals. Read as "never less
 * than the silence since the last arrival", so an estimate from a burst that has ended decays on its own.
 */
export class ArrivalGap {
  private last: number | undefined;
  private meanMs = Infinity;

  /** @param smoothing weight of the newest gap, in (0, 1]. */
  constructor(private readonly smoothing = 0.2) {}

  note(now: number): void {
    if (this.last !== undefined) {
      const gap = Math.max(0, now - this.last);
      this.meanMs = Number.isFinite(this.meanMs) ? this.meanMs + this.smoothing * (gap - this.meanMs) : gap;
    }
    this.last = now;
  }

  /** Expected ms until the next arrival; Infinity before two arrivals have been seen. */
  estimateMs(now: number): number {
    return this.last === undefined ? Infinity : Math.max(this.meanMs, now - this.last);
  }
}
