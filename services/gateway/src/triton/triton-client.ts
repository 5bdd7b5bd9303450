import type {
  ModelConfig,
  ModelConfigResponse,
  ModelIndex,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelReadyResponse,
  ModelRepositoryParameter__Input,
  ModelStatistics,
  ModelStatisticsResponse,
  RepositoryIndexResponse,
} from '@defect-gateway/proto';
import type { Logger } from 'pino';
import { InternalError, UnavailableError } from '../domain/errors';
import { EndpointPool, type BreakerChange, type BreakerOptions, type EndpointStatus } from './endpoint-pool';
import { fromInferResponse, toInferRequest, type InferRequest, type InferResult } from './infer-codec';
import { TritonConnection, type ConnectionOptions } from './triton-connection';
import { failureKindOf, withKind } from './triton-errors';

export interface TritonClientOptions {
  /** `host:port` of each replica (see parseEndpointList). */
  endpoints: readonly string[];
  breaker?: Partial<BreakerOptions>;
  connection?: ConnectionOptions;
  /** Deadline of calls made without one (readiness, metadata, config, statistics, index). Default 5 s. */
  defaultTimeoutMs?: number;
  /** Deadline of connect(). Default 5 s. */
  connectTimeoutMs?: number;
  /** Deadline of loadModel/unloadModel made without one (loading can be slow). Default 120 s. */
  loadTimeoutMs?: number;
  log?: Logger;
}

export interface CallOptions {
  /** Epoch milliseconds. */
  deadline?: number;
}

/** Outcome of a repository change sent to every replica. */
export interface ReplicaResult {
  succeeded: string[];
  /** Replicas that could not be reached (endpoint failure); they do not have the change. */
  unreachable: string[];
}

/**
 * The gateway's Triton client: several replicas behind round-robin, a breaker per replica and failover
 * (endpoint-pool.ts). Every call has a deadline; errors are domain errors (triton-errors.ts).
 */
export class TritonClient {
  private readonly pool: EndpointPool;
  private readonly defaultTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly loadTimeoutMs: number;
  private readonly log: Logger | undefined;

  constructor(options: TritonClientOptions) {
    if (options.endpoints.length === 0) throw new Error('TritonClient needs at least one endpoint');
    const connections = options.endpoints.map((a) => new TritonConnection(a, options.connection));
    this.pool = new EndpointPool(connections, options.breaker, options.log);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 120_000;
    this.log = options.log;
  }

  /**
   * Connects every replica (channel ready + ServerReady) in parallel. Succeeds when at least one is ready;
   * the others get an open breaker and are probed again after its reset timeout.
   */
  async connect(): Promise<void> {
    const deadline = Date.now() + this.connectTimeoutMs;
    const connections = this.pool.connections;
    const results = await Promise.allSettled(connections.map((c) => c.connect(deadline)));
    let firstError: unknown;
    results.forEach((r, i) => {
      const connection = connections[i];
      if (r.status === 'fulfilled' || connection === undefined) return;
      firstError ??= r.reason;
      this.log?.warn({ address: connection.address, err: r.reason }, 'Triton endpoint not ready at connect');
      this.pool.markDown(connection);
    });
    if (results.some((r) => r.status === 'fulfilled')) return;
    throw withKind(
      new UnavailableError('no Triton endpoint is ready', 1, {
        cause: firstError,
        details: { endpoints: connections.length },
      }),
      'endpoint',
    );
  }

  /** Stops the breakers and closes every channel. */
  async close(): Promise<void> {
    this.pool.shutdown();
    for (const c of this.pool.connections) c.close();
  }

  /** Runs one inference (one batch: the batcher sits above this client) on some ready replica. */
  async infer(req: InferRequest, opts: { deadline: number }): Promise<InferResult> {
    if (!Number.isFinite(opts.deadline)) throw new InternalError('infer needs a finite deadline');
    const request = toInferRequest(req);
    const response = await this.pool.execute('ModelInfer', opts.deadline, (c) =>
      c.unary<ModelInferResponse>('ModelInfer', opts.deadline, (client, o, cb) =>
        client.ModelInfer(request, o, cb),
      ),
    );
    return fromInferResponse(response);
  }

  /** Asks every replica ServerReady (not through the breakers); true when at least one is ready. */
  async serverReady(opts: CallOptions = {}): Promise<boolean> {
    const deadline = this.deadline(opts);
    const answers = await Promise.allSettled(this.pool.connections.map((c) => c.probe(deadline)));
    return answers.some((a) => a.status === 'fulfilled' && a.value);
  }

  async modelReady(name: string, version = '', opts: CallOptions = {}): Promise<boolean> {
    const deadline = this.deadline(opts);
    const res = await this.pool.execute('ModelReady', deadline, (c) =>
      c.unary<ModelReadyResponse>('ModelReady', deadline, (client, o, cb) =>
        client.ModelReady({ name, version }, o, cb),
      ),
    );
    return res.ready;
  }

  async modelMetadata(name: string, version = '', opts: CallOptions = {}): Promise<ModelMetadataResponse> {
    const deadline = this.deadline(opts);
    return this.pool.execute('ModelMetadata', deadline, (c) =>
      c.unary<ModelMetadataResponse>('ModelMetadata', deadline, (client, o, cb) =>
        client.ModelMetadata({ name, version }, o, cb),
      ),
    );
  }

