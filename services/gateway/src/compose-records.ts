import * as path from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config';
import { JobQueue } from './jobs/job-queue';
import { createEventRelay, OutboxReader, PostgresOutboxSource, type OutboxRelay } from './events';
import {
  AuditQuery,
  AuditVerifier,
  DecisionRecorder,
  PostgresRecords,
  createDatabase,
  migrate,
  startEmbeddedPostgres,
  type Database,
  type EmbeddedPostgres,
} from './records';
import { LocalObjectStore } from './storage/local-object-store';
import type { ObjectStore } from './storage/object-store';
import { S3ObjectStore } from './storage/s3-object-store';

/** Everything that keeps records: the database, the stores on it, the object store and the event relay. */
export interface RecordsRuntime {
  db: Database;
  connectionString: string;
  records: PostgresRecords;
  recorder: DecisionRecorder;
  objects: ObjectStore;
  auditQuery: AuditQuery;
  auditVerifier: AuditVerifier;
  outboxReader: OutboxReader;
  relay: OutboxRelay | undefined;
  /** Which real servers are in use (for the start-up log and /readyz). */
  mode: { database: 'postgres' | 'embedded'; objects: 's3' | 'local'; events: 'kafka' | 'outbox-only' };
  stop(): Promise<void>;
}

/**
 * Starts the records side: `DATABASE_URL` or the embedded PGlite (same SQL, same `pg` code path), migrations
 * under an advisory lock, S3 or a local directory for images, and the outbox relay when Kafka is configured.
 */
export async function startRecords(config: GatewayConfig, log: Logger): Promise<RecordsRuntime> {
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = config.databaseUrl;
  let poolMax = 10;
  if (!connectionString) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pglite') });
    connectionString = embedded.connectionString;
    poolMax = embedded.poolMax;
    log.info({ dataDir: embedded.dataDir }, 'embedded Postgres (PGlite) started: no DATABASE_URL set');
  }
  const cleanups: Array<() => Promise<void>> = [];
  if (embedded) cleanups.push(() => embedded.stop());
  try {
    const outcome = await migrate({
      connectionString: config.databaseMigrationUrl ?? connectionString,
      log: migrationLog(log),
    });
    log.info(
      { applied: outcome.applied, asOwner: config.databaseMigrationUrl !== undefined },
      'database migrations checked',
    );
    if (config.databaseMigrationUrl) await installJobQueueAsOwner(config.databaseMigrationUrl);
    const db = createDatabase({
      connectionString,
      max: poolMax,
      applicationName: 'defect-gateway',
      onIdleError: (err) => log.warn({ err }, 'idle database connection failed'),
    });
    cleanups.unshift(() => db.close());
    const records = new PostgresRecords(db, { checkpointEvery: config.auditCheckpointEvery });
    const objects = config.s3
      ? await S3ObjectStore.connect(config.s3)
      : await LocalObjectStore.open(path.join(config.dataDir, 'objects'));
    cleanups.unshift(() => objects.close());
    // PGlite serves one connection: the relay must not hold it open while a batch waits for Kafka.
    const source = new PostgresOutboxSource(db, { soleRelay: embedded !== undefined });
    const relay = createEventRelay(config.events, { source, log });
    relay?.start();
    if (relay) cleanups.unshift(() => relay.stop());
    return {
      db,
      connectionString,
      records,
      recorder: new DecisionRecorder(records),
      objects,
      auditQuery: new AuditQuery(records.audit),
      auditVerifier: new AuditVerifier(records.audit),
      outboxReader: new OutboxReader(db),
      relay,
      mode: {
        database: embedded ? 'embedded' : 'postgres',
        objects: config.s3 ? 's3' : 'local',
        events: relay ? 'kafka' : 'outbox-only',
      },
      async stop() {
        for (const cleanup of cleanups)
          await cleanup().catch((err: unknown) => log.warn({ err }, 'records cleanup'));
      },
    };
  } catch (err) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw err;
  }
}

/** pg-boss's tables and queues, made by the owner so the gateway's own role only needs to use them. */
async function installJobQueueAsOwner(connectionString: string): Promise<void> {
  const owner = createDatabase({ connectionString, max: 1, applicationName: 'defect-gateway-migrations' });
  try {
    await JobQueue.install(owner);
  } finally {
    await owner.close();
  }
}

function migrationLog(log: Logger) {
  return {
    info: (msg: string) => log.info(msg),
    warn: (msg: string) => log.warn(msg),
    error: (msg: string) => log.error(msg),
    debug: (msg: string) => log.debug(msg),
  };
}
