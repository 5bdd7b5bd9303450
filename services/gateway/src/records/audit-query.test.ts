import { AuditQuery, csvField, csvLine } from './audit-query';
import { DecisionRecorder } from './decision-recorder';
import { InMemoryRecords } from './fake-records';
import { sampleDecision } from './test-decisions';

describe('CSV escaping', () => {
  it('quotes fields with commas, quotes, line breaks or edge spaces, doubling inner quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('')).toBe('');
  });

  it('defuses spreadsheet formulas', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvLine(['a', 'b,c'])).toBe('a,"b,c"\r\n');
  });
});

describe('AuditQuery paging', () => {
  it('returns a cursor only while more entries follow', async () => {
    const records = new InMemoryRecords();
    const recorder = new DecisionRecorder(records);
    for (let i = 0; i < 5; i++) await recorder.recordDecision(sampleDecision());
    const query = new AuditQuery(records.audit);
    const first = await query.page({}, { limit: 2 });
    expect(first.entries.map((e) => e.seq)).toEqual([1, 2]);
    const rest = await query.page({}, { limit: 3, cursor: first.nextCursor! });
    expect(rest).toMatchObject({ nextCursor: null });
    expect(rest.entries.map((e) => e.seq)).toEqual([3, 4, 5]);
  });
});
