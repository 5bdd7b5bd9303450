// Fault test: the connection between the gateway and Kafka is cut while 1 000 inspections are being decided.
// The gateway must keep answering (events wait in the outbox); after the restore every event arrives, in
// outbox order per key, and de-duplicating on eventId downstream yields exactly the 1 000 events written.
//
// The gateway runs in-process (tests/e2e/gateway-harness.ts) on this file's own test database, with
// KAFKA_BROKERS pointing to a protocol-aware proxy this test owns (tests/harness/kafka/), in front of the test
// broker. `cut()` drops every open connection and refuses new ones until `restore()`.
import { Client } from 'pg';
import { startTestGateway } from '../e2e/gateway-harness';
import type { KafkaProxy } from '../harness/kafka/kafka-proxy';
import {
  consumeEvents,
  eventIdsPerKey,
  kafkaBrokers,
  startFaultProxy,
  type ConsumedEvent,
} from '../harness/kafka/kafka-test-broker';
import type { RunningGateway } from '../../services/gateway/src/server';
import { createTestDatabase, type TestDatabase } from '../../services/gateway/src/records/test-database';

jest.setTimeout(600_000);

const TOTAL = 1000;
const CUT_AFTER = 300;
const CONCURRENCY = 16;
const STATIONS = 10;
const TOPIC = 'inspection.completed';
const STATION_KEY = 'fault-station-key-0001';
const RELAY_BATCH = 100;

let brokers: string[];
let proxy: KafkaProxy;
let database: TestDatabase;
let sql: Client;
let gateway: RunningGateway | undefined;
let url: string;

beforeAll(async () => {
  brokers = await kafkaBrokers();
  proxy = await startFaultProxy(brokers);
  database = await createTestDatabase();
  sql = new Client({ connectionString: database.url });
  await sql.connect();
  ({ gateway, url } = await startTestGateway({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: proxy.bootstrap,
    OUTBOX_RELAY_POLL_MS: '100',
    OUTBOX_RELAY_BATCH_SIZE: String(RELAY_BATCH),
    API_KEYS: `line:station:${STATION_KEY}`,
    // Generous: two loaded cores, 16 requests at a time.
    REQUEST_TIMEOUT_MS: '30000',
  }));
});

