/**
 * Experiments: a candidate model version replayed on recorded inspections. Starting one selects the inspections
 * (their stored inputs: images, or measurements as JSON), records the request in the audit trail and answers at once; the replay runs in the
 * background through the normal inference path with the candidate version pinned, writing each item's decision as
 * it goes (the progress), and ends with a summary (agreement, decision transitions, figures on labelled items)
 * recorded with the experiment and in the audit trail. Replays touch no inspection record and stay out of the
 * drift windows. The gateway running a replay holds it through a lease that it renews while it runs; one that stops
 * hands its replays back, and one that dies lets the lease run out. Every gateway looks for such replays at start and
 * every few seconds, takes one over (audited as `experiment.resumed`) and goes on with the items not yet compared, so
 * a replay outlives the gateway that started it. Items are recorded at most once whoever runs them.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConflictError, InputError, NotFoundError } from '../domain/errors';
import { once } from '../domain/idempotent';
import { indexFromCursor, indexPage } from '../domain/index-pages';
import type { DecidedInspection } from '../inspections/inspection-service';
import type { InspectionInput } from '../http/inspection-request';
import { storesIn } from '../jobs/item-processor';
import type { Actor } from '../records/audit-types';
import type { AuditStoreOptions } from '../records/audit-store';
import type { Database } from '../records/db';
import { isUuid } from '../records/uuid';
import type { ModelContract } from '../routing';
import type { ObjectStore } from '../storage/object-store';
import type {
  AbSplit,
  ExperimentFilters,
  ExperimentIdempotency,
  ExperimentItem,
  ExperimentRow,
  ExperimentStore,
} from './experiment-store';
import { summarize } from './experiment-summary';
import { DEFAULT_LEASE_MS, ReplayRunner, vocabularyOf } from './replay-runner';
import { summarizeAb, type AbSplits, type AbSummary } from './ab-routing';
import type { FieldAccuracyReport } from '../quality/field-accuracy';

export interface ReplayDecider {
  decide(
    input: InspectionInput,
    ctx: { requestId: string; observeDrift?: boolean },
  ): Promise<DecidedInspection>;
}

export interface ExperimentServiceDeps {
  database: Database;
  store: ExperimentStore;
  objects: Pick<ObjectStore, 'get'>;
  inspections: ReplayDecider;
  contracts: { get(model: string, version?: string): Promise<ModelContract> };
  log: Logger;
  auditOptions?: AuditStoreOptions;
  /** Items replayed at once (default 2: replays share the CPU with live inspections). */
  concurrency?: number;
  /** Transient failures (Triton busy or down) are retried this many times, backing off from `retryBaseMs`. */
  maxRetries?: number;
  retryBaseMs?: number;
  /** How long a replay stays held by its gateway without renewal (default 60 s); renewed every `checkSeconds`. */
  leaseMs?: number;
  /** How often the gateway renews its leases and looks for replays to take over (default 10 s). */
  checkSeconds?: number;
  /** Actor of the audit entries of replays taken over (default `{ name: 'experiment-runner', role: 'system' }`). */
  systemActor?: Actor;
  /** A/B experiments: the router's splits, and the field figures that summarize them. */
  ab?: {
    splits: AbSplits;
    accuracy: { report(model: string, window: { from?: string; to?: string }): Promise<FieldAccuracyReport> };
  };
}

export interface StartRequest {
  model: string;
  candidateVersion: string;
  baselineVersion?: string;
  filters: ExperimentFilters;
  /** Given: an A/B experiment on live requests instead of a replay (baseline and filters do not apply). */
  split?: AbSplit;
  reason: string;
}

export interface ExperimentView {
  experimentId: string;
  kind: ExperimentRow['kind'];
  split: AbSplit | null;
  model: string;
  candidateVersion: string;
  baselineVersion: string | null;
  filters: ExperimentFilters;
  /** `interrupted`: still running, but no gateway holds it now (the next check of any gateway takes it over). */
  status: ExperimentRow['status'] | 'interrupted';
  total: number;
  done: number;
  failed: number;
  progress: number;
  createdBy: string;
  reason: string;
  createdAt: string;
  finishedAt: string | null;
  summary: ExperimentRow['summary'];
  error: string | null;
  /** A running replay: the gateway process holding it (host:pid:tag), null while no gateway does. */
  runner: string | null;
}

