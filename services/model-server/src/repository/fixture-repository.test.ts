import * as path from 'node:path';

import { ConfigError } from './config-error';
import { readModel, scanRepository } from './model-repository';

// The committed test repositories (tests/fixtures/README.md).
const FIXTURES = path.resolve(__dirname, '../../../../tests/fixtures');
const GOOD = path.join(FIXTURES, 'model_repository');
const BROKEN = path.join(FIXTURES, 'broken_repository');

// The models tests/fixtures/README.md lists for model_repository.
const README_MODELS = [
  'simple',
  'simple_versions',
  'double',
  'simple_ensemble',
  'pinned_ensemble',
  'image_u8',
  ...['fp32', 'fp16', 'int64', 'int32', 'uint8', 'bool', 'bytes'].map((type) => `identity_${type}`),
  'no_batch',
  'queue_limited',
  'labelled',
];

describe('tests/fixtures/model_repository', () => {
  it('reads every model without error', async () => {
    const entries = await scanRepository(GOOD);
    expect(entries.map((entry) => entry.name)).toEqual(expect.arrayContaining(README_MODELS));
    expect(entries.filter((entry) => entry.error !== undefined)).toEqual([]);
    for (const entry of entries) {
      const model = await readModel(GOOD, entry.name);
      expect(model.config.name).toBe(entry.name);
      expect(model.servedVersions.length).toBeGreaterThan(0);
    }
  });

  it('reads the details the fixtures promise', async () => {
    const simple = await readModel(GOOD, 'simple');
    expect(simple.config).toMatchObject({ max_batch_size: 8, scheduling_choice: 'dynamic_batching' });
    expect(simple.config.dynamic_batching?.max_queue_delay_microseconds).toBe(2000);
    expect(simple.config.instance_group.map((group) => [group.count, group.kind])).toEqual([[2, 'KIND_CPU']]);
    expect(simple.modelFile(1)).toBe(path.join(GOOD, 'simple', '1', 'model.onnx'));

    const versions = await readModel(GOOD, 'simple_versions');
    expect(versions.versions).toEqual([1, 2, 3]);
    expect(versions.servedVersions).toEqual([2, 3]);

    const labelled = await readModel(GOOD, 'labelled');
    expect(labelled.labels.get('OUTPUT0')).toEqual(['good', 'scratch', 'crack']);

    const image = await readModel(GOOD, 'image_u8');
    expect(image.config.dynamic_batching?.preferred_batch_size).toEqual([8, 32]);

    const queue = await readModel(GOOD, 'queue_limited');
    expect(queue.config.dynamic_batching?.default_queue_policy?.max_queue_size).toBe(2);
    expect(queue.config.input.map((input) => input.dims)).toEqual([[16], [16]]);

    const ensemble = await readModel(GOOD, 'simple_ensemble');
    expect(ensemble.config.platform).toBe('ensemble');
    expect(ensemble.config.ensemble_scheduling?.step.map((step) => step.model_name)).toEqual([
      'simple',
      'double',
    ]);

    const pinned = await readModel(GOOD, 'pinned_ensemble');
    expect(pinned.config.ensemble_scheduling?.step[0]?.model_version).toBe(2);

    expect((await readModel(GOOD, 'no_batch')).config.max_batch_size).toBe(0);
  });
});

describe('tests/fixtures/broken_repository', () => {
  async function readError(name: string): Promise<ConfigError> {
    try {
      await readModel(BROKEN, name);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error(`expected ${name} to fail`);
  }

  it('bad_config reports the file, line 3 and the misspelt field', async () => {
    const err = await readError('bad_config');
    expect(err.message).toContain('config.pbtxt:3');
    expect(err.message).toContain('max_batch_sise');
    expect(err).toMatchObject({ file: 'bad_config/config.pbtxt', line: 3, field: 'max_batch_sise' });
  });

  it('no_versions fails for want of a version directory', async () => {
    expect((await readError('no_versions')).message).toMatch(/has no available versions/);
  });

  it('bad_onnx has a valid configuration (its model file fails later, when loaded)', async () => {
    expect((await readModel(BROKEN, 'bad_onnx')).servedVersions).toEqual([1]);
  });
});
