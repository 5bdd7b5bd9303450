/**
 * The audit trail table. Appending is one INSERT: the database's trigger assigns seq, prev_hash, recorded_at and
 * row_hash under the chain lock (held to the end of the caller's transaction), and the same statement writes a
 * checkpoint when the new seq is a multiple of `checkpointEvery`. Nothing here can update or delete a row.
 */
import type { Queryable } from './db';
import type { AuditCheckpoint, AuditEntry, AuditFilter, ChainRow, NewAuditEntry } from './audit-types';
import { isUuid } from './uuid';

export interface AuditPageRequest {
  /** Keyset cursor: entries after this seq (ascending) or before it (descending). */
  cursor?: number;
  limit: number;
  order: 'asc' | 'desc';
}

/** Checkpoint with the hash the chain has at its seq now (null when that row is gone). */
export interface CheckpointCheck extends AuditCheckpoint {
  chainHash: string | null;
}

export interface AuditStore {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  get(id: string): Promise<AuditEntry | undefined>;
  search(filter: AuditFilter, page: AuditPageRequest): Promise<AuditEntry[]>;
}

/** What the verifier reads: the chain in seq order, as hashed, and the checkpoints. */
export interface AuditChainSource {
  chainPage(afterSeq: number, limit: number): Promise<ChainRow[]>;
  checkpointPage(afterSeq: number, limit: number): Promise<CheckpointCheck[]>;
}

export interface AuditStoreOptions {
  /** Write a checkpoint every this many entries; 0 turns checkpoints off. Default 1000. */
  checkpointEvery?: number;
}

