import type { Options } from 'express-rate-limit';
import pino from 'pino';
import type { Queryable } from '../records/db';
import { SharedRateLimitStore } from './shared-rate-limit';

/** A database that refuses every query until `up` is set, then answers the flush as Postgres would for one key. */
function flakyDb() {
  const state = { up: false, queries: 0, total: 0 };
  const db: Queryable = {
    query: (async (text: string, values?: readonly unknown[]) => {
      state.queries += 1;
      if (!state.up) throw new Error('connect ECONNREFUSED');
      if (!text.startsWith('INSERT')) return { rows: [] };
      const [keys, , hits] = values as [string[], number, number[]];
      state.total += hits[0]!;
      return { rows: [{ key: keys[0], hits: state.total }] };
    }) as Queryable['query'],
  };
  return { db, state };
}

describe('SharedRateLimitStore without its database', () => {
  it('keeps counting here, warns once, and catches up when Postgres is back', async () => {
    const { db, state } = flakyDb();
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s).msg as string) });
    const store = new SharedRateLimitStore({ db, log, flushMs: 3_600_000 });
    store.init({ windowMs: 60_000 } as Options);
    store.increment('k');
    store.increment('k');
    await store.flush();
    await store.flush();
    expect(store.increment('k').totalHits).toBe(3); // still limited on its own counts
    expect(lines.filter((l) => l.includes('cannot reach Postgres'))).toHaveLength(1);
    state.up = true;
    state.total = 10; // other replicas counted meanwhile
    await store.flush();
    expect(state.total).toBe(13); // the three requests counted here while it was down are added
    expect(store.get('k')?.totalHits).toBe(13);
    expect(lines.at(-1)).toMatch(/reach Postgres again/);
    await store.shutdown();
  });

  it('takes back only a request it has not yet flushed', async () => {
    const { db, state } = flakyDb();
    state.up = true;
    const store = new SharedRateLimitStore({ db, log: pino({ level: 'silent' }), flushMs: 3_600_000 });
    store.init({ windowMs: 60_000 } as Options);
    store.increment('k');
    await store.flush();
    store.decrement('k');
    expect(store.get('k')?.totalHits).toBe(1);
    store.increment('k');
    store.decrement('k');
    expect(store.get('k')?.totalHits).toBe(1);
  });
});
