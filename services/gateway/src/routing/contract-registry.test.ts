import type { ModelConfig } from '@defect-gateway/proto';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { ContractRegistry, type LoadedModelDefinition } from './contract-registry';
import { renderConfig, trainerThermalSpec, withParameters } from './fake-model-configs';
import { ModelContractError } from './model-contract-error';

/** A fake Triton: configs per model and version, a default version per model, and a log of loads. */
class FakeModelStore {
  readonly loads: string[] = [];
  readonly configs = new Map<string, ModelConfig>();
  readonly defaults = new Map<string, string>();
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  put(version: string, reviewThreshold: number, asDefault = true): void {
    const spec = withParameters(trainerThermalSpec(), { review_threshold: reviewThreshold });
    this.configs.set(`thermal_ensemble/${version}`, parseModelConfigText(renderConfig(spec)));
    if (asDefault) this.defaults.set('thermal_ensemble', version);
  }

  /** Holds every load until `release()`. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  readonly loader = async (model: string, version?: string): Promise<LoadedModelDefinition> => {
    this.loads.push(`${model}@${version ?? 'default'}`);
    await this.gate;
    const v = version ?? this.defaults.get(model);
    const config = v === undefined ? undefined : this.configs.get(`${model}/${v}`);
    if (config === undefined || v === undefined)
      throw new Error(`model '${model}' version ${version} not found`);
    return { config, version: v };
  };
}

describe('ContractRegistry', () => {
  it('loads a contract once and serves it from the cache, under the default and its version', async () => {
    const store = new FakeModelStore();
    store.put('1', 0.1);
    const registry = new ContractRegistry(store.loader);
    const first = await registry.get('thermal_ensemble');
    expect(first.version).toBe('1');
    expect(first.reviewThreshold).toBe(0.1);
    expect(await registry.get('thermal_ensemble')).toBe(first);
    expect(await registry.get('thermal_ensemble', '1')).toBe(first);
    expect(registry.peek('thermal_ensemble', '1')).toBe(first);
    expect(store.loads).toEqual(['thermal_ensemble@default']);
  });

  it('caches each pinned version separately', async () => {
    const store = new FakeModelStore();
    store.put('1', 0.1);
    store.put('2', 0.2, false);
    const registry = new ContractRegistry(store.loader);
    const v2 = await registry.get('thermal_ensemble', '2');
    const latest = await registry.get('thermal_ensemble');
    expect([v2.version, v2.reviewThreshold]).toEqual(['2', 0.2]);
    expect([latest.version, latest.reviewThreshold]).toEqual(['1', 0.1]);
    expect(store.loads).toEqual(['thermal_ensemble@2', 'thermal_ensemble@default']);
  });

  it('shares one load between concurrent gets', async () => {
    const store = new FakeModelStore();
    store.put('1', 0.1);
    store.hold();
    const registry = new ContractRegistry(store.loader);
    const pending = [registry.get('thermal_ensemble'), registry.get('thermal_ensemble')];
    store.release();
    const [a, b] = await Promise.all(pending);
    expect(a).toBe(b);
    expect(store.loads).toHaveLength(1);
  });

  it('does not cache a failed load', async () => {
    const store = new FakeModelStore();
    const registry = new ContractRegistry(store.loader);
    await expect(registry.get('thermal_ensemble')).rejects.toThrow(/not found/);
    store.put('1', 0.1);
    expect((await registry.get('thermal_ensemble')).version).toBe('1');
    expect(store.loads).toHaveLength(2);
  });

  it('propagates a bad contract as ModelContractError and tries again next time', async () => {
    const store = new FakeModelStore();
    store.put('1', 2);
    const registry = new ContractRegistry(store.loader);
    await expect(registry.get('thermal_ensemble')).rejects.toBeInstanceOf(ModelContractError);
    store.put('1', 0.1);
    expect((await registry.get('thermal_ensemble')).reviewThreshold).toBe(0.1);
  });

  it('refresh drops every cached version and loads the new default', async () => {
    const store = new FakeModelStore();
    store.put('1', 0.1);
    const registry = new ContractRegistry(store.loader);
    await registry.get('thermal_ensemble');
    store.put('2', 0.3);
    expect((await registry.get('thermal_ensemble')).version).toBe('1');
    const fresh = await registry.refresh('thermal_ensemble');
    expect([fresh.version, fresh.reviewThreshold]).toEqual(['2', 0.3]);
    expect(registry.peek('thermal_ensemble', '1')).toBeUndefined();
    expect(await registry.get('thermal_ensemble')).toBe(fresh);
  });

  it('does not let a load that was in flight during a refresh repopulate the cache', async () => {
    const store = new FakeModelStore();
    store.put('1', 0.1);
    store.hold();
    const registry = new ContractRegistry(store.loader);
    const stale = registry.get('thermal_ensemble');
    registry.invalidate('thermal_ensemble');
    store.release();
    expect((await stale).version).toBe('1');
    expect(registry.peek('thermal_ensemble')).toBeUndefined();
  });

  it('rejects a loader answer for another version or model', async () => {
    const config = parseModelConfigText(renderConfig(trainerThermalSpec()));
    const wrongVersion = new ContractRegistry(async () => ({ config, version: '7' }));
    await expect(wrongVersion.get('thermal_ensemble', '3')).rejects.toThrow(/asked for version 3/);
    const wrongModel = new ContractRegistry(async () => ({ config, version: '1' }));
    await expect(wrongModel.get('visual_ensemble')).rejects.toThrow(/named 'thermal_ensemble'/);
  });
});
