// The gateway as a separate process, exactly as `npm start` runs it (services/gateway/bin/gateway.js, so
// `npm run build` first), in its own process group so that kill -9 reaches its embedded model-server too, as a
// crashed container would. Shared by the fault tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
/** GATEWAY_BIN: another entry point with the same environment contract (for trying a build in progress). */
const BIN = process.env.GATEWAY_BIN ?? path.join(REPO_ROOT, 'services/gateway/bin/gateway.js');
export const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures/gateway_repository');

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** The last 20,000 characters it wrote (stdout and stderr), for failure messages. */
  output(): string;
}

/** Fails early, with the command to run, when the gateway has not been built. */
export function assertBuilt(module = 'jobs/index.js'): void {
  if (!existsSync(path.join(REPO_ROOT, 'services/gateway/dist', module))) {
    throw new Error(`services/gateway/dist has no ${module}: run \`npm run build\` first`);
  }
}

/** Starts the gateway on `port` with `env` added to this process's, and waits until /healthz answers. */
export async function startGatewayProcess(
  port: number,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  let output = '';
  const child = spawn(process.execPath, [BIN], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url, output: () => output };
    if (Date.now() > until) throw new Error(`gateway did not start:\n${output}`);
    await sleep(200);
  }
}

/** kill -9 of the gateway's whole process group (its embedded model-server included). */
export async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGKILL');
  await exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const p = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(p));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
