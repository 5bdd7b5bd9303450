import { InputError } from '../domain/errors';
import type { Decision } from '../postprocess/decision-types';
import { createDatabase, type Database } from './db';
import { DecisionRecorder } from './decision-recorder';
import {
  INSPECTION_CSV_COLUMNS,
  InspectionQuery,
  inspectionsCsv,
  type InspectionFilter,
} from './inspection-query';
import { PostgresRecords } from './record-stores';
import { createTestDatabase, type TestDatabase } from './test-database';
import { sampleDecision } from './test-decisions';

jest.setTimeout(60_000);

describe('the inspections list (real Postgres)', () => {
  let database: TestDatabase;
  let db: Database;
  let query: InspectionQuery;
  const tags = new Map<string, string>();
  let middle = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 4 });
    const recorder = new DecisionRecorder(new PostgresRecords(db));
    query = new InspectionQuery(db);
    const plan: Array<[string, Decision, string]> = [
      ['a', 'pass', 'line-1'],
      ['b', 'fail', 'line-1'],
      ['c', 'pass', 'line-2'],
      ['d', 'review', 'line-1'],
      ['e', 'fail', 'line-2'],
      ['f', 'pass', 'line-1'],
    ];
    // Part P-100 is inspected three times (a, d, f: first pass, then after rework); the others once each.
    for (const [tag, decision, stationId] of plan) {
      const part = ['a', 'd', 'f'].includes(tag) ? { partId: 'P-100' } : {};
      const { inspection } = await recorder.recordDecision(sampleDecision({ decision, stationId, ...part }));
      tags.set(inspection.id, tag);
      if (tag === 'c') middle = inspection.createdAt.toISOString();
    }
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const all = async (filter: InspectionFilter, limit: number, order: 'oldest' | 'newest') => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await query.page(filter, cursor, limit, order);
      seen.push(...page.items.map((i) => tags.get(i.inspectionId)!));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return seen;
  };

  it('pages newest or oldest first, by station, decision and time', async () => {
    expect(await all({}, 4, 'newest')).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
    expect(await all({}, 5, 'oldest')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await all({ stationId: 'line-1', decisions: ['fail', 'review'] }, 1, 'newest')).toEqual([
      'd',
      'b',
    ]);
    expect(await all({ from: middle }, 2, 'newest')).toEqual(['f', 'e', 'd', 'c']);
    expect(await all({ to: middle }, 2, 'newest')).toEqual(['b', 'a']);
    expect(await query.count({ decisions: ['pass'] })).toBe(3);
  });

  it('lists every decision on one part, alone or with the other filters', async () => {
    expect(await all({ partId: 'P-100' }, 2, 'newest')).toEqual(['f', 'd', 'a']);
    expect(await all({ partId: 'P-100', decisions: ['pass'] }, 10, 'oldest')).toEqual(['a', 'f']);
    expect(await all({ partId: 'P-100', stationId: 'line-2' }, 10, 'newest')).toEqual([]);
    expect(await all({ partId: 'P-999' }, 10, 'newest')).toEqual([]);
  });

  it('exports every match as CSV, page after page', async () => {
    let text = '';
    for await (const chunk of inspectionsCsv(query, { stationId: 'line-1' }, 'oldest')) text += chunk;
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(INSPECTION_CSV_COLUMNS.join(','));
    expect(lines.slice(1).map((l) => tags.get(l.split(',')[0]!))).toEqual(['a', 'b', 'd', 'f']);
    const b = lines[2]!.split(',');
    expect(b.slice(2, 12)).toEqual([
      'line-1',
      'LOT-2026-11-25',
      b[4],
      'visual',
      'visual_ensemble',
      '3',
      'fail',
      'scratch',
      '0.9',
      'scratch',
    ]);
  });

  it('refuses a bad time or cursor', async () => {
    await expect(query.page({ from: 'noon' }, undefined, 5, 'newest')).rejects.toBeInstanceOf(InputError);
    await expect(query.page({}, 'eA', 5, 'newest')).rejects.toBeInstanceOf(InputError);
  });
});