afterAll(async () => {
  await gateway?.stop();
  await proxy?.close();
  await sql?.end();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inspect(i: number): Promise<number> {
  const res = await fetch(`${url}/v1/inspections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${STATION_KEY}` },
    body: JSON.stringify({
      modality: 'electrical',
      stationId: `outage-station-${i % STATIONS}`,
      lotId: `LOT-OUTAGE-${Math.floor(i / 100)}`,
      measurements: Array.from({ length: 8 }, (_, j) => Math.cos(i * 0.37 + j)),
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function unpublished(): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
  );
  return rows[0]?.n ?? -1;
}

/** The outbox rows of the topic, as `topic/key` → event ids in id (= publish) order. */
async function outboxPerKey(): Promise<Map<string, string[]>> {
  const { rows } = await sql.query<{ event_id: string; key: string }>(
    `SELECT event_id::text AS event_id, key FROM outbox WHERE topic = $1 ORDER BY id`,
    [TOPIC],
  );
  const perKey = new Map<string, string[]>();
  for (const r of rows) {
    const k = `${TOPIC}/${r.key}`;
    perKey.set(k, [...(perKey.get(k) ?? []), r.event_id]);
  }
  return perKey;
}

/**
 * Reads the topic from the beginning until all of `ours` have arrived. The topic is shared with other tests and
 * earlier runs on the same broker, so messages are filtered to this run's event ids.
 */
async function consumeOurs(ours: Set<string>, timeoutMs: number): Promise<ConsumedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  let mine: ConsumedEvent[] = [];
  for (let quietMs = 3_000; Date.now() < deadline; quietMs *= 2) {
    const all = await consumeEvents({
      brokers,
      topics: [TOPIC],
      expected: ours.size,
      timeoutMs: Math.max(5_000, deadline - Date.now()),
      quietMs,
    });
    mine = all.filter((e) => ours.has(e.eventId));
    if (new Set(mine.map((e) => e.eventId)).size >= ours.size) break;
  }
  return mine;
}

/** Keeps the first delivery of each event id (what a consumer de-duplicating on eventId sees). */
function firstDeliveries(perKey: Map<string, string[]>): Map<string, string[]> {
  return new Map([...perKey].map(([k, ids]) => [k, [...new Set(ids)]]));
}

it(`delivers all ${TOTAL} events after a Kafka outage, in order per key, once per event id`, async () => {
  const started = Date.now();
  const statuses = new Map<number, number>();
  let next = 0;
  let answered = 0;
  let cutting: Promise<void> | undefined;
  let atCut = { answered: 0, published: 0 };

  const worker = async () => {
    for (let i = next++; i < TOTAL; i = next++) {
      const status = await inspect(i);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      answered++;
      if (answered === CUT_AFTER) {
        const answeredAtCut = answered;
        cutting = (async () => {
          await proxy.cut({ newConnections: 'refuse' });
          const published = (
            await sql.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NOT NULL',
            )
          ).rows[0]!.n;
          atCut = { answered: answeredAtCut, published };
        })();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await cutting;
  const sendSeconds = (Date.now() - started) / 1000;

  // Still cut: the relay must have been stopped short, with the rest waiting in the outbox.
  await sleep(1_000);
  const waitingAtRestore = await unpublished();
  await proxy.restore();

  const drainDeadline = Date.now() + 120_000;
  while ((await unpublished()) > 0) {
    if (Date.now() > drainDeadline) throw new Error(`outbox did not drain: ${await unpublished()} waiting`);
    await sleep(250);
  }
  const drainSeconds = (Date.now() - started) / 1000 - sendSeconds;

  const written = await outboxPerKey();
  const ours = new Set([...written.values()].flat());
  const consumed = await consumeOurs(ours, 120_000);
  const distinct = new Set(consumed.map((e) => e.eventId)).size;
  const duplicates = consumed.length - distinct;
  const delivered = eventIdsPerKey(consumed);
  const keysInOrder = [...written].filter(
    ([k, ids]) => JSON.stringify(firstDeliveries(delivered).get(k)) === JSON.stringify(ids),
  ).length;

  console.log(
    `kafka outage: ${TOTAL} inspections (${JSON.stringify(Object.fromEntries(statuses))} by status) in ` +
      `${sendSeconds.toFixed(1)} s; cut after ${atCut.answered} answers with ${atCut.published} events published; ` +
      `${waitingAtRestore} waiting in the outbox at the restore, drained in ${drainSeconds.toFixed(1)} s; ` +
      `outbox ${ours.size} ${TOPIC} rows; consumed ${consumed.length} messages / ${distinct} distinct event ids ` +
      `(${duplicates} duplicates); ${keysInOrder}/${written.size} keys in outbox order`,
  );

  expect(statuses.get(200)).toBe(TOTAL);
  expect(ours.size).toBe(TOTAL);
  expect(written.size).toBe(STATIONS);
  // The outage was real: events were still waiting when the proxy was restored.
  expect(atCut.published).toBeLessThan(TOTAL);
  expect(waitingAtRestore).toBeGreaterThan(0);
  expect(distinct).toBe(TOTAL);
  expect(firstDeliveries(delivered)).toEqual(written);
  // A produce request the broker wrote but whose reply the cut lost is sent again. Apache Kafka drops that
  // resend for an idempotent producer; librdkafka's mock cluster (the test broker) checks sequences only for
  // transactional producers, so here it may arrive once more. It can only be the batch that was in flight at
  // the cut (at most one relay batch, OUTBOX_RELAY_BATCH_SIZE = 100), and de-duplicating on eventId (above)
  // gives exactly the events written, in order. The count is printed for the note.
  expect(duplicates).toBeLessThanOrEqual(RELAY_BATCH);
});
