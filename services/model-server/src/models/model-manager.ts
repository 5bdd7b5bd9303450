import type { ModelConfig } from '@defect-gateway/proto';
import type { Logger } from 'pino';
import { InputError, InternalError, NotFoundError, UnavailableError, errorMessage } from '../errors';
import { messages } from '../messages';
import type { StatsObserver } from '../stats/model-stats';
import { EnsembleModel } from './ensemble-model';
import { OnnxModel } from './onnx-model';
import { isNoServableVersion } from './repository-source';
import type { Servable } from './servable';

export type ModelControlMode = 'none' | 'explicit';
export type VersionStateName = 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';

/** What the repository says about one model, after its version policy. */
export interface ModelDefinition {
  name: string;
  config: ModelConfig;
  servedVersions: number[];
  labels: ReadonlyMap<string, string[]>;
  modelFile(version: number): string;
}

export interface RepositorySource {
  list(): Promise<string[]>;
  read(name: string, configOverride?: string): Promise<ModelDefinition>;
}

export interface IndexRow {
  name: string;
  version: string;
  state: string;
  reason: string;
}

interface VersionState {
  state: VersionStateName;
  reason: string;
  servable: Servable | undefined;
}

interface Entry {
  versions: Map<number, VersionState>;
}

/**
 * Owns every loaded model version and its lifecycle. Loads and unloads of one model are serialized; an unload
 * stops routing new requests to a version at once and completes after its in-flight requests have finished.
 */
