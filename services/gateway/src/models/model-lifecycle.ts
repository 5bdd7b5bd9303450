import { InputError, NotFoundError } from '../domain/errors';
import type { Principal } from '../http/auth';
import type { ModelContract } from '../routing';
import type { VersionPins } from './version-pins';

/** The slice of the Triton client that model management needs. */
export interface ModelControl {
  repositoryIndex(): Promise<Array<{ name: string; version: string; state: string; reason: string }>>;
  modelReady(name: string, version?: string): Promise<boolean>;
  modelStatistics(name?: string, version?: string): Promise<unknown[]>;
  loadModel(name: string, configJson?: string): Promise<{ succeeded: string[]; unreachable: string[] }>;
  unloadModel(name: string): Promise<{ succeeded: string[]; unreachable: string[] }>;
}

export interface ContractCache {
  get(model: string, version?: string): Promise<ModelContract>;
  invalidate(model: string): void;
}

/** Something that records every model change (the audit trail); a no-op until records are configured. */
export interface ModelChangeRecorder {
  recordModelChange(change: ModelChange): Promise<unknown>;
}

export interface ModelChange {
  action:
    | 'model.load_requested'
    | 'model.loaded'
    | 'model.load_failed'
    | 'model.unload_requested'
    | 'model.unloaded'
    | 'model.unload_failed'
    | 'model.pinned'
    | 'model.unpinned';
  model: string;
  version: string | undefined;
  actor: Principal;
  reason: string;
  details: Record<string, unknown>;
  /** Pins and unpins: the shared pin, written with the audit entry (null removes it). */
  pin?: { version: string } | null;
}

export interface ModelSummary {
  name: string;
  versions: Array<{ version: string; state: string; reason: string }>;
  pinnedVersion: string | undefined;
  routedFor: string[];
}

/**
 * MLOps model lifecycle through the gateway: list, inspect, load, unload, pin / roll back. Every change is
 * recorded (with its reason) before it is reported as done, and the model's cached contract and batchers are
 * dropped so the next request reads the new config.
 */
export class ModelLifecycle {
  constructor(
    private readonly triton: ModelControl,
    private readonly contracts: ContractCache,
    private readonly pins: VersionPins,
    private readonly routes: () => Array<{ modality: string; model: string }>,
    private readonly recorder: ModelChangeRecorder,
    private readonly onModelChanged: (model: string) => Promise<void>,
  ) {}

  async list(): Promise<ModelSummary[]> {
    const index = await this.triton.repositoryIndex();
    const byName = new Map<string, ModelSummary>();
    for (const row of index) {
      let summary = byName.get(row.name);
      if (!summary) {
        summary = {
          name: row.name,
          versions: [],
          pinnedVersion: this.pins.get(row.name),
          routedFor: this.routes()
            .filter((r) => r.model === row.name)
            .map((r) => r.modality),
        };
        byName.set(row.name, summary);
      }
      if (row.version !== '' || row.state !== '') {
        summary.versions.push({ version: row.version, state: row.state, reason: row.reason });
      }
    }
    return [...byName.values()];
  }

  async describe(name: string, version?: string): Promise<ModelSummary & { contract?: ContractSummary }> {
    const summary = (await this.list()).find((m) => m.name === name);
    if (!summary) throw new NotFoundError(`model '${name}' is not in the repository`);
    const ready = await this.triton.modelReady(name, version ?? '').catch(() => false);
    if (!ready) return summary;
    return { ...summary, contract: summarize(await this.contracts.get(name, version)) };
  }

  /** Differences between the contracts of two ready versions (thresholds, classes, calibration, config hash). */
  async compare(name: string, a: string, b: string): Promise<Record<string, { a: unknown; b: unknown }>> {
    const [ca, cb] = await Promise.all([this.contracts.get(name, a), this.contracts.get(name, b)]);
    const sa = summarize(ca) as unknown as Record<string, unknown>;
    const sb = summarize(cb) as unknown as Record<string, unknown>;
    const diff: Record<string, { a: unknown; b: unknown }> = {};
    for (const key of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
      if (JSON.stringify(sa[key]) !== JSON.stringify(sb[key])) diff[key] = { a: sa[key], b: sb[key] };
    }
    return diff;
  }

  async statistics(name: string): Promise<unknown[]> {
    return this.triton.modelStatistics(name);
  }

