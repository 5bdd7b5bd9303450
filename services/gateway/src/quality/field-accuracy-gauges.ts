/**
 * Keeps the field-accuracy figures of the routed models at hand for Prometheus: every `refreshSeconds` it scores
 * the decisions of the last `windowDays` (one query per routed model) and keeps the readings, which the gauges read
 * on scrape, so a scrape never waits for the database. A failed refresh keeps the previous readings and is logged.
 */
import type { Logger } from 'pino';
import type { FieldAccuracyReport } from './field-accuracy';

export interface FieldAccuracyReading {
  model: string;
  version: string;
  good: number;
  defects: number;
  escapeRate: number | null;
  falseRejectRate: number | null;
}

export interface FieldAccuracyGaugeSource {
  fieldAccuracyReadings(): readonly FieldAccuracyReading[];
  /** `review` decisions nobody has labelled yet, per routed model (all time: the queue does not age out). */
  openReviewReadings(): ReadonlyArray<{ model: string; open: number }>;
}

export class FieldAccuracyGauges implements FieldAccuracyGaugeSource {
  private readings: FieldAccuracyReading[] = [];
  private openReviews: Array<{ model: string; open: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      accuracy: { report(model: string, window: { from?: string }): Promise<FieldAccuracyReport> };
      reviews?: { openCount(model: string): Promise<number> };
      models: () => string[];
      windowDays: number;
      refreshSeconds: number;
      log: Logger;
      now?: () => number;
    },
  ) {}

  fieldAccuracyReadings(): readonly FieldAccuracyReading[] {
    return this.readings;
  }

  openReviewReadings(): ReadonlyArray<{ model: string; open: number }> {
    return this.openReviews;
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.refreshSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One refresh (also what the timer runs); concurrent calls share the one in flight. */
  refresh(): Promise<void> {
    this.running ??= this.collect().finally(() => (this.running = undefined));
    return this.running;
  }

  private async collect(): Promise<void> {
    const from = new Date((this.deps.now ?? Date.now)() - this.deps.windowDays * 86_400_000).toISOString();
    try {
      const next: FieldAccuracyReading[] = [];
      const open: Array<{ model: string; open: number }> = [];
      for (const model of [...new Set(this.deps.models())]) {
        if (this.deps.reviews) open.push({ model, open: await this.deps.reviews.openCount(model) });
        const report = await this.deps.accuracy.report(model, { from });
        for (const v of report.versions) {
          next.push({
            model,
            version: v.version,
            good: v.good,
            defects: v.defects,
            escapeRate: v.escapeRate,
            falseRejectRate: v.falseRejectRate,
          });
        }
      }
      this.readings = next;
      this.openReviews = open;
    } catch (err) {
      this.deps.log.warn({ err }, 'field accuracy refresh failed; the gauges keep their previous readings');
    }
  }
}
