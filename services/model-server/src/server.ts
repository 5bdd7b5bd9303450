import * as grpc from '@grpc/grpc-js';
import { healthServiceDefinition, inferenceServiceDefinition } from '@defect-gateway/proto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { healthHandlers } from './grpc/health-service';
import { inferenceHandlers, type ServerInfo } from './grpc/inference-service';
import { ModelManager, type ModelControlMode } from './models/model-manager';
import { OnnxModel } from './models/onnx-model';
import { createRepositorySource } from './models/repository-source';
import { PrometheusMetrics } from './stats/prometheus-metrics';

export interface ModelServerOptions {
  modelRepository: string;
  grpcAddress: string;
  /** 0 picks a free port. */
  grpcPort: number;
  /** undefined disables the metrics endpoint; 0 picks a free port. */
  metricsPort: number | undefined;
  controlMode: ModelControlMode;
  loadModels: string[];
  exitOnError: boolean;
  /** Seconds to wait for in-flight requests on shutdown before cancelling them. */
  exitTimeoutSeconds: number;
  log: Logger;
}

export const SERVER_INFO: ServerInfo = {
  name: 'model-server',
  version: '0.1.0',
  extensions: [
    'classification',
    'model_repository',
    'model_repository(unload_dependents)',
    'schedule_policy',
    'model_configuration',
    'binary_tensor_data',
    'parameters',
    'statistics',
  ],
};

/**
 * The composition root of the model server: repository → model manager → gRPC services and metrics. Owns the
 * ordered shutdown (stop accepting, let in-flight requests finish, unload models, close endpoints).
 */
export class ModelServer {
  private accepting = true;

  private constructor(
    private readonly grpcServer: grpc.Server,
    private readonly metricsServer: http.Server | undefined,
    readonly manager: ModelManager,
    readonly grpcPort: number,
    readonly metricsPort: number | undefined,
    private readonly options: ModelServerOptions,
  ) {}

  static async start(options: ModelServerOptions): Promise<ModelServer> {
    const { log } = options;
    const loaded: { manager?: ModelManager } = {};
    const metrics = new PrometheusMetrics(() =>
      (loaded.manager?.servables() ?? []).map((s) => ({
        model: s.name,
        version: String(s.version),
        count: s instanceof OnnxModel ? s.queueDepth : 0,
      })),
    );
    const manager = new ModelManager(
      createRepositorySource(options.modelRepository),
      options.controlMode,
      log,
      metrics,
    );
    loaded.manager = manager;
    const failed = await manager.loadInitial(options.loadModels);
    if (failed.length > 0 && options.exitOnError) {
      await manager.shutdown();
      throw new Error(`failed to load all models: ${failed.join(', ')}`);
    }

    const grpcServer = new grpc.Server({
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      'grpc.keepalive_time_ms': 7_200_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.http2.min_ping_interval_without_data_ms': 300_000,
    });
    const started: { server?: ModelServer } = {};
    const state = { accepting: () => started.server?.accepting ?? true };
    grpcServer.addService(inferenceServiceDefinition(), inferenceHandlers(manager, SERVER_INFO, state, log));
    grpcServer.addService(healthServiceDefinition(), healthHandlers(state));
    const grpcPort = await bind(grpcServer, `${options.grpcAddress}:${options.grpcPort}`);

    let metricsServer: http.Server | undefined;
    let metricsPort: number | undefined;
    if (options.metricsPort !== undefined) {
      metricsServer = http.createServer((req, res) => {
        if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
          metrics.registry.metrics().then(
            (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
            (err: unknown) => res.writeHead(500).end(String(err)),
          );
        } else res.writeHead(404).end();
      });
      metricsPort = await listen(metricsServer, options.grpcAddress, options.metricsPort);
    }
    const server = new ModelServer(grpcServer, metricsServer, manager, grpcPort, metricsPort, options);
    started.server = server;
    log.info(
      { grpcPort, metricsPort, mode: options.controlMode },
      `Started GRPCInferenceService at ${options.grpcAddress}:${grpcPort}`,
    );
    return server;
  }

  /** Graceful stop: refuse new work, finish in-flight requests (up to the exit timeout), unload, close. */
  async stop(): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    const { log } = this.options;
    log.info('shutting down: waiting for in-flight requests');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log.warn('exit timeout reached: cancelling remaining requests');
        this.grpcServer.forceShutdown();
        resolve();
      }, this.options.exitTimeoutSeconds * 1000);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.manager.shutdown();
    if (this.metricsServer) await new Promise<void>((resolve) => this.metricsServer?.close(() => resolve()));
    log.info('shutdown complete');
  }
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    );
  });
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
