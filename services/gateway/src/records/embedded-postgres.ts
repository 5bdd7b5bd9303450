/**
 * The embedded default database: PGlite (Postgres compiled to WebAssembly) served over the Postgres wire
 * protocol on a loopback port by pglite-socket, so the gateway uses the very same `pg` code path, SQL and
 * migrations as with a real server. PGlite runs one statement at a time: use a pool of `poolMax` (1); run the
 * migrations (their own connection, closed afterwards) before opening the pool.
 *
 * PGlite runs in a worker thread: its queries execute synchronously in WebAssembly and would otherwise stall
 * the gateway's event loop (HTTP, batching, gRPC) for as long as each one takes. The worker also loads PGlite
 * in plain Node, whose dynamic `import()` of its WebAssembly loader Jest's module sandbox cannot run.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** `.data/pglite` at the repository root. */
export const DEFAULT_EMBEDDED_DATA_DIR = path.resolve(__dirname, '../../../../.data/pglite');

export interface EmbeddedPostgresOptions {
  /** Directory of the database files (created if missing); null keeps everything in memory. */
  dataDir?: string | null;
  /** Loopback only by default. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * Pool size to use (`poolMax`). Default 1: PGlite runs one statement at a time anyway, and a transaction keeps
   * it to itself. The socket server accepts one connection more than this, so that a connection being replaced
   * (closed after a network error, reopened by the pool) is not refused while the old one is still closing.
   */
  poolMax?: number;
  /** Start-up limit (the first start runs initdb: seconds). Default 120 000 ms. */
  startTimeoutMs?: number;
  /** Called if the database worker fails after start-up (queries then fail as "database unavailable"). */
  onError?: (err: Error) => void;
}

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly connectionString: string;
  /** Pool size to use with it. */
  readonly poolMax: number;
  readonly dataDir: string | null;
  /** Closes the socket server, then the database (flushing it to disk), then the worker. */
  stop(): Promise<void>;
}

type WorkerMessage =
  { type: 'listening'; address: string } | { type: 'stopped' } | { type: 'error'; message: string };

/** Runs inside the worker (plain CommonJS; module paths come resolved from the parent). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pgliteModule);
const { PGLiteSocketServer } = require(workerData.socketModule);
(async () => {
  const db = workerData.dataDir === null ? await PGlite.create() : await PGlite.create({ dataDir: workerData.dataDir });
  const server = new PGLiteSocketServer({
    db, host: workerData.host, port: workerData.port, maxConnections: workerData.maxConnections,
  });
  await server.start();
  parentPort.on('message', (message) => {
    if (message.type !== 'stop') return;
    (async () => {
      await server.stop();
      await db.close();
      parentPort.postMessage({ type: 'stopped' });
      parentPort.close();
    })().catch((err) => parentPort.postMessage({ type: 'error', message: String(err && err.stack || err) }));
  });
  parentPort.postMessage({ type: 'listening', address: server.getServerConn() });
})().catch((err) => parentPort.postMessage({ type: 'error', message: String(err && err.stack || err) }));
`;

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const dataDir = options.dataDir === undefined ? DEFAULT_EMBEDDED_DATA_DIR : options.dataDir;
  if (dataDir !== null) await mkdir(dataDir, { recursive: true });
  const poolMax = options.poolMax ?? 1;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      pgliteModule: require.resolve('@electric-sql/pglite'),
      socketModule: require.resolve('@electric-sql/pglite-socket'),
      dataDir,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      maxConnections: poolMax + 1,
    },
  });

  let address: string;
  try {
    address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('embedded Postgres did not start in time')),
        options.startTimeoutMs ?? 120_000,
      );
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`embedded Postgres worker exited (${code}) during start`)),
      );
      worker.once('message', (message: WorkerMessage) => {
        clearTimeout(timer);
        if (message.type === 'listening') resolve(message.address);
        else reject(new Error(`embedded Postgres failed to start: ${describe(message)}`));
      });
    });
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  worker.removeAllListeners();
  worker.on('error', (err) => options.onError?.(err));
  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'error') options.onError?.(new Error(message.message));
  });

  const separator = address.lastIndexOf(':');
  let stopping: Promise<void> | undefined;
  return {
    connectionString: `postgres://postgres@${address.slice(0, separator)}:${address.slice(separator + 1)}/postgres`,
    poolMax,
    dataDir,
    stop() {
      stopping ??= stopWorker(worker);
      return stopping;
    },
  };
}

async function stopWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const stopped = new Promise<void>((resolve) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'stopped' || message.type === 'error') resolve();
    });
  });
  worker.postMessage({ type: 'stop' });
  // A clean stop flushes PGlite to disk; if it hangs, the worker is terminated after 30 s.
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref());
  if ((await Promise.race([stopped.then(() => 'ok' as const), exited, timeout])) === 'timeout') {
    await worker.terminate();
    return;
  }
  await Promise.race([exited, timeout]);
  await worker.terminate();
}

function describe(message: WorkerMessage): string {
  return message.type === 'error' ? message.message : message.type;
}
