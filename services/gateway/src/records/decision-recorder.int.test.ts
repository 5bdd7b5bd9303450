import { Client } from 'pg';
import {
  ConflictError,
  DuplicateIdempotencyKeyError,
  InputError,
  NotFoundError,
  UnavailableError,
} from '../domain/errors';
import { parseEvent } from '../events/event-schema';
import { createDatabase, type Database } from './db';
import { DecisionRecorder } from './decision-recorder';
import { PostgresRecords } from './record-stores';
import { sampleDecision } from './test-decisions';
import { createTestDatabase, type TestDatabase } from './test-database';

describe('DecisionRecorder on real Postgres', () => {
  let database: TestDatabase;
  let db: Database;
  let records: PostgresRecords;
  let recorder: DecisionRecorder;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 4 });
    records = new PostgresRecords(db);
    recorder = new DecisionRecorder(records);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await db.close();
    await database.drop();
  });

  const counts = async (): Promise<number[]> => {
    const { rows } = await sql.query<{ i: string; a: string; o: string }>(
      `SELECT (SELECT count(*) FROM inspections) AS i, (SELECT count(*) FROM audit_trail) AS a,
              (SELECT count(*) FROM outbox) AS o`,
    );
    return [Number(rows[0]?.i), Number(rows[0]?.a), Number(rows[0]?.o)];
  };

  it('writes the inspection, its audit entry and both events of a failed part together', async () => {
    const decision = sampleDecision({ decision: 'fail' });
    const recorded = await recorder.recordDecision(decision);

    expect(await records.inspections.get(decision.id)).toMatchObject({
      id: decision.id,
      decision: 'fail',
      model: decision.model,
      inputSha256: decision.inputSha256,
      defects: decision.defects,
    });
    const audit = await records.audit.get(recorded.audit.id);
    expect(audit).toMatchObject({
      action: 'inspection.decided',
      actor: { name: 'line-3-camera', role: 'station' },
      entity: { type: 'inspection', id: decision.id },
      reason: null,
    });
    expect(audit?.payload).toMatchObject({
      inputSha256: decision.inputSha256,
      objectKey: decision.objectKey,
      model: decision.model,
      preprocessing: decision.preprocessing,
      rawScores: decision.rawScores,
      thresholds: decision.thresholds,
      decision: 'fail',
    });
    expect(audit?.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const events = await records.outbox.page({ limit: 10 });
    expect(events.map((e) => [e.topic, e.key])).toEqual([
      ['inspection.completed', 'station-7'],
      ['inspection.defect', 'station-7'],
    ]);
    for (const e of events) {
      expect(e.payload).toMatchObject({
        schemaVersion: 1,
        eventId: e.eventId,
        type: e.topic,
        key: 'station-7',
        data: { inspectionId: decision.id },
        occurredAt: recorded.inspection.createdAt.toISOString(),
        audit: { id: audit?.id },
      });
      expect(e.publishedAt).toBeNull();
    }
  });

  it('emits only inspection.completed for a pass, keyed by lot when configured', async () => {
    const byLot = new DecisionRecorder(records, { eventKey: 'lot' });
    const decision = sampleDecision({ decision: 'pass', defects: [], lotId: 'LOT-9' });
    const { events } = await byLot.recordDecision(decision);
    expect(events.map((e) => [e.topic, e.key])).toEqual([['inspection.completed', 'LOT-9']]);
  });

  it('writes nothing when any part of the transaction fails, and answers UnavailableError', async () => {
    const before = await counts();
    // Test-only sabotage of the outbox: the defect event is refused after the inspection row and the completed
    // event were already inserted in the same transaction.
    await sql.query(
      `ALTER TABLE outbox ADD CONSTRAINT test_refuse_defects CHECK (topic <> 'inspection.defect') NOT VALID`,
    );
    try {
      const decision = sampleDecision({ decision: 'fail' });
      const failure = recorder.recordDecision(decision);
      await expect(failure).rejects.toBeInstanceOf(UnavailableError);
      await expect(failure).rejects.toThrow('decision could not be recorded');
      expect(await records.inspections.get(decision.id)).toBeUndefined();
      expect(await counts()).toEqual(before);
    } finally {
      await sql.query('ALTER TABLE outbox DROP CONSTRAINT test_refuse_defects');
    }
    // The failed transaction left no hole in the chain: the next entry follows the last committed one.
    const next = await recorder.recordDecision(sampleDecision());
    expect(next.audit.seq).toBe(before[1]! + 1);
  });

  it('writes nothing when the audit entry is refused, after the inspection and its events', async () => {
    const before = await counts();
    await sql.query(
      `ALTER TABLE audit_trail ADD CONSTRAINT test_refuse_actor CHECK (actor_id <> 'saboteur') NOT VALID`,
    );
    try {
      const decision = sampleDecision({ actor: { name: 'saboteur', role: 'station' } });
      await expect(recorder.recordDecision(decision)).rejects.toBeInstanceOf(UnavailableError);
      expect(await records.inspections.get(decision.id)).toBeUndefined();
      expect(await counts()).toEqual(before);
    } finally {
      await sql.query('ALTER TABLE audit_trail DROP CONSTRAINT test_refuse_actor');
    }
  });

  it('answers UnavailableError when the database cannot be reached', async () => {
    const down = createDatabase({
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      connectionTimeoutMs: 1000,
    });
    try {
      const offline = new DecisionRecorder(new PostgresRecords(down));
      await expect(offline.recordDecision(sampleDecision())).rejects.toBeInstanceOf(UnavailableError);
      await expect(down.ping()).rejects.toThrow('database unavailable');
    } finally {
      await down.close();
    }
  });

  it('records one decision per actor and Idempotency-Key, even when two commit at once', async () => {
    const key = `part-attempt-${Date.now()}`;
    const first = sampleDecision({ idempotencyKey: key, batchSize: 3 });
    await recorder.recordDecision(first);
    const found = await records.inspections.findByIdempotencyKey('line-3-camera', key);
    expect(found).toMatchObject({
      id: first.id,
      idempotencyKey: key,
      batchSize: 3,
      inputSha256: first.inputSha256,
    });
    expect(await records.inspections.findByIdempotencyKey('line-4-camera', key)).toBeUndefined();

    // The same key again: refused as a conflict (not an outage), and nothing of it is written.
    const before = await counts();
    const again = recorder.recordDecision(sampleDecision({ idempotencyKey: key }));
    await expect(again).rejects.toBeInstanceOf(DuplicateIdempotencyKeyError);
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    expect(await counts()).toEqual(before);
    // Another actor may use the same key; decisions without a key are never compared.
    await recorder.recordDecision(
      sampleDecision({ idempotencyKey: key, actor: { name: 'line-4-camera', role: 'station' } }),
    );
    await recorder.recordDecision(sampleDecision());
    await recorder.recordDecision(sampleDecision());

    // Two transactions with a new key at once: the second waits for the first and is refused when it commits.
    const raceKey = `${key}-race`;
    const results = await Promise.allSettled([
      recorder.recordDecision(sampleDecision({ idempotencyKey: raceKey })),
      recorder.recordDecision(sampleDecision({ idempotencyKey: raceKey })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(DuplicateIdempotencyKeyError);
    const { rows } = await sql.query<{ n: string }>(
      'SELECT count(*) AS n FROM inspections WHERE idempotency_key = $1',
      [raceKey],
    );
    expect(Number(rows[0]!.n)).toBe(1);

    // The database holds keys to their form, whatever the caller checked.
    await expect(
      recorder.recordDecision(sampleDecision({ idempotencyKey: 'has space' })),
    ).rejects.toBeInstanceOf(UnavailableError);
  });

  it('finds a part’s decisions, their labels and corrections by part in the audit trail', async () => {
    const part = `P-${Date.now()}`;
    const first = await recorder.recordDecision(sampleDecision({ partId: part, decision: 'fail' }));
    await recorder.recordDecision(sampleDecision()); // another part
    const label = await recorder.recordFeedback({
      inspectionId: first.inspection.id,
      label: 'pass',
      actor: { name: 'qa-bob', role: 'admin' },
      reason: 'a reflection, not a crack',
    });
    const correction = await recorder.recordCorrection({
      correctsId: first.audit.id,
      actor: { name: 'qa-bob', role: 'admin' },
      reason: 'wrong lot typed at the station',
      correction: { lotId: 'LOT-2026-11-26' },
    });
    const again = await recorder.recordDecision(sampleDecision({ partId: part, decision: 'pass' }));
    const found = await records.audit.search({ partId: part }, { limit: 10, order: 'asc' });
    expect(found.map((e) => [e.id, e.action])).toEqual([
      [first.audit.id, 'inspection.decided'],
      [label.audit.id, 'feedback.recorded'],
      [correction.id, 'audit.correction'],
      [again.audit.id, 'inspection.decided'],
    ]);
    expect(found.every((e) => e.payload.partId === part)).toBe(true);
  });

  it('records one label per labeller and Idempotency-Key', async () => {
    const { inspection } = await recorder.recordDecision(sampleDecision({ decision: 'review' }));
    const label = {
      inspectionId: inspection.id,
      label: 'pass',
      actor: { name: 'bench-2', role: 'station' },
      reason: 'a reflection',
      idempotencyKey: `label-${inspection.id}`,
    };
    const first = await recorder.recordFeedback(label);
    expect(first.feedback.idempotencyKey).toBe(label.idempotencyKey);
    expect(await records.feedback.findByIdempotencyKey('bench-2', label.idempotencyKey)).toEqual(
      first.feedback,
    );
    const before = await counts();
    const again = recorder.recordFeedback(label);
    await expect(again).rejects.toBeInstanceOf(DuplicateIdempotencyKeyError);
    expect(await counts()).toEqual(before);
    expect(await records.feedback.forInspection(inspection.id)).toHaveLength(1);
    // Another labeller may use the same key.
    await recorder.recordFeedback({ ...label, actor: { name: 'bench-3', role: 'station' } });
    expect(await records.feedback.forInspection(inspection.id)).toHaveLength(2);
  });

  it('records a model change with its reason and a model.lifecycle event', async () => {
    const { audit, event } = await recorder.recordModelChange({
      action: 'model.loaded',
      model: 'visual_ensemble',
      version: '4',
      actor: { name: 'alice', role: 'mlops' },
      reason: 'validated on lot 2026-11 hold-out set',
      details: { replicas: { succeeded: ['triton-0'], unreachable: [] } },
    });
    expect(audit).toMatchObject({
      action: 'model.loaded',
      entity: { type: 'model', id: 'visual_ensemble' },
      reason: 'validated on lot 2026-11 hold-out set',
      payload: { model: { name: 'visual_ensemble', version: '4' } },
    });
    expect(event).toMatchObject({
      topic: 'model.lifecycle',
      key: 'visual_ensemble',
      payload: {
        schemaVersion: 1,
        type: 'model.lifecycle',
        key: 'visual_ensemble',
        data: { action: 'model.loaded', model: { version: '4' } },
      },
    });
    await expect(
      recorder.recordModelChange({
        action: 'model.unloaded',
        model: 'visual_ensemble',
        version: undefined,
        actor: { name: 'alice', role: 'mlops' },
        reason: '  ',
        details: {},
      }),
    ).rejects.toBeInstanceOf(InputError);
  });

  it('writes a pin with its audit entry, and removes it with the unpin', async () => {
    const change = {
      model: 'thermal_ensemble',
      version: '2',
      actor: { name: 'alice', role: 'mlops' },
      reason: 'roll back after the drift alert',
      details: {},
    };
    await recorder.recordModelChange({ ...change, action: 'model.pinned', pin: { version: '2' } });
    expect(await records.pins.all()).toMatchObject({ thermal_ensemble: '2' });
    await recorder.recordModelChange({
      ...change,
      action: 'model.pinned',
      version: '3',
      pin: { version: '3' },
    });
    expect((await records.pins.all()).thermal_ensemble).toBe('3');
    // A change that cannot be recorded leaves the pin as it was.
    await expect(
      recorder.recordModelChange({ ...change, action: 'model.pinned', reason: ' ', pin: { version: '4' } }),
    ).rejects.toBeInstanceOf(InputError);
    expect((await records.pins.all()).thermal_ensemble).toBe('3');
    await recorder.recordModelChange({ ...change, action: 'model.unpinned', pin: null });
    expect(await records.pins.all()).not.toHaveProperty('thermal_ensemble');
  });

  it('records feedback for an existing inspection only', async () => {
    const { inspection } = await recorder.recordDecision(sampleDecision({ decision: 'review' }));
    const { feedback, audit } = await recorder.recordFeedback({
      inspectionId: inspection.id,
      label: 'pass',
      actor: { name: 'qa-bob', role: 'admin' },
      reason: 'scratch is a reflection',
    });
    expect(await records.feedback.forInspection(inspection.id)).toEqual([feedback]);
    expect(audit).toMatchObject({ action: 'feedback.recorded', entity: { id: inspection.id } });
    // The label is published too, in the same transaction, keyed like the inspection's own events.
    const { rows } = await sql.query<{ key: string; payload: Record<string, unknown> }>(
      `SELECT key, payload FROM outbox WHERE topic = 'inspection.labelled' AND payload->'data'->>'inspectionId' = $1`,
      [inspection.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key).toBe(inspection.stationId);
    expect(parseEvent(rows[0]!.payload)).toMatchObject({
      type: 'inspection.labelled',
      audit: { id: audit.id, seq: audit.seq },
      data: {
        feedbackId: feedback.id,
        label: 'pass',
        decision: 'review',
        actor: { name: 'qa-bob', role: 'admin' },
      },
    });
    await expect(
      recorder.recordFeedback({
        inspectionId: '00000000-0000-4000-8000-000000000000',
        label: 'pass',
        actor: { name: 'qa-bob', role: 'admin' },
        reason: 'x',
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
