/**
 * PostgresOutboxSource and OutboxReader on real Postgres (a fresh migrated database per file, from
 * records/test-database.ts), driven through the records store's own Database (records/db.ts).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { createDatabase, type Database } from '../records/db';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { FakeEventPublisher } from './fake-event-publisher';
import { OutboxReader, parseOutboxPageQuery } from './outbox-reader';
import { OutboxRelay } from './outbox-relay';
import { PostgresOutboxSource } from './postgres-outbox-source';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDatabase({ connectionString: testDb.url, max: 6 });
}, 600_000);

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

beforeEach(async () => {
  await db.query('TRUNCATE outbox RESTART IDENTITY');
});

/** Inserts events for the given keys, in order; returns their event ids. */
async function insert(keys: string[], topic = 'inspection.completed'): Promise<string[]> {
  const ids: string[] = [];
  for (const key of keys) {
    const eventId = randomUUID();
    await db.query('INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, $2, $3, $4::jsonb)', [
      eventId,
      topic,
      key,
      JSON.stringify({ schemaVersion: 1, eventId, type: topic, key }),
    ]);
    ids.push(eventId);
  }
  return ids;
}

async function publishedIds(): Promise<string[]> {
  const { rows } = await db.query(
    'SELECT id::text AS id FROM outbox WHERE published_at IS NOT NULL ORDER BY outbox.id',
  );
  return rows.map((r) => String(r.id));
}

