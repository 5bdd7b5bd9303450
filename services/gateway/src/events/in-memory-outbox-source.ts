import { randomUUID } from 'node:crypto';
import type { OutboxRow, OutboxSource } from './outbox-source';

export interface StoredOutboxRow extends OutboxRow {
  publishedAt: Date | null;
}

/**
 * An outbox held in memory with the same claim rules as the Postgres one: id order, claimed rows invisible to
 * other claims, and no row claimed while an earlier row of its key is unpublished outside the batch. For unit
 * and fault tests (several relays may share one instance); production uses PostgresOutboxSource.
 */
export class InMemoryOutboxSource implements OutboxSource {
  private readonly rows: StoredOutboxRow[] = [];
  private readonly claims = new Set<Set<string>>();
  private nextId = 1;
  /** How many times each row was marked published (a row marked twice would be a relay bug). */
  readonly markCounts = new Map<string, number>();

  /** Appends a row as the records store would (id assigned here, in commit order). */
  add(row: { topic: string; key: string; payload: unknown; eventId?: string; createdAt?: Date }): OutboxRow {
    const stored: StoredOutboxRow = {
      id: String(this.nextId++),
      eventId: row.eventId ?? randomUUID(),
      topic: row.topic,
      key: row.key,
      payload: row.payload,
      createdAt: row.createdAt ?? new Date(),
      publishedAt: null,
    };
    this.rows.push(stored);
    return { ...stored };
  }

  async claimBatch(limit: number): Promise<OutboxRow[]> {
    const held = new Set<string>();
    for (const claim of this.claims) for (const id of claim) held.add(id);
    const blockedKeys = new Set<string>();
    const batch: StoredOutboxRow[] = [];
    for (const row of this.rows) {
      if (batch.length >= limit) break;
      if (row.publishedAt !== null) continue;
      if (held.has(row.id)) {
        blockedKeys.add(row.key);
        continue;
      }
      if (blockedKeys.has(row.key)) continue;
      batch.push(row);
    }
    if (batch.length > 0) this.claims.add(new Set(batch.map((r) => r.id)));
    return batch.map(({ publishedAt: _, ...row }) => ({ ...row }));
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    const now = new Date();
    for (const id of ids) {
      const row = this.rows.find((r) => r.id === id);
      if (!row) throw new Error(`outbox row ${id} does not exist`);
      this.markCounts.set(id, (this.markCounts.get(id) ?? 0) + 1);
      row.publishedAt ??= now;
    }
    this.endClaim(ids);
  }

  async release(ids: readonly string[]): Promise<void> {
    this.endClaim(ids);
  }

  /** Every row, oldest first, with its published time. */
  list(): StoredOutboxRow[] {
    return this.rows.map((r) => ({ ...r }));
  }

  unpublishedCount(): number {
    return this.rows.filter((r) => r.publishedAt === null).length;
  }

  private endClaim(ids: readonly string[]): void {
    for (const claim of this.claims) {
      if (ids.some((id) => claim.has(id))) this.claims.delete(claim);
    }
  }
}