export class ExperimentService {
  private readonly replays: ReplayRunner;

  constructor(private readonly deps: ExperimentServiceDeps) {
    this.replays = new ReplayRunner(deps, (id, actor, outcome) => this.finish(id, actor, outcome));
  }

  /** This process, as the holder of the replays it runs (host:pid:tag). */
  get runner(): string {
    return this.replays.id;
  }

  /** Takes over the replays no gateway holds, then renews and looks again every `checkSeconds`. */
  startRunner(): Promise<void> {
    return this.replays.startRunner();
  }

  /** Renews this process's leases, then takes over any replay whose lease has run out. */
  check(): Promise<void> {
    return this.replays.check();
  }

  /**
   * Starts a replay or an A/B experiment. With an Idempotency-Key the requester already started one under, that one
   * is answered again (`replayed`) if the request is the same, else IdempotencyKeyReusedError.
   */
  async start(
    request: StartRequest,
    actor: Actor,
    idempotencyKey?: string,
  ): Promise<{ experimentId: string; total: number; replayed: boolean }> {
    const idempotency: ExperimentIdempotency | undefined =
      idempotencyKey === undefined
        ? undefined
        : { key: idempotencyKey, requestSha256: requestDigest(request) };
    const { value, replayed } = await once<ExperimentRow, { experimentId: string; total: number }>({
      key: idempotencyKey,
      what: 'experiment',
      earlier: (key) => this.deps.store.underKey(actor.name, key),
      differences: (earlier) =>
        earlier.requestSha256 === idempotency?.requestSha256
          ? []
          : ['model, versions, filters, split or reason'],
      describe: (earlier) => ({ experimentId: earlier.id }),
      create: () => this.create(request, actor, idempotency),
      replay: (earlier) => ({ experimentId: earlier.id, total: earlier.total }),
    });
    return { ...value, replayed };
  }

  private async create(
    request: StartRequest,
    actor: Actor,
    idempotency: ExperimentIdempotency | undefined,
  ): Promise<{ experimentId: string; total: number }> {
    if (request.split) return this.startAb({ ...request, split: request.split }, actor, idempotency);
    const { model, candidateVersion } = request;
    const baselineVersion = request.baselineVersion ?? null;
    if (this.replays.isStopping)
      throw new InputError('the gateway is shutting down; start the experiment on another replica');
    if (baselineVersion === candidateVersion) {
      throw new InputError('the baseline and candidate versions are the same; nothing would be compared');
    }
    const contract = await this.deps.contracts.get(model, candidateVersion);
    const id = randomUUID();
    const row = await this.deps.database.transaction(async (tx) => {
      const created = await this.deps.store.create(tx, {
        id,
        model,
        candidateVersion,
        baselineVersion,
        filters: request.filters,
        createdBy: actor.name,
        reason: request.reason,
        ...(idempotency ? { idempotency } : {}),
      });
      await this.deps.store.hold(tx, id, this.runner, this.deps.leaseMs ?? DEFAULT_LEASE_MS);
      if (created.total === 0) {
        throw new InputError(
          `no recorded inspections of model '${model}' decided by ` +
            (baselineVersion === null
              ? `any version but ${candidateVersion}`
              : `version ${baselineVersion}`) +
            ' have a stored input' +
            describeFilters(request.filters),
          { details: { filters: request.filters, baselineVersion } },
        );
      }
      await storesIn(tx, this.deps.auditOptions).audit.append({
        actor,
        action: 'experiment.started',
        entity: { type: 'experiment', id },
        reason: request.reason,
        payload: { model, candidateVersion, baselineVersion, filters: request.filters, total: created.total },
      });
      return created;
    });
    this.replays.launch(id, contract, actor);
    return { experimentId: id, total: row.total };
  }