describe('PostgresOutboxSource', () => {
  it('claims unpublished rows in id order; markPublished commits, release rolls back', async () => {
    const eventIds = await insert(['a', 'b', 'c']);
    const source = new PostgresOutboxSource(db);
    const batch = await source.claimBatch(2);
    expect(batch.map((r) => [r.id, r.key, r.eventId])).toEqual([
      ['1', 'a', eventIds[0]],
      ['2', 'b', eventIds[1]],
    ]);
    expect(batch[0]!.payload).toMatchObject({ schemaVersion: 1, key: 'a' });
    expect(batch[0]!.createdAt).toBeInstanceOf(Date);
    await source.markPublished(['1']);
    expect(await publishedIds()).toEqual(['1']);

    const next = await source.claimBatch(10);
    expect(next.map((r) => r.id)).toEqual(['2', '3']);
    await source.release(next.map((r) => r.id));
    expect(await publishedIds()).toEqual(['1']);
    expect(await source.claimBatch(10)).toHaveLength(2);
    await source.release([]);
  });

  it('orders by the numeric id (row 10 after row 9)', async () => {
    await insert(Array.from({ length: 12 }, (_, i) => `k${i}`));
    const source = new PostgresOutboxSource(db);
    const batch = await source.claimBatch(20);
    expect(batch.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    await source.release([]);
  });

  it('skips rows another relay holds, and rows whose key has an earlier row held elsewhere', async () => {
    await insert(['a', 'b', 'a', 'c', 'b', 'd']); // ids 1..6
    const first = new PostgresOutboxSource(db);
    const second = new PostgresOutboxSource(db);
    const held = await first.claimBatch(2); // a#1, b#2
    const other = await second.claimBatch(10);
    expect(held.map((r) => r.id)).toEqual(['1', '2']);
    expect(other.map((r) => r.id)).toEqual(['4', '6']); // a#3 and b#5 wait for a#1 and b#2
    await first.markPublished(['1', '2']);
    await second.markPublished(['4', '6']);
    const rest = await first.claimBatch(10);
    expect(rest.map((r) => r.id)).toEqual(['3', '5']);
    await first.markPublished(['3', '5']);
    expect(await publishedIds()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('soleRelay: holds no connection while a batch is out, so a one-connection database stays writable', async () => {
    const single = createDatabase({ connectionString: testDb.url, max: 1, connectionTimeoutMs: 2_000 });
    try {
      await insert(['a', 'b']);
      const source = new PostgresOutboxSource(single, { soleRelay: true });
      const batch = await source.claimBatch(10);
      expect(batch.map((r) => r.id)).toEqual(['1', '2']);
      // The gateway keeps recording while the batch waits for Kafka.
      await single.query(
        "INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, 'inspection.completed', 'c', '{}')",
        [randomUUID()],
      );
      await source.markPublished(['1']);
      expect(await publishedIds()).toEqual(['1']);
      expect((await source.claimBatch(10)).map((r) => r.id)).toEqual(['2', '3']);
      await source.release([]);
    } finally {
      await single.close();
    }
  });

  it('reports the creation time of the oldest unpublished row', async () => {
    const source = new PostgresOutboxSource(db);
    expect(await source.oldestUnpublishedAt()).toBeNull();
    await insert(['a', 'b']);
    const { rows } = await db.query('SELECT min(created_at) AS t FROM outbox');
    expect(await source.oldestUnpublishedAt()).toEqual(rows[0]!.t);
  });

  it('three relays on one outbox publish every row exactly once, in id order per key', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `station-${(i * 7) % 5}`);
    await insert(keys);
    const publisher = new FakeEventPublisher();
    const relays = [5, 8, 13].map(
      (batchSize) =>
        new OutboxRelay({
          source: new PostgresOutboxSource(db),
          publisher,
          log,
          batchSize,
          pollIntervalMs: 5,
        }),
    );
    for (const r of relays) r.start();
    const deadline = Date.now() + 60_000;
    while ((await publishedIds()).length < 300 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await Promise.all(relays.map((r) => r.stop()));

    expect(publisher.delivered).toHaveLength(300);
    expect(new Set(publisher.delivered.map((e) => e.eventId)).size).toBe(300);
    const { rows } = await db.query('SELECT event_id::text AS event_id, key FROM outbox ORDER BY outbox.id');
    const writtenPerKey = new Map<string, string[]>();
    for (const r of rows)
      writtenPerKey.set(String(r.key), [...(writtenPerKey.get(String(r.key)) ?? []), String(r.event_id)]);
    const deliveredPerKey = new Map<string, string[]>();
    for (const e of publisher.delivered)
      deliveredPerKey.set(e.key, [...(deliveredPerKey.get(e.key) ?? []), e.eventId]);
    expect(deliveredPerKey).toEqual(writtenPerKey);
    expect(relays.filter((r) => r.status().publishedTotal > 0).length).toBeGreaterThan(1);
  }, 120_000);
});

describe('outbox writers (trigger outbox_key_order)', () => {
  const insertSql = (key: string): [string, unknown[]] => {
    const eventId = randomUUID();
    return [
      `INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, 'inspection.completed', $2, $3::jsonb)
       RETURNING id::text AS id`,
      [eventId, key, JSON.stringify({ schemaVersion: 1, eventId, key })],
    ];
  };
  const connect = async (): Promise<Client> => {
    const client = new Client({ connectionString: testDb.url });
    await client.connect();
    return client;
  };

  it('a second writer of the same key draws its id only after the first commits; other keys do not wait', async () => {
    const [first, second] = [await connect(), await connect()];
    try {
      await first.query('BEGIN');
      const firstId = (await first.query(...insertSql('station-1'))).rows[0].id as string;
      const secondPid = (await second.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      await second.query('BEGIN');
      let secondDone = false;
      const secondInsert = second.query(...insertSql('station-1')).then((r) => {
        secondDone = true;
        return r.rows[0].id as string;
      });
      // The second writer is queued on the key's lock (seen in pg_locks), not merely slow.
      await waitFor(async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = $1`,
          [secondPid],
        );
        return rows[0]!.n === 1;
      });
      expect(secondDone).toBe(false);
      // A writer of another key goes ahead at once.
      const other = await db.query(...insertSql('station-2'));
      expect(Number(other.rows[0]!.id)).toBeGreaterThan(Number(firstId));
      expect(secondDone).toBe(false);

      await first.query('COMMIT');
      const secondId = await secondInsert;
      await second.query('COMMIT');
      expect(Number(secondId)).toBeGreaterThan(Number(other.rows[0]!.id));
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });

  it('assigns the id itself, whatever the INSERT supplied', async () => {
    const { rows } = await db.query(
      `INSERT INTO outbox (id, event_id, topic, key, payload)
       VALUES (999, $1, 'inspection.completed', 'k', '{}'::jsonb) RETURNING id::text AS id`,
      [randomUUID()],
    );
    expect(rows[0]!.id).toBe('1');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('OutboxReader', () => {
  it('pages through the outbox with a cursor, filtered by topic, key and status', async () => {
    await insert(['a', 'b', 'a', 'c', 'a']);
    await insert(['m'], 'model.lifecycle');
    await insert(Array.from({ length: 8 }, () => 'z')); // ids 7..14: the cursor must compare numbers
    await db.query('UPDATE outbox SET published_at = now() WHERE id IN (1, 2)');
    const reader = new OutboxReader(db);

    const first = await reader.page(parseOutboxPageQuery({ limit: '2' }));
    expect(first.events.map((e) => e.id)).toEqual(['1', '2']);
    expect(first.nextCursor).toBe('2');
    expect(first.events[0]).toMatchObject({ key: 'a', topic: 'inspection.completed', event: { key: 'a' } });
    expect(first.events[0]!.publishedAt).not.toBeNull();
    const second = await reader.page(parseOutboxPageQuery({ limit: '2', after: first.nextCursor }));
    expect(second.events.map((e) => e.id)).toEqual(['3', '4']);
    const third = await reader.page(parseOutboxPageQuery({ limit: '5', after: second.nextCursor }));
    expect(third.events.map((e) => e.id)).toEqual(['5', '6', '7', '8', '9']);
    const last = await reader.page(parseOutboxPageQuery({ limit: '10', after: third.nextCursor }));
    expect(last.events.map((e) => e.id)).toEqual(['10', '11', '12', '13', '14']);
    expect(last.nextCursor).toBeNull();

    const pendingA = await reader.page(parseOutboxPageQuery({ status: 'pending', key: 'a' }));
    expect(pendingA.events.map((e) => e.id)).toEqual(['3', '5']);
    const lifecycle = await reader.page(parseOutboxPageQuery({ topic: 'model.lifecycle' }));
    expect(lifecycle.events.map((e) => e.id)).toEqual(['6']);
  });
});