  async modelConfig(name: string, version = '', opts: CallOptions = {}): Promise<ModelConfig> {
    const deadline = this.deadline(opts);
    const res = await this.pool.execute('ModelConfig', deadline, (c) =>
      c.unary<ModelConfigResponse>('ModelConfig', deadline, (client, o, cb) =>
        client.ModelConfig({ name, version }, o, cb),
      ),
    );
    if (res.config === null) throw new InternalError(`Triton returned no config for model '${name}'`);
    return res.config;
  }

  /** Statistics as one replica reports them (replicas are not summed). Empty name: every model. */
  async modelStatistics(name = '', version = '', opts: CallOptions = {}): Promise<ModelStatistics[]> {
    const deadline = this.deadline(opts);
    const res = await this.pool.execute('ModelStatistics', deadline, (c) =>
      c.unary<ModelStatisticsResponse>('ModelStatistics', deadline, (client, o, cb) =>
        client.ModelStatistics({ name, version }, o, cb),
      ),
    );
    return res.model_stats;
  }

  /** The model repository index of one replica; `ready` limits it to ready models. */
  async repositoryIndex(opts: CallOptions & { ready?: boolean } = {}): Promise<ModelIndex[]> {
    const deadline = this.deadline(opts);
    const ready = opts.ready ?? false;
    const res = await this.pool.execute('RepositoryIndex', deadline, (c) =>
      c.unary<RepositoryIndexResponse>('RepositoryIndex', deadline, (client, o, cb) =>
        client.RepositoryIndex({ repository_name: '', ready }, o, cb),
      ),
    );
    return res.models;
  }

  /**
   * Loads (or reloads) a model on every replica, with an optional ModelConfig JSON override. Unreachable
   * replicas are reported, not fatal; any other failure (load error, unknown model) is thrown.
   */
  async loadModel(name: string, configJson?: string, opts: CallOptions = {}): Promise<ReplicaResult> {
    const parameters: Record<string, ModelRepositoryParameter__Input> = {};
    if (configJson !== undefined) parameters['config'] = { string_param: configJson };
    const deadline = opts.deadline ?? Date.now() + this.loadTimeoutMs;
    return this.everyReplica('RepositoryModelLoad', (c) =>
      c.unary('RepositoryModelLoad', deadline, (client, o, cb) =>
        client.RepositoryModelLoad({ repository_name: '', model_name: name, parameters }, o, cb),
      ),
    );
  }

  /** Unloads a model on every replica (same reporting as loadModel). */
  async unloadModel(name: string, opts: CallOptions = {}): Promise<ReplicaResult> {
    const deadline = opts.deadline ?? Date.now() + this.loadTimeoutMs;
    return this.everyReplica('RepositoryModelUnload', (c) =>
      c.unary('RepositoryModelUnload', deadline, (client, o, cb) =>
        client.RepositoryModelUnload({ repository_name: '', model_name: name, parameters: {} }, o, cb),
      ),
    );
  }

  /** Breaker state and readiness of every replica, for /readyz and metrics. */
  endpoints(): EndpointStatus[] {
    return this.pool.statuses();
  }

  /** False while every breaker is open: online calls get 503, batch work should pause. */
  available(): boolean {
    return this.pool.available();
  }

  /** Called on every breaker transition; returns the unsubscribe function. */
  onBreakerChange(listener: (change: BreakerChange) => void): () => void {
    return this.pool.onChange(listener);
  }

  private deadline(opts: CallOptions): number {
    return opts.deadline ?? Date.now() + this.defaultTimeoutMs;
  }

  private async everyReplica(
    method: string,
    call: (c: TritonConnection) => Promise<unknown>,
  ): Promise<ReplicaResult> {
    const connections = this.pool.connections;
    const results = await Promise.allSettled(connections.map(call));
    const out: ReplicaResult = { succeeded: [], unreachable: [] };
    let lastEndpointError: unknown;
    for (const [i, r] of results.entries()) {
      const address = connections[i]?.address ?? '';
      if (r.status === 'fulfilled') out.succeeded.push(address);
      else if (failureKindOf(r.reason) === 'endpoint') {
        out.unreachable.push(address);
        lastEndpointError = r.reason;
      } else throw r.reason;
    }
    if (out.succeeded.length === 0) {
      throw withKind(
        new UnavailableError(`no Triton endpoint could serve ${method}`, 1, { cause: lastEndpointError }),
        'endpoint',
      );
    }
    if (out.unreachable.length > 0) this.log?.warn({ method, ...out }, 'repository change missed replicas');
    return out;
  }
}

/** Splits a comma-separated endpoint list (e.g. TRITON_URL) into `host:port` addresses. */
export function parseEndpointList(value: string): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim().replace(/^grpc:\/\//, ''))
    .filter((s) => s !== '');
  for (const address of list) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(address)) {
      throw new Error(`invalid Triton endpoint '${address}': expected host:port`);
    }
  }
  if (list.length === 0) throw new Error('no Triton endpoint given');
  return list;
}
