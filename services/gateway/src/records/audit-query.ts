/**
 * Reading the audit trail for auditors: filters (time range, lot, station, model, actor, action, entity),
 * keyset pagination on seq (stable while new entries are appended), and CSV export streamed page by page.
 */
import { InputError } from '../domain/errors';
import type { AuditStore } from './audit-store';
import type { AuditEntry, AuditFilter } from './audit-types';

export interface AuditPageOptions {
  /** The `nextCursor` of the previous page. */
  cursor?: number;
  /** 1…maxLimit; default 100. */
  limit?: number;
  /** Chronological by default. */
  order?: 'asc' | 'desc';
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  nextCursor: number | null;
}

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'id',
  'recorded_at',
  'actor_id',
  'actor_role',
  'action',
  'entity_type',
  'entity_id',
  'reason',
  'corrects_id',
  'payload',
  'prev_hash',
  'row_hash',
] as const;

export interface AuditQueryOptions {
  maxLimit?: number;
  /** Rows per database round trip during CSV export. Default 500. */
  exportPageSize?: number;
}

export class AuditQuery {
  private readonly maxLimit: number;
  private readonly exportPageSize: number;

  constructor(
    private readonly store: Pick<AuditStore, 'search'>,
    options: AuditQueryOptions = {},
  ) {
    this.maxLimit = options.maxLimit ?? 1000;
    this.exportPageSize = options.exportPageSize ?? 500;
  }

  async page(filter: AuditFilter, options: AuditPageOptions = {}): Promise<AuditPage> {
    validateFilter(filter);
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > this.maxLimit) {
      throw new InputError(`limit must be an integer from 1 to ${this.maxLimit}`, {
        details: { field: 'limit' },
      });
    }
    if (options.cursor !== undefined && (!Number.isSafeInteger(options.cursor) || options.cursor < 0)) {
      throw new InputError('cursor must be a non-negative integer', { details: { field: 'cursor' } });
    }
    // One extra row tells whether another page exists without a count query.
    const rows = await this.store.search(filter, {
      cursor: options.cursor,
      limit: limit + 1,
      order: options.order ?? 'asc',
    });
    const entries = rows.slice(0, limit);
    const last = entries[entries.length - 1];
    return { entries, nextCursor: rows.length > limit && last ? last.seq : null };
  }

  /** CSV (RFC 4180, CRLF), header first, one chunk per page; never holds the whole export in memory. */
  async *csv(filter: AuditFilter, order: 'asc' | 'desc' = 'asc'): AsyncGenerator<string> {
    validateFilter(filter);
    yield csvLine(AUDIT_CSV_COLUMNS);
    let cursor: number | undefined;
    for (;;) {
      const page = await this.page(filter, { cursor, limit: this.exportPageSize, order });
      if (page.entries.length > 0) yield page.entries.map((e) => csvLine(csvRow(e))).join('');
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }
}

function csvRow(e: AuditEntry): string[] {
  return [
    String(e.seq),
    e.id,
    e.recordedAt,
    e.actor.name,
    e.actor.role,
    e.action,
    e.entity.type,
    e.entity.id,
    e.reason ?? '',
    e.correctsId ?? '',
    JSON.stringify(e.payload),
    e.prevHash,
    e.rowHash,
  ];
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * One CSV field: quoted (with inner quotes doubled) when it holds a comma, quote, CR or LF, or starts or ends
 * with a space. A field a spreadsheet would run as a formula (starting with = + - @ tab or CR) gets a leading
 * apostrophe, the usual guard against CSV injection: the export is for reading, the verifier works on the
 * database.
 */
export function csvField(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  if (/[",\r\n]|^ | $/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

function validateFilter(filter: AuditFilter): void {
  for (const [name, date] of [
    ['from', filter.from],
    ['to', filter.to],
  ] as const) {
    if (date !== undefined && Number.isNaN(date.getTime())) {
      throw new InputError(`'${name}' is not a valid time`, { details: { field: name } });
    }
  }
  if (filter.from && filter.to && filter.from.getTime() > filter.to.getTime()) {
    throw new InputError("'from' is after 'to'", { details: { field: 'from' } });
  }
}
