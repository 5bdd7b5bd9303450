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
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ConflictError, InputError, NotFoundError, findGatewayError } from '../domain/errors';
import { indexFromCursor, indexPage } from '../domain/index-pages';
import type { DecidedInspection } from '../inspections/inspection-service';
import type { InspectionInput } from '../http/inspection-request';
// Errors that can never succeed on retry are the batch jobs' list: the item keeps the message, the replay moves on.
import { PERMANENT, storesIn } from '../jobs/item-processor';
import type { Actor } from '../records/audit-types';
import type { AuditStoreOptions } from '../records/audit-store';
import type { Database } from '../records/db';
import { isUuid } from '../records/uuid';
import { every } from '../domain/periodic';
import type { ModelContract } from '../routing';
import type { ObjectStore } from '../storage/object-store';
import type {
  AbSplit,
  ExperimentFilters,
  ExperimentItem,
  ExperimentRow,
  ExperimentStore,
} from './experiment-store';
import { summarize } from './experiment-summary';
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
  private readonly running = new Map<string, Promise<void>>();
  /**
   * Replays this process must stop running without finishing them: cancelled (whoever cancelled recorded it) or
   * held by another gateway now. Their workers stop before the next item.
   */
  private readonly cancelled = new Set<string>();
  private stopping = false;
  /** This process, as the holder of the replays it runs. */
  readonly runner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private stopTimer: () => void = () => undefined;

  constructor(private readonly deps: ExperimentServiceDeps) {}

  private get leaseMs(): number {
    return this.deps.leaseMs ?? 60_000;
  }

  /** Takes over the replays no gateway holds, then renews and looks again every `checkSeconds`. */
  async startRunner(): Promise<void> {
    const warn = (err: unknown) =>
      this.deps.log.warn({ err }, 'could not renew or take over replays; trying again');
    this.stopTimer = every(this.deps.checkSeconds ?? 10, () => this.check(), warn);
    await this.check().catch(warn);
  }

  /** Renews the leases of this process's replays (dropping those another gateway holds now), then takes over any
   * replay whose lease has run out. */
  async check(): Promise<void> {
    const mine = [...this.running.keys()];
    const held = await this.deps.store.renew(this.runner, mine, this.leaseMs);
    for (const id of mine) {
      if (!held.has(id) && this.running.has(id)) {
        this.deps.log.warn({ experimentId: id }, 'replay no longer held by this gateway; stopping it here');
        this.cancelled.add(id);
      }
    }
    while (!this.stopping && (await this.takeOverOne()));
  }

  private async takeOverOne(): Promise<boolean> {
    const actor = this.deps.systemActor ?? { name: 'experiment-runner', role: 'system' };
    const later = new Error('not yet');
    const outcome = await this.deps.database
      .transaction(async (tx) => {
        const found = await this.deps.store.takeOver(tx, this.runner, this.leaseMs);
        if (!found) return undefined;
        const { row, previousRunner } = found;
        let contract: ModelContract;
        try {
          contract = await this.deps.contracts.get(row.model, row.candidateVersion);
        } catch (err) {
          if (findGatewayError(err)?.code !== 'not_found') {
            // Triton unreachable from here for now: roll the take-over back (no audit entry); this or another
            // gateway tries again at its next check.
            this.deps.log.warn({ err, experimentId: row.id }, 'cannot resume the replay yet');
            throw later;
          }
          return { row, gone: err instanceof Error ? err.message : String(err) };
        }
        await storesIn(tx, this.deps.auditOptions).audit.append({
          actor,
          action: 'experiment.resumed',
          entity: { type: 'experiment', id: row.id },
          reason: `taken over from ${previousRunner ?? 'a gateway that stopped'}`,
          payload: {
            runner: this.runner,
            previousRunner,
            total: row.total,
            done: row.done,
            failed: row.failed,
          },
        });
        return { row, contract };
      })
      .catch((err: unknown) => {
        if (err === later) return undefined;
        throw err;
      });
    if (outcome === undefined) return false;
    const { row: taken } = outcome;
    if (outcome.contract === undefined) {
      // The candidate version is no longer in the repository: the replay cannot go on anywhere.
      await this.finish(taken.id, actor, { error: `replay stopped: ${outcome.gone}` });
      return true;
    }
    if (this.running.has(taken.id)) {
      // Its own replay, whose lease ran out while this process was too busy to renew it: keep the loop running.
      this.cancelled.delete(taken.id);
      return true;
    }
    const contract = outcome.contract;
    this.deps.log.info(
      { experimentId: taken.id, done: taken.done + taken.failed, total: taken.total },
      'resuming a replay another gateway left',
    );
    this.launch(taken.id, contract, actor);
    return true;
  }

  async start(request: StartRequest, actor: Actor): Promise<{ experimentId: string; total: number }> {
    if (request.split) return this.startAb({ ...request, split: request.split }, actor);
    const { model, candidateVersion } = request;
    const baselineVersion = request.baselineVersion ?? null;
    if (this.stopping)
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
      });
      await this.deps.store.hold(tx, id, this.runner, this.leaseMs);
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
    this.launch(id, contract, actor);
    return { experimentId: id, total: row.total };
  }

  /**
   * An A/B experiment: from now on, requests for the model that name no version are split between the candidate and
   * the current version by station or lot (ab-routing.ts) until it is stopped. One per model at a time.
   */
  private async startAb(
    request: StartRequest & { split: AbSplit },
    actor: Actor,
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
    this.cancelled.add(row.id);
    const why = reason?.trim() || `cancelled by ${actor.name}`;
    const contract = await this.deps.contracts.get(row.model, row.candidateVersion).catch(() => undefined);
    const summary = summarize(await this.deps.store.allItems(row.id), vocabularyOf(contract));
    const finished = await this.finish(
      row.id,
      actor,
      { error: `cancelled: ${why}`, summary },
      'experiment.cancelled',
    );
    if (!this.running.has(row.id)) this.cancelled.delete(row.id); // run elsewhere: nothing here to stop
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
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopTimer();
    await Promise.allSettled([...this.running.values()]);
  }

  private launch(id: string, contract: ModelContract, actor: Actor): void {
    const run = this.replay(id, contract, actor)
      .catch((err: unknown) => {
        this.deps.log.error({ err, experimentId: id }, 'experiment failed');
        const message = err instanceof Error ? err.message : String(err);
        return this.finish(id, actor, { error: `replay stopped: ${message}` }).then(
          () => undefined,
          (e: unknown) =>
            this.deps.log.error({ err: e, experimentId: id }, 'could not record the failed experiment'),
        );
      })
      .finally(() => {
        this.running.delete(id);
        this.cancelled.delete(id);
      });
    this.running.set(id, run);
  }

  private async replay(id: string, contract: ModelContract, actor: Actor): Promise<void> {
    const { store } = this.deps;
    const experiment = await this.find(id);
    const pending = await store.items(id, 0, experiment.total, { pendingOnly: true });
    let next = 0;
    let stillRunning = true;
    const go = () => stillRunning && !this.stopping && !this.cancelled.has(id);
    const worker = async () => {
      while (go() && next < pending.length) {
        const item = pending[next++]!;
        const outcome = await this.decideItem(experiment, contract, item);
        if (outcome === undefined) return; // stopping: the item stays pending for whoever goes on
        if (!(await store.recordItem(id, item.index, outcome))) stillRunning = false;
      }
    };
    await Promise.all(Array.from({ length: this.deps.concurrency ?? 2 }, worker));
    if (!stillRunning || this.cancelled.has(id)) return; // cancelled: whoever cancelled it has recorded that
    if (this.stopping && (await store.items(id, 0, 1, { pendingOnly: true })).length > 0) {
      await store.release(this.runner, id);
      return;
    }
    const items = await store.allItems(id);
    await this.finish(id, actor, { summary: summarize(items, vocabularyOf(contract)) });
  }

  private async decideItem(
    experiment: ExperimentRow,
    contract: ModelContract,
    item: ExperimentItem,
  ): Promise<
    | {
        decision: DecidedInspection['result']['decision'];
        top: string | null;
        scores: Record<string, number>;
      }
    | { error: string }
    | undefined
  > {
    const base = this.deps.retryBaseMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        const bytes = await this.deps.objects.get(item.objectKey);
        const decided = await this.deps.inspections.decide(
          {
            modality: contract.modality,
            stationId: item.stationId,
            lotId: item.lotId ?? undefined,
            partId: item.partId ?? undefined,
            model: experiment.model,
            version: experiment.candidateVersion,
            // Images are stored as uploaded; measurements as the JSON text their SHA-256 was taken of.
            ...(contract.image
              ? { image: { bytes, filename: undefined }, measurements: undefined }
              : { image: undefined, measurements: parseMeasurements(bytes) }),
          },
          { requestId: `experiment-${experiment.id}-${item.index}`, observeDrift: false },
        );
        const scores = decided.result.scores;
        return { decision: decided.result.decision, top: topClass(scores), scores };
      } catch (err) {
        const domain = findGatewayError(err);
        const message = domain?.message ?? (err instanceof Error ? err.message : String(err));
        if ((domain && PERMANENT.has(domain.code)) || attempt >= (this.deps.maxRetries ?? 6)) {
          return { error: message };
        }
        if (this.stopping) return undefined; // a transient failure: left for the gateway that goes on
        await new Promise((resolve) => setTimeout(resolve, base * 2 ** attempt));
      }
    }
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
      !this.running.has(r.id) &&
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
          `${this.deps.checkSeconds ?? 10} s and goes on from item ${r.done + r.failed}`
        : r.error,
      runner: r.kind === 'replay' && r.status === 'running' && !stale ? r.runner : null,
    };
  }
}

function parseMeasurements(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new InputError('the stored measurements are not valid JSON');
  }
}

function vocabularyOf(contract: ModelContract | undefined): {
  goodClass: string | undefined;
  classes: string[];
} {
  return { goodClass: contract?.goodClass, classes: contract?.classes ?? [] };
}

/** The highest-scoring class, ties to the first name: the rule `topClassOf` applies to the recorded side in SQL. */
function topClass(scores: Record<string, number>): string | null {
  let best: [string, number] | undefined;
  for (const [k, v] of Object.entries(scores))
    if (!best || v > best[1] || (v === best[1] && k < best[0])) best = [k, v];
  return best?.[0] ?? null;
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
