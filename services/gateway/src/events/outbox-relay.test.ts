import pino from 'pino';
import { FakeEventPublisher } from './fake-event-publisher';
import { InMemoryOutboxSource } from './in-memory-outbox-source';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import type { OutboxRelayMetrics } from './relay-metrics';

const log = pino({ level: 'silent' });
const FAST_BACKOFF = { initialMs: 2, maxMs: 10, jitter: 0 };

function relay(overrides: Partial<OutboxRelayOptions> & Pick<OutboxRelayOptions, 'source' | 'publisher'>) {
  return new OutboxRelay({ log, batchSize: 10, pollIntervalMs: 5, backoff: FAST_BACKOFF, ...overrides });
}

/** Adds `count` events spread over `keys` station keys; returns their event ids in write order. */
function fill(
  source: InMemoryOutboxSource,
  count: number,
  keys = 3,
  topic = 'inspection.completed',
): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `station-${i % keys}`;
    ids.push(source.add({ topic, key, payload: { schemaVersion: 1, seq: i, key } }).eventId);
  }
  return ids;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Event ids per key, in the order the broker acknowledged them. */
function orderPerKey(publisher: FakeEventPublisher): Map<string, string[]> {
  const perKey = new Map<string, string[]>();
  for (const e of publisher.delivered) perKey.set(e.key, [...(perKey.get(e.key) ?? []), e.eventId]);
  return perKey;
}

function writtenOrderPerKey(source: InMemoryOutboxSource): Map<string, string[]> {
  const perKey = new Map<string, string[]>();
  for (const r of source.list()) perKey.set(r.key, [...(perKey.get(r.key) ?? []), r.eventId]);
  return perKey;
}

function recordingMetrics() {
  const seen = { published: 0, failed: [] as string[], parked: 0 };
  const metrics: OutboxRelayMetrics = {
    published: (_topic, count) => (seen.published += count),
    failed: (kind) => seen.failed.push(kind),
    parked: (count) => (seen.parked += count),
  };
  return { seen, metrics };
}

