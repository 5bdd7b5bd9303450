// Conformance: the model repository API in explicit mode (index, load, unload, version policy, config
// override). Every assertion holds for NVIDIA Triton and must hold for model-server (see README.md).
// Against a shared external server run the suite with --runInBand: this file unloads and reloads models.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fp32Request } from './fixture-requests';
import { MODEL_REPOSITORY, useConformanceServer } from './server';
import { expectClose, fp32Output, randomFloats, scale } from './tensors';
import { tritonErrors, unservedVersionError } from './triton-errors';
import { expectGrpcError } from './expect-grpc-error';
import type { ModelIndex } from './triton-messages';

const server = useConformanceServer();
const FIXTURE_MODELS = fs
  .readdirSync(MODEL_REPOSITORY, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(MODEL_REPOSITORY, e.name, 'config.pbtxt')))
  .map((e) => e.name)
  .sort();
const STATES = ['', 'READY', 'UNAVAILABLE', 'LOADING', 'UNLOADING'];

const entriesOf = (index: ModelIndex[], name: string) => index.filter((m) => m.name === name);

/** Unload is asynchronous in Triton: the version goes UNLOADING, then UNAVAILABLE. */
async function waitForState(
  name: string,
  version: string,
  state: string,
  timeoutMs = 20_000,
): Promise<ModelIndex> {
  const deadline = Date.now() + timeoutMs;
  let last: ModelIndex | undefined;
  while (Date.now() < deadline) {
    last = entriesOf(await server().client.repositoryIndex(), name).find((m) => m.version === version);
    if (last?.state === state) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} v${version} never reached ${state}; last entry: ${JSON.stringify(last)}`);
}

const versionsRequest = (version: string) =>
  fp32Request('simple_versions', [['INPUT0', [1, 4], randomFloats(4)]], 'raw', { model_version: version });

describe('RepositoryIndex', () => {
  test('lists every model of the repository, each with a known state', async () => {
    expect(FIXTURE_MODELS.length).toBeGreaterThanOrEqual(16);
    const index = await server().client.repositoryIndex();
    expect([...new Set(index.map((m) => m.name))].sort()).toEqual(FIXTURE_MODELS);
    for (const entry of index) {
      expect(STATES).toContain(entry.state);
      expect(typeof entry.reason).toBe('string');
    }
  });

  test('ready=true lists only READY versions', async () => {
    await server().client.load('double');
    const index = await server().client.repositoryIndex(true);
    expect(index.length).toBeGreaterThan(0);
    for (const entry of index) expect(entry.state).toBe('READY');
    expect(index).toContainEqual({ name: 'double', version: '1', state: 'READY', reason: '' });
  });
});

describe('load and unload', () => {
  test('load makes a model READY; unload makes it UNAVAILABLE ("unloaded")', async () => {
    const { client } = server();
    await client.load('identity_int32');
    expect(await client.modelReady('identity_int32')).toBe(true);
    expect(entriesOf(await client.repositoryIndex(), 'identity_int32')).toEqual([
      { name: 'identity_int32', version: '1', state: 'READY', reason: '' },
    ]);

    await client.unload('identity_int32');
    const entry = await waitForState('identity_int32', '1', 'UNAVAILABLE');
    expect(entry.reason).toBe('unloaded');
    expect(await client.modelReady('identity_int32')).toBe(false);
  });

  test('an unloaded model answers like Triton: no available versions / version not ready', async () => {
    const { client } = server();
    await client.load('identity_int32');
    await client.unload('identity_int32');
    await waitForState('identity_int32', '1', 'UNAVAILABLE');
    const request = {
      model_name: 'identity_int32',
      inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [1, 1] }],
      raw_input_contents: [Buffer.alloc(4)],
    };
    await expectGrpcError(client.infer(request), tritonErrors.noAvailableVersions('identity_int32'));
    await expectGrpcError(
      client.infer({ ...request, model_version: '1' }),
      tritonErrors.versionNotReady('identity_int32', 1),
    );
    await expectGrpcError(
      client.modelMetadata('identity_int32'),
      tritonErrors.noAvailableVersions('identity_int32'),
    );
  });

  test('a model can be loaded again after unload', async () => {
    const { client } = server();
    await client.load('identity_int32');
    expect(await client.modelReady('identity_int32')).toBe(true);
    const res = await client.infer({
      model_name: 'identity_int32',
      inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [1, 2] }],
      raw_input_contents: [Buffer.from([7, 0, 0, 0, 255, 255, 255, 255])],
    });
    expect(res.raw_output_contents[0]?.equals(Buffer.from([7, 0, 0, 0, 255, 255, 255, 255]))).toBe(true);
  });

  test('unloading a model that is not loaded succeeds', async () => {
    await expect(server().client.unload('never_existed_model')).resolves.toBeUndefined();
  });

  test('loading a model that is not in the repository fails like Triton', async () => {
    await expectGrpcError(
      server().client.load('no_such_model'),
      tritonErrors.loadPollFailed('no_such_model'),
    );
  });
});

describe('version policy', () => {
  beforeAll(async () => {
    await server().client.load('simple_versions');
  }, 120_000);

  afterAll(async () => {
    // Leave simple_versions with its on-disk config for the files that run after this one.
    await server().client.load('simple_versions');
  }, 120_000);

  test('latest { num_versions: 2 } serves versions 2 and 3, not 1', async () => {
    const { client } = server();
    expect(await client.modelReady('simple_versions', '2')).toBe(true);
    expect(await client.modelReady('simple_versions', '3')).toBe(true);
    expect(await client.modelReady('simple_versions', '1')).toBe(false);
    expect((await client.modelMetadata('simple_versions')).versions.slice().sort()).toEqual(['2', '3']);
    const ready = entriesOf(await client.repositoryIndex(true), 'simple_versions').map((m) => m.version);
    expect(ready.sort()).toEqual(['2', '3']);
    const expected = await unservedVersionError(client, 'simple_versions', 1);
    await expectGrpcError(client.infer(versionsRequest('1')), expected);
  });

  test('a config override with version_policy all makes version 1 ready; a plain load undoes it', async () => {
    const { client } = server();
    const override = {
      name: 'simple_versions',
      platform: 'onnxruntime_onnx',
      max_batch_size: 8,
      version_policy: { all: {} },
      input: [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: [4] }],
      output: [{ name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [4] }],
      instance_group: [{ count: 1, kind: 'KIND_CPU' }],
    };
    await client.load('simple_versions', { config: { string_param: JSON.stringify(override) } });
    for (const v of ['1', '2', '3']) expect(await client.modelReady('simple_versions', v)).toBe(true);
    const x = randomFloats(4);
    const res = await client.infer(
      fp32Request('simple_versions', [['INPUT0', [1, 4], x]], 'contents', { model_version: '1' }),
    );
    expect(res.model_version).toBe('1');
    expectClose(fp32Output(res, 'OUTPUT0'), scale(x, 1));
    const config = await client.modelConfig('simple_versions');
    expect(config.version_policy?.all).toBeDefined();
    expect(config.version_policy?.all).not.toBeNull();

    await client.load('simple_versions');
    await waitForState('simple_versions', '1', 'UNAVAILABLE');
    expect(await client.modelReady('simple_versions', '3')).toBe(true);
    await expectGrpcError(
      client.infer(versionsRequest('1')),
      tritonErrors.versionNotReady('simple_versions', 1),
    );
  });

  test('a non-string config parameter is rejected', async () => {
    await expectGrpcError(
      server().client.load('simple_versions', { config: { bool_param: true } }),
      tritonErrors.loadConfigNotString(),
    );
  });

  test('an unknown load parameter is rejected', async () => {
    await expectGrpcError(
      server().client.load('simple_versions', { colour: { string_param: 'blue' } }),
      tritonErrors.unknownLoadParameter('colour'),
    );
  });
});
