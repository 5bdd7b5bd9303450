import { Client } from 'pg';
import { InputError } from '../domain/errors';
import { AuditVerifier } from './audit-verifier';
import { createDatabase, type Database } from './db';
import { DecisionRecorder } from './decision-recorder';
import { PostgresRecords } from './record-stores';
import { sampleDecision } from './test-decisions';
import { createTestDatabase, type TestDatabase } from './test-database';

interface Setup {
  database: TestDatabase;
  db: Database;
  records: PostgresRecords;
  recorder: DecisionRecorder;
  sql: Client;
}

async function setUp(): Promise<Setup> {
  const database = await createTestDatabase();
  const db = createDatabase({ connectionString: database.url, max: 5 });
  const records = new PostgresRecords(db, { checkpointEvery: 10 });
  const sql = new Client({ connectionString: database.url });
  await sql.connect();
  return { database, db, records, recorder: new DecisionRecorder(records), sql };
}

async function tearDown(s: Setup): Promise<void> {
  await s.sql.end();
  await s.db.close();
  await s.database.drop();
}

/** What a superuser with bad intentions does: switch the trigger off, change the row, switch it back on. */
async function asSuperuserBypassingTrigger(sql: Client, statement: string, values: unknown[]): Promise<void> {
  await sql.query('ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only');
  try {
    await sql.query(statement, values);
  } finally {
    await sql.query('ALTER TABLE audit_trail ENABLE TRIGGER audit_trail_append_only');
  }
}

