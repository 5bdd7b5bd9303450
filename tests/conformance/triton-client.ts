// A gRPC client built only from Triton's published protocol files (../shared/reference/triton beside the
// repository), so the suite speaks to a server exactly as a Triton client would. The project's own proto/
// is deliberately not used here.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type {
  ModelConfig,
  ModelIndex,
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelRepositoryParameter,
  ModelStatistics,
  ModelStreamInferResponse,
  ServerMetadataResponse,
} from './triton-messages';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TRITON_PROTO_DIR = path.resolve(REPO_ROOT, '../shared/reference/triton');

const DEFAULT_DEADLINE_MS = 30_000;

type UnaryCallback = (err: grpc.ServiceError | null, res: unknown) => void;
type UnaryMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: UnaryCallback) => void;
type ServiceCtor = new (address: string, creds: grpc.ChannelCredentials, opts: object) => grpc.Client;

let cachedCtors: { inference: ServiceCtor; health: ServiceCtor } | undefined;

function serviceConstructors(): { inference: ServiceCtor; health: ServiceCtor } {
  if (cachedCtors === undefined) {
    const definition = protoLoader.loadSync(['grpc_service.proto', 'health.proto'], {
      includeDirs: [TRITON_PROTO_DIR],
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const root = grpc.loadPackageDefinition(definition);
    const lookup = (dotted: string): ServiceCtor => {
      let node: unknown = root;
      for (const part of dotted.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
      if (typeof node !== 'function') throw new Error(`service ${dotted} not found in ${TRITON_PROTO_DIR}`);
      return node as ServiceCtor;
    };
    cachedCtors = {
      inference: lookup('inference.GRPCInferenceService'),
      health: lookup('grpc.health.v1.Health'),
    };
  }
  return cachedCtors;
}

const CHANNEL_OPTIONS = {
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': -1,
};

/** An open ModelStreamInfer call: write requests, read responses in order. */
export interface InferStream {
  write(request: ModelInferRequest): void;
  /** Resolves with the next `count` responses (or rejects if the stream fails first). */
  read(count: number): Promise<ModelStreamInferResponse[]>;
  end(): void;
}

export class TritonClient {
  private readonly inference: grpc.Client;
  private readonly health: grpc.Client;

  constructor(readonly address: string) {
    const ctors = serviceConstructors();
    const creds = grpc.credentials.createInsecure();
    this.inference = new ctors.inference(address, creds, CHANNEL_OPTIONS);
    this.health = new ctors.health(address, creds, CHANNEL_OPTIONS);
  }

  close(): void {
    this.inference.close();
    this.health.close();
  }

  private unary<T>(client: grpc.Client, method: string, request: object, deadlineMs: number): Promise<T> {
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    if (fn === undefined) throw new Error(`no RPC ${method} in Triton's proto`);
    return new Promise<T>((resolve, reject) => {
      fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err !== null) reject(err);
        else resolve(res as T);
      });
    });
  }

  private call<T>(method: string, request: object = {}, deadlineMs = DEFAULT_DEADLINE_MS): Promise<T> {
    return this.unary<T>(this.inference, method, request, deadlineMs);
  }

  async healthCheck(deadlineMs = DEFAULT_DEADLINE_MS): Promise<string> {
    const res = await this.unary<{ status: string }>(this.health, 'Check', { service: '' }, deadlineMs);
    return res.status;
  }

  async serverLive(): Promise<boolean> {
    return (await this.call<{ live: boolean }>('ServerLive')).live;
  }

  async serverReady(deadlineMs = DEFAULT_DEADLINE_MS): Promise<boolean> {
    return (await this.call<{ ready: boolean }>('ServerReady', {}, deadlineMs)).ready;
  }

  serverMetadata(): Promise<ServerMetadataResponse> {
    return this.call('ServerMetadata');
  }

  async modelReady(name: string, version = ''): Promise<boolean> {
    return (await this.call<{ ready: boolean }>('ModelReady', { name, version })).ready;
  }

  modelMetadata(name: string, version = ''): Promise<ModelMetadataResponse> {
    return this.call('ModelMetadata', { name, version });
  }

  async modelConfig(name: string, version = ''): Promise<ModelConfig> {
    return (await this.call<{ config: ModelConfig }>('ModelConfig', { name, version })).config;
  }

  async modelStatistics(name: string, version = ''): Promise<ModelStatistics[]> {
    const res = await this.call<{ model_stats: ModelStatistics[] }>('ModelStatistics', { name, version });
    return res.model_stats;
  }

  async repositoryIndex(ready = false): Promise<ModelIndex[]> {
    return (await this.call<{ models: ModelIndex[] }>('RepositoryIndex', { repository_name: '', ready }))
      .models;
  }

  async load(modelName: string, parameters: Record<string, ModelRepositoryParameter> = {}): Promise<void> {
    await this.call(
      'RepositoryModelLoad',
      { repository_name: '', model_name: modelName, parameters },
      120_000,
    );
  }

  async unload(modelName: string): Promise<void> {
    await this.call(
      'RepositoryModelUnload',
      { repository_name: '', model_name: modelName, parameters: {} },
      60_000,
    );
  }

  infer(request: ModelInferRequest, deadlineMs = DEFAULT_DEADLINE_MS): Promise<ModelInferResponse> {
    return this.call('ModelInfer', request, deadlineMs);
  }

  openStream(deadlineMs = DEFAULT_DEADLINE_MS): InferStream {
    const fn = (this.inference as unknown as Record<string, (md: grpc.Metadata, o: object) => unknown>)
      .ModelStreamInfer;
    if (fn === undefined) throw new Error("no RPC ModelStreamInfer in Triton's proto");
    const call = fn.call(this.inference, new grpc.Metadata(), {
      deadline: Date.now() + deadlineMs,
    }) as grpc.ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse>;
    const received: ModelStreamInferResponse[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    call.on('data', (msg: ModelStreamInferResponse) => {
      received.push(msg);
      wake?.();
    });
    call.on('error', (err: Error) => {
      failure = err;
      wake?.();
    });
    return {
      write: (request) => {
        call.write(request);
      },
      read: async (count) => {
        while (received.length < count && failure === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        if (received.length < count && failure !== undefined) throw failure;
        return received.splice(0, count);
      },
      end: () => {
        call.end();
      },
    };
  }

  /** Loads each model (explicit mode) and waits until its default version is ready. */
  async ensureLoaded(names: readonly string[]): Promise<void> {
    for (const name of names) {
      if (!(await this.modelReady(name))) await this.load(name);
    }
  }
}
