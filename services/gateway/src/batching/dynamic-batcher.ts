import { DeadlineError, InternalError, TooManyRequestsError, UnavailableError } from '../domain/errors';
import { ArrivalGap } from './arrival-gap';
import { decideFlush, FLUSH_REASONS, type FlushReason } from './flush-policy';
import { LatencyModel, type LatencyCoefficients } from './latency-model';
import { PendingQueue } from './pending-queue';

/**
 * Groups single requests into batches for one model version, transport-free: `run` does the actual work.
 * One FIFO queue, bounded; at most `maxInFlight` batches running (one per model instance); when to flush is
 * `flush-policy.ts`. Requests whose deadline passes while queued are dropped with a `DeadlineError`, a full
 * queue answers `TooManyRequestsError` with a `Retry-After` estimate, `drain()` flushes everything on shutdown.
 */
export interface DynamicBatcherOptions<I, O> {
  /** Used in error messages and metrics, e.g. `visual_ensemble:3`. */
  name: string;
  maxBatchSize: number;
  /** Requests allowed to wait; one more is refused with `TooManyRequestsError`. */
  maxQueueDepth: number;
  /** Batches concurrently in flight (= model instances). */
  maxInFlight: number;
  /** Upper bound on how long a request waits for company while an executor slot is free. */
  maxWaitMs: number;
  /** Executes one batch: one result per item, same order. `deadline` = latest item deadline (epoch ms). */
  run: (items: I[], deadline: number) => Promise<O[]>;
  /** Clock in epoch ms; deadlines use the same clock. Default `Date.now`. */
  now?: () => number;
  latency?: LatencyModel;
  /** Slack kept between predicted batch end and a deadline when deciding to wait, in ms. Default 1. */
  safetyMarginMs?: number;
}

export interface BatchedResult<O> {
  result: O;
  /** Time the request spent queued before its batch was dispatched, in ms. */
  queueMs: number;
  /** Size of the batch the request ran in. */
  batchSize: number;
}

export interface BatcherStats {
  queued: number;
  inFlight: number;
  /** Batches dispatched since creation. */
  batches: number;
  /** Requests dispatched since creation. */
  items: number;
  meanBatchSize: number;
  latency: LatencyCoefficients;
  /** Requests refused because the queue was full. */
  rejectedFull: number;
  /** Requests refused at once because the queued work ahead would outlast their deadline. */
  rejectedLate: number;
  /** Requests dropped because their deadline passed before dispatch (or had passed on arrival). */
  expired: number;
  /** Batches dispatched, by the rule that flushed them. */
  flushes: Record<FlushReason, number>;
}

interface Pending<I, O> {
  readonly item: I;
  readonly deadline: number;
  readonly enqueuedAt: number;
  readonly resolve: (value: BatchedResult<O>) => void;
  readonly reject: (reason: Error) => void;
}

export class DynamicBatcher<I, O> {
  private readonly options: DynamicBatcherOptions<I, O>;
  private readonly now: () => number;
  private readonly latency: LatencyModel;
  private readonly marginMs: number;
  private readonly queue = new PendingQueue<Pending<I, O>>();
  private inFlight = 0;
  /** Items in the batches now running. */
  private runningItems = 0;
  /** Deadlines of requests admitted by `checkAdmission` that have not been submitted yet (they are decoding). */
  private readonly reserved: Array<{ readonly deadline: number }> = [];
  private batches = 0;
  private items = 0;
  private rejectedFull = 0;
  private rejectedLate = 0;
  private expired = 0;
  private readonly flushes = Object.fromEntries(FLUSH_REASONS.map((r) => [r, 0])) as Record<
    FlushReason,
    number
  >;
  private readonly arrivals = new ArrivalGap();
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private drainPromise: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;

  constructor(options: DynamicBatcherOptions<I, O>) {
    for (const key of ['maxBatchSize', 'maxQueueDepth', 'maxInFlight'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 1) {
        throw new RangeError(`${options.name}: ${key} must be an integer ≥ 1, got ${options[key]}`);
      }
    }
    if (!(options.maxWaitMs >= 0) || !Number.isFinite(options.maxWaitMs)) {
      throw new RangeError(`${options.name}: maxWaitMs must be finite and ≥ 0, got ${options.maxWaitMs}`);
    }
    this.options = options;
    this.now = options.now ?? Date.now;
    this.latency = options.latency ?? new LatencyModel();
    this.marginMs = options.safetyMarginMs ?? 1;
  }

  get name(): string {
    return this.options.name;
  }

