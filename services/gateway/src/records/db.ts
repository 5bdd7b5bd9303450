/**
 * The gateway's Postgres connection: a `pg` pool with `transaction(fn)` and one place that turns "the database
 * is not there" into `UnavailableError` (→ 503). Works the same against real Postgres and the embedded PGlite
 * (served over the wire protocol by pglite-socket; give it `max: 1`).
 */
import { Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { UnavailableError, isGatewayError } from '../domain/errors';

/** Anything that runs a parameterised statement: the pool, or one transaction's client. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>>;
}

/** The one row an INSERT … RETURNING or UPDATE … RETURNING of a known row gives back. */
export function firstRow<T>(rows: T[]): T {
  const row = rows[0];
  if (!row) throw new Error('statement returned no row');
  return row;
}

export interface Database extends Queryable {
  /**
   * Runs `fn` in one transaction (READ COMMITTED) on one connection: COMMIT when it resolves, ROLLBACK when it
   * throws (the error is rethrown, mapped like every other database error).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  /** Ends the pool (ordered shutdown). */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  connectionString: string;
  /** Pool size; 1 for the embedded PGlite, which serves one connection. */
  max?: number;
  /** How long to wait for a connection before the database counts as unavailable. Default 5 000 ms. */
  connectionTimeoutMs?: number;
  /** Server-side statement timeout. Default 10 000 ms. */
  statementTimeoutMs?: number;
  idleTimeoutMs?: number;
  applicationName?: string;
  /** Errors of idle pooled connections (e.g. the server restarting); they are not thrown anywhere else. */
  onIdleError?: (err: Error) => void;
}

export function createDatabase(options: DatabaseOptions): Database {
  return new PostgresDatabase(options);
}

class PostgresDatabase implements Database {
  private readonly pool: Pool;

  constructor(options: DatabaseOptions) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'defect-gateway',
    });
    // Without a listener an idle connection's error would crash the process.
    this.pool.on('error', (err) => options.onIdleError?.(err));
  }

  async query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    // Not pool.query(): that destroys the connection after ANY error, a constraint violation included, and the
    // reconnect costs a round trip (and, with PGlite's single connection, can race the old one's close).
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapDatabaseError(err);
    }
    let broken = false;
    try {
      return await client.query<R>(text, values as unknown[] | undefined);
    } catch (err) {
      broken = isConnectionFailure(err);
      throw mapDatabaseError(err);
    } finally {
      client.release(broken ? true : undefined);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapDatabaseError(err);
    }
    let broken = false;
    const tx: Queryable = {
      query: async <R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]) => {
        try {
          return await client.query<R>(text, values as unknown[] | undefined);
        } catch (err) {
          if (isConnectionFailure(err)) broken = true;
          throw mapDatabaseError(err);
        }
      },
    };
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw mapDatabaseError(err);
    } finally {
      // A connection that failed mid-transaction is destroyed, not returned to the pool.
      client.release(broken ? true : undefined);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** SQLSTATE classes and codes that mean "the server is not there (now)", not "your statement is wrong". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovery)
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  '53100', // disk_full
  '53200', // out_of_memory
  '55P03', // lock_not_available (lock_timeout)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Messages that pg and pg-pool throw without a code when a connection fails or times out. */
const CONNECTION_MESSAGES =
  /(timeout exceeded when trying to connect|connection terminated|connection timeout|not queryable|query read timeout|server closed the connection|cannot use a pool after calling end)/i;

/** True when the error says the connection (not the statement) failed. */
export function isConnectionFailure(err: unknown): boolean {
  const code = errorCode(err);
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (code.startsWith('08')) return true; // connection_exception class
    if (code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  return CONNECTION_MESSAGES.test(errorMessage(err));
}

/** True when the error means the database is unavailable or overloaded (so: 503, retry later). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (isConnectionFailure(err)) return true;
  const code = errorCode(err);
  return typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('53'));
}

// Duck-typed, not `instanceof Error`: errors from Node's sockets may come from another realm (e.g. under Jest).
function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

function errorMessage(err: unknown): string {
  const message =
    typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : '';
}

/**
 * The one mapping of database errors: connection refused / reset / timed out, admin or crash shutdown,
 * statement timeout, resource exhaustion → `UnavailableError('database unavailable')` with the original as its
 * cause. Gateway errors and statement errors (constraint violations, syntax) are returned unchanged.
 */
export function mapDatabaseError(err: unknown): unknown {
  if (isGatewayError(err)) return err;
  if (isDatabaseUnavailable(err)) return new UnavailableError('database unavailable', 1, { cause: err });
  return err;
}