export class ModelManager {
  private readonly entries = new Map<string, Entry>();
  /** Why the last load of a model failed before any version was created (bad config, no versions). */
  private readonly pollFailures = new Map<string, string>();
  /** Per-model chain that serializes loads and unloads of that model. */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly repository: RepositorySource,
    private readonly mode: ModelControlMode,
    private readonly log: Logger,
    private readonly observer?: StatsObserver,
  ) {}

  get controlMode(): ModelControlMode {
    return this.mode;
  }

  /** The version a request runs on; `version` empty means the highest ready version. */
  resolve(name: string, version: string | number = ''): Servable {
    const entry = this.entries.get(name);
    if (!entry) throw new NotFoundError(messages.unknownModel(name));
    const wanted = version === '' ? undefined : Number(version);
    if (wanted === undefined) {
      const ready = [...entry.versions.entries()].filter(([, v]) => v.state === 'READY' && v.servable);
      if (ready.length === 0) throw new NotFoundError(messages.noAvailableVersions(name));
      ready.sort((a, b) => b[0] - a[0]);
      return (ready[0] as [number, VersionState])[1].servable as Servable;
    }
    const v = Number.isInteger(wanted) ? entry.versions.get(wanted) : undefined;
    if (!v) throw new NotFoundError(messages.unknownVersion(name, wanted));
    if (v.state !== 'READY' || !v.servable)
      throw new UnavailableError(messages.versionNotReady(name, wanted));
    return v.servable;
  }

  isReady(name: string, version = ''): boolean {
    try {
      this.resolve(name, version);
      return true;
    } catch {
      return false;
    }
  }

  /** Ready versions of a model, highest first. */
  readyVersions(name: string): number[] {
    const entry = this.entries.get(name);
    if (!entry) return [];
    return [...entry.versions.entries()]
      .filter(([, v]) => v.state === 'READY')
      .map(([n]) => n)
      .sort((a, b) => b - a);
  }

  /** Every loaded servable (for statistics and metrics). */
  servables(): Servable[] {
    const out: Servable[] = [];
    for (const entry of this.entries.values()) {
      for (const v of entry.versions.values()) if (v.state === 'READY' && v.servable) out.push(v.servable);
    }
    return out;
  }

  async index(readyOnly: boolean): Promise<IndexRow[]> {
    const names = new Set(await this.repository.list());
    for (const name of this.entries.keys()) names.add(name);
    const rows: IndexRow[] = [];
    for (const name of [...names].sort()) {
      const entry = this.entries.get(name);
      if (!entry || entry.versions.size === 0) {
        const failure = this.pollFailures.get(name);
        if (!readyOnly)
          rows.push({ name, version: '', state: failure ? 'UNAVAILABLE' : '', reason: failure ?? '' });
        continue;
      }
      for (const [version, v] of [...entry.versions.entries()].sort((a, b) => a[0] - b[0])) {
        if (readyOnly && v.state !== 'READY') continue;
        rows.push({ name, version: version > 0 ? String(version) : '', state: v.state, reason: v.reason });
      }
    }
    return rows;
  }

  /** Loads every model (model control mode `none`) or the named ones (`explicit`, `*` for all). */
  async loadInitial(names: readonly string[]): Promise<string[]> {
    const wanted = this.mode === 'none' || names.includes('*') ? await this.repository.list() : [...names];
    const failed: string[] = [];
    for (const name of wanted) {
      if (this.isReady(name)) continue; // already loaded as a step of an ensemble
      try {
        await this.load(name);
      } catch (err) {
        failed.push(name);
        this.log.error({ model: name, err: errorMessage(err) }, 'model failed to load');
      }
    }
    return failed;
  }

  /** RepositoryModelLoad: (re)loads a model and, for an ensemble, the models its steps need. */
  async loadRequested(name: string, configOverride?: string): Promise<void> {
    this.requireExplicit();
    await this.load(name, configOverride);
  }

  async unloadRequested(name: string, unloadDependents: boolean): Promise<void> {
    this.requireExplicit();
    await this.unload(name, unloadDependents);
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.entries.keys()].map((name) => this.unload(name, false)));
  }

  private requireExplicit(): void {
    if (this.mode !== 'explicit') throw new UnavailableError(messages.loadUnloadNotAllowed());
  }

  private async load(name: string, configOverride?: string, chain: readonly string[] = []): Promise<void> {
    const definition = await this.serialized(name, () => this.loadLocked(name, configOverride));
    if (definition.config.platform === 'ensemble') {
      for (const step of definition.config.ensemble_scheduling?.step ?? []) {
        if (chain.includes(step.model_name) || step.model_name === name) continue;
        if (!this.isReady(step.model_name)) await this.load(step.model_name, undefined, [...chain, name]);
      }
    }
  }

  private async loadLocked(name: string, configOverride?: string): Promise<ModelDefinition> {
    const entry = this.entry(name);
    let definition: ModelDefinition;
    try {
      definition = await this.repository.read(name, configOverride);
    } catch (err) {
      const reason = errorMessage(err);
      this.log.error({ model: name, reason }, 'failed to read model from the repository');
      // Like Triton, a model that never loaded stays unknown to inference; the index still shows why.
      if (entry.versions.size === 0) this.entries.delete(name);
      this.pollFailures.set(name, reason);
      if (isNoServableVersion(err)) {
        throw new InputError(messages.loadFailed(name, messages.noVersionsUnderPolicy(name)), { cause: err });
      }
      throw new InternalError(messages.loadPollFailed(name), { cause: err });
    }
    this.pollFailures.delete(name);
    const served = new Set(definition.servedVersions);
    const failures: string[] = [];
    for (const version of definition.servedVersions) {
      const previous = entry.versions.get(version);
      entry.versions.set(version, { state: 'LOADING', reason: '', servable: previous?.servable });
      try {
        const servable = await this.create(definition, version);
        entry.versions.set(version, { state: 'READY', reason: '', servable });
        if (previous?.servable) await previous.servable.close();
        this.log.info({ model: name, version }, 'successfully loaded');
      } catch (err) {
        entry.versions.set(version, { state: 'UNAVAILABLE', reason: errorMessage(err), servable: undefined });
        if (previous?.servable) await previous.servable.close();
        failures.push(messages.versionUnavailable(version, `Internal: ${errorMessage(err)}`));
      }
    }
    for (const [version, v] of entry.versions) {
      if (!served.has(version) && v.state === 'READY') await this.unloadVersion(name, version, v);
    }
    if (failures.length > 0) throw new InputError(messages.loadFailed(name, failures.join(' ')));
    return definition;
  }

  private async create(definition: ModelDefinition, version: number): Promise<Servable> {
    if (definition.config.platform === 'ensemble') {
      return new EnsembleModel(
        definition.config,
        version,
        (m, v) => this.resolve(m, v > 0 ? v : ''),
        this.observer,
      );
    }
    return OnnxModel.load(
      {
        config: definition.config,
        version,
        modelFile: definition.modelFile(version),
        labels: definition.labels,
      },
      this.observer,
    );
  }

  private async unload(name: string, unloadDependents: boolean): Promise<void> {
    const deps = await this.serialized(name, async () => {
      const entry = this.entries.get(name);
      if (!entry) return [];
      const dependencies = new Set<string>();
      for (const [version, v] of entry.versions) {
        if (v.servable instanceof EnsembleModel) v.servable.dependencies.forEach((d) => dependencies.add(d));
        if (v.state === 'READY' || v.state === 'LOADING') await this.unloadVersion(name, version, v);
      }
      return [...dependencies];
    });
    if (unloadDependents) for (const dep of deps) await this.unload(dep, true);
  }

  private async unloadVersion(name: string, version: number, v: VersionState): Promise<void> {
    const entry = this.entry(name);
    const servable = v.servable;
    entry.versions.set(version, { state: 'UNLOADING', reason: '', servable: undefined });
    if (servable) await servable.close();
    entry.versions.set(version, { state: 'UNAVAILABLE', reason: 'unloaded', servable: undefined });
    this.log.info({ model: name, version }, 'successfully unloaded');
  }

  private entry(name: string): Entry {
    let entry = this.entries.get(name);
    if (!entry) {
      entry = { versions: new Map() };
      this.entries.set(name, entry);
    }
    return entry;
  }

  private serialized<T>(name: string, work: () => Promise<T>): Promise<T> {
    const result = (this.locks.get(name) ?? Promise.resolve()).then(work);
    this.locks.set(
      name,
      result.then(
        () => undefined,
        () => undefined,
      ),
    );
    return result;
  }
}