  async load(name: string, actor: Principal, reason: string, config?: unknown) {
    requireReason(reason);
    const configJson = config === undefined ? undefined : JSON.stringify(config);
    return this.change(name, actor, reason, 'load', { configOverride: config ?? null }, () =>
      this.triton.loadModel(name, configJson),
    );
  }

  async unload(name: string, actor: Principal, reason: string) {
    requireReason(reason);
    return this.change(name, actor, reason, 'unload', {}, () => this.triton.unloadModel(name));
  }

  /**
   * A repository change: the request is recorded before Triton is asked, the outcome after; a change that
   * cannot be recorded is not made.
   */
  private async change<T>(
    name: string,
    actor: Principal,
    reason: string,
    kind: 'load' | 'unload',
    details: Record<string, unknown>,
    act: () => Promise<T>,
  ): Promise<T> {
    const base = { model: name, version: undefined, actor, reason };
    await this.recorder.recordModelChange({ ...base, action: `model.${kind}_requested`, details });
    let result: T;
    try {
      result = await act();
    } catch (err) {
      await this.recorder
        .recordModelChange({ ...base, action: `model.${kind}_failed`, details: { error: String(err) } })
        .catch(() => undefined);
      throw err;
    } finally {
      await this.changed(name);
    }
    await this.recorder.recordModelChange({
      ...base,
      action: kind === 'load' ? 'model.loaded' : 'model.unloaded',
      details: { replicas: result },
    });
    return result;
  }

  /** Pins (or rolls back) the version requests get by default; the version must be ready (404 for a model or
   * version the repository does not have, 400 for one that is there but not loaded). */
  async pin(name: string, version: string, actor: Principal, reason: string): Promise<void> {
    requireReason(reason);
    if (!/^[1-9][0-9]{0,18}$/.test(version)) throw new InputError('version must be a positive integer');
    if (!(await this.triton.modelReady(name, version))) {
      const summary = (await this.list()).find((m) => m.name === name);
      if (!summary) throw new NotFoundError(`model '${name}' is not in the repository`);
      const known = summary.versions.map((v) => v.version).filter((v) => v !== '');
      if (known.length > 0 && !known.includes(version)) {
        throw new NotFoundError(`model '${name}' has no version ${version} (versions: ${known.join(', ')})`);
      }
      throw new InputError(`model '${name}' version ${version} is not ready; load it before pinning`);
    }
    await this.contracts.get(name, version); // a version whose contract does not parse cannot be pinned
    const previous = this.pins.get(name);
    await this.recorder.recordModelChange({
      action: 'model.pinned',
      model: name,
      version,
      actor,
      reason,
      details: { previous: previous ?? null },
      pin: { version },
    });
    this.pins.pin(name, version);
    await this.onModelChanged(name);
  }

  async unpin(name: string, actor: Principal, reason: string): Promise<void> {
    requireReason(reason);
    const previous = this.pins.get(name);
    if (previous === undefined) throw new NotFoundError(`model '${name}' is not pinned`);
    await this.recorder.recordModelChange({
      action: 'model.unpinned',
      model: name,
      version: previous,
      actor,
      reason,
      details: {},
      pin: null,
    });
    this.pins.unpin(name);
    await this.onModelChanged(name);
  }

  private async changed(name: string): Promise<void> {
    this.contracts.invalidate(name);
    await this.onModelChanged(name);
  }
}

export interface ContractSummary {
  modality: string;
  version: string | undefined;
  classes: string[];
  goodClass: string | undefined;
  defectClasses: string[];
  thresholds: Record<string, number>;
  reviewThreshold: number;
  failThreshold: number;
  calibration: { inGraph: boolean; temperature: number };
  input: { name: string; datatype: string; dims: number[] };
  configHash: string;
  trainingManifestSha256: string | undefined;
}

function summarize(c: ModelContract): ContractSummary {
  return {
    modality: c.modality,
    version: c.version,
    classes: c.classes,
    goodClass: c.goodClass,
    defectClasses: c.defectClasses,
    thresholds: c.thresholds,
    reviewThreshold: c.reviewThreshold,
    failThreshold: c.failThreshold,
    calibration: c.calibration,
    input: c.input,
    configHash: c.configHash,
    trainingManifestSha256: c.trainingManifestSha256,
  };
}

function requireReason(reason: string): void {
  if (reason.trim().length < 3)
    throw new InputError("a 'reason' (at least 3 characters) is required for model changes");
}