  /**
   * An A/B experiment: from now on, requests for the model that name no version are split between the candidate and
   * the current version by station or lot (ab-routing.ts) until it is stopped. One per model at a time.
   */
  private async startAb(
    request: StartRequest & { split: AbSplit },
    actor: Actor,
    idempotency: ExperimentIdempotency | undefined,
  ): Promise<{ experimentId: string; total: number }> {
    const ab = this.deps.ab;
    if (!ab) throw new InputError('A/B experiments are not available on this gateway');
    const { model, candidateVersion, split } = request;
    if (request.baselineVersion !== undefined)
      throw new InputError(
        'an A/B experiment compares the candidate with whatever requests get now; give no baselineVersion',
      );
    await this.deps.contracts.get(model, candidateVersion); // the candidate must be there and loaded
    await ab.splits.reload();
    const running = ab.splits.get(model);
    if (running) {
      throw new ConflictError(
        `model '${model}' already has a running A/B experiment (${running.experimentId})`,
        {
          details: { experimentId: running.experimentId },
        },
      );
    }
    const id = randomUUID();
    // The database holds the one-per-model rule (a unique index), so two replicas cannot both start one.
    await this.deps.database
      .transaction(async (tx) => {
        await this.deps.store.createAb(tx, {
          id,
          model,
          candidateVersion,
          split,
          createdBy: actor.name,
          reason: request.reason,
          ...(idempotency ? { idempotency } : {}),
        });
        await storesIn(tx, this.deps.auditOptions).audit.append({
          actor,
          action: 'experiment.started',
          entity: { type: 'experiment', id },
          reason: request.reason,
          payload: { kind: 'ab', model, candidateVersion, split },
        });
      })
      .catch((err: unknown) => {
        if ((err as { code?: unknown }).code !== '23505') throw err;
        throw new ConflictError(`model '${model}' already has a running A/B experiment`, { cause: err });
      });
    ab.splits.set(model, { ...split, experimentId: id, candidateVersion });
    return { experimentId: id, total: 0 };
  }

  async get(id: string): Promise<ExperimentView> {
    const row = await this.find(id);
    // A running A/B experiment is summarized as of now.
    if (row.kind === 'ab' && row.status === 'running')
      return this.view({ ...row, summary: await this.abSummary(row) });
    return this.view(row);
  }

  private async abSummary(row: ExperimentRow): Promise<AbSummary> {
    const to = new Date().toISOString();
    const from = row.createdAt.toISOString();
    const report = await this.deps.ab!.accuracy.report(row.model, { from, to });
    return summarizeAb(report, row.candidateVersion, from, to);
  }

  async list(limit: number): Promise<ExperimentView[]> {
    return (await this.deps.store.list(limit)).map((r) => this.view(r));
  }

  async items(
    id: string,
    cursor: string | undefined,
    limit: number,
    disagreements: boolean,
  ): Promise<{ experimentId: string; items: ExperimentItem[]; nextCursor: string | null }> {
    const row = await this.find(id);
    const rows = await this.deps.store.items(row.id, indexFromCursor(cursor), limit + 1, { disagreements });
    const { page, nextCursor } = indexPage(rows, limit);
    return { experimentId: row.id, items: page, nextCursor };
  }

  /**
   * Cancels a running experiment (from any gateway: the one running it stops at its next item). What was compared
   * so far is kept as its summary; the cancellation and its reason are audited. A finished experiment is a conflict.
   */
  async cancel(id: string, actor: Actor, reason: string | undefined): Promise<ExperimentView> {
    const row = await this.find(id);
    if (row.kind === 'ab' && row.status === 'running') return this.stopAb(row, actor, reason);
    if (row.status !== 'running') {
      throw new ConflictError(`experiment '${row.id}' already ${row.status}`, {
        details: { status: row.status },
      });
    }
    this.replays.cancel(row.id);
    const why = reason?.trim() || `cancelled by ${actor.name}`;
    const contract = await this.deps.contracts.get(row.model, row.candidateVersion).catch(() => undefined);
    const summary = summarize(await this.deps.store.allItems(row.id), vocabularyOf(contract));
    const finished = await this.finish(
      row.id,
      actor,
      { error: `cancelled: ${why}`, summary },
      'experiment.cancelled',
    );
    this.replays.settleCancel(row.id); // run elsewhere: nothing here to stop
    if (!finished) {
      const now = await this.find(row.id);
      throw new ConflictError(`experiment '${row.id}' already ${now.status}`, {
        details: { status: now.status },
      });
    }
    return this.view(finished);
  }

