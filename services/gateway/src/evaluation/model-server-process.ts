/**
 * A private `model-server` child process for one evaluation: loopback only, a free port, only the evaluated
 * model loaded (with its ensemble steps), stopped when the evaluation ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../../../model-server/bin/model-server.js');
const KEEP_LOG_LINES = 30;

export class ModelNotInRepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotInRepositoryError';
  }
}

/** Checks that `repository/model/config.pbtxt` exists; the error lists the models that are there. */
export async function assertModelInRepository(repository: string, model: string): Promise<void> {
  const config = path.join(repository, model, 'config.pbtxt');
  if (await isFile(config)) return;
  const entries = await fs.readdir(repository, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined)
    throw new ModelNotInRepositoryError(`model repository ${repository} does not exist`);
  const models: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await isFile(path.join(repository, e.name, 'config.pbtxt')))) models.push(e.name);
  }
  const present = models.length === 0 ? 'it holds no models yet' : `it holds: ${models.sort().join(', ')}`;
  throw new ModelNotInRepositoryError(`model '${model}' is not in ${repository} (${present})`);
}

export class ModelServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    private readonly exited: Promise<number | null>,
  ) {}

  static async start(
    repository: string,
    model: string,
    startTimeoutMs = 300_000,
  ): Promise<ModelServerProcess> {
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--model-repository',
        repository,
        '--model-control-mode',
        'explicit',
        '--load-model',
        model,
        '--grpc-address',
        '127.0.0.1',
        '--grpc-port',
        '0',
        '--allow-metrics',
        'false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const recent: string[] = [];
    const remember = (line: string): void => {
      if (line.trim() === '') return;
      recent.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (recent.length > KEEP_LOG_LINES) recent.shift();
    };
    child.stderr?.on('data', (chunk: Buffer) => chunk.toString('utf8').split('\n').forEach(remember));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        reject(
          new Error(`model-server did not start within ${startTimeoutMs / 1000} s:\n${recent.join('\n')}`),
        );
      }, startTimeoutMs);
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          remember(line);
          const found = grpcPortOf(line);
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
          }
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`model-server exited with status ${code} before it was ready:\n${recent.join('\n')}`),
        );
      });
    });
    return new ModelServerProcess(child, `127.0.0.1:${port}`, exited);
  }

  /** SIGTERM (SIGKILL after `graceMs`), then waits for the exit. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function grpcPortOf(line: string): number | undefined {
  if (!line.includes('"grpcPort"')) return undefined;
  try {
    const entry = JSON.parse(line) as { grpcPort?: unknown };
    return typeof entry.grpcPort === 'number' ? entry.grpcPort : undefined;
  } catch {
    return undefined;
  }
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