describe('audit trail on real Postgres', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp();
    // 50 decisions, 10 at a time, so writers really queue on the chain lock.
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => s.recorder.recordDecision(sampleDecision())));
    }
  });
  afterAll(() => tearDown(s));

  it('verifies after 50 decisions written concurrently: gapless seq, every link and hash, 5 checkpoints', async () => {
    const report = await new AuditVerifier(s.records.audit, { pageSize: 7 }).verify();
    expect(report).toMatchObject({
      ok: true,
      rowsChecked: 50,
      headSeq: 50,
      firstBreak: null,
      checkpointsChecked: 5,
      checkpointProblem: null,
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE even for the owner (trigger)', async () => {
    await expect(s.sql.query(`UPDATE audit_trail SET reason = 'edited' WHERE seq = 3`)).rejects.toThrow(
      'audit_trail is append-only: UPDATE refused',
    );
    await expect(s.sql.query('DELETE FROM audit_trail WHERE seq = 3')).rejects.toThrow(
      'audit_trail is append-only: DELETE refused',
    );
    await expect(s.sql.query('TRUNCATE audit_trail, audit_checkpoints')).rejects.toThrow('append-only');
    await expect(s.sql.query('DELETE FROM audit_checkpoints')).rejects.toThrow(
      'audit_checkpoints is append-only: DELETE refused',
    );
  });

  it('refuses UPDATE and DELETE to the application role by grants, but lets it append', async () => {
    await s.sql.query('SET ROLE gateway_app');
    try {
      await expect(s.sql.query(`UPDATE audit_trail SET reason = 'x'`)).rejects.toThrow(
        'permission denied for table audit_trail',
      );
      await expect(s.sql.query('DELETE FROM audit_trail')).rejects.toThrow('permission denied');
      await expect(
        s.sql.query('ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only'),
      ).rejects.toThrow('must be owner');
      const { rows } = await s.sql.query<{ seq: string; recorded_at: Date }>(
        `INSERT INTO audit_trail (actor_id, actor_role, action, entity_type, entity_id, reason, payload,
           seq, recorded_at, prev_hash, row_hash)
         VALUES ('ops', 'admin', 'job.cancelled', 'job', 'j1', 'operator request', '{}',
           999, '2000-01-01', repeat('a', 64), repeat('b', 64))
         RETURNING seq, recorded_at`,
      );
      // The trigger, not the client, decides the position and the time.
      expect(rows[0]?.seq).toBe('51');
      expect(rows[0]?.recorded_at.getFullYear()).toBeGreaterThan(2000);
    } finally {
      await s.sql.query('RESET ROLE');
    }
    expect((await new AuditVerifier(s.records.audit).verify()).ok).toBe(true);
  });

  it('requires a reason for everything but decisions, and links corrections to the original', async () => {
    await expect(
      s.sql.query(
        `INSERT INTO audit_trail (actor_id, actor_role, action, entity_type, entity_id, payload)
         VALUES ('alice', 'mlops', 'model.loaded', 'model', 'm', '{}')`,
      ),
    ).rejects.toThrow('audit_trail_reason_required');

    const original = (await s.records.audit.search({}, { limit: 1, order: 'asc' }))[0]!;
    const actor = { name: 'qa-carol', role: 'admin' };
    await expect(
      s.recorder.recordCorrection({ correctsId: original.id, actor, reason: '', correction: {} }),
    ).rejects.toBeInstanceOf(InputError);
    const correction = await s.recorder.recordCorrection({
      correctsId: original.id,
      actor,
      reason: 'lot id was mistyped at the station',
      correction: { lotId: 'LOT-2026-11-26' },
    });
    expect(correction).toMatchObject({
      action: 'audit.correction',
      correctsId: original.id,
      reason: 'lot id was mistyped at the station',
      entity: original.entity,
      payload: { corrects: { seq: original.seq }, correction: { lotId: 'LOT-2026-11-26' } },
    });
    // The original is untouched and the chain still verifies.
    expect(await s.records.audit.get(original.id)).toEqual(original);
    expect((await new AuditVerifier(s.records.audit).verify()).ok).toBe(true);
  });

  it('reports exactly the edited row as a hash mismatch', async () => {
    const before = await s.sql.query<{ payload: string }>(
      'SELECT payload::text AS payload FROM audit_trail WHERE seq = 17',
    );
    await asSuperuserBypassingTrigger(
      s.sql,
      `UPDATE audit_trail SET payload = jsonb_set(payload, '{decision}', '"pass"') WHERE seq = 17`,
      [],
    );
    const report = await new AuditVerifier(s.records.audit, { pageSize: 5 }).verify();
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toMatchObject({ seq: 17, reason: 'hash mismatch' });
    expect(report.firstBreak?.actual).not.toEqual(report.firstBreak?.expected);

    // Put it back: the chain verifies again, so nothing else was disturbed.
    await asSuperuserBypassingTrigger(s.sql, 'UPDATE audit_trail SET payload = $1::jsonb WHERE seq = 17', [
      before.rows[0]?.payload,
    ]);
    expect((await new AuditVerifier(s.records.audit).verify()).ok).toBe(true);
  });

  it('reports a rewritten link as a broken chain', async () => {
    const { rows } = await s.sql.query<{ prev_hash: string }>(
      'SELECT prev_hash FROM audit_trail WHERE seq = 33',
    );
    await asSuperuserBypassingTrigger(
      s.sql,
      `UPDATE audit_trail SET prev_hash = repeat('f', 64) WHERE seq = 33`,
      [],
    );
    const report = await new AuditVerifier(s.records.audit).verify();
    expect(report.firstBreak).toMatchObject({ seq: 33, reason: 'broken chain', actual: 'f'.repeat(64) });
    await asSuperuserBypassingTrigger(s.sql, 'UPDATE audit_trail SET prev_hash = $1 WHERE seq = 33', [
      rows[0]?.prev_hash,
    ]);
  });
});

describe('audit trail: a deleted row', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp();
    for (let i = 0; i < 12; i++) await s.recorder.recordDecision(sampleDecision());
  });
  afterAll(() => tearDown(s));

  it('is reported as a gap in seq, and a deleted checkpointed row as a checkpoint problem', async () => {
    await asSuperuserBypassingTrigger(s.sql, 'DELETE FROM audit_trail WHERE seq = 6', []);
    const report = await new AuditVerifier(s.records.audit).verify();
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toEqual({
      seq: 6,
      id: null,
      expected: '6',
      actual: '7',
      reason: 'missing row (gap in seq)',
    });

    // Truncating the tail (rows 10-12) leaves a chain that links up, but the checkpoint at 10 no longer matches.
    await s.sql.query('ALTER TABLE audit_checkpoints DISABLE TRIGGER ALL');
    await s.sql.query('ALTER TABLE audit_trail DISABLE TRIGGER ALL');
    try {
      await s.sql.query('DELETE FROM audit_trail WHERE seq >= 10');
    } finally {
      await s.sql.query('ALTER TABLE audit_trail ENABLE TRIGGER ALL');
      await s.sql.query('ALTER TABLE audit_checkpoints ENABLE TRIGGER ALL');
    }
    const truncated = await new AuditVerifier(s.records.audit).verify();
    expect(truncated.checkpointProblem).toMatchObject({ seq: 10, reason: 'checkpoint row missing' });
  });
});
