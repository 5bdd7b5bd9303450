import { status } from '@grpc/grpc-js';
import { DeadlineError, UnavailableError } from '../domain/errors';
import { FakeTritonServer, deadPort, grpcError, sleep } from './fake-triton-server';
import { KEEPALIVE_TIME_MS, TritonConnection, channelOptions } from './triton-connection';
import { failureKindOf } from './triton-errors';

describe('TritonConnection', () => {
  let fake: FakeTritonServer;
  let conn: TritonConnection | undefined;

  beforeEach(async () => {
    fake = await FakeTritonServer.start();
  });
  afterEach(() => {
    conn?.close();
    conn = undefined;
    fake.stop();
  });

  it('sets explicit channel options: no receive cap, keepalive within Triton limits, no gRPC retries', () => {
    const opts = channelOptions();
    expect(opts['grpc.max_receive_message_length']).toBe(-1);
    expect(opts['grpc.max_send_message_length']).toBe(-1);
    // Triton's default --grpc-http2-min-recv-ping-interval-without-data is 300000 ms.
    expect(opts['grpc.keepalive_time_ms']).toBe(KEEPALIVE_TIME_MS);
    expect(KEEPALIVE_TIME_MS).toBeGreaterThan(300_000);
    expect(opts['grpc.keepalive_permit_without_calls']).toBe(0);
    expect(opts['grpc.enable_retries']).toBe(0);
  });

  it('connect() waits for the channel and asks ServerReady', async () => {
    conn = new TritonConnection(fake.address);
    expect(conn.ready).toBe(false);
    await conn.connect(Date.now() + 2000);
    expect(conn.ready).toBe(true);
    expect(fake.count('ServerReady')).toBe(1);
  });

  it('connect() fails with UnavailableError when the server is not ready', async () => {
    fake.on('ServerReady', () => ({ ready: false }));
    conn = new TritonConnection(fake.address);
    await expect(conn.connect(Date.now() + 2000)).rejects.toThrow(/is not ready/);
    expect(conn.ready).toBe(false);
  });

  it('connect() to a dead port fails with UnavailableError by its deadline', async () => {
    conn = new TritonConnection(`127.0.0.1:${await deadPort()}`);
    const started = Date.now();
    const err: unknown = await conn.connect(Date.now() + 500).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(failureKindOf(err)).toBe('endpoint');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('puts a deadline on every call: a slow answer gives DeadlineError', async () => {
    fake.on('ModelReady', async () => {
      await sleep(400);
      return { ready: true };
    });
    conn = new TritonConnection(fake.address);
    const err: unknown = await conn
      .unary('ModelReady', Date.now() + 100, (c, o, cb) => c.ModelReady({ name: 'm' }, o, cb))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(failureKindOf(err)).toBe('deadline');
  });

  it('does not call when the deadline has already passed', async () => {
    conn = new TritonConnection(fake.address);
    await expect(
      conn.unary('ModelReady', Date.now() - 1, (c, o, cb) => c.ModelReady({ name: 'm' }, o, cb)),
    ).rejects.toBeInstanceOf(DeadlineError);
    expect(fake.count('ModelReady')).toBe(0);
  });

  it('classifies server statuses and keeps the gRPC error as cause', async () => {
    fake.on('ModelReady', () => {
      throw grpcError(status.UNAVAILABLE, 'Server is shutting down');
    });
    conn = new TritonConnection(fake.address);
    const err: unknown = await conn
      .unary('ModelReady', Date.now() + 1000, (c, o, cb) => c.ModelReady({ name: 'm' }, o, cb))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toContain(fake.address);
    expect((err as Error).cause).toMatchObject({
      code: status.UNAVAILABLE,
      details: 'Server is shutting down',
    });
  });

  it('receives responses larger than 4 MiB', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    fake.on('ModelInfer', () => ({
      model_name: 'm',
      model_version: '1',
      outputs: [{ name: 'OUT', datatype: 'UINT8', shape: [big.length] }],
      raw_output_contents: [big],
    }));
    conn = new TritonConnection(fake.address);
    const res = await conn.unary<{ raw_output_contents: Buffer[] }>(
      'ModelInfer',
      Date.now() + 5000,
      (c, o, cb) => c.ModelInfer({ model_name: 'm' }, o, cb),
    );
    expect(res.raw_output_contents[0]?.length).toBe(big.length);
  });

  it('refuses calls after close()', async () => {
    conn = new TritonConnection(fake.address);
    conn.close();
    await expect(
      conn.unary('ModelReady', Date.now() + 1000, (c, o, cb) => c.ModelReady({ name: 'm' }, o, cb)),
    ).rejects.toThrow(/closed/);
  });
});
