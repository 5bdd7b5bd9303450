import * as grpc from '@grpc/grpc-js';
import { inferenceServiceDefinition } from '@defect-gateway/proto';
import * as net from 'node:net';

/**
 * A gRPC server speaking the KServe v2 service from the same .proto, bound to 127.0.0.1:0, whose answers the
 * test decides: contract tests for the Triton client (and for code above it) without a model server.
 */
export type FakeMethod =
  | 'ServerLive'
  | 'ServerReady'
  | 'ServerMetadata'
  | 'ModelReady'
  | 'ModelMetadata'
  | 'ModelConfig'
  | 'ModelStatistics'
  | 'ModelInfer'
  | 'RepositoryIndex'
  | 'RepositoryModelLoad'
  | 'RepositoryModelUnload';

/** Returns the response object, or throws `grpcError(...)` to answer with a status. May be async. */
export type FakeHandler = (request: unknown) => unknown;

const METHODS: readonly FakeMethod[] = [
  'ServerLive',
  'ServerReady',
  'ServerMetadata',
  'ModelReady',
  'ModelMetadata',
  'ModelConfig',
  'ModelStatistics',
  'ModelInfer',
  'RepositoryIndex',
  'RepositoryModelLoad',
  'RepositoryModelUnload',
];

export class GrpcStatusError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export const grpcError = (code: grpc.status, message: string): GrpcStatusError =>
  new GrpcStatusError(code, message);

/** Resolves after `ms` milliseconds (for slow handlers). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port with nothing listening on it (a dead endpoint). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const DEFAULTS: Partial<Record<FakeMethod, FakeHandler>> = {
  ServerLive: () => ({ live: true }),
  ServerReady: () => ({ ready: true }),
  ModelReady: () => ({ ready: true }),
};

export class FakeTritonServer {
  private readonly handlers = new Map<FakeMethod, FakeHandler>();
  private readonly counts = new Map<FakeMethod, number>();

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  static async start(handlers: Partial<Record<FakeMethod, FakeHandler>> = {}): Promise<FakeTritonServer> {
    const server = new grpc.Server();
    const implementation: grpc.UntypedServiceImplementation = {};
    const holder: { fake?: FakeTritonServer } = {};
    for (const method of METHODS) {
      const handler: grpc.handleUnaryCall<unknown, unknown> = (call, callback) => {
        holder.fake?.dispatch(method, call.request, callback);
      };
      implementation[method] = handler;
    }
    server.addService(inferenceServiceDefinition(), implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const fake = new FakeTritonServer(server, port);
    holder.fake = fake;
    for (const [method, handler] of Object.entries(handlers)) fake.on(method as FakeMethod, handler);
    return fake;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Replaces the handler of one method. */
  on(method: FakeMethod, handler: FakeHandler): this {
    this.handlers.set(method, handler);
    return this;
  }

  /** How many calls of `method` arrived. */
  count(method: FakeMethod): number {
    return this.counts.get(method) ?? 0;
  }

  /** Stops at once, cancelling in-flight calls. */
  stop(): void {
    this.server.forceShutdown();
  }

  private dispatch(method: FakeMethod, request: unknown, callback: grpc.sendUnaryData<unknown>): void {
    this.counts.set(method, this.count(method) + 1);
    const handler = this.handlers.get(method) ?? DEFAULTS[method];
    const answer = async (): Promise<unknown> => {
      if (handler === undefined) throw grpcError(grpc.status.UNIMPLEMENTED, `${method} not faked`);
      return handler(request);
    };
    answer().then(
      (response) => callback(null, response),
      (err: unknown) => {
        const code = err instanceof GrpcStatusError ? err.code : grpc.status.UNKNOWN;
        const details = err instanceof Error ? err.message : String(err);
        callback({ code, details, metadata: new grpc.Metadata() });
      },
    );
  }
}
