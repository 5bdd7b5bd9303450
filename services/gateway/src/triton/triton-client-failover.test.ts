import { status } from '@grpc/grpc-js';
import {
  DeadlineError,
  InputError,
  NotFoundError,
  TooManyRequestsError,
  UnavailableError,
} from '../domain/errors';
import type { BreakerChange, BreakerOptions } from './endpoint-pool';
import { FakeTritonServer, grpcError, sleep, type FakeHandler } from './fake-triton-server';
import { TritonClient } from './triton-client';

const ok: FakeHandler = () => ({ model_name: 'm', model_version: '1', outputs: [], raw_output_contents: [] });
const failWith =
  (code: status, message: string): FakeHandler =>
  () => {
    throw grpcError(code, message);
  };
const down = failWith(status.UNAVAILABLE, 'Server is shutting down');

describe('TritonClient failover and breakers', () => {
  let a: FakeTritonServer;
  let b: FakeTritonServer;
  let client: TritonClient;
  let changes: BreakerChange[];

  const make = (breaker: Partial<BreakerOptions> = {}): TritonClient => {
    client = new TritonClient({
      endpoints: [a.address, b.address],
      breaker: { volumeThreshold: 2, resetTimeoutMs: 300, ...breaker },
    });
    changes = [];
    client.onBreakerChange((c) => changes.push(c));
    return client;
  };
  const infer = (deadlineMs = 2000) =>
    client.infer({ model: 'm', inputs: [] }, { deadline: Date.now() + deadlineMs });
  const calls = () => a.count('ModelInfer') + b.count('ModelInfer');
  const stateOf = (f: FakeTritonServer) => client.endpoints().find((e) => e.address === f.address)?.state;

  beforeEach(async () => {
    a = await FakeTritonServer.start({ ModelInfer: ok });
    b = await FakeTritonServer.start({ ModelInfer: ok });
  });
  afterEach(async () => {
    await client.close();
    a.stop();
    b.stop();
  });

  it('fails over from an endpoint failure to the next endpoint', async () => {
    make({ volumeThreshold: 100 });
    a.on('ModelInfer', down);
    for (let i = 0; i < 4; i++) await expect(infer()).resolves.toMatchObject({ model: 'm' });
    expect(b.count('ModelInfer')).toBe(4);
    expect(a.count('ModelInfer')).toBe(2); // only the calls whose turn started on a
  });

  it('opens the breaker of a failing endpoint, skips it, then recovers through half-open', async () => {
    make();
    a.on('ModelInfer', down);
    for (let i = 0; i < 6; i++) await infer();
    expect(stateOf(a)).toBe('open');
    expect(client.endpoints().find((e) => e.address === a.address)?.ready).toBe(false);
    const callsWhenOpened = a.count('ModelInfer');
    for (let i = 0; i < 4; i++) await infer();
    expect(a.count('ModelInfer')).toBe(callsWhenOpened); // skipped while open
    expect(changes).toEqual([{ address: a.address, state: 'open', available: true }]);

    a.on('ModelInfer', ok);
    await sleep(400);
    expect(stateOf(a)).toBe('half-open');
    for (let i = 0; i < 4; i++) await infer();
    expect(a.count('ModelInfer')).toBeGreaterThan(callsWhenOpened);
    expect(stateOf(a)).toBe('closed');
    expect(changes.map((c) => c.state)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed half-open probe opens the breaker again', async () => {
    make();
    a.on('ModelInfer', down);
    for (let i = 0; i < 6; i++) await infer();
    await sleep(400);
    for (let i = 0; i < 2; i++) await infer();
    expect(stateOf(a)).toBe('open');
    expect(changes.map((c) => c.state)).toEqual(['open', 'half-open', 'open']);
  });

  it('with every breaker open: UnavailableError with retry-after from the reset time, no calls', async () => {
    make({ volumeThreshold: 1, resetTimeoutMs: 2500 });
    a.on('ModelInfer', down);
    b.on('ModelInfer', down);
    await expect(infer()).rejects.toBeInstanceOf(UnavailableError);
    expect(stateOf(a)).toBe('open');
    expect(stateOf(b)).toBe('open');
    expect(client.available()).toBe(false);
    expect(changes.at(-1)).toMatchObject({ state: 'open', available: false });
    const before = calls();
    const err: unknown = await infer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).message).toMatch(/circuit open/);
    expect((err as UnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((err as UnavailableError).retryAfterSeconds).toBeLessThanOrEqual(3);
    expect(calls()).toBe(before);
  });

  it('back-pressure is returned at once: no failover, breaker stays closed', async () => {
    make({ volumeThreshold: 1 });
    a.on('ModelInfer', failWith(status.UNAVAILABLE, '[request id: 1] Exceeds maximum queue size'));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => infer()));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(5);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(TooManyRequestsError);
    expect(b.count('ModelInfer')).toBe(5);
    expect(stateOf(a)).toBe('closed');
    expect(changes).toEqual([]);
  });

  it.each([
    [status.INVALID_ARGUMENT, "unexpected shape for input 'INPUT0'", InputError],
    [status.NOT_FOUND, "Request for unknown model: 'm' is not found", NotFoundError],
  ])('status %s is never retried and never trips the breaker', async (code, message, Type) => {
    make({ volumeThreshold: 1 });
    a.on('ModelInfer', failWith(code, message));
    b.on('ModelInfer', failWith(code, message));
    for (let i = 0; i < 3; i++) {
      const err: unknown = await infer().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Type);
      expect((err as Error).message).toBe(message);
    }
    expect(calls()).toBe(3);
    expect(client.endpoints().map((e) => e.state)).toEqual(['closed', 'closed']);
  });

  it('a deadline gives DeadlineError without failover and without tripping the breaker', async () => {
    make({ volumeThreshold: 1 });
    const slow: FakeHandler = async () => {
      await sleep(300);
      return ok(undefined);
    };
    a.on('ModelInfer', slow);
    b.on('ModelInfer', slow);
    await expect(infer(80)).rejects.toBeInstanceOf(DeadlineError);
    expect(calls()).toBe(1);
    expect(client.endpoints().map((e) => e.state)).toEqual(['closed', 'closed']);
  });

  it('a model not ready on one replica fails over without tripping its breaker', async () => {
    make({ volumeThreshold: 1 });
    a.on(
      'ModelInfer',
      failWith(status.UNAVAILABLE, "Request for unknown model: 'm' version 1 is not at ready state"),
    );
    for (let i = 0; i < 4; i++) await expect(infer()).resolves.toMatchObject({ model: 'm' });
    expect(stateOf(a)).toBe('closed');
    b.on(
      'ModelInfer',
      failWith(status.UNAVAILABLE, "Request for unknown model: 'm' version 1 is not at ready state"),
    );
    const err: unknown = await infer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe("Request for unknown model: 'm' version 1 is not at ready state");
    expect(client.endpoints().map((e) => e.state)).toEqual(['closed', 'closed']);
  });

  it('failover attempts share the one overall deadline', async () => {
    make({ volumeThreshold: 100 });
    a.on('ModelInfer', async () => {
      await sleep(60);
      throw grpcError(status.INTERNAL, 'backend crashed');
    });
    b.on('ModelInfer', async () => {
      await sleep(400);
      return ok(undefined);
    });
    const started = Date.now();
    await expect(infer(200)).rejects.toBeInstanceOf(DeadlineError); // round-robin starts on a
    expect(Date.now() - started).toBeLessThan(350);
    expect(a.count('ModelInfer')).toBe(1);
    expect(b.count('ModelInfer')).toBe(1);
  });
});