  /** Ends an A/B experiment: requests go back to the current version; the summary covers its whole time. */
  private async stopAb(
    row: ExperimentRow,
    actor: Actor,
    reason: string | undefined,
  ): Promise<ExperimentView> {
    this.deps.ab?.splits.remove(row.model, row.id);
    const summary = await this.abSummary(row);
    const why = reason?.trim() || `stopped by ${actor.name}`;
    const finished = await this.finish(row.id, actor, { summary }, 'experiment.stopped', why);
    if (!finished) {
      const now = await this.find(row.id);
      throw new ConflictError(`experiment '${row.id}' already ${now.status}`, {
        details: { status: now.status },
      });
    }
    return this.view(finished);
  }

  /** Stops the replays: each finishes its item in flight, then is handed back for another gateway to go on with. */
  stop(): Promise<void> {
    return this.replays.stop();
  }

  /** Ends the experiment if it is still running, with its audit entry; undefined if it had already ended. */
  private async finish(
    id: string,
    actor: Actor,
    outcome: Parameters<ExperimentStore['finish']>[2],
    action?: `experiment.${string}`,
    auditReason?: string,
  ): Promise<ExperimentRow | undefined> {
    return this.deps.database.transaction(async (tx) => {
      const row = await this.deps.store.finish(tx, id, outcome);
      if (!row) return undefined;
      await storesIn(tx, this.deps.auditOptions).audit.append({
        actor,
        action: action ?? (row.status === 'completed' ? 'experiment.completed' : 'experiment.failed'),
        entity: { type: 'experiment', id },
        reason: auditReason ?? (row.status === 'completed' ? row.reason : (row.error ?? 'failed')),
        payload: {
          model: row.model,
          candidateVersion: row.candidateVersion,
          baselineVersion: row.baselineVersion,
          total: row.total,
          done: row.done,
          failed: row.failed,
          ...(row.summary ? { summary: row.summary } : {}),
        },
      });
      return row;
    });
  }

  private async find(id: string): Promise<ExperimentRow> {
    if (!isUuid(id)) throw new InputError(`'${id.slice(0, 64)}' is not an experiment id (a UUID)`);
    const row = await this.deps.store.get(id);
    if (!row) throw new NotFoundError(`experiment '${id}' not found`);
    return row;
  }

  private view(r: ExperimentRow): ExperimentView {
    const stale =
      r.kind === 'replay' &&
      r.status === 'running' &&
      !this.replays.runs(r.id) &&
      (r.leaseUntil === null || r.leaseUntil.getTime() < Date.now());
    return {
      experimentId: r.id,
      kind: r.kind,
      split: r.split,
      model: r.model,
      candidateVersion: r.candidateVersion,
      baselineVersion: r.baselineVersion,
      filters: r.filters,
      status: stale ? 'interrupted' : r.status,
      total: r.total,
      done: r.done,
      failed: r.failed,
      progress: r.total === 0 ? 1 : (r.done + r.failed) / r.total,
      createdBy: r.createdBy,
      reason: r.reason,
      createdAt: r.createdAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      summary: r.summary,
      error: stale
        ? 'interrupted: no gateway holds it now (its gateway stopped); a running gateway takes it over within ' +
          `${this.deps.checkSeconds ?? 10} s and goes on from item ${r.done + r.failed} (if it stays interrupted, ` +
          `no gateway can serve version ${r.candidateVersion} now: load it, or cancel the experiment)`
        : r.error,
      runner: r.kind === 'replay' && r.status === 'running' && !stale ? r.runner : null,
    };
  }
}

function describeFilters(f: ExperimentFilters): string {
  const parts = [
    f.stationId === undefined ? '' : `station ${f.stationId}`,
    f.lotId === undefined ? '' : `lot ${f.lotId}`,
    f.from === undefined ? '' : `from ${f.from}`,
    f.to === undefined ? '' : `before ${f.to}`,
  ].filter(Boolean);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** SHA-256 of what a start request asks for, in a fixed field order. */
function requestDigest(r: StartRequest): string {
  const f = r.filters;
  const canonical = JSON.stringify([
    r.model,
    r.candidateVersion,
    r.baselineVersion ?? null,
    [f.stationId ?? null, f.lotId ?? null, f.from ?? null, f.to ?? null, f.limit],
    r.split ? [r.split.by, r.split.fraction] : null,
    r.reason,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
