import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { DeadlineError, UnavailableError, isGatewayError } from '../domain/errors';
import type { TritonConnection } from './triton-connection';
import { failsOver, failureKindOf, tripsBreaker, withKind } from './triton-errors';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Failure percentage (endpoint failures / calls in the window) above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Calls needed in the window before the percentage is considered. */
  volumeThreshold: number;
  /** How long an open breaker waits before letting one probe call through (half-open). */
  resetTimeoutMs: number;
  /** Length of the rolling statistics window. */
  rollingWindowMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 5_000,
  rollingWindowMs: 10_000,
});

export interface EndpointStatus {
  address: string;
  state: BreakerState;
  ready: boolean;
}

/** A breaker changed state. `available` is false while every breaker is open (no endpoint can be tried). */
export interface BreakerChange {
  address: string;
  state: BreakerState;
  available: boolean;
}

type Attempt = () => Promise<unknown>;

interface Endpoint {
  connection: TritonConnection;
  breaker: CircuitBreaker<[Attempt], unknown>;
  openedAt: number;
}

/**
 * Replicas of one Triton deployment: round-robin, one opossum breaker per endpoint, and the failover loop —
 * the only place in the gateway where a Triton call is sent again (ADR 0003).
 */
export class EndpointPool {
  private readonly endpoints: Endpoint[];
  private readonly listeners = new Set<(change: BreakerChange) => void>();
  private readonly options: BreakerOptions;
  private next = 0;
  private readonly log: Logger | undefined;

  constructor(connections: readonly TritonConnection[], options: Partial<BreakerOptions> = {}, log?: Logger) {
    if (connections.length === 0) throw new Error('EndpointPool needs at least one endpoint');
    this.options = { ...DEFAULT_BREAKER_OPTIONS, ...options };
    this.log = log;
    this.endpoints = connections.map((connection) => this.endpoint(connection));
  }

  get connections(): TritonConnection[] {
    return this.endpoints.map((e) => e.connection);
  }

  statuses(): EndpointStatus[] {
    return this.endpoints.map((e) => ({
      address: e.connection.address,
      state: stateOf(e.breaker),
      ready: e.connection.ready && !e.breaker.opened,
    }));
  }

  /** True while at least one breaker is closed or half-open. */
  available(): boolean {
    return this.endpoints.some((e) => !e.breaker.opened);
  }

  /** Subscribes to breaker state changes; returns the unsubscribe function. */
  onChange(listener: (change: BreakerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens an endpoint's breaker now (e.g. it failed to connect at start-up); it is probed after the reset. */
  markDown(connection: TritonConnection): void {
    this.endpoints.find((e) => e.connection === connection)?.breaker.open();
  }

  /**
   * The failover loop. Tries endpoints in round-robin order starting after the last one used, each at most
   * once, all within `deadline`. An endpoint whose breaker is open is skipped without a call. Only failures
   * whose kind `failsOver` (endpoint failure, model not ready on that replica) move on to the next endpoint;
   * back-pressure, deadline and caller errors are returned at once. Idempotent calls only: inference and
   * reads are, so a call that may have reached a failing replica can safely be sent to another.
   */
  async execute<T>(
    method: string,
    deadline: number,
    attempt: (c: TritonConnection) => Promise<T>,
  ): Promise<T> {
    const start = this.next;
    this.next = (this.next + 1) % this.endpoints.length;
    let lastError: unknown;
    let tried = 0;
    for (let i = 0; i < this.endpoints.length; i++) {
      const endpoint = this.endpoints[(start + i) % this.endpoints.length];
      if (endpoint === undefined || endpoint.breaker.opened) continue;
      if (!(deadline > Date.now())) {
        throw withKind(
          new DeadlineError(`deadline passed before ${method}`, { cause: lastError }),
          'deadline',
        );
      }
      try {
        tried += 1;
        return (await endpoint.breaker.fire(() => attempt(endpoint.connection))) as T;
      } catch (err) {
        if (isBreakerRejection(err)) {
          tried -= 1; // half-open with its one probe call already in flight: skip like an open breaker
          continue;
        }
        if (!failsOver(failureKindOf(err))) throw err;
        lastError = err;
        this.log?.warn({ address: endpoint.connection.address, method, err }, 'Triton call failed over');
      }
    }
    const retryAfterSeconds = this.retryAfterSeconds();
    let message = `no Triton endpoint could serve ${method}`;
    if (tried === 0) message = `every Triton endpoint is unavailable (circuit open) for ${method}`;
    // Triton's "model … is not at ready state" names no endpoint and tells the caller more than ours.
    else if (failureKindOf(lastError) === 'model-unavailable') message = (lastError as Error).message;
    throw withKind(new UnavailableError(message, retryAfterSeconds, { cause: lastError }), 'endpoint');
  }

  /** Stops the breakers' timers. Does not close the connections. */
  shutdown(): void {
    for (const e of this.endpoints) e.breaker.shutdown();
    this.listeners.clear();
  }

  /** Seconds until the first open breaker lets a probe through (at least 1). */
  private retryAfterSeconds(): number {
    const now = Date.now();
    const waits = this.endpoints
      .filter((e) => e.breaker.opened)
      .map((e) => e.openedAt + this.options.resetTimeoutMs - now);
    if (waits.length < this.endpoints.length) return 1;
    return Math.max(1, Math.ceil(Math.min(...waits) / 1000));
  }

  private endpoint(connection: TritonConnection): Endpoint {
    const breaker = new CircuitBreaker<[Attempt], unknown>((run: Attempt) => run(), {
      name: connection.address,
      timeout: false, // every call carries its own gRPC deadline
      errorThresholdPercentage: this.options.errorThresholdPercentage,
      volumeThreshold: this.options.volumeThreshold,
      resetTimeout: this.options.resetTimeoutMs,
      rollingCountTimeout: this.options.rollingWindowMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // Only endpoint failures count. Everything else is filtered (opossum then counts it as a success:
      // the replica answered).
      errorFilter: (err: unknown) => !tripsBreaker(failureKindOf(err)),
    });
    const endpoint: Endpoint = { connection, breaker, openedAt: 0 };
    const emit = (state: BreakerState): void => {
      if (state === 'open') endpoint.openedAt = Date.now();
      const change = { address: connection.address, state, available: this.available() };
      this.log?.[state === 'open' ? 'warn' : 'info'](change, `Triton endpoint breaker ${state}`);
      for (const listener of this.listeners) listener(change);
    };
    breaker.on('open', () => emit('open'));
    breaker.on('halfOpen', () => emit('half-open'));
    breaker.on('close', () => emit('closed'));
    breaker.on('success', () => connection.markReady(true));
    breaker.on('failure', () => connection.markReady(false));
    return endpoint;
  }
}

function stateOf(breaker: CircuitBreaker): BreakerState {
  if (breaker.opened) return 'open';
  return breaker.halfOpen ? 'half-open' : 'closed';
}

function isBreakerRejection(err: unknown): boolean {
  return err instanceof Error && !isGatewayError(err) && CircuitBreaker.isOurError(err);
}
