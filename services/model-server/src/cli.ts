import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import type { ModelControlMode } from './models/model-manager';
import { ModelServer, SERVER_INFO } from './server';

/** Triton's command line, for the options this server implements (`--flag value` or `--flag=value`). */
export function buildCommand(): Command {
  return new Command('model-server')
    .description('Triton-compatible KServe v2 gRPC model server on ONNX Runtime (CPU)')
    .version(SERVER_INFO.version)
    .requiredOption('--model-repository <dir>', 'path to a Triton model repository')
    .option('--grpc-address <host>', 'address the gRPC endpoint binds to', '0.0.0.0')
    .option('--grpc-port <port>', 'gRPC port (0 picks a free one)', port, 8001)
    .option('--metrics-port <port>', 'Prometheus metrics port (0 picks a free one)', port, 8002)
    .option('--allow-metrics <bool>', 'serve Prometheus metrics', bool, true)
    .addOption(
      new Option('--model-control-mode <mode>', 'model control mode')
        .choices(['none', 'explicit'])
        .default('none'),
    )
    .option(
      '--load-model <name>',
      'model to load at start-up in explicit mode (repeatable; * for all)',
      collect,
      [],
    )
    .option('--exit-on-error <bool>', 'exit when a model fails to load at start-up', bool, true)
    .option('--exit-timeout-secs <seconds>', 'seconds to wait for in-flight requests on shutdown', port, 30)
    .option('--log-verbose <level>', 'verbose logging level (0: info, 1 or more: debug)', port, 0)
    .option('--log-info <bool>', 'log info messages', bool, true)
    .allowExcessArguments(false);
}

export interface CliOptions {
  modelRepository: string;
  grpcAddress: string;
  grpcPort: number;
  metricsPort: number;
  allowMetrics: boolean;
  modelControlMode: ModelControlMode;
  loadModel: string[];
  exitOnError: boolean;
  exitTimeoutSecs: number;
  logVerbose: number;
  logInfo: boolean;
}

export function main(argv: string[]): void {
  const opts = buildCommand().parse(argv).opts<CliOptions>();
  const log = pino({
    name: 'model-server',
    level: opts.logVerbose > 0 ? 'debug' : opts.logInfo ? 'info' : 'warn',
  });
  if (opts.modelControlMode === 'none' && opts.loadModel.length > 0) {
    log.warn('--load-model is ignored in model control mode none: every model is loaded');
  }
  ModelServer.start({
    modelRepository: opts.modelRepository,
    grpcAddress: opts.grpcAddress,
    grpcPort: opts.grpcPort,
    metricsPort: opts.allowMetrics ? opts.metricsPort : undefined,
    controlMode: opts.modelControlMode,
    loadModels: opts.loadModel,
    exitOnError: opts.exitOnError,
    exitTimeoutSeconds: opts.exitTimeoutSecs,
    log,
  }).then(
    (server) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'received signal');
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (err: unknown) => {
      log.fatal({ err }, err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be an integer 0–65535');
  return n;
}

function bool(value: string): boolean {
  if (/^(true|1|on|yes)$/i.test(value)) return true;
  if (/^(false|0|off|no)$/i.test(value)) return false;
  throw new InvalidArgumentError('must be true or false');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
