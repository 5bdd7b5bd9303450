/**
 * ContractRegistry: the parsed contract of each (model, version), loaded once through an injected loader
 * (the Triton client's ModelConfig + ModelMetadata RPCs) and cached.
 *
 * - `get(model)` caches the contract of the version Triton serves by default under (model, default) and
 *   also under (model, that version); `get(model, version)` caches under (model, version).
 * - Concurrent gets of one key share one load; a failed load (Triton down, bad contract) is not cached, so
 *   the next get tries again.
 * - `refresh(model)` (on load/unload/rollback) drops every cached version of the model and loads the default
 *   again; a load that was in flight when the model changed does not repopulate the cache.
 */
import type { ModelConfig } from '@defect-gateway/proto';
import type { ModelContract, ModelMetadataLike } from './contract-types';
import { parseModelContract } from './model-contract';
import { ModelContractError } from './model-contract-error';

export interface LoadedModelDefinition {
  config: ModelConfig;
  metadata?: ModelMetadataLike;
  /** The version the config and metadata belong to. */
  version: string;
}

export type ContractLoader = (model: string, version?: string) => Promise<LoadedModelDefinition>;

const DEFAULT_VERSION = '';

export class ContractRegistry {
  private readonly pending = new Map<string, Promise<ModelContract>>();
  private readonly settled = new Map<string, ModelContract>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly loader: ContractLoader) {}

  /** The contract of `model` at `version` (default: the version Triton serves by default). */
  get(model: string, version?: string): Promise<ModelContract> {
    const key = keyOf(model, version ?? DEFAULT_VERSION);
    const cached = this.settled.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const load = this.load(model, version);
    this.pending.set(key, load);
    const forget = (): void => {
      if (this.pending.get(key) === load) this.pending.delete(key);
    };
    load.then(forget, forget);
    return load;
  }

  /** A contract already loaded, without waiting (undefined when not cached). */
  peek(model: string, version?: string): ModelContract | undefined {
    return this.settled.get(keyOf(model, version ?? DEFAULT_VERSION));
  }

  /** Drops every cached version of `model` (a load in flight is not cached when it lands). */
  invalidate(model: string): void {
    this.generations.set(model, this.generation(model) + 1);
    for (const map of [this.pending, this.settled]) {
      for (const key of [...map.keys()]) if (modelOf(key) === model) map.delete(key);
    }
  }

  /** After a model change: drops the cached versions and loads the default version's contract again. */
  async refresh(model: string): Promise<ModelContract> {
    this.invalidate(model);
    return this.get(model);
  }

  private generation(model: string): number {
    return this.generations.get(model) ?? 0;
  }

  private async load(model: string, version: string | undefined): Promise<ModelContract> {
    const generation = this.generation(model);
    const loaded = await this.loader(model, version);
    if (version !== undefined && loaded.version !== version) {
      throw new ModelContractError(model, [
        { key: 'version', message: `asked for version ${version}, the loader returned ${loaded.version}` },
      ]);
    }
    if (loaded.config.name !== undefined && loaded.config.name !== '' && loaded.config.name !== model) {
      throw new ModelContractError(model, [
        { key: 'name', message: `the config returned for '${model}' is named '${loaded.config.name}'` },
      ]);
    }
    const contract = parseModelContract(loaded.config, loaded.metadata, loaded.version);
    if (this.generation(model) === generation) {
      this.settled.set(keyOf(model, version ?? DEFAULT_VERSION), contract);
      this.settled.set(keyOf(model, loaded.version), contract);
    }
    return contract;
  }
}

const SEPARATOR = '\u0000';
const keyOf = (model: string, version: string): string => `${model}${SEPARATOR}${version}`;
const modelOf = (key: string): string => key.slice(0, key.indexOf(SEPARATOR));
