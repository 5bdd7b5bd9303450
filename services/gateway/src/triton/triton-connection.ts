import * as grpc from '@grpc/grpc-js';
import { createInferenceClient, type GRPCInferenceServiceClient } from '@defect-gateway/proto';
import { DeadlineError, UnavailableError, type GatewayError } from '../domain/errors';
import { classifyGrpcError, withKind } from './triton-errors';

/**
 * Channel options for every Triton connection, stated explicitly rather than left to library defaults.
 *
 * Keepalive. Triton's gRPC server keeps gRPC core's server defaults unless started with other flags
 * (`tritonserver --help`, "GRPC KeepAlive" in docs/customization_guide/inference_protocols.md):
 * `--grpc-keepalive-permit-without-calls` 0, `--grpc-http2-min-recv-ping-interval-without-data` 300000 ms
 * and `--grpc-http2-max-ping-strikes` 2. A client pinging more often than every 5 minutes while no data flows,
 * or pinging with no call in flight, collects "ping strikes", and after the third the server closes the
 * connection with GOAWAY `too_many_pings`: every in-flight call on it fails with UNAVAILABLE, which would
 * open our breaker for a perfectly healthy replica. So the client pings at most every 6 minutes (5 minutes
 * plus a margin for timer jitter, so that a ping is never "early") and only while calls are in flight.
 * Dead connections are mostly detected by the per-call deadline and by connect errors; a deployment that
 * lowers Triton's limits can lower `keepaliveTimeMs` to match.
 *
 * Message size. Inference responses (feature maps, heatmaps, batches) exceed gRPC's 4 MiB default receive
 * cap, so both directions are unbounded (-1); request size is limited at the HTTP edge.
 *
 * Retries. gRPC's own retry machinery is switched off: the failover loop in endpoint-pool.ts is the one place
 * where a call is sent again (ADR 0003).
 */
export const KEEPALIVE_TIME_MS = 360_000;
export const KEEPALIVE_TIMEOUT_MS = 20_000;

export interface ConnectionOptions {
  /** Keepalive ping interval; keep it ≥ Triton's `--grpc-http2-min-recv-ping-interval-without-data`. */
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** Longest wait between reconnection attempts to a dead endpoint. */
  maxReconnectBackoffMs?: number;
  /** Extra channel options, applied last. */
  channelOptions?: grpc.ChannelOptions;
  credentials?: grpc.ChannelCredentials;
}

export function channelOptions(options: ConnectionOptions = {}): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? KEEPALIVE_TIMEOUT_MS,
    'grpc.keepalive_permit_without_calls': 0,
    'grpc.enable_retries': 0,
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': options.maxReconnectBackoffMs ?? 5_000,
    ...options.channelOptions,
  };
}

/** Issues one unary call on the typed client: `(client, callOptions, callback) => client.Method(req, …)`. */
export type UnaryInvoker<Res> = (
  client: GRPCInferenceServiceClient,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/**
 * One Triton endpoint: a gRPC channel with explicit options, a deadline on every call, and errors classified
 * into domain errors. It does not retry and has no breaker; the endpoint pool adds both.
 */
export class TritonConnection {
  private readonly client: GRPCInferenceServiceClient;
  private isReady = false;
  private closed = false;

  constructor(
    readonly address: string,
    options: ConnectionOptions = {},
  ) {
    this.client = createInferenceClient(
      address,
      channelOptions(options),
      options.credentials ?? grpc.credentials.createInsecure(),
    );
  }

  /** Last known readiness: set by connect/probe, cleared by an endpoint failure, set by a success. */
  get ready(): boolean {
    return this.isReady && !this.closed;
  }

  markReady(ready: boolean): void {
    this.isReady = ready;
  }

  /**
   * Waits (until `deadline`, epoch ms) for the channel to be connected, then asks ServerReady under the same
   * deadline. Rejects with UnavailableError when the endpoint is unreachable or not ready.
   */
  async connect(deadline: number): Promise<void> {
    try {
      await this.waitForChannel(deadline);
    } catch (err) {
      this.isReady = false;
      const reason = err instanceof Error ? err.message : String(err);
      throw withKind(
        new UnavailableError(`Triton endpoint ${this.address} not reachable: ${reason}`, 1, { cause: err }),
        'endpoint',
      );
    }
    if (!(await this.probe(deadline))) {
      throw withKind(new UnavailableError(`Triton endpoint ${this.address} is not ready`), 'endpoint');
    }
  }

  /**
   * Like grpc's `waitForReady`, but gives up as soon as a connection attempt fails (TRANSIENT_FAILURE)
   * instead of waiting out the deadline: a refused port is reported at once.
   */
  private waitForChannel(deadline: number): Promise<void> {
    const channel = this.client.getChannel();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === grpc.connectivityState.READY) return resolve();
        if (state === grpc.connectivityState.TRANSIENT_FAILURE) {
          return reject(new Error('connection attempt failed'));
        }
        if (state === grpc.connectivityState.SHUTDOWN) return reject(new Error('channel is closed'));
        channel.watchConnectivityState(state, deadline, (err) => (err ? reject(err) : check()));
      };
      check();
    });
  }

  /** ServerReady under a deadline; records and returns the answer. Rejects with a classified error. */
  async probe(deadline: number): Promise<boolean> {
    try {
      const res = await this.unary<{ ready: boolean }>('ServerReady', deadline, (c, o, cb) =>
        c.ServerReady({}, o, cb),
      );
      this.isReady = res.ready;
      return res.ready;
    } catch (err) {
      this.isReady = false;
      throw err;
    }
  }

  /**
   * Runs one unary call with `deadline` (epoch ms). Resolves with the response; rejects with a domain error
   * from classifyGrpcError (the gRPC error is its cause). A deadline already past fails without a call.
   */
  unary<Res>(method: string, deadline: number, invoke: UnaryInvoker<Res>): Promise<Res> {
    if (this.closed) {
      return Promise.reject(
        withKind(new UnavailableError(`Triton connection to ${this.address} is closed`), 'local'),
      );
    }
    if (!(deadline > Date.now())) {
      return Promise.reject(withKind(new DeadlineError(`deadline passed before ${method}`), 'deadline'));
    }
    return new Promise<Res>((resolve, reject) => {
      const fail = (err: unknown): void => reject(this.classify(err, method));
      try {
        invoke(this.client, { deadline: new Date(deadline) }, (err, res) => {
          if (err) fail(err);
          else if (res === undefined) fail(new Error(`${method} returned no response`));
          else resolve(res);
        });
      } catch (err) {
        fail(err);
      }
    });
  }

  /** Closes the channel; in-flight calls are cancelled by gRPC. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.isReady = false;
    this.client.close();
  }

  private classify(err: unknown, method: string): GatewayError {
    return classifyGrpcError(err, { address: this.address, method });
  }
}