describe('OutboxRelay', () => {
  it('publishes every row once, in write order per key, and marks it published', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    const { seen, metrics } = recordingMetrics();
    fill(source, 45, 4);
    const r = relay({ source, publisher, metrics });
    r.start();
    await waitFor(() => source.unpublishedCount() === 0);
    await r.stop();

    expect(publisher.delivered).toHaveLength(45);
    expect(new Set(publisher.delivered.map((e) => e.eventId)).size).toBe(45);
    expect(orderPerKey(publisher)).toEqual(writtenOrderPerKey(source));
    expect([...source.markCounts.values()].every((n) => n === 1)).toBe(true);
    expect(seen.published).toBe(45);
    expect(r.status()).toMatchObject({ state: 'stopped', publishedTotal: 45, consecutiveFailures: 0 });
  });

  it('sends the message key, event id and schema version with each event', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    const row = source.add({
      topic: 'job.completed',
      key: 'lot-7',
      payload: { schemaVersion: 1, jobId: 'j' },
    });
    const r = relay({ source, publisher });
    r.start();
    await waitFor(() => publisher.delivered.length === 1);
    await r.stop();
    expect(publisher.delivered[0]).toEqual({
      topic: 'job.completed',
      key: 'lot-7',
      eventId: row.eventId,
      schemaVersion: 1,
      value: JSON.stringify({ schemaVersion: 1, jobId: 'j' }),
    });
  });

  it('keeps rows in the outbox while the broker is down and delivers all of them, in order, after recovery', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    const { seen, metrics } = recordingMetrics();
    fill(source, 12);
    publisher.down = true;
    const r = relay({ source, publisher, metrics });
    r.start();
    await waitFor(() => publisher.attempts.length >= 4);

    // While down: nothing is marked, more events keep arriving, the relay reports the outage.
    expect(source.unpublishedCount()).toBe(12);
    fill(source, 18);
    expect(r.status().consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(r.status().lastError).toMatch(/down/);
    // Every retry during the outage carried exactly the same batch, so an idempotent producer can dedupe.
    const first = publisher.attempts[0];
    expect(publisher.attempts.every((a) => JSON.stringify(a) === JSON.stringify(first))).toBe(true);

    publisher.down = false;
    await waitFor(() => source.unpublishedCount() === 0);
    await r.stop();

    expect(publisher.delivered).toHaveLength(30);
    expect(new Set(publisher.delivered.map((e) => e.eventId)).size).toBe(30);
    expect(orderPerKey(publisher)).toEqual(writtenOrderPerKey(source));
    expect([...source.markCounts.values()].every((n) => n === 1)).toBe(true);
    expect(seen.failed.every((k) => k === 'unavailable')).toBe(true);
    expect(r.status().consecutiveFailures).toBe(0);
  });

  it('backs off when the broker cannot be reached at start and connects once it can', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    publisher.unreachable = true;
    fill(source, 3);
    const r = relay({ source, publisher });
    r.start();
    await waitFor(() => publisher.connectAttempts >= 3);
    expect(r.status().state).toMatch(/connecting|backing_off/);
    expect(publisher.delivered).toHaveLength(0);
    publisher.unreachable = false;
    await waitFor(() => source.unpublishedCount() === 0);
    await r.stop();
    expect(publisher.delivered).toHaveLength(3);
  });

  it('never publishes a row twice when two relays share the outbox, and keeps per-key order', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    fill(source, 300, 5);
    const a = relay({ source, publisher, batchSize: 7 });
    const b = relay({ source, publisher, batchSize: 11 });
    a.start();
    b.start();
    await waitFor(() => source.unpublishedCount() === 0);
    await Promise.all([a.stop(), b.stop()]);

    expect(publisher.delivered).toHaveLength(300);
    expect(new Set(publisher.delivered.map((e) => e.eventId)).size).toBe(300);
    expect(orderPerKey(publisher)).toEqual(writtenOrderPerKey(source));
    expect([...source.markCounts.values()].every((n) => n === 1)).toBe(true);
    expect(a.status().publishedTotal + b.status().publishedTotal).toBe(300);
  });

  it('parks an event the broker refuses, delivers the others, and holds back later events of its key', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    const { seen, metrics } = recordingMetrics();
    const ids = fill(source, 9, 3); // station-0: 0,3,6  station-1: 1,4,7  station-2: 2,5,8
    publisher.refuse.add(ids[4]!); // station-1's second event
    const r = relay({ source, publisher, metrics });
    r.start();
    await waitFor(() => source.unpublishedCount() === 2);
    await r.stop();

    const delivered = publisher.delivered.map((e) => e.eventId);
    expect(delivered).toHaveLength(7);
    expect(delivered).not.toContain(ids[4]);
    expect(delivered).not.toContain(ids[7]); // waits behind the refused one: order per key holds
    expect(
      source
        .list()
        .filter((row) => row.publishedAt === null)
        .map((row) => row.eventId),
    ).toEqual([ids[4], ids[7]]);
    expect(r.status().parkedEventIds).toEqual([ids[4]]);
    expect(seen.parked).toBe(1);
    expect(seen.failed).toContain('rejected');
  });

  it('treats a refusal of every event as a broker problem: nothing parked, retried after a backoff', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    const [id] = fill(source, 1);
    publisher.refuse.add(id!);
    const r = relay({ source, publisher });
    r.start();
    await waitFor(() => publisher.attempts.length >= 3);
    expect(r.status().parkedEventIds).toEqual([]);
    publisher.refuse.clear();
    await waitFor(() => source.unpublishedCount() === 0);
    await r.stop();
    expect(publisher.delivered.map((e) => e.eventId)).toEqual([id]);
  });

  it('stop() lets the batch in flight finish and marks it published', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    fill(source, 5);
    publisher.hold();
    const r = relay({ source, publisher });
    r.start();
    await waitFor(() => publisher.attempts.length === 1);
    const stopped = r.stop();
    publisher.release();
    await stopped;
    expect(source.unpublishedCount()).toBe(0);
    expect(publisher.delivered).toHaveLength(5);
    expect(publisher.connected).toBe(false);
  });

  it('stop() during an outage returns the claimed rows to the outbox for the next relay', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    fill(source, 6);
    publisher.down = true;
    const first = relay({ source, publisher });
    first.start();
    await waitFor(() => publisher.attempts.length >= 2);
    await first.stop();
    expect(source.unpublishedCount()).toBe(6);

    publisher.down = false;
    const second = relay({ source, publisher });
    second.start();
    await waitFor(() => source.unpublishedCount() === 0);
    await second.stop();
    expect(publisher.delivered).toHaveLength(6);
  });

  it('wakes up on notify() instead of waiting for the next poll', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    const r = relay({ source, publisher, pollIntervalMs: 60_000 });
    r.start();
    await waitFor(() => r.status().state === 'idle');
    fill(source, 2);
    r.notify();
    await waitFor(() => publisher.delivered.length === 2, 2_000);
    await r.stop();
  });

  it('reports the age of the oldest waiting event as lag, and 0 once caught up', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    let now = 1_000_000;
    source.add({ topic: 't', key: 'k', payload: {}, createdAt: new Date(now - 4_000) });
    publisher.down = true;
    const r = relay({ source, publisher, now: () => now });
    r.start();
    await waitFor(() => publisher.attempts.length >= 1);
    expect(r.lagMs()).toBe(4_000);
    now += 1_000;
    expect(r.status().lagMs).toBe(5_000);
    publisher.down = false;
    await waitFor(() => source.unpublishedCount() === 0);
    await waitFor(() => r.lagMs() === 0);
    await r.stop();
  });
});

describe('OutboxRelay status', () => {
  it('shows how long a publish has been waiting for the broker', async () => {
    const source = new InMemoryOutboxSource();
    const publisher = new FakeEventPublisher();
    let now = 5_000;
    fill(source, 1);
    publisher.hold();
    const r = relay({ source, publisher, now: () => now });
    r.start();
    await waitFor(() => publisher.attempts.length === 1);
    now += 2_500;
    expect(r.status()).toMatchObject({ state: 'publishing', publishingForMs: 2_500 });
    publisher.release();
    await waitFor(() => source.unpublishedCount() === 0);
    expect(r.status().publishingForMs).toBe(0);
    await r.stop();
  });
});
