/**
 * Applies the SQL migrations in `infra/postgres/migrations/` at gateway start-up, under a Postgres advisory
 * lock, so that several replicas starting at once apply each migration exactly once and all start.
 *
 * Library: node-pg-migrate, 7.x line. It runs plain `.sql` files (`-- Up Migration` sections) ordered by their
 * timestamp prefix, records them in a `pgmigrations` table, checks that the applied ones match the files in
 * order (`checkOrder`), and applies the pending ones in one transaction. It is maintained, works with the `pg`
 * client we already use (and so with PGlite behind pglite-socket), and the 7.x line is the last one that ships
 * CommonJS, which this CommonJS package and its Jest set-up load without an ESM loader (8.x and postgrator are
 * ESM-only). Its own lock is a *try*-lock that fails the second starter ("Another migration is already
 * running"); we take a waiting session lock ourselves on the same connection and pass `noLock`, so the second
 * replica waits, then finds nothing to do.
 */
import path from 'node:path';
import { Client } from 'pg';
import { runner } from 'node-pg-migrate';

/** Session advisory lock taken around every migration run (distinct from the audit chain's lock). */
export const MIGRATION_LOCK_KEY = '7346913311584001100';

export const DEFAULT_MIGRATIONS_DIR = path.resolve(__dirname, '../../../../infra/postgres/migrations');

export interface MigrationLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

export interface MigrateOptions {
  /** Must be the schema owner (it creates tables, functions, triggers and the gateway_app role). */
  connectionString: string;
  migrationsDir?: string;
  log?: MigrationLog;
  /** How long to wait for the connection. Default 10 000 ms. */
  connectionTimeoutMs?: number;
}

export interface MigrationOutcome {
  /** Names of the migrations this run applied, in order; empty when the database was up to date. */
  applied: string[];
}

const silent: MigrationLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function migrate(options: MigrateOptions): Promise<MigrationOutcome> {
  const client = new Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: 'defect-gateway-migrate',
  });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      const log = options.log ?? silent;
      const ran = await runner({
        dbClient: client,
        dir: options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR,
        ignorePattern: '(\\..*)|(.*\\.md)',
        migrationsTable: 'pgmigrations',
        direction: 'up',
        count: Infinity,
        checkOrder: true,
        singleTransaction: true,
        noLock: true,
        logger: {
          info: (m: string) => log.info(m),
          warn: (m: string) => log.warn(m),
          error: (m: string) => log.error(m),
          debug: (m: string) => log.debug?.(m),
        },
      });
      return { applied: ran.map((m) => m.name) };
    } finally {
      await client
        .query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY])
        .catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
