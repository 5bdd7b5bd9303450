import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../services/gateway/src/config';
import { startGateway, type RunningGateway } from '../../services/gateway/src/server';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const DATASETS = path.resolve(REPO_ROOT, '../shared/datasets');
export const GATEWAY_FIXTURES = path.join(REPO_ROOT, 'tests/fixtures/gateway_repository');

/**
 * Starts the gateway exactly as `npm start` does (embedded model-server), on a free port, on the fixture models
 * unless `env` says otherwise (an empty string removes a variable, so the gateway's own default applies).
 * Unless `env` names a DATA_DIR, the gateway gets a fresh one (embedded database and image store) that its `stop()`
 * deletes, so test runs leave nothing behind in the temporary directory.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
): Promise<{ gateway: RunningGateway; url: string }> {
  const ownDataDir =
    env.DATA_DIR === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-e2e-')) : undefined;
  const removeOwnDataDir = () => {
    if (ownDataDir) fs.rmSync(ownDataDir, { recursive: true, force: true });
  };
  const vars: Record<string, string> = {
    ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
    PORT: '0',
    HOST: '127.0.0.1',
    MODEL_REPOSITORY: GATEWAY_FIXTURES,
    MODEL_ROUTES: 'visual:visual_fixture,thermal:thermal_fixture,electrical:electrical_fixture',
    LOG_LEVEL: 'silent',
    ...env,
  };
  for (const [key, value] of Object.entries(vars)) if (value === '') delete vars[key];
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(loadConfig(vars), pino({ level: 'silent' }));
  } catch (err) {
    removeOwnDataDir();
    throw err;
  }
  const running: RunningGateway = {
    port: gateway.port,
    tritonAddresses: gateway.tritonAddresses,
    stop: async () => {
      try {
        await gateway.stop();
      } finally {
        removeOwnDataDir();
      }
    },
  };
  return { gateway: running, url: `http://127.0.0.1:${gateway.port}` };
}

/** One API key per role, and the `API_KEYS` value that configures them (names `ops`, `line1`, `qa`). */
export const ROLE_KEYS = {
  mlops: 'mlops-key-0123456789abcdef',
  station: 'station-key-0123456789abcdef',
  auditor: 'auditor-key-0123456789abcdef',
} as const;
export const ROLE_KEYS_ENV = `ops:mlops:${ROLE_KEYS.mlops},line1:station:${ROLE_KEYS.station},qa:auditor:${ROLE_KEYS.auditor}`;
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * One gateway for the whole test file, started in `beforeAll` with ROLE_KEYS (plus `env`) and stopped in
 * `afterAll`; read `url` inside tests.
 */
export function gatewayPerFile(env: Record<string, string> = {}): { readonly url: string } {
  let running: { gateway: RunningGateway; url: string } | undefined;
  beforeAll(async () => {
    running = await startTestGateway({ API_KEYS: ROLE_KEYS_ENV, ...env });
  }, 120_000);
  afterAll(async () => {
    await running?.gateway.stop();
  });
  return {
    get url() {
      if (!running) throw new Error('the gateway has not started');
      return running.url;
    },
  };
}

/** The first `n` images of a dataset class folder, read from the shared datasets (never copied). */
export function datasetImages(
  dataset: string,
  cls: string,
  n: number,
): Array<{ name: string; bytes: Buffer }> {
  const dir = path.join(DATASETS, dataset, 'images', cls);
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .slice(0, n)
    .map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, name)) }));
}

export async function postImage(
  url: string,
  bytes: Buffer,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('image', new Blob([bytes]), 'part.jpg');
  return fetch(`${url}/v1/inspections`, { method: 'POST', body: form, headers });
}

/** POST /v1/inspections with a JSON body (electrical measurements). */
export async function postInspectionJson(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/v1/inspections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** The fixture repository with a version 2 (the same network) of the visual and electrical fixtures, every version
 * served: a temporary folder for the caller to remove. */
export function twoVersionRepository(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'experiments-repo-'));
  fs.cpSync(GATEWAY_FIXTURES, dir, { recursive: true });
  for (const name of ['visual_fixture', 'electrical_fixture']) {
    const model = path.join(dir, name);
    fs.cpSync(path.join(model, '1'), path.join(model, '2'), { recursive: true });
    const config = path.join(model, 'config.pbtxt');
    fs.writeFileSync(config, `version_policy: { all: {} }\n${fs.readFileSync(config, 'utf8')}`);
  }
  return dir;
}
