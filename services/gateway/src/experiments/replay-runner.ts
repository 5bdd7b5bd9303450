/**
 * Runs replays: each through the normal inference path with the candidate version pinned, two items at a time,
 * recording each item's decision as it goes and the summary at the end. This process holds each replay it runs
 * through a lease in its row, renewed at every check; stopping hands them back, and a check takes over any replay
 * whose lease has run out (its gateway stopped or died), going on with the items not yet compared.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { InputError, findGatewayError } from '../domain/errors';
import { every } from '../domain/periodic';
import type { DecidedInspection } from '../inspections/inspection-service';
// Errors that can never succeed on retry are the batch jobs' list: the item keeps the message, the replay moves on.
import { PERMANENT, storesIn } from '../jobs/item-processor';
import type { Actor } from '../records/audit-types';
import type { ModelContract } from '../routing';
import type { ExperimentServiceDeps } from './experiment-service';
import type { ExperimentItem, ExperimentRow, ExperimentStore } from './experiment-store';
import { summarize } from './experiment-summary';

/** How long a replay stays with a gateway that stopped renewing it, unless configured. */
export const DEFAULT_LEASE_MS = 60_000;

/** Ends an experiment if it is still running, with its audit entry (ExperimentService.finish). */
export type Finisher = (
  id: string,
  actor: Actor,
  outcome: Parameters<ExperimentStore['finish']>[2],
) => Promise<ExperimentRow | undefined>;

export class ReplayRunner {
  private readonly running = new Map<string, Promise<void>>();
  /**
   * Replays this process must stop running without finishing them: cancelled (whoever cancelled recorded it) or
   * held by another gateway now. Their workers stop before the next item.
   */
  private readonly cancelled = new Set<string>();
  private stopping = false;
  /** This process, as the holder of the replays it runs. */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private stopTimer: () => void = () => undefined;

  constructor(
    private readonly deps: ExperimentServiceDeps,
    private readonly finish: Finisher,
  ) {}

  /** Whether this process is shutting down (it starts no replay then). */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Whether this process runs the replay now. */
  runs(id: string): boolean {
    return this.running.has(id);
  }

  /** A cancelled replay: its workers here stop before their next item. */
  cancel(id: string): void {
    this.cancelled.add(id);
  }

  /** After a cancellation was recorded: nothing here to stop when the replay runs elsewhere. */
  settleCancel(id: string): void {
    if (!this.running.has(id)) this.cancelled.delete(id);
  }

  private get leaseMs(): number {
    return this.deps.leaseMs ?? DEFAULT_LEASE_MS;
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
    const held = await this.deps.store.renew(this.id, mine, this.leaseMs);
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
        const found = await this.deps.store.takeOver(tx, this.id, this.leaseMs);
        if (!found) return undefined;
        const { row, previousRunner } = found;
        let contract: ModelContract;
        try {
          contract = await this.deps.contracts.get(row.model, row.candidateVersion);
        } catch (err) {
          // The candidate cannot be served from here now (Triton unreachable, the version still loading or
          // unloaded): roll the take-over back, with no audit entry; this or another gateway tries again at its
          // next check, and the replay shows as interrupted until one can (or someone cancels it).
          this.deps.log.warn({ err, experimentId: row.id }, 'cannot resume the replay yet');
          throw later;
        }
        await storesIn(tx, this.deps.auditOptions).audit.append({
          actor,
          action: 'experiment.resumed',
          entity: { type: 'experiment', id: row.id },
          reason: `taken over from ${previousRunner ?? 'a gateway that stopped'}`,
          payload: {
            runner: this.id,
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
    const { row: taken, contract } = outcome;
    if (this.running.has(taken.id)) {
      // Its own replay, whose lease ran out while this process was too busy to renew it: keep the loop running.
      this.cancelled.delete(taken.id);
      return true;
    }
    this.deps.log.info(
      { experimentId: taken.id, done: taken.done + taken.failed, total: taken.total },
      'resuming a replay another gateway left',
    );
    this.launch(taken.id, contract, actor);
    return true;
  }

  /** Stops the replays: each finishes its item in flight, then is handed back for another gateway to go on with. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopTimer();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Runs a replay here (just started, or taken over) in the background; `actor` signs its end in the audit trail. */
  launch(id: string, contract: ModelContract, actor: Actor): void {
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
    const experiment = await this.deps.store.get(id);
    if (!experiment) return;
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
      await store.release(this.id, id);
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
}

function parseMeasurements(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new InputError('the stored measurements are not valid JSON');
  }
}

export function vocabularyOf(contract: ModelContract | undefined): {
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