const RECORDED_AT_TEXT = `to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

// Ordering must name the table's column (`audit_trail.seq`): the bare name would be the text alias below.
const ENTRY_COLUMNS = `seq::text AS seq, id::text AS id, actor_id, actor_role, action, entity_type, entity_id,
  reason, corrects_id::text AS corrects_id, payload, ${RECORDED_AT_TEXT} AS recorded_at, prev_hash, row_hash`;

interface EntryRow {
  seq: string;
  id: string;
  actor_id: string;
  actor_role: string;
  action: string;
  entity_type: string;
  entity_id: string;
  reason: string | null;
  corrects_id: string | null;
  payload: Record<string, unknown>;
  recorded_at: string;
  prev_hash: string;
  row_hash: string;
}

export class PostgresAuditStore implements AuditStore, AuditChainSource {
  private readonly checkpointEvery: number;

  constructor(
    private readonly db: Queryable,
    options: AuditStoreOptions = {},
  ) {
    this.checkpointEvery = options.checkpointEvery ?? 1000;
    if (!Number.isSafeInteger(this.checkpointEvery) || this.checkpointEvery < 0) {
      throw new RangeError('checkpointEvery must be a non-negative integer');
    }
  }

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const { rows } = await this.db.query<EntryRow>(
      `WITH entry AS (
         INSERT INTO audit_trail
           (id, actor_id, actor_role, action, entity_type, entity_id, reason, corrects_id, payload)
         VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8::uuid, $9::jsonb)
         RETURNING *
       ), checkpoint AS (
         INSERT INTO audit_checkpoints (seq, row_hash)
         SELECT seq, row_hash FROM entry WHERE $10::bigint > 0 AND seq % $10::bigint = 0
       )
       SELECT ${ENTRY_COLUMNS} FROM entry`,
      [
        entry.id ?? null,
        entry.actor.name,
        entry.actor.role,
        entry.action,
        entry.entity.type,
        entry.entity.id,
        entry.reason ?? null,
        entry.correctsId ?? null,
        JSON.stringify(entry.payload),
        this.checkpointEvery,
      ],
    );
    return toEntry(single(rows));
  }

  async get(id: string): Promise<AuditEntry | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_trail WHERE id = $1::uuid`,
      [id],
    );
    return rows[0] && toEntry(rows[0]);
  }

  async search(filter: AuditFilter, page: AuditPageRequest): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown): void => {
      values.push(value);
      where.push(sql(`$${values.length}`));
    };
    if (filter.from) add((p) => `recorded_at >= ${p}::timestamptz`, filter.from.toISOString());
    if (filter.to) add((p) => `recorded_at < ${p}::timestamptz`, filter.to.toISOString());
    if (filter.stationId !== undefined) add((p) => `(payload ->> 'stationId') = ${p}`, filter.stationId);
    if (filter.lotId !== undefined) add((p) => `(payload ->> 'lotId') = ${p}`, filter.lotId);
    if (filter.partId !== undefined) add((p) => `(payload ->> 'partId') = ${p}`, filter.partId);
    if (filter.model !== undefined) add((p) => `(payload -> 'model' ->> 'name') = ${p}`, filter.model);
    if (filter.actor !== undefined) add((p) => `actor_id = ${p}`, filter.actor);
    if (filter.action !== undefined) add((p) => `action = ${p}`, filter.action);
    if (filter.entityType !== undefined) add((p) => `entity_type = ${p}`, filter.entityType);
    if (filter.entityId !== undefined) add((p) => `entity_id = ${p}`, filter.entityId);
    const descending = page.order === 'desc';
    if (page.cursor !== undefined) add((p) => `seq ${descending ? '<' : '>'} ${p}::bigint`, page.cursor);
    values.push(page.limit);
    const { rows } = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_trail
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY audit_trail.seq ${descending ? 'DESC' : 'ASC'} LIMIT $${values.length}`,
      values,
    );
    return rows.map(toEntry);
  }

  async chainPage(afterSeq: number, limit: number): Promise<ChainRow[]> {
    const { rows } = await this.db.query<Omit<EntryRow, 'payload'> & { payload_text: string }>(
      `SELECT seq::text AS seq, id::text AS id, actor_id, actor_role, action, entity_type, entity_id, reason,
              corrects_id::text AS corrects_id, payload::text AS payload_text,
              ${RECORDED_AT_TEXT} AS recorded_at, prev_hash, row_hash
       FROM audit_trail WHERE seq > $1::bigint ORDER BY audit_trail.seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map((r) => ({
      seq: toSeq(r.seq),
      id: r.id,
      actorId: r.actor_id,
      actorRole: r.actor_role,
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      reason: r.reason,
      correctsId: r.corrects_id,
      payloadText: r.payload_text,
      recordedAt: r.recorded_at,
      prevHash: r.prev_hash,
      rowHash: r.row_hash,
    }));
  }

  async checkpointPage(afterSeq: number, limit: number): Promise<CheckpointCheck[]> {
    const { rows } = await this.db.query<{
      seq: string;
      row_hash: string;
      created_at: string;
      chain_hash: string | null;
    }>(
      `SELECT c.seq::text AS seq, c.row_hash,
              to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
              a.row_hash AS chain_hash
       FROM audit_checkpoints c LEFT JOIN audit_trail a ON a.seq = c.seq
       WHERE c.seq > $1::bigint ORDER BY c.seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map((r) => ({
      seq: toSeq(r.seq),
      rowHash: r.row_hash,
      createdAt: r.created_at,
      chainHash: r.chain_hash,
    }));
  }
}

function toEntry(r: EntryRow): AuditEntry {
  return {
    seq: toSeq(r.seq),
    id: r.id,
    actor: { name: r.actor_id, role: r.actor_role },
    action: r.action,
    entity: { type: r.entity_type, id: r.entity_id },
    reason: r.reason,
    correctsId: r.corrects_id,
    payload: r.payload,
    recordedAt: r.recorded_at,
    prevHash: r.prev_hash,
    rowHash: r.row_hash,
  };
}

/** bigint text → number; the chain would need 2^53 entries to overflow. */
export function toSeq(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`sequence number out of range: ${text}`);
  return n;
}

function single<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('INSERT … RETURNING returned no row');
  return row;
}
