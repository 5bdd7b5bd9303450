import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuditVerifier } from './audit-verifier';
import { createDatabase, type Database } from './db';
import { DecisionRecorder } from './decision-recorder';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { DEFAULT_MIGRATIONS_DIR, migrate } from './migrate';
import { PostgresRecords } from './record-stores';
import { sampleDecision } from './test-decisions';

jest.setTimeout(180_000);

/** The embedded default: the same migrations, recorder and verifier, through pglite-socket and `pg`. */
describe('records on embedded PGlite', () => {
  let dataDir: string;
  let embedded: EmbeddedPostgres | undefined;
  let db: Database | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-pglite-'));
  });
  afterEach(async () => {
    await db?.close();
    await embedded?.stop();
    db = undefined;
    embedded = undefined;
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  async function open(): Promise<{ records: PostgresRecords; applied: string[] }> {
    embedded = await startEmbeddedPostgres({ dataDir });
    expect(embedded.connectionString).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const { applied } = await migrate({ connectionString: embedded.connectionString });
    db = createDatabase({ connectionString: embedded.connectionString, max: embedded.poolMax });
    return { records: new PostgresRecords(db, { checkpointEvery: 4 }), applied };
  }

  it('migrates, records atomically, keeps the trail append-only and verifies it', async () => {
    const { records, applied } = await open();
    expect(applied).toHaveLength(migrationFiles().length);
    const recorder = new DecisionRecorder(records);
    for (let i = 0; i < 9; i++)
      await recorder.recordDecision(sampleDecision({ decision: i % 3 === 0 ? 'pass' : 'fail' }));
    await recorder.recordModelChange({
      action: 'model.loaded',
      model: 'visual_ensemble',
      version: '3',
      actor: { name: 'alice', role: 'mlops' },
      reason: 'embedded start-up',
      details: {},
    });
    expect(await new AuditVerifier(records.audit).verify()).toMatchObject({
      ok: true,
      rowsChecked: 10,
      checkpointsChecked: 2,
    });
    expect(await records.outbox.unpublished(100)).toHaveLength(9 + 6 + 1);

    await expect(db!.query(`UPDATE audit_trail SET reason = 'x' WHERE seq = 1`)).rejects.toThrow(
      'append-only',
    );
    await expect(db!.query('DELETE FROM audit_trail')).rejects.toThrow('append-only');
    await expect(
      db!.transaction(async (tx) => {
        await tx.query('SET LOCAL ROLE gateway_app');
        await tx.query(`UPDATE audit_trail SET reason = 'x'`);
      }),
    ).rejects.toThrow('permission denied for table audit_trail');

    // A failing outbox write leaves nothing behind here too.
    await db!.query(
      `ALTER TABLE outbox ADD CONSTRAINT test_refuse_defects CHECK (topic <> 'inspection.defect') NOT VALID`,
    );
    const failing = sampleDecision({ decision: 'fail' });
    await expect(recorder.recordDecision(failing)).rejects.toThrow('decision could not be recorded');
    await db!.query('ALTER TABLE outbox DROP CONSTRAINT test_refuse_defects');
    expect(await records.inspections.get(failing.id)).toBeUndefined();
    expect(await new AuditVerifier(records.audit).verify()).toMatchObject({ ok: true, rowsChecked: 10 });
  });

  it('keeps everything across a restart on the same data directory', async () => {
    const { records, applied } = await open();
    expect(applied).toEqual([]);
    const report = await new AuditVerifier(records.audit).verify();
    expect(report).toMatchObject({ ok: true, rowsChecked: 10, headSeq: 10 });
    const next = await new DecisionRecorder(records).recordDecision(sampleDecision());
    expect(next.audit.seq).toBe(11);
  });
});

/** Every migration in the repository: a fresh database applies all of them. */
function migrationFiles(): string[] {
  return readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
}