  submit(item: I, deadline: number): Promise<BatchedResult<O>> {
    const now = this.now();
    const { name, maxQueueDepth } = this.options;
    if (this.drainPromise !== undefined) {
      return Promise.reject(new UnavailableError(`${name}: batcher is shutting down`));
    }
    if (!(deadline > now)) {
      this.expired++;
      return Promise.reject(
        new DeadlineError(`${name}: the request's deadline had already passed when it reached the batcher`, {
          details: { queueMs: 0 },
        }),
      );
    }
    this.expireOverdue(now);
    if (this.queue.length >= maxQueueDepth) {
      this.rejectedFull++;
      const retryAfterSeconds = this.retryAfterSeconds();
      return Promise.reject(
        new TooManyRequestsError(`${name}: ${this.queue.length} requests already queued`, retryAfterSeconds, {
          details: { queued: this.queue.length, maxQueueDepth },
        }),
      );
    }
    this.release(deadline);
    const late = this.lateRefusal(now, deadline);
    if (late) return Promise.reject(late);
    this.arrivals.note(now);
    return new Promise<BatchedResult<O>>((resolve, reject) => {
      this.queue.push({ item, deadline, enqueuedAt: now, resolve, reject });
      // Deferred to the check phase: requests whose I/O completed in this event-loop turn join one batch.
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.pump();
      });
    });
  }

  /** Stops accepting requests, flushes everything queued without waiting, resolves once nothing is left. */
  drain(): Promise<void> {
    if (this.drainPromise === undefined) {
      this.drainPromise = new Promise<void>((resolve) => {
        this.resolveDrained = resolve;
      });
      this.pump();
    }
    return this.drainPromise;
  }

  stats(): BatcherStats {
    return {
      queued: this.queue.length,
      inFlight: this.inFlight,
      batches: this.batches,
      items: this.items,
      meanBatchSize: this.batches === 0 ? 0 : this.items / this.batches,
      latency: this.latency.coefficients(),
      rejectedFull: this.rejectedFull,
      rejectedLate: this.rejectedLate,
      expired: this.expired,
      flushes: { ...this.flushes },
    };
  }

  /**
   * The deadline admission of `submit`, for callers that can refuse before doing expensive work (decoding an
   * image): throws the same 429 `submit` would give when the work queued and in flight would outlast `deadline`.
   * An admitted request counts as work ahead for the requests checked after it until its `submit` (with the same
   * deadline) uses the reservation up; a caller that will not submit (the image did not decode) calls the
   * returned function to give it back. A reservation also lapses with its deadline.
   */
  checkAdmission(deadline: number): () => void {
    const now = this.now();
    for (let i = this.reserved.length - 1; i >= 0; i--)
      if (this.reserved[i]!.deadline <= now) this.reserved.splice(i, 1);
    const late = this.lateRefusal(now, deadline, this.reserved.length);
    if (late) throw late;
    // A burst is checked whole before the first of it has decoded: without the reservation, all of it saw the
    // same short queue.
    const reservation = { deadline };
    this.reserved.push(reservation);
    return () => {
      const i = this.reserved.indexOf(reservation);
      if (i >= 0) this.reserved.splice(i, 1);
    };
  }

  /** A reservation `checkAdmission` made for this deadline, if any, is used up by its submit. */
  private release(deadline: number): void {
    const i = this.reserved.findIndex((r) => r.deadline === deadline);
    if (i >= 0) this.reserved.splice(i, 1);
  }

  /**
   * Admission by deadline: once the latency model has learned from real batches, a request that would wait behind
   * more work than its deadline allows is refused now with 429 (back-pressure the client can act on) instead of
   * timing out in the queue later with 504. `admittedAhead` (the pre-decode check only): requests admitted before
   * this one that are still decoding, counted as queued.
   */
  private lateRefusal(
    now: number,
    deadline: number,
    admittedAhead?: number,
  ): TooManyRequestsError | undefined {
    const ahead = this.queue.length + (admittedAhead ?? 0) + this.runningItems;
    // Nothing to wait behind: admitted, whatever the estimate says. A pessimistic estimate (learned while the
    // model server was swamped) would otherwise refuse every request and never see the batch that corrects it.
    if (ahead === 0) return undefined;
    if (!this.latency.learned) {
      // Warm-up (the pre-decode check only): the cost of an item is not known yet, so at most one full batch of
      // requests is let in ahead. Letting a cold burst of 64 in whole on a 50 ms-per-image model sent batches
      // that could not finish in time: all of them ended in 504 and their time taught the model nothing.
      if (admittedAhead === undefined || ahead < this.options.maxBatchSize) return undefined;
      this.rejectedLate++;
      return new TooManyRequestsError(
        `${this.options.name}: warming up: ${ahead} requests ahead and the model's batch time is not known yet`,
        1,
        { details: { queued: this.queue.length, ahead } },
      );
    }
    const expectedMs = this.expectedCompletionMs(admittedAhead ?? 0);
    if (now + expectedMs <= deadline) return undefined;
    this.rejectedLate++;
    return new TooManyRequestsError(
      `${this.options.name}: about ${Math.round(expectedMs)} ms of queued work ahead, more than the request's ` +
        'deadline allows',
      this.retryAfterSeconds(),
      { details: { queued: this.queue.length, expectedMs: Math.round(expectedMs) } },
    );
  }

  /** Seconds until the queue ahead of a new request has probably cleared; at least 1. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.expectedCompletionMs() / 1000));
  }

  /**
   * When a request submitted now would probably be answered: the batches queued ahead of it (full ones, the
   * conservative case) plus those in flight, run `maxInFlight` at a time, each taking the model's batch time.
   */
  private expectedCompletionMs(admittedAhead = 0): number {
    const { maxBatchSize, maxInFlight } = this.options;
    const waiting = this.queue.length + admittedAhead;
    const queuedBatches = Math.ceil((waiting + 1) / maxBatchSize);
    const rounds = Math.ceil((queuedBatches + this.inFlight) / maxInFlight);
    const lastBatch = Math.min(maxBatchSize, waiting + 1);
    return (rounds - 1) * this.latency.predict(maxBatchSize) + this.latency.predict(lastBatch);
  }

  private pump(): void {
    const now = this.now();
    this.expireOverdue(now);
    const { maxBatchSize, maxInFlight, maxWaitMs } = this.options;
    let wakeAt = Infinity;
    while (this.inFlight < maxInFlight && this.queue.length > 0) {
      const decision = decideFlush({
        now,
        draining: this.drainPromise !== undefined,
        queued: this.queue.length,
        inFlight: this.inFlight,
        maxBatchSize,
        maxWaitMs,
        oldestEnqueuedAt: this.queue.peek()?.enqueuedAt ?? now,
        earliestDeadline: this.queue.earliestDeadline(maxBatchSize),
        predictMs: (n) => this.latency.predict(n),
        marginMs: this.marginMs,
        arrivalGapMs: this.arrivals.estimateMs(now),
      });
      if (!decision.flush) {
        wakeAt = decision.wakeAt;
        break;
      }
      this.flushes[decision.reason]++;
      this.dispatch(this.queue.take(maxBatchSize), now);
    }
    this.armTimer(now, Math.min(wakeAt, this.queue.nextExpiry()));
    this.settleDrain();
  }

  private expireOverdue(now: number): void {
    for (const entry of this.queue.removeExpired(now)) {
      this.expired++;
      const queueMs = now - entry.enqueuedAt;
      entry.reject(
        new DeadlineError(
          `${this.options.name}: waited ${queueMs} ms in queue and the deadline passed before dispatch`,
          { details: { queueMs } },
        ),
      );
    }
  }

  private dispatch(entries: Pending<I, O>[], now: number): void {
    this.inFlight++;
    this.runningItems += entries.length;
    this.batches++;
    this.items += entries.length;
    // The batch may run until the latest deadline among its items: with the earliest, one urgent item would fail
    // the whole batch on a slow model. Items already past their deadline never get here (expired before dispatch).
    let deadline = -Infinity;
    const inputs = entries.map((entry) => {
      deadline = Math.max(deadline, entry.deadline);
      return entry.item;
    });
    let execution: Promise<O[]>;
    try {
      execution = Promise.resolve(this.options.run(inputs, deadline));
    } catch (err) {
      execution = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    void execution.then(
      (results) => this.complete(entries, now, results),
      (err: unknown) => this.fail(entries, err instanceof Error ? err : new Error(String(err))),
    );
  }

  private complete(entries: Pending<I, O>[], startedAt: number, results: unknown): void {
    if (!Array.isArray(results) || results.length !== entries.length) {
      const got = Array.isArray(results) ? `${results.length} results` : `a ${typeof results}`;
      this.fail(
        entries,
        new InternalError(`${this.options.name}: batch of ${entries.length} returned ${got}`),
      );
      return;
    }
    this.inFlight--;
    this.runningItems -= entries.length;
    this.latency.observe(entries.length, this.now() - startedAt);
    const batchSize = entries.length;
    entries.forEach((entry, i) => {
      entry.resolve({ result: results[i] as O, queueMs: startedAt - entry.enqueuedAt, batchSize });
    });
    this.pump();
  }

  private fail(entries: Pending<I, O>[], err: Error): void {
    this.inFlight--;
    this.runningItems -= entries.length;
    for (const entry of entries) entry.reject(err);
    this.pump();
  }

  /** One unref'd timer, set for the next moment a decision may change: a wait bound or a queued deadline. */
  private armTimer(now: number, at: number): void {
    if (at === this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (!Number.isFinite(at)) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, Math.ceil(at - now)),
    );
    this.timer.unref();
  }

  private settleDrain(): void {
    if (this.resolveDrained === undefined || this.queue.length > 0 || this.inFlight > 0) return;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.armTimer(this.now(), Infinity);
    this.resolveDrained();
    this.resolveDrained = undefined;
  }
}
