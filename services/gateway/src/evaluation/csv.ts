/**
 * A small RFC 4180 CSV reader for the dataset manifests and tables: comma-separated, fields optionally in
 * double quotes (a quoted field may hold commas, line breaks and doubled quotes `""`), LF or CRLF line ends,
 * an optional UTF-8 byte-order mark. Blank lines are skipped. Errors name the line.
 */

export class CsvError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    message: string,
  ) {
    super(`${source}, line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

export interface CsvTable {
  header: string[];
  /** Data rows (header excluded), each as long as the header. */
  rows: string[][];
  /** 1-based file line where each data row starts. */
  lines: number[];
}

/** Parses all records of `text`; `source` names the file in error messages. */
export function parseCsvRecords(text: string, source: string): { fields: string[]; line: number }[] {
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = (): void => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && !fieldStarted;
    if (!blank) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          const next = text[i + 1];
          if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
            throw new CsvError(source, line, 'unexpected character after a closing quote');
          }
        }
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field !== '') throw new CsvError(source, line, 'a quote inside an unquoted field');
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
    }
  }
  if (quoted) throw new CsvError(source, recordLine, 'a quoted field is not closed');
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();
  return records;
}

/** A table with a header row; every row must have as many fields as the header. */
export function parseCsvTable(text: string, source: string): CsvTable {
  const records = parseCsvRecords(text, source);
  const first = records[0];
  if (first === undefined) throw new CsvError(source, 1, 'the file is empty (no header row)');
  const header = first.fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') throw new CsvError(source, first.line, 'the header has an empty column name');
    if (seen.has(name)) throw new CsvError(source, first.line, `the header names column '${name}' twice`);
    seen.add(name);
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== header.length) {
      throw new CsvError(
        source,
        record.line,
        `${record.fields.length} fields, but the header has ${header.length} columns`,
      );
    }
    rows.push(record.fields);
    lines.push(record.line);
  }
  return { header, rows, lines };
}
