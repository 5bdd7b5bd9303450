// Where the conformance suite finds its server. With TRITON_GRPC=host:port it talks to that server (a real
// Triton, or a model-server someone started); otherwise each test file starts its own model-server on free
// ports, waits for ServerReady (60 s at most) and stops it with SIGTERM afterwards.
//
// Two test areas need a differently configured server: load failures (a server whose repository is
// tests/fixtures/broken_repository, explicit mode) and load/unload refusal (model_repository in "none"
// mode). Locally the helper starts those too; against an external server they come from TRITON_GRPC_BROKEN
// and TRITON_GRPC_NONE, and the tests that need them are skipped when those are not set.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO_ROOT, TritonClient } from './triton-client';

export const MODEL_REPOSITORY = path.join(REPO_ROOT, 'tests/fixtures/model_repository');
export const BROKEN_REPOSITORY = path.join(REPO_ROOT, 'tests/fixtures/broken_repository');
const SERVER_BIN = path.join(REPO_ROOT, 'services/model-server/bin/model-server.js');
const SERVER_BUILD = path.join(REPO_ROOT, 'services/model-server/dist/cli.js');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ServerOptions {
  /** Environment variable holding host:port of an external server of this kind. */
  readonly env?: 'TRITON_GRPC' | 'TRITON_GRPC_BROKEN' | 'TRITON_GRPC_NONE';
  readonly repository?: string;
  readonly controlMode?: 'explicit' | 'none';
}

export interface ConformanceServer {
  readonly address: string;
  /** True when this process started the server, so no other test file shares it. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

/** False when the suite runs against external servers and the one of this kind was not given. */
export function serverAvailable(env: ServerOptions['env'] = 'TRITON_GRPC'): boolean {
  const external = process.env.TRITON_GRPC;
  return external === undefined || external === '' || (process.env[env] ?? '') !== '';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('could not allocate a port'));
      });
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitUntilReady(address: string, child: ChildProcess, log: () => string): Promise<void> {
  const client = new TritonClient(address);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `model-server exited (${child.exitCode ?? child.signalCode}) before ready:\n${log()}`,
        );
      }
      try {
        if (await client.serverReady(1_000)) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`model-server not ready within ${READY_TIMEOUT_MS} ms:\n${log()}`);
  } finally {
    client.close();
  }
}

export async function startServerIfNeeded(options: ServerOptions = {}): Promise<ConformanceServer> {
  const env = options.env ?? 'TRITON_GRPC';
  const external = process.env[env];
  if (external !== undefined && external !== '') {
    return { address: external, owned: false, stop: async () => undefined };
  }
  if (!serverAvailable(env))
    throw new Error(`${env} is not set; this test needs it against external servers`);
  if (!fs.existsSync(SERVER_BUILD)) {
    throw new Error(`model-server is not built (${SERVER_BUILD} missing): run \`npm run build\` first`);
  }

  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  const args = [
    SERVER_BIN,
    '--model-repository',
    options.repository ?? MODEL_REPOSITORY,
    '--model-control-mode',
    options.controlMode ?? 'explicit',
    '--grpc-port',
    String(grpcPort),
    '--metrics-port',
    String(metricsPort),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const address = `127.0.0.1:${grpcPort}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
  };
  try {
    await waitUntilReady(address, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, owned: true, stop };
}

export interface ServerHandle {
  /** The client for the server of this test file (valid inside tests). */
  readonly client: TritonClient;
  readonly server: ConformanceServer;
}

/**
 * Registers beforeAll/afterAll that start (or attach to) a server, open a client and load `models`
 * (explicit mode). Returns a getter to use inside tests.
 */
export function useConformanceServer(
  options: ServerOptions & { models?: readonly string[] } = {},
): () => ServerHandle {
  let handle: ServerHandle | undefined;
  beforeAll(async () => {
    const server = await startServerIfNeeded(options);
    const client = new TritonClient(server.address);
    handle = { client, server };
    await client.ensureLoaded(options.models ?? []);
  }, READY_TIMEOUT_MS + 120_000);
  afterAll(
    async () => {
      handle?.client.close();
      await handle?.server.stop();
    },
    2 * STOP_TIMEOUT_MS + 5_000,
  );
  return () => {
    if (handle === undefined) throw new Error('conformance server is not started');
    return handle;
  };
}
