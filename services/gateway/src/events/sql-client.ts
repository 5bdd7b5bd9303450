/**
 * The slice of the records store's database (records/db.ts `Database`) the outbox code uses, so this folder
 * depends on a shape, not on a driver or on the records folder: `query` for reads, and `transaction(fn)`
 * (BEGIN, fn, COMMIT — ROLLBACK when fn throws) for claims.
 */
export interface SqlQueryable {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface SqlTransactor extends SqlQueryable {
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}
