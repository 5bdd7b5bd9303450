import { Client } from 'pg';
import { InputError, NotFoundError } from '../domain/errors';
import type { Decision } from '../postprocess/decision-types';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { sampleDecision } from '../records/test-decisions';
import type { ModelContract } from '../routing';
import { FieldAccuracy } from './field-accuracy';

jest.setTimeout(60_000);

const contract = { goodClass: 'ok', classes: ['ok', 'scratch', 'dent'] } as unknown as ModelContract;
const contracts = {
  get: (model: string) =>
    model === 'tile_model' || model === 'idle_model'
      ? Promise.resolve(contract)
      : Promise.reject(new NotFoundError(`model '${model}' is not in the repository`)),
};

describe('field accuracy from feedback (real Postgres)', () => {
  let database: TestDatabase;
  let db: Database;
  let sql: Client;
  let recorder: DecisionRecorder;
  let accuracy: FieldAccuracy;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 4 });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    recorder = new DecisionRecorder(new PostgresRecords(db));
    accuracy = new FieldAccuracy(db, contracts);
  });
  afterAll(async () => {
    await sql.end();
    await db.close();
    await database.drop();
  });

  const decide = async (version: string, decision: Decision, top: string, ...labels: string[]) => {
    const scores: Record<string, number> = { ok: 0.1, scratch: 0.1, dent: 0.1 };
    scores[top] = 0.8;
    const { inspection } = await recorder.recordDecision(
      sampleDecision({
        model: { name: 'tile_model', version, configHash: 'd'.repeat(64) },
        decision,
        scores,
      }),
    );
    for (const label of labels) {
      await recorder.recordFeedback({
        inspectionId: inspection.id,
        label,
        actor: { name: 'qa-2', role: 'auditor' },
        reason: 'rework bench',
      });
    }
    return inspection.id;
  };

  it('scores each version on its labelled decisions, the latest label of each inspection counting', async () => {
    await decide('1', 'pass', 'ok', 'ok'); // right
    await decide('1', 'pass', 'ok', 'scratch'); // escape, wrong class
    await decide('1', 'fail', 'dent', 'ok', 'dent'); // relabelled: a right fail
    await decide('1', 'review', 'ok'); // not labelled
    await decide('2', 'fail', 'scratch', 'pass'); // a false reject, labelled only pass / fail
    await decide('2', 'review', 'ok', 'ok'); // good sent to review
    await decide('2', 'pass', 'ok', 'smudge'); // a label that is no class: counted, not scored

    const report = await accuracy.report('tile_model', {});
    expect(report).toEqual({
      model: 'tile_model',
      from: null,
      to: null,
      versions: [
        {
          version: '2',
          decisions: 3,
          decisionCounts: { pass: 1, review: 1, fail: 1 },
          labelled: 3,
          good: 2,
          defects: 0,
          accuracy: 1,
          escapeRate: null,
          falseRejectRate: 0.5,
          reviewOrFailRate: 1,
        },
        {
          version: '1',
          decisions: 4,
          decisionCounts: { pass: 2, review: 1, fail: 1 },
          labelled: 3,
          good: 1,
          defects: 2,
          accuracy: 0.6667,
          escapeRate: 0.5,
          falseRejectRate: 0,
          reviewOrFailRate: 0,
        },
      ],
    });
  });

  it('keeps to the time window, and tells unknown models and bad timestamps apart', async () => {
    const { rows } = await sql.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    await decide('3', 'pass', 'ok', 'ok');
    const later = await accuracy.report('tile_model', { from: rows[0]!.now.toISOString() });
    expect(later.versions.map((v) => [v.version, v.decisions, v.accuracy])).toEqual([['3', 1, 1]]);
    expect((await accuracy.report('tile_model', { to: '2000-01-01T00:00:00Z' })).versions).toEqual([]);
    expect((await accuracy.report('idle_model', {})).versions).toEqual([]);
    await expect(accuracy.report('no_such_model', {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(accuracy.report('tile_model', { from: 'yesterday' })).rejects.toBeInstanceOf(InputError);
  });
});
