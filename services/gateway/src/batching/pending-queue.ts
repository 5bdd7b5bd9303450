/**
 * FIFO of requests waiting for a batch. Taking from the front is O(batch), and the earliest deadline of the
 * whole queue is cached so that checking for expired requests on every arrival costs O(1) until one is due.
 */
export interface Deadlined {
  /** Epoch ms after which the entry is useless to its caller. */
  readonly deadline: number;
}

export class PendingQueue<E extends Deadlined> {
  private entries: E[] = [];
  private head = 0;
  /** Earliest deadline in the queue; `undefined` when it must be recomputed. */
  private minDeadline: number | undefined = Infinity;

  get length(): number {
    return this.entries.length - this.head;
  }

  push(entry: E): void {
    this.entries.push(entry);
    if (this.minDeadline !== undefined) this.minDeadline = Math.min(this.minDeadline, entry.deadline);
  }

  /** The entry that has waited longest. */
  peek(): E | undefined {
    return this.entries[this.head];
  }

  /** Removes and returns up to `count` entries from the front, oldest first. */
  take(count: number): E[] {
    const end = Math.min(this.entries.length, this.head + count);
    const taken = this.entries.slice(this.head, end);
    this.head = end;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      this.minDeadline = Infinity;
    } else {
      if (this.head > 1024 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
      if (taken.some((entry) => entry.deadline === this.minDeadline)) this.minDeadline = undefined;
    }
    return taken;
  }

  /** Earliest deadline of the first `count` entries (the next batch); Infinity when empty. */
  earliestDeadline(count: number): number {
    let earliest = Infinity;
    const end = Math.min(this.entries.length, this.head + count);
    for (let i = this.head; i < end; i++)
      earliest = Math.min(earliest, this.entries[i]?.deadline ?? Infinity);
    return earliest;
  }

  /** Earliest deadline of any queued entry; Infinity when empty. */
  nextExpiry(): number {
    if (this.minDeadline === undefined) {
      let earliest = Infinity;
      for (let i = this.head; i < this.entries.length; i++) {
        earliest = Math.min(earliest, this.entries[i]?.deadline ?? Infinity);
      }
      this.minDeadline = earliest;
    }
    return this.minDeadline;
  }

  /** Removes and returns every entry whose deadline is at or before `now`, keeping the others in order. */
  removeExpired(now: number): E[] {
    if (this.nextExpiry() > now) return [];
    const kept: E[] = [];
    const expired: E[] = [];
    let earliest = Infinity;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry === undefined) continue;
      if (entry.deadline <= now) {
        expired.push(entry);
      } else {
        kept.push(entry);
        earliest = Math.min(earliest, entry.deadline);
      }
    }
    this.entries = kept;
    this.head = 0;
    this.minDeadline = earliest;
    return expired;
  }
}
