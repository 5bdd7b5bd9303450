/**
 * Fault test: the connection to Kafka is cut (a proxy this test controls, in front of the real test broker)
 * while events are being written and relayed. Nothing may be lost, order per key must hold, and no event may
 * reach consumers twice.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { KafkaProxy } from '../../../../tests/harness/kafka/kafka-proxy';
import {
  consumeEvents,
  eventIdsPerKey,
  kafkaBrokers,
  startFaultProxy,
  uniqueTopic,
} from '../../../../tests/harness/kafka/kafka-test-broker';
import { createDatabase, type Database } from '../records/db';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { InMemoryOutboxSource } from './in-memory-outbox-source';
import { KafkaPublisher } from './kafka-publisher';
import { OutboxRelay } from './outbox-relay';
import type { OutboxSource } from './outbox-source';
import { PostgresOutboxSource } from './postgres-outbox-source';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const TOTAL = 200;
const KEYS = 10;

let brokers: string[];
let proxy: KafkaProxy;

beforeAll(async () => {
  brokers = await kafkaBrokers();
}, 180_000);

beforeEach(async () => {
  proxy = await startFaultProxy(brokers);
});

afterEach(async () => {
  await proxy.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** An outbox the test writes to and inspects: in memory, or the real table. */
interface OutboxUnderTest {
  source: OutboxSource;
  write(topic: string, key: string, payload: Record<string, unknown>): Promise<void>;
  unpublished(): Promise<number>;
  /** Event ids per topic/key in write (id) order. */
  writtenPerKey(): Promise<Map<string, string[]>>;
}

function inMemoryOutbox(): OutboxUnderTest & { memory: InMemoryOutboxSource } {
  const memory = new InMemoryOutboxSource();
  return {
    memory,
    source: memory,
    write: async (topic, key, payload) => void memory.add({ topic, key, payload }),
    unpublished: async () => memory.unpublishedCount(),
    writtenPerKey: async () => perKey(memory.list()),
  };
}

