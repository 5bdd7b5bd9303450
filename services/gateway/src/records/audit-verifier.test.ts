import { AuditVerifier } from './audit-verifier';
import { DecisionRecorder } from './decision-recorder';
import { InMemoryRecords } from './fake-records';
import { sampleDecision } from './test-decisions';
import type { AuditChainSource } from './audit-store';
import type { ChainRow } from './audit-types';

async function chain(n: number): Promise<ChainRow[]> {
  const records = new InMemoryRecords();
  const recorder = new DecisionRecorder(records);
  for (let i = 0; i < n; i++) await recorder.recordDecision(sampleDecision());
  return records.chainPage(0, n);
}

function source(rows: ChainRow[]): AuditChainSource {
  return {
    chainPage: async (after, limit) => rows.filter((r) => r.seq > after).slice(0, limit),
    checkpointPage: async () => [],
  };
}

describe('AuditVerifier', () => {
  it('accepts an intact chain read across pages, and an empty one', async () => {
    expect(await new AuditVerifier(source(await chain(7)), { pageSize: 3 }).verify()).toMatchObject({
      ok: true,
      rowsChecked: 7,
      headSeq: 7,
    });
    expect(await new AuditVerifier(source([])).verify()).toMatchObject({
      ok: true,
      rowsChecked: 0,
      headSeq: null,
    });
  });

  it('reports a missing first row', async () => {
    const rows = (await chain(3)).slice(1);
    expect((await new AuditVerifier(source(rows)).verify()).firstBreak).toMatchObject({
      seq: 1,
      reason: 'missing row (gap in seq)',
    });
  });

  it('reports the first edited row only', async () => {
    const rows = await chain(5);
    rows[2] = { ...rows[2]!, payloadText: rows[2]!.payloadText.replace('"fail"', '"pass"') };
    rows[3] = { ...rows[3]!, actorId: 'someone else' };
    const report = await new AuditVerifier(source(rows)).verify();
    expect(report.firstBreak).toMatchObject({ seq: 3, reason: 'hash mismatch', actual: rows[2].rowHash });
    expect(report.rowsChecked).toBe(3);
  });

  it('reports a relinked row as a broken chain', async () => {
    const rows = await chain(4);
    rows[1] = { ...rows[1]!, prevHash: 'f'.repeat(64) };
    expect((await new AuditVerifier(source(rows)).verify()).firstBreak).toMatchObject({
      seq: 2,
      reason: 'broken chain',
      expected: rows[0]!.rowHash,
    });
  });
});
