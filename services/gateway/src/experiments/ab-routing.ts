/**
 * A/B experiments in the router: while one runs for a model, a request for that model that names no version goes to
 * the candidate version when its station (or lot) falls in the experiment's share, and to the current version (the
 * pin, or Triton's default) otherwise. The split is deterministic: SHA-256 of the experiment id and the station or
 * lot, so one station stays on one side for the whole experiment, on every gateway replica. The splits live in the
 * `experiments` table; each gateway reloads them at start and every `refreshSeconds`, and applies its own starts and
 * stops at once.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { every } from '../domain/periodic';
import type { ModelResolver } from '../inspections/inspection-service';
import type { FieldAccuracyReport, VersionAccuracy } from '../quality/field-accuracy';
import type { AbSplit, ExperimentRow } from './experiment-store';

export interface ActiveSplit extends AbSplit {
  experimentId: string;
  candidateVersion: string;
}

/** What an A/B experiment found: each version's decisions and field figures over the experiment's time. */
export interface AbSummary {
  candidate: VersionAccuracy | null;
  /** The other versions that decided requests meanwhile (the control side; pinned requests included). */
  others: VersionAccuracy[];
  from: string;
  to: string;
}

/** Which side a key falls on: true for the candidate. */
export function inCandidateShare(experimentId: string, key: string, fraction: number): boolean {
  const digest = createHash('sha256').update(`${experimentId}:${key}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000 < fraction;
}

export function summarizeAb(
  report: FieldAccuracyReport,
  candidateVersion: string,
  from: string,
  to: string,
): AbSummary {
  return {
    candidate: report.versions.find((v) => v.version === candidateVersion) ?? null,
    others: report.versions.filter((v) => v.version !== candidateVersion),
    from,
    to,
  };
}

export class AbSplits {
  private readonly splits = new Map<string, ActiveSplit>();
  private stopTimer: () => void = () => undefined;

  constructor(
    private readonly deps: {
      active?: () => Promise<ExperimentRow[]>;
      refreshSeconds?: number;
      log?: Logger;
    } = {},
  ) {}

  set(model: string, split: ActiveSplit): void {
    this.splits.set(model, split);
  }

  remove(model: string, experimentId: string): void {
    if (this.splits.get(model)?.experimentId === experimentId) this.splits.delete(model);
  }

  get(model: string): ActiveSplit | undefined {
    return this.splits.get(model);
  }

  /** Replaces the splits with the running A/B experiments in the database. */
  async reload(): Promise<void> {
    if (!this.deps.active) return;
    const rows = await this.deps.active();
    this.splits.clear();
    for (const r of rows) {
      if (r.split)
        this.splits.set(r.model, { ...r.split, experimentId: r.id, candidateVersion: r.candidateVersion });
    }
  }

  async start(): Promise<void> {
    await this.reload();
    this.stopTimer = every(
      this.deps.refreshSeconds ?? 10,
      () => this.reload(),
      (err) => this.deps.log?.warn({ err }, 'could not reload the A/B splits; keeping the previous ones'),
    );
  }

  stop(): void {
    this.stopTimer();
  }

  /**
   * Wraps a resolver: a request that names no version, for a model with a running split, goes to the candidate when
   * its station (or lot) falls in the share. Requests that name a version, and lot splits for requests without a
   * lot, are left alone.
   */
  apply(resolver: ModelResolver): ModelResolver {
    return {
      resolve: (request) => {
        const route = resolver.resolve(request);
        if (route.version !== undefined) return route;
        const split = this.splits.get(route.model);
        if (!split) return route;
        const key = split.by === 'station' ? request.stationId : request.lotId;
        if (typeof key !== 'string' || key === '') return route;
        return inCandidateShare(split.experimentId, key, split.fraction)
          ? { ...route, version: split.candidateVersion }
          : route;
      },
    };
  }
}
