/**
 * Pulls items from pg-boss and runs up to `concurrency` of them at once (the dynamic batcher groups their
 * inferences). Its own fetch loop rather than `boss.work()`: work() sleeps a polling interval after every
 * fetch even while items are waiting, and its batch handler fails or completes a whole batch together.
 *
 * While inference is unavailable (every Triton breaker open) it fetches nothing, so queued items stay in
 * pg-boss, available to any replica, and the loop resumes on the next breaker change (or poll). Items already
 * running when the breakers open come back as transient failures and are re-queued with a backoff.
 */
import type { Logger } from 'pino';
import type { ItemOutcome, ItemProcessor } from './item-processor';
import { DEAD_ITEMS_QUEUE, type JobQueue, type QueuedItem } from './job-queue';

/** Whether inference can be served now; TritonClient has this shape. */
export interface InferenceAvailability {
  available(): boolean;
  /** Called on every breaker transition; returns the unsubscribe function. */
  onBreakerChange(listener: (change: unknown) => void): () => void;
}

export interface JobWorkerOptions {
  /** Items in flight at once. Default 8. */
  concurrency?: number;
  /** Wait between fetches that found nothing (and re-check of availability). Default 500 ms. */
  pollIntervalMs?: number;
  /** How long `stop()` waits for items in flight before abandoning them to pg-boss's expiry. Default 10 s. */
  stopTimeoutMs?: number;
}

export class JobWorker {
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly stopTimeoutMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly wakeup = new Wakeup();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private unsubscribe: (() => void) | undefined;
  private paused = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly processor: ItemProcessor,
    private readonly availability: InferenceAvailability,
    private readonly log: Logger,
    options: JobWorkerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.unsubscribe = this.availability.onBreakerChange(() => this.wakeup.wake());
    this.loop = this.run();
  }

  /** Stops fetching, then waits (bounded) for the items in flight. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.unsubscribe?.();
    this.wakeup.wake();
    await this.loop;
    this.loop = undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.stopTimeoutMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
    if (this.inFlight.size > 0) {
      this.log.warn({ abandoned: this.inFlight.size }, 'job items abandoned at stop; pg-boss retries them');
    }
  }

  /** True while fetching is paused because inference is unavailable. */
  get isPaused(): boolean {
    return this.paused;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (!this.availability.available()) {
        if (!this.paused) this.log.warn('inference unavailable: job items paused');
        this.paused = true;
        await this.wakeup.wait(this.pollIntervalMs);
        continue;
      }
      if (this.paused) this.log.info('inference available again: job items resume');
      this.paused = false;
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0) {
        await this.wakeup.wait(this.pollIntervalMs);
        continue;
      }
      let items: QueuedItem[];
      try {
        items = await this.queue.fetch(free);
        if (items.length === 0) await this.drainDeadLetters();
      } catch (err) {
        this.log.warn({ err }, 'job queue fetch failed');
        items = [];
      }
      if (items.length === 0) {
        await this.wakeup.wait(this.pollIntervalMs);
        continue;
      }
      for (const item of items) this.track(this.handle(item));
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.wakeup.wake();
    });
  }

  private async handle(item: QueuedItem): Promise<void> {
    let outcome: ItemOutcome;
    try {
      outcome = await this.processor.process(item.data);
    } catch (err) {
      // The processor maps every error it expects; anything else goes back to pg-boss's retries.
      outcome = { kind: 'redeliver', error: err instanceof Error ? err.message : String(err) };
    }
    try {
      await this.settle(item, outcome);
    } catch (err) {
      // The queue is unreachable (database down): the item stays active and pg-boss's expiry retries it.
      this.log.warn({ err, jobId: item.data.jobId, item: item.data.index }, 'could not settle job item');
    }
  }

  private async settle(item: QueuedItem, outcome: ItemOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'succeeded':
      case 'failed':
      case 'skipped':
        await this.queue.complete(item);
        return;
      case 'retry':
        await this.queue.retryLater(item, outcome.delaySeconds);
        return;
      case 'redeliver':
        await this.queue.fail(item, outcome.error);
        return;
    }
  }

  /** Items whose pg-boss retries ran out are marked failed, so their job can still finish. */
  private async drainDeadLetters(): Promise<void> {
    for (const dead of await this.queue.fetchDead(10)) {
      try {
        await this.processor.giveUp(dead.data);
        await this.queue.complete(dead, DEAD_ITEMS_QUEUE);
      } catch (err) {
        this.log.warn({ err, jobId: dead.data.jobId, item: dead.data.index }, 'could not give up job item');
      }
    }
  }
}

/** A sleep that `wake()` ends early. */
class Wakeup {
  private wakers = new Set<() => void>();

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
