import { InputError } from '../domain/errors';
import type { Decision } from '../postprocess/decision-types';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { sampleDecision } from '../records/test-decisions';
import { ReviewQueue, type ReviewFilter } from './review-queue';

jest.setTimeout(60_000);

describe('the review queue (real Postgres)', () => {
  let database: TestDatabase;
  let db: Database;
  let recorder: DecisionRecorder;
  let queue: ReviewQueue;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 4 });
    recorder = new DecisionRecorder(new PostgresRecords(db));
    queue = new ReviewQueue(db);
    const plan: Array<[string, Decision, string, string]> = [
      ['r1', 'review', 'line-1', 'L1'],
      ['p1', 'pass', 'line-1', 'L1'],
      ['r2', 'review', 'line-2', 'L1'],
      ['f1', 'fail', 'line-1', 'L2'],
      ['r3', 'review', 'line-1', 'L2'],
      ['p2', 'pass', 'line-2', 'L2'],
      ['r4', 'review', 'line-1', 'L1'],
      ['r5', 'review', 'line-2', 'L2'],
      ['f2', 'fail', 'line-2', 'L1'],
    ];
    for (const [tag, decision, stationId, lotId] of plan) {
      const recorded = await recorder.recordDecision(sampleDecision({ decision, stationId, lotId }));
      ids[tag] = recorded.inspection.id;
    }
    await recorder.recordFeedback({
      inspectionId: ids.r2!,
      label: 'scratch',
      actor: { name: 'bench-1', role: 'station' },
      reason: 'looked at it',
    });
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const all = async (filter: ReviewFilter, limit: number): Promise<{ open: number; tags: string[] }> => {
    const byId = Object.fromEntries(Object.entries(ids).map(([tag, id]) => [id, tag]));
    const tags: string[] = [];
    let cursor: string | undefined;
    let open = -1;
    do {
      const page = await queue.page(filter, cursor, limit);
      open = page.open;
      tags.push(...page.items.map((i) => byId[i.inspectionId]!));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return { open, tags };
  };

  it('lists unlabelled review decisions oldest first, page by page without repeats', async () => {
    // Rows written within the same millisecond still page correctly: the cursor keeps microseconds.
    expect(await all({ decisions: ['review'] }, 2)).toEqual({ open: 4, tags: ['r1', 'r3', 'r4', 'r5'] });
    expect(await all({ decisions: ['review', 'fail'] }, 3)).toEqual({
      open: 6,
      tags: ['r1', 'f1', 'r3', 'r4', 'r5', 'f2'],
    });
    const first = await queue.page({ decisions: ['review'] }, undefined, 1);
    expect(first.items[0]).toMatchObject({
      inspectionId: ids.r1,
      decision: 'review',
      stationId: 'line-1',
      lotId: 'L1',
      model: { name: 'visual_ensemble', version: '3' },
      topClass: 'scratch',
      input: `/v1/inspections/${ids.r1}/input`,
    });
  });

  it('filters by station, lot and model, and a label takes an item off the queue', async () => {
    expect(await all({ decisions: ['review'], stationId: 'line-1', lotId: 'L1' }, 10)).toEqual({
      open: 2,
      tags: ['r1', 'r4'],
    });
    expect((await all({ decisions: ['review'], model: 'other_model' }, 10)).open).toBe(0);
    await recorder.recordFeedback({
      inspectionId: ids.r4!,
      label: 'pass',
      actor: { name: 'bench-1', role: 'station' },
      reason: 'a smudge on the lens',
    });
    expect(await all({ decisions: ['review'], stationId: 'line-1', lotId: 'L1' }, 10)).toEqual({
      open: 1,
      tags: ['r1'],
    });
  });

  it('counts the open reviews of a model for the backlog gauge', async () => {
    const open = (await all({ decisions: ['review'] }, 50)).open;
    expect(await queue.openCount('visual_ensemble')).toBe(open);
    expect(await queue.openCount('other_model')).toBe(0);
  });

  it('refuses a cursor it did not write', async () => {
    await expect(queue.page({ decisions: ['review'] }, 'bm9wZQ', 5)).rejects.toBeInstanceOf(InputError);
  });
});
