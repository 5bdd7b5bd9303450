import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import type { ModelConfig } from '@defect-gateway/proto';

import { ConfigError } from './config-error';
import { validateModelConfig } from './config-validator';
import { parseModelConfigJson, parseModelConfigText } from './model-config-parser';
import { parseVersionDirectory, selectServedVersions } from './version-policy';

export const CONFIG_FILE = 'config.pbtxt';
export const DEFAULT_MODEL_FILENAME = 'model.onnx';
/** How a JSON configuration override is named in errors. */
export const CONFIG_OVERRIDE_SOURCE = 'config override';

/** A model directory found in the repository; `error` is set when it cannot be loaded as it stands. */
export interface RepositoryEntry {
  readonly name: string;
  readonly path: string;
  readonly error?: ConfigError;
}

export interface ReadModelOptions {
  /** JSON text of a whole ModelConfig (RepositoryModelLoad's `config` parameter); replaces config.pbtxt. */
  readonly configOverride?: string;
}

/** A model read from the repository: its checked configuration and what is on disk for it. */
export interface RepositoryModel {
  readonly name: string;
  /** The model directory. */
  readonly path: string;
  readonly config: ModelConfig;
  /** Every numeric version directory present, ascending. */
  readonly versions: readonly number[];
  /** The versions the version policy serves, ascending; never empty. */
  readonly servedVersions: readonly number[];
  /** Output name -> class labels (one per line of the output's label_filename). */
  readonly labels: ReadonlyMap<string, readonly string[]>;
  /** `<model dir>/<version>` */
  versionPath(version: number): string;
  /** `<model dir>/<version>/<default_model_filename or model.onnx>` */
  modelFile(version: number): string;
}

/**
 * Lists the model directories of a repository, sorted by name. Hidden entries and plain files are skipped;
 * a directory without config.pbtxt is listed with an error, since this server cannot auto-complete one.
 */
export async function scanRepository(dir: string): Promise<RepositoryEntry[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new ConfigError('cannot read the model repository', { file: dir }, { cause: err });
  }
  const models: RepositoryEntry[] = [];
  for (const entry of entries) {
    const modelPath = path.join(dir, entry.name);
    if (entry.name.startsWith('.') || !(await isDirectory(modelPath, entry))) continue;
    const hasConfig = await isFile(path.join(modelPath, CONFIG_FILE));
    models.push(
      hasConfig
        ? { name: entry.name, path: modelPath }
        : { name: entry.name, path: modelPath, error: missingConfigError(entry.name) },
    );
  }
  return models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads and checks one model: its configuration (config.pbtxt, or `configOverride` instead), its version
 * directories, the versions its policy serves and its label files. Throws a ConfigError naming the file and
 * field for anything that would keep the model from loading.
 */
export async function readModel(
  dir: string,
  name: string,
  options: ReadModelOptions = {},
): Promise<RepositoryModel> {
  if (!isModelName(name)) {
    throw new ConfigError(`invalid model name ${JSON.stringify(name)}`, { file: name });
  }
  const modelPath = path.join(dir, name);
  if (!(await isDirectory(modelPath))) {
    const detail = `failed to load '${name}': no model directory '${name}' in the repository`;
    throw new ConfigError(detail, { file: name }, { message: detail });
  }

  const file = options.configOverride === undefined ? `${name}/${CONFIG_FILE}` : CONFIG_OVERRIDE_SOURCE;
  const parsed =
    options.configOverride === undefined
      ? parseModelConfigText(await readConfigText(modelPath, name), file)
      : parseModelConfigJson(options.configOverride, file);
  const config = validateModelConfig(parsed, { modelName: name, file });

  const versions = await listVersions(modelPath, name);
  if (versions.length === 0) {
    const detail = `model '${name}' has no available versions: no numeric version directory (such as '1/') in '${name}/'`;
    throw new ConfigError(detail, { file: name });
  }
  const servedVersions = selectServedVersions(config.version_policy, versions);
  if (servedVersions.length === 0) {
    const wanted = config.version_policy?.specific?.versions ?? [];
    const detail =
      `at least one version must be available under the version policy of model '${name}'` +
      ` (policy wants versions [${wanted.join(', ')}], found [${versions.join(', ')}])`;
    throw new ConfigError(detail, { file, field: 'version_policy' });
  }
  const labels = await readLabels(modelPath, name, config);
  const modelFilename = config.default_model_filename || DEFAULT_MODEL_FILENAME;
  return {
    name,
    path: modelPath,
    config,
    versions,
    servedVersions,
    labels,
    versionPath: (version) => path.join(modelPath, String(version)),
    modelFile: (version) => path.join(modelPath, String(version), modelFilename),
  };
}

/** A repository directory name that cannot escape the repository. */
export function isModelName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function missingConfigError(name: string): ConfigError {
  const detail = `failed to load '${name}': ${CONFIG_FILE} not found`;
  return new ConfigError(detail, { file: `${name}/${CONFIG_FILE}` }, { message: detail });
}

async function readConfigText(modelPath: string, name: string): Promise<string> {
  try {
    return await fs.readFile(path.join(modelPath, CONFIG_FILE), 'utf8');
  } catch (err) {
    if (isNotFound(err)) throw missingConfigError(name);
    throw new ConfigError('cannot read the file', { file: `${name}/${CONFIG_FILE}` }, { cause: err });
  }
}

async function listVersions(modelPath: string, name: string): Promise<number[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(modelPath, { withFileTypes: true });
  } catch (err) {
    throw new ConfigError('cannot read the model directory', { file: name }, { cause: err });
  }
  const versions: number[] = [];
  for (const entry of entries) {
    const version = parseVersionDirectory(entry.name);
    if (version !== undefined && (await isDirectory(path.join(modelPath, entry.name), entry)))
      versions.push(version);
  }
  return versions.sort((a, b) => a - b);
}

async function readLabels(
  modelPath: string,
  name: string,
  config: ModelConfig,
): Promise<Map<string, string[]>> {
  const labels = new Map<string, string[]>();
  for (const [i, output] of config.output.entries()) {
    if (output.label_filename === '') continue;
    const file = `${name}/${output.label_filename}`;
    let text: string;
    try {
      text = await fs.readFile(path.join(modelPath, output.label_filename), 'utf8');
    } catch (err) {
      const reason = isNotFound(err) ? 'not found' : 'cannot be read';
      const detail = `label file of output '${output.name}' ${reason}`;
      throw new ConfigError(detail, { file, field: `output[${i}].label_filename` }, { cause: err });
    }
    const lines = text.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    labels.set(output.name, lines);
  }
  return labels;
}

/** Follows symbolic links, so a linked model or version directory counts. */
async function isDirectory(target: string, entry?: Dirent): Promise<boolean> {
  if (entry !== undefined && !entry.isSymbolicLink()) return entry.isDirectory();
  try {
    return (await fs.stat(target)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(target: string): Promise<boolean> {
  try {
    return (await fs.stat(target)).isFile();
  } catch {
    return false;
  }
}

// Duck-typed: errors from node's fs are not always `instanceof Error` of the calling realm (jest, vm).
function isNotFound(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
