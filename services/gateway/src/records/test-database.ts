/**
 * Integration-test harness for real Postgres. The admin URL comes from TEST_DATABASE_URL, or else from
 * `infra/postgres/start.sh` (idempotent: installs, initialises and starts a private cluster when needed), so a
 * plain `npm test` works on a fresh machine. The migrations are applied once to a template database
 * (`gateway_template`, rebuilt when the migration files change), under an advisory lock so parallel Jest
 * workers do not race; each test file then gets its own `CREATE DATABASE … TEMPLATE gateway_template` copy,
 * dropped afterwards. Test infrastructure only.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DEFAULT_MIGRATIONS_DIR, migrate } from './migrate';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const TEMPLATE = 'gateway_template';
const HARNESS_LOCK_KEY = '7346913311584001300';

export interface TestDatabase {
  /** Connection string of this file's own database (superuser). */
  readonly url: string;
  readonly name: string;
  /** Connection string of the admin database (superuser): for CREATE/DROP DATABASE and roles. */
  readonly adminUrl: string;
  drop(): Promise<void>;
}

let adminUrlPromise: Promise<string> | undefined;

/** The admin URL: TEST_DATABASE_URL, or the cluster that infra/postgres/start.sh starts. */
export function testAdminUrl(): Promise<string> {
  adminUrlPromise ??= resolveAdminUrl();
  return adminUrlPromise;
}

async function resolveAdminUrl(): Promise<string> {
  const fromEnv = process.env.TEST_DATABASE_URL;
  if (fromEnv) return fromEnv;
  const script = path.join(REPO_ROOT, 'infra/postgres/start.sh');
  const { stdout } = await promisify(execFile)('bash', [script], { timeout: 600_000 });
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('DATABASE_URL='));
  if (!line) throw new Error(`${script} printed no DATABASE_URL line`);
  return line.slice('DATABASE_URL='.length).trim();
}

/** A connection string for another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database with every migration applied, copied from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = await testAdminUrl();
  const name = `gw_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1::bigint)', [HARNESS_LOCK_KEY]);
    try {
      await ensureTemplate(admin, adminUrl);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1::bigint)', [HARNESS_LOCK_KEY]);
    }
  });
  return {
    url: withDatabase(adminUrl, name),
    name,
    adminUrl,
    drop: () => dropDatabase(adminUrl, name),
  };
}

/** An empty database (no migrations), e.g. to test the migrator itself. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const adminUrl = await testAdminUrl();
  const name = `gw_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  return {
    url: withDatabase(adminUrl, name),
    name,
    adminUrl,
    drop: () => dropDatabase(adminUrl, name),
  };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function ensureTemplate(admin: Client, adminUrl: string): Promise<void> {
  const fingerprint = `migrations ${await migrationsFingerprint()}`;
  const { rows } = await admin.query<{ note: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1`,
    [TEMPLATE],
  );
  if (rows[0]?.note === fingerprint) return;
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await migrate({ connectionString: withDatabase(adminUrl, TEMPLATE) });
  // Written last: a template whose migration failed half-way is rebuilt on the next run.
  await admin.query(`COMMENT ON DATABASE ${TEMPLATE} IS '${fingerprint}'`);
}

/** SHA-256 over the migration files' names and contents. */
async function migrationsFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const names = (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((n) => n.endsWith('.sql')).sort();
  for (const name of names) {
    hash
      .update(name)
      .update('\0')
      .update(await readFile(path.join(DEFAULT_MIGRATIONS_DIR, name)));
  }
  return hash.digest('hex');
}

/** Runs `fn` on a fresh connection to `connectionString`, closed afterwards. */
export async function withClient<T>(
  connectionString: string,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const withAdmin = withClient;