function postgresOutbox(db: Database): OutboxUnderTest {
  return {
    source: new PostgresOutboxSource(db),
    write: async (topic, key, payload) => {
      const eventId = randomUUID();
      await db.query('INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, $2, $3, $4::jsonb)', [
        eventId,
        topic,
        key,
        JSON.stringify({ ...payload, eventId }),
      ]);
    },
    unpublished: async () =>
      Number((await db.query('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0]!.n),
    writtenPerKey: async () =>
      perKey(
        (
          await db.query('SELECT event_id::text AS "eventId", topic, key FROM outbox ORDER BY outbox.id')
        ).rows.map((r) => ({ eventId: String(r.eventId), topic: String(r.topic), key: String(r.key) })),
      ),
  };
}

function perKey(rows: { eventId: string; topic: string; key: string }[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of rows) {
    const k = `${r.topic}/${r.key}`;
    map.set(k, [...(map.get(k) ?? []), r.eventId]);
  }
  return map;
}

/**
 * Writes TOTAL events over KEYS keys (two topics) at a steady pace while the relay runs, cuts the proxy once
 * some have been published, keeps writing through the outage, restores, and returns what consumers read.
 */
async function runWithCut(outbox: OutboxUnderTest, label: string, atRequestBoundary: boolean) {
  const topics = [uniqueTopic('inspection.completed'), uniqueTopic('inspection.defect')];
  const write = (i: number) => {
    const key = `station-${i % KEYS}`;
    return outbox.write(topics[i % 3 === 0 ? 1 : 0]!, key, { schemaVersion: 1, seq: i, key });
  };
  const publisher = new KafkaPublisher({
    brokers: [proxy.bootstrap],
    clientId: 'events-fault-test',
    log,
    connectionTimeoutMs: 500,
    requestTimeoutMs: 5_000,
    retryInitialMs: 50,
    retryMaxMs: 500,
  });
  const relay = new OutboxRelay({
    source: outbox.source,
    publisher,
    log,
    batchSize: 10,
    pollIntervalMs: 10,
    backoff: { initialMs: 50, maxMs: 500 },
  });
  relay.start();

  // Events keep coming at a steady pace, so batches are in flight when the cut lands.
  const writer = (async () => {
    for (let i = 0; i < TOTAL; i++) {
      await write(i);
      await sleep(3);
    }
  })();
  await until(async () => relay.status().publishedTotal >= 40, 30_000, 'the first events to be published');
  await proxy.cut({ atRequestBoundary, newConnections: 'refuse' });
  const publishedAtCut = relay.status().publishedTotal;
  await writer;
  await sleep(1_500);
  const duringOutage = { published: relay.status().publishedTotal, waiting: await outbox.unpublished() };

  await proxy.restore();
  await until(
    async () => (await outbox.unpublished()) === 0,
    45_000,
    'the outbox to drain after the restore',
  );
  await relay.stop();

  const consumed = await consumeEvents({ brokers, topics, expected: TOTAL, quietMs: 1_500 });
  const unique = new Set(consumed.map((e) => e.eventId)).size;
  process.stdout.write(
    `${label}: written ${TOTAL}, published before the cut ${publishedAtCut}, waiting during the outage ` +
      `${duringOutage.waiting}, consumed ${consumed.length} messages / ${unique} distinct events ` +
      `(${consumed.length - unique} resent)\n`,
  );
  return { consumed, written: await outbox.writtenPerKey(), publishedAtCut, duringOutage };
}

function firstOccurrences(perKey: Map<string, string[]>): Map<string, string[]> {
  return new Map([...perKey].map(([k, ids]) => [k, [...new Set(ids)]]));
}

describe('outbox relay through a Kafka outage', () => {
  it(`cut at a request boundary: all ${TOTAL} events arrive after the restore, in order per key, none twice`, async () => {
    const outbox = inMemoryOutbox();
    const run = await runWithCut(outbox, 'in-memory outbox, cut at a request boundary', true);
    const { consumed, written, publishedAtCut, duringOutage } = run;

    // The outage was real: events piled up in the outbox and at most the batch in flight went out meanwhile.
    expect(publishedAtCut).toBeLessThan(TOTAL);
    expect(duringOutage.published).toBeLessThanOrEqual(publishedAtCut + 10);
    expect(duringOutage.waiting).toBe(TOTAL - duringOutage.published);
    expect(duringOutage.waiting).toBeGreaterThan(TOTAL / 4);

    expect([...outbox.memory.markCounts.values()].every((n) => n === 1)).toBe(true);
    expect(consumed).toHaveLength(TOTAL);
    expect(new Set(consumed.map((e) => e.eventId)).size).toBe(TOTAL);
    expect(eventIdsPerKey(consumed)).toEqual(written);
  }, 120_000);

  it('hard cut (replies in flight lost): nothing lost, order per key holds; duplicates counted', async () => {
    const { consumed, written, duringOutage } = await runWithCut(
      inMemoryOutbox(),
      'in-memory outbox, hard cut',
      false,
    );
    expect(duringOutage.waiting).toBeGreaterThanOrEqual(TOTAL / 2);
    const unique = new Set(consumed.map((e) => e.eventId));
    expect(unique.size).toBe(TOTAL);
    // A produce request the broker wrote but whose reply the cut lost is sent again by kafkajs with the same
    // producer id and sequence. Apache Kafka drops such a retry; librdkafka's mock cluster checks sequences
    // only for transactional producers, so against it the retry may show up once more here: compare the
    // order of first deliveries.
    expect(firstOccurrences(eventIdsPerKey(consumed))).toEqual(written);
  }, 120_000);

  describe('with the Postgres outbox', () => {
    let testDb: TestDatabase;
    let db: Database;

    beforeAll(async () => {
      testDb = await createTestDatabase();
      db = createDatabase({ connectionString: testDb.url, max: 4 });
    }, 600_000);

    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    it(`cut at a request boundary: all ${TOTAL} rows arrive, in order per key, none twice, all marked`, async () => {
      const { consumed, written, duringOutage } = await runWithCut(
        postgresOutbox(db),
        'Postgres outbox, cut at a request boundary',
        true,
      );
      expect(duringOutage.waiting).toBeGreaterThan(TOTAL / 4);
      expect(consumed).toHaveLength(TOTAL);
      expect(new Set(consumed.map((e) => e.eventId)).size).toBe(TOTAL);
      expect(eventIdsPerKey(consumed)).toEqual(written);
    }, 120_000);
  });
});
