import express from 'express';
import type { Options } from 'express-rate-limit';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { GatewayMetrics } from '../monitoring/gateway-metrics';
import { createDatabase, type Database } from '../records/db';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { buildApp } from './app';
import { Authenticator } from './auth';
import { SharedRateLimitStore } from './shared-rate-limit';

const KEY = 'station-key-0123456789abcdef';
const silent = pino({ level: 'silent' });

/** A store as a replica has it, flushed only when the test says so. */
/** Half a minute into a window, so no test's increments and flushes straddle a window boundary. */
const MID_WINDOW = Date.UTC(2026, 10, 27, 8, 0, 30);

function replica(db: Database, now: () => number = () => MID_WINDOW): SharedRateLimitStore {
  const store = new SharedRateLimitStore({ db, log: silent, flushMs: 3_600_000, now });
  store.init({ windowMs: 60_000 } as Options);
  return store;
}

/** A gateway app (limit per minute) whose limiter counts in `store`. */
async function gateway(limit: number, store: SharedRateLimitStore) {
  const app = buildApp({
    log: silent,
    auth: new Authenticator([{ name: 'line1', role: 'station', key: KEY }]),
    metrics: new GatewayMetrics(),
    rateLimitPerMinute: limit,
    rateLimitStore: store,
    health: express.Router(),
    routers: [
      { path: '/things', roles: ['station'], router: express.Router().get('/', (_q, r) => r.json({})) },
    ],
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/things`;
  return {
    get: async () => (await fetch(url, { headers: { authorization: `Bearer ${KEY}` } })).status,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('rate limits shared by replicas through real Postgres', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 4 });
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it("each replica judges a key on every replica's requests once they have flushed", async () => {
    const a = replica(db);
    const b = replica(db);
    for (let i = 0; i < 3; i++) a.increment('line-a');
    b.increment('line-a');
    b.increment('line-a');
    expect(a.get('line-a')?.totalHits).toBe(3); // nothing flushed: each sees its own
    await a.flush();
    await b.flush(); // b adds its 2 to a's 3
    expect(b.get('line-a')?.totalHits).toBe(5);
    expect(a.get('line-a')?.totalHits).toBe(3);
    await a.flush(); // reads the total back
    expect(a.get('line-a')?.totalHits).toBe(5);
    expect(a.increment('line-a').totalHits).toBe(6);
    expect(a.get('other')).toBeUndefined();
    const { rows } = await db.query<{ hits: number }>(
      `SELECT hits FROM rate_limit_windows WHERE key = 'line-a'`,
    );
    expect(rows).toEqual([{ hits: 5 }]);
  });

  it('a request over the limit is refused by a replica that served none of the earlier ones', async () => {
    const storeA = replica(db);
    const storeB = replica(db);
    const [a, b] = [await gateway(4, storeA), await gateway(4, storeB)];
    try {
      expect([await a.get(), await a.get(), await a.get(), await a.get()]).toEqual([200, 200, 200, 200]);
      expect(await b.get()).toBe(200); // b has not heard of a's four yet
      await storeA.flush();
      await storeB.flush();
      expect(await b.get()).toBe(429); // 4 + 1 + 1 > 4
      await storeA.flush();
      expect(await a.get()).toBe(429);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a new window starts from zero and rows of ended windows are deleted', async () => {
    let now = Date.UTC(2026, 10, 27, 9, 0, 30);
    const store = replica(db, () => now);
    store.increment('line-w');
    store.increment('line-w');
    await store.flush();
    expect(store.get('line-w')?.totalHits).toBe(2);
    expect(store.increment('line-w').resetTime).toEqual(new Date(Date.UTC(2026, 10, 27, 9, 1, 0)));
    now += 60_000;
    expect(store.get('line-w')).toBeUndefined();
    expect(store.increment('line-w').totalHits).toBe(1);
    now += 120_000; // two windows later the first one's row goes
    await store.flush();
    const { rows } = await db.query<{ start: Date }>(
      `SELECT window_start AS start FROM rate_limit_windows WHERE key = 'line-w' ORDER BY 1`,
    );
    expect(rows.map((r) => r.start.toISOString())).toEqual([]);
    store.increment('line-w');
    await store.flush();
    const after = await db.query<{ start: Date; hits: number }>(
      `SELECT window_start AS start, hits FROM rate_limit_windows WHERE key = 'line-w'`,
    );
    expect(after.rows).toEqual([{ start: new Date(Date.UTC(2026, 10, 27, 9, 3, 0)), hits: 1 }]);
  });

  it('resetKey forgets a key here and in Postgres', async () => {
    const store = replica(db);
    store.increment('line-r');
    await store.flush();
    await store.resetKey('line-r');
    expect(store.get('line-r')).toBeUndefined();
    const { rows } = await db.query(`SELECT 1 FROM rate_limit_windows WHERE key = 'line-r'`);
    expect(rows).toHaveLength(0);
  });
});
