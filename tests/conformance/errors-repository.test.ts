// Conformance: repository errors. Load failures need a server on tests/fixtures/broken_repository
// (explicit mode); load/unload refusal needs a server on model_repository in "none" mode. Locally both are
// started here; against external servers they come from TRITON_GRPC_BROKEN and TRITON_GRPC_NONE and these
// tests are skipped without them. Every assertion holds for NVIDIA Triton and must hold for model-server.
import { BROKEN_REPOSITORY, serverAvailable, useConformanceServer } from './server';
import { tritonErrors } from './triton-errors';
import { expectGrpcError } from './expect-grpc-error';

const describeIf = (condition: boolean) => (condition ? describe : describe.skip);

describeIf(serverAvailable('TRITON_GRPC_BROKEN'))('load failures (broken_repository, explicit mode)', () => {
  const server = useConformanceServer({ env: 'TRITON_GRPC_BROKEN', repository: BROKEN_REPOSITORY });

  test('a version whose model file is not ONNX: INVALID_ARGUMENT naming the version and its state', async () => {
    const { client } = server();
    await expectGrpcError(client.load('bad_onnx'), tritonErrors.loadVersionFailed('bad_onnx', 1));
    expect(await client.modelReady('bad_onnx')).toBe(false);
    const entries = (await client.repositoryIndex()).filter((m) => m.name === 'bad_onnx');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ version: '1', state: 'UNAVAILABLE' });
    expect(entries[0]!.reason).not.toBe('');
  });

  test('the failed model is not served', async () => {
    await expectGrpcError(
      server().client.modelMetadata('bad_onnx'),
      tritonErrors.noAvailableVersions('bad_onnx'),
    );
  });

  test('a config.pbtxt that does not parse: INTERNAL, failed to poll', async () => {
    const { client } = server();
    await expectGrpcError(client.load('bad_config'), tritonErrors.loadPollFailed('bad_config'));
    expect(await client.modelReady('bad_config')).toBe(false);
    await expectGrpcError(client.modelMetadata('bad_config'), tritonErrors.unknownModel('bad_config'));
  });

  test('no version directory: INVALID_ARGUMENT, at least one version must be available', async () => {
    const { client } = server();
    await expectGrpcError(client.load('no_versions'), tritonErrors.loadNoVersions('no_versions'));
    expect(await client.modelReady('no_versions')).toBe(false);
  });

  test('retrying a failed load fails the same way', async () => {
    await expectGrpcError(server().client.load('no_versions'), tritonErrors.loadNoVersions('no_versions'));
    await expectGrpcError(server().client.load('bad_config'), tritonErrors.loadPollFailed('bad_config'));
  });

  test('the index lists the broken models', async () => {
    const names = new Set((await server().client.repositoryIndex()).map((m) => m.name));
    // Triton omits a model whose load found no version at all (it has no version entry to show), so
    // no_versions may or may not be listed.
    expect(names.has('bad_config')).toBe(true);
    expect(names.has('bad_onnx')).toBe(true);
    for (const name of names) expect(['bad_config', 'bad_onnx', 'no_versions']).toContain(name);
  });
});

describeIf(serverAvailable('TRITON_GRPC_NONE'))('model control mode none', () => {
  const server = useConformanceServer({ env: 'TRITON_GRPC_NONE', controlMode: 'none' });

  test('every model is loaded at start-up', async () => {
    const { client } = server();
    expect(await client.modelReady('simple')).toBe(true);
    expect(await client.modelReady('simple_ensemble')).toBe(true);
    expect(await client.modelReady('simple_versions', '3')).toBe(true);
  });

  test('RepositoryModelLoad is refused', async () => {
    await expectGrpcError(server().client.load('simple'), tritonErrors.loadUnloadNotAllowed());
  });

  test('RepositoryModelUnload is refused and the model stays ready', async () => {
    const { client } = server();
    await expectGrpcError(client.unload('simple'), tritonErrors.loadUnloadNotAllowed());
    expect(await client.modelReady('simple')).toBe(true);
  });
});
