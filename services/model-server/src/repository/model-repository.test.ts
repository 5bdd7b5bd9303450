import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { ConfigError } from './config-error';
import { readModel, scanRepository } from './model-repository';

const IO = `
input { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] }
output { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] }
`;
const ONNX = `platform: "onnxruntime_onnx"\nmax_batch_size: 8\n${IO}`;

let repo: string;

beforeEach(async () => {
  repo = await fs.mkdtemp(path.join(os.tmpdir(), 'model-repository-test-'));
});

afterEach(async () => {
  await fs.rm(repo, { recursive: true, force: true });
});

/** Writes `files` (relative path -> content; a trailing `/` makes a directory) under the repository. */
async function layout(files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(repo, relative);
    if (relative.endsWith('/')) {
      await fs.mkdir(target, { recursive: true });
    } else {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, content);
    }
  }
}

async function readError(name: string, options = {}): Promise<ConfigError> {
  try {
    await readModel(repo, name, options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('scanRepository', () => {
  it('lists model directories by name and flags those without config.pbtxt', async () => {
    await layout({
      'b/config.pbtxt': ONNX,
      'a/config.pbtxt': ONNX,
      'no_config/1/model.onnx': '',
      '.hidden/config.pbtxt': ONNX,
      'README.md': 'not a model',
    });
    const entries = await scanRepository(repo);
    expect(entries.map((entry) => [entry.name, entry.error?.message])).toEqual([
      ['a', undefined],
      ['b', undefined],
      ['no_config', "failed to load 'no_config': config.pbtxt not found"],
    ]);
    expect(entries[0]?.path).toBe(path.join(repo, 'a'));
    expect(entries[2]?.error).toMatchObject({ file: 'no_config/config.pbtxt' });
  });

  it('follows symbolic links to model directories', async () => {
    await layout({ 'real/config.pbtxt': ONNX });
    await fs.symlink(path.join(repo, 'real'), path.join(repo, 'linked'));
    expect((await scanRepository(repo)).map((entry) => entry.name)).toEqual(['linked', 'real']);
  });

  it('fails for a missing repository', async () => {
    await expect(scanRepository(path.join(repo, 'nope'))).rejects.toThrow(ConfigError);
  });
});

describe('readModel', () => {
  it('reads the config, versions, served versions, labels and file paths', async () => {
    await layout({
      'm/config.pbtxt': `${ONNX}output { name: "CLS" data_type: TYPE_FP32 dims: 3 label_filename: "labels.txt" }`,
      'm/labels.txt': 'good\r\nscratch\n\ncrack\n',
      'm/1/model.onnx': '',
      'm/3/model.onnx': '',
      'm/10/': '',
      'm/0/': '',
      'm/007/': '',
      'm/latest/': '',
      'm/2': 'a file, not a version directory',
    });
    const model = await readModel(repo, 'm');
    expect(model.name).toBe('m');
    expect(model.path).toBe(path.join(repo, 'm'));
    expect(model.config).toMatchObject({ name: 'm', backend: 'onnxruntime', instance_group: [{ count: 1 }] });
    expect(model.versions).toEqual([1, 3, 10]);
    expect(model.servedVersions).toEqual([10]);
    expect(model.labels).toEqual(new Map([['CLS', ['good', 'scratch', '', 'crack']]]));
    expect(model.versionPath(3)).toBe(path.join(repo, 'm', '3'));
    expect(model.modelFile(3)).toBe(path.join(repo, 'm', '3', 'model.onnx'));
  });

  it.each([
    ['latest { num_versions: 2 }', [2, 3]],
    ['latest { num_versions: 9 }', [1, 2, 3]],
    ['all { }', [1, 2, 3]],
    ['specific { versions: [1, 3, 7] }', [1, 3]],
  ])('serves versions by policy %s', async (policy, served) => {
    await layout({
      'm/config.pbtxt': `${ONNX}version_policy { ${policy} }`,
      'm/1/': '',
      'm/2/': '',
      'm/3/': '',
    });
    expect((await readModel(repo, 'm')).servedVersions).toEqual(served);
  });

  it('uses default_model_filename for the model file', async () => {
    await layout({ 'm/config.pbtxt': `${ONNX}default_model_filename: "net.onnx"`, 'm/1/': '' });
    expect((await readModel(repo, 'm')).modelFile(1)).toBe(path.join(repo, 'm', '1', 'net.onnx'));
  });

  it('reads ensembles, which need a version directory too', async () => {
    const ensemble = `platform: "ensemble"\n${IO}ensemble_scheduling { step { model_name: "x" input_map { key: "A" value: "IN" } output_map { key: "B" value: "OUT" } } }`;
    await layout({
      'e/config.pbtxt': ensemble,
      'e/1/': '',
      'f/config.pbtxt': ensemble.replace('"e"', '"f"'),
    });
    expect((await readModel(repo, 'e')).config.platform).toBe('ensemble');
    expect((await readError('f')).message).toMatch(/model 'f' has no available versions/);
  });

  it('fails when no numeric version directory exists', async () => {
    await layout({ 'm/config.pbtxt': ONNX, 'm/v1/': '', 'm/0/': '' });
    const err = await readError('m');
    expect(err.message).toBe(
      "m: model 'm' has no available versions: no numeric version directory (such as '1/') in 'm/'",
    );
  });

  it('fails when the policy serves none of the versions present', async () => {
    await layout({ 'm/config.pbtxt': `${ONNX}version_policy { specific { versions: [4] } }`, 'm/1/': '' });
    const err = await readError('m');
    expect(err.message).toBe(
      "m/config.pbtxt: at least one version must be available under the version policy of model 'm' (policy wants versions [4], found [1])",
    );
  });

  it('reports config errors with the model-relative file, line and field', async () => {
    await layout({
      'm/config.pbtxt': 'name: "m"\nplatform: "onnxruntime_onnx"\nmax_batch_sise: 8\n',
      'm/1/': '',
    });
    const err = await readError('m');
    expect(err.message).toMatch(/^m\/config\.pbtxt:3:1: unknown field 'max_batch_sise'/);
    await layout({ 'n/config.pbtxt': `name: "other"\n${ONNX}`, 'n/1/': '' });
    expect((await readError('n')).message).toBe(
      "n/config.pbtxt: name: model name 'other' does not match its directory name 'n'",
    );
  });

  it('fails for a missing config.pbtxt, a missing directory and a name that leaves the repository', async () => {
    await layout({ 'm/1/': '' });
    expect((await readError('m')).message).toBe("failed to load 'm': config.pbtxt not found");
    expect((await readError('absent')).message).toBe(
      "failed to load 'absent': no model directory 'absent' in the repository",
    );
    expect((await readError('../etc')).message).toMatch(/invalid model name/);
    expect((await readError('..')).message).toMatch(/invalid model name/);
  });

  it('fails for a missing label file, naming it', async () => {
    await layout({
      'm/config.pbtxt': `${ONNX}output { name: "C" data_type: TYPE_FP32 dims: 1 label_filename: "l.txt" }`,
      'm/1/': '',
    });
    const err = await readError('m');
    expect(err.message).toBe("m/l.txt: label file of output 'C' not found");
    expect(err.field).toBe('output[1].label_filename');
  });

  describe('with a JSON config override', () => {
    it('replaces config.pbtxt entirely, even when there is none', async () => {
      await layout({ 'm/config.pbtxt': `${ONNX}max_batch_size: 1`, 'm/1/': '', 'm/2/': '', 'bare/1/': '' });
      const override = JSON.stringify({
        platform: 'onnxruntime_onnx',
        input: [{ name: 'A', data_type: 'TYPE_INT64', dims: [-1] }],
        output: [{ name: 'B', data_type: 'TYPE_INT64', dims: [-1] }],
        version_policy: { all: {} },
      });
      const model = await readModel(repo, 'm', { configOverride: override });
      expect(model.config).toMatchObject({
        name: 'm',
        max_batch_size: 0,
        input: [{ name: 'A' }],
        output: [{ name: 'B' }],
      });
      expect(model.servedVersions).toEqual([1, 2]);
      expect((await readModel(repo, 'bare', { configOverride: override })).config.name).toBe('bare');
    });

    it('reports errors against the config override', async () => {
      await layout({ 'm/config.pbtxt': ONNX, 'm/1/': '' });
      const badJson = await readError('m', { configOverride: '{"platform": ' });
      expect(badJson.message).toMatch(/^config override: invalid JSON/);
      const unknown = await readError('m', { configOverride: '{"max_batch_sise": 1}' });
      expect(unknown).toMatchObject({ file: 'config override', field: 'max_batch_sise' });
      const invalid = await readError('m', {
        configOverride: JSON.stringify({ name: 'x', platform: 'onnxruntime_onnx' }),
      });
      expect(invalid.message).toBe(
        "config override: name: model name 'x' does not match its directory name 'm'",
      );
    });
  });
});
