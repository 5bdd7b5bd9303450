import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Logger } from 'pino';

const BIN = path.resolve(__dirname, '../../model-server/bin/model-server.js');

/**
 * The embedded default: `model-server` as a child process on loopback, serving the configured repository.
 * A separate process keeps ONNX Runtime and its gRPC work off the gateway's event loop (two cores, two
 * processes). Its JSON log lines are passed through to the gateway's log.
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
    startTimeoutMs = 120_000,
  ): Promise<EmbeddedModelServer> {
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--model-repository',
        repository,
        '--model-control-mode',
        'explicit',
        '--load-model',
        '*',
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
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('embedded model-server did not start in time')),
        startTimeoutMs,
      );
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const port = forward(childLog, line);
          if (port !== undefined) {
            clearTimeout(timer);
            resolve(port);
          }
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => childLog.warn(chunk.toString('utf8').trim()));
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`embedded model-server exited with status ${code} before it was ready`));
      });
    });
    return new EmbeddedModelServer(child, `127.0.0.1:${port}`, exited);
  }

  /** SIGTERM, then wait: model-server finishes in-flight requests and exits 0. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
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
