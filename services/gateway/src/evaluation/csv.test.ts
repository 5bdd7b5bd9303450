import { CsvError, parseCsvRecords, parseCsvTable } from './csv';

describe('parseCsvTable', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text = 'path,class,note\r\n"a,b.jpg",Crack,"say ""hi""\nthere"\r\nc.jpg,Free,\n';
    const table = parseCsvTable(text, 'm.csv');
    expect(table.header).toEqual(['path', 'class', 'note']);
    expect(table.rows).toEqual([
      ['a,b.jpg', 'Crack', 'say "hi"\nthere'],
      ['c.jpg', 'Free', ''],
    ]);
    expect(table.lines).toEqual([2, 4]);
  });

  it('skips a byte-order mark and blank lines, and keeps empty trailing fields', () => {
    const table = parseCsvTable('\ufeffa,b\n\n1,\n', 't.csv');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.rows).toEqual([['1', '']]);
  });

  it('names the file and line of a row with the wrong number of fields', () => {
    expect(() => parseCsvTable('a,b\n1,2\n3\n', 'x.csv')).toThrow(
      'x.csv, line 3: 1 fields, but the header has 2 columns',
    );
  });

  it('refuses unclosed quotes, stray quotes, empty and duplicate column names', () => {
    expect(() => parseCsvRecords('a,"b\n', 'q.csv')).toThrow(CsvError);
    expect(() => parseCsvRecords('a,b"c\n', 'q.csv')).toThrow(/quote inside an unquoted field/);
    expect(() => parseCsvRecords('"a"b\n', 'q.csv')).toThrow(/after a closing quote/);
    expect(() => parseCsvTable('a,,b\n', 'q.csv')).toThrow(/empty column name/);
    expect(() => parseCsvTable('a,a\n', 'q.csv')).toThrow(/'a' twice/);
    expect(() => parseCsvTable('', 'q.csv')).toThrow(/empty/);
  });
});
