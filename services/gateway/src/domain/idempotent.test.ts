// once(): the rule every Idempotency-Key follows (inspections, jobs, labels), on an in-memory "table".
import {
  DuplicateIdempotencyKeyError,
  IdempotencyKeyReusedError,
  InternalError,
  UnavailableError,
} from './errors';
import { once, type IdempotentRequest } from './idempotent';

interface Row {
  id: string;
  body: string;
}

/** A table with a unique key column; `commitFirst` makes another request commit between look-up and insert. */
function table() {
  const rows = new Map<string, Row>();
  let created = 0;
  const request = (
    key: string | undefined,
    body: string,
    commitFirst?: Row,
  ): IdempotentRequest<Row, Row> => ({
    key,
    what: 'thing',
    earlier: async (k) => rows.get(k),
    differences: (earlier) => (earlier.body === body ? [] : ['body']),
    describe: (earlier) => ({ thingId: earlier.id }),
    create: async () => {
      if (commitFirst && key !== undefined) rows.set(key, commitFirst);
      if (key !== undefined && rows.has(key)) throw new DuplicateIdempotencyKeyError('caller', key);
      const row = { id: `t${++created}`, body };
      if (key !== undefined) rows.set(key, row);
      return row;
    },
    replay: (earlier) => earlier,
  });
  return { rows, request, created: () => created };
}

describe('once', () => {
  it('does the work every time without a key', async () => {
    const t = table();
    expect(await once(t.request(undefined, 'a'))).toEqual({
      value: { id: 't1', body: 'a' },
      replayed: false,
    });
    expect(await once(t.request(undefined, 'a'))).toEqual({
      value: { id: 't2', body: 'a' },
      replayed: false,
    });
  });

  it('answers a repeat with the earlier record and does nothing again', async () => {
    const t = table();
    const first = await once(t.request('k', 'a'));
    const again = await once(t.request('k', 'a'));
    expect(first).toEqual({ value: { id: 't1', body: 'a' }, replayed: false });
    expect(again).toEqual({ value: { id: 't1', body: 'a' }, replayed: true });
    expect(t.created()).toBe(1);
  });

  it('refuses the key for another request, naming the earlier record and what differs', async () => {
    const t = table();
    await once(t.request('k', 'a'));
    const err = await once(t.request('k', 'b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotencyKeyReusedError);
    expect((err as IdempotencyKeyReusedError).message).toMatch(/another thing \(its body differed\)/);
    expect((err as IdempotencyKeyReusedError).details).toEqual({ thingId: 't1', differs: ['body'] });
  });

  it('answers with the record that committed first when the insert loses the race', async () => {
    const t = table();
    const winner = { id: 'w', body: 'a' };
    expect(await once(t.request('k', 'a', winner))).toEqual({ value: winner, replayed: true });
    const loser = table();
    await expect(once(loser.request('k', 'b', winner))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('passes other failures on, and says so when the winning record cannot be found', async () => {
    const down: IdempotentRequest<Row, Row> = {
      ...table().request('k', 'a'),
      create: () => Promise.reject(new UnavailableError('database unavailable')),
    };
    await expect(once(down)).rejects.toBeInstanceOf(UnavailableError);
    const vanished: IdempotentRequest<Row, Row> = {
      ...table().request('k', 'a'),
      create: () => Promise.reject(new DuplicateIdempotencyKeyError('caller', 'k')),
    };
    await expect(once(vanished)).rejects.toBeInstanceOf(InternalError);
  });
});
