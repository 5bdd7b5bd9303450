import { Client } from 'pg';
import { InputError } from '../domain/errors';
import { AUDIT_CSV_COLUMNS, AuditQuery } from './audit-query';
import { createDatabase, type Database } from './db';
import { DecisionRecorder } from './decision-recorder';
import { PostgresRecords } from './record-stores';
import { sampleDecision } from './test-decisions';
import { createTestDatabase, type TestDatabase } from './test-database';

describe('AuditQuery on real Postgres', () => {
  let database: TestDatabase;
  let db: Database;
  let query: AuditQuery;
  let between: { from: Date; to: Date };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 2 });
    const records = new PostgresRecords(db);
    const recorder = new DecisionRecorder(records);
    query = new AuditQuery(records.audit, { exportPageSize: 3 });
    for (let i = 0; i < 6; i++) {
      await recorder.recordDecision(
        sampleDecision({ stationId: i % 2 === 0 ? 'st-A' : 'st-B', lotId: `lot-${i % 3}` }),
      );
    }
    const sql = new Client({ connectionString: database.url });
    await sql.connect();
    const now = await sql.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    await sql.end();
    const from = now.rows[0]!.now;
    await recorder.recordModelChange({
      action: 'model.unloaded',
      model: 'thermal_ensemble',
      version: '2',
      actor: { name: 'mallory, "the" =admin', role: 'mlops' },
      reason: 'replaced by v3\nafter drift alarm',
      details: {},
    });
    await recorder.recordDecision(
      sampleDecision({ stationId: 'st-A', model: { ...sampleDecision().model, name: 'thermal_ensemble' } }),
    );
    between = { from, to: new Date(Date.now() + 60_000) };
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('filters by station, lot, model, actor, action and time', async () => {
    const seqs = async (filter: Parameters<AuditQuery['page']>[0]) =>
      (await query.page(filter)).entries.map((e) => e.seq);
    expect(await seqs({ stationId: 'st-A' })).toEqual([1, 3, 5, 8]);
    expect(await seqs({ lotId: 'lot-1' })).toEqual([2, 5]);
    expect(await seqs({ model: 'thermal_ensemble' })).toEqual([7, 8]);
    expect(await seqs({ actor: 'mallory, "the" =admin' })).toEqual([7]);
    expect(
      await seqs({ action: 'inspection.decided', stationId: 'st-A', model: 'thermal_ensemble' }),
    ).toEqual([8]);
    expect(await seqs(between)).toEqual([7, 8]);
    expect(await seqs({ to: between.from })).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pages with a keyset cursor, both ways', async () => {
    const first = await query.page({}, { limit: 3 });
    expect(first.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    const second = await query.page({}, { limit: 3, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.seq)).toEqual([4, 5, 6]);
    const last = await query.page({}, { limit: 3, cursor: second.nextCursor! });
    expect(last).toMatchObject({ nextCursor: null });
    expect(last.entries.map((e) => e.seq)).toEqual([7, 8]);
    const newest = await query.page({}, { limit: 2, order: 'desc' });
    expect(newest.entries.map((e) => e.seq)).toEqual([8, 7]);
    expect(
      (await query.page({}, { limit: 2, order: 'desc', cursor: newest.nextCursor! })).entries[0]?.seq,
    ).toBe(6);
    await expect(query.page({}, { limit: 0 })).rejects.toBeInstanceOf(InputError);
    await expect(query.page({ from: new Date('nope') })).rejects.toBeInstanceOf(InputError);
  });

  it('exports CSV with every row once, quoted and escaped', async () => {
    let csv = '';
    for await (const chunk of query.csv({})) csv += chunk;
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    expect(csv.endsWith('\r\n')).toBe(true);
    // 8 rows; the model change's reason holds a newline inside its quoted field.
    expect(csv.match(/^\d+,[0-9a-f-]{36},/gm)).toHaveLength(8);
    const change = csv.split('\r\n').find((l) => l.startsWith('7,'))!;
    expect(change).toContain(',"mallory, ""the"" =admin",mlops,model.unloaded,model,thermal_ensemble,');
    expect(csv).toContain('"replaced by v3\nafter drift alarm"');
    expect(change).toMatch(/,"\{""model"":\{""name"":""thermal_ensemble""/);
  });
});
