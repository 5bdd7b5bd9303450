import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Logger } from 'pino';

const BIN = path.resolve(__dirname, '../../model-server/bin/model-server.js');
/** Lines of the child's output kept to explain a failed start. */
const KEEP_LOG_LINES = 30;

export interface EmbeddedModelServerOptions {
  /** Models to load at start (`*`: every model in the repository). */
  loadModels?: string[];
  startTimeoutMs?: number;
}

/**
 * `model-server` as a child process on loopback, serving a repository: the gateway's embedded default, and the
 * private server of an evaluation run. A separate process keeps ONNX Runtime and its gRPC work off the caller's
 * event loop (two cores, two processes). Its JSON log lines are passed through to the caller's log.
 */
export class EmbeddedModelServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    private readonly exited: Promise<number | null>,
  ) {}

  static async start(
    repository: string,
    log: Logger,
    options: EmbeddedModelServerOptions = {},
  ): Promise<EmbeddedModelServer> {
    const startTimeoutMs = options.startTimeoutMs ?? 120_000;
    const loads = (options.loadModels ?? ['*']).flatMap((m) => ['--load-model', m]);
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--model-repository',
        repository,
        '--model-control-mode',
        'explicit',
        ...loads,
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
    const childLog = log.child({ component: 'model-server' });
    const recent: string[] = [];
    const remember = (line: string): void => {
      if (line.trim() === '') return;
      recent.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (recent.length > KEEP_LOG_LINES) recent.shift();
    };
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
          const port = forward(childLog, line);
          if (port !== undefined) {
            clearTimeout(timer);
            resolve(port);
          }
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        text.split('\n').forEach(remember);
        childLog.warn(text.trim());
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`model-server exited with status ${code} before it was ready:\n${recent.join('\n')}`),
        );
      });
    });
    return new EmbeddedModelServer(child, `127.0.0.1:${port}`, exited);
  }

  /** SIGTERM (model-server finishes in-flight requests and exits 0), SIGKILL after `graceMs`; waits for the exit. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }
}

/** Re-logs one model-server JSON line; returns the gRPC port from its start-up line. */
function forward(log: Logger, line: string): number | undefined {
  if (line.trim() === '') return undefined;
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string; grpcPort?: number };
    const level = (entry.level ?? 30) >= 50 ? 'error' : (entry.level ?? 30) >= 40 ? 'warn' : 'info';
    log[level]({ ...entry, level: undefined }, entry.msg ?? '');
    return typeof entry.grpcPort === 'number' ? entry.grpcPort : undefined;
  } catch {
    log.info(line);
    return undefined;
  }
}
