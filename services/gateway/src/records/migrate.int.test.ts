import { readdir } from 'node:fs/promises';
import { Client } from 'pg';
import { DEFAULT_MIGRATIONS_DIR, migrate } from './migrate';
import { createEmptyDatabase, type TestDatabase } from './test-database';

describe('migrations on real Postgres', () => {
  let database: TestDatabase;
  let files: string[];

  beforeAll(async () => {
    database = await createEmptyDatabase();
    files = (await readdir(DEFAULT_MIGRATIONS_DIR))
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => f.replace(/\.sql$/, ''));
  });
  afterAll(() => database.drop());

  it('two gateways starting at once: one applies every migration, both succeed; a restart is a no-op', async () => {
    const [a, b] = await Promise.all([
      migrate({ connectionString: database.url }),
      migrate({ connectionString: database.url }),
    ]);
    expect([...a.applied, ...b.applied]).toEqual(files);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, files.length]);

    const again = await migrate({ connectionString: database.url });
    expect(again.applied).toEqual([]);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(files);
    } finally {
      await client.end();
    }
  });

  it('comments every table and every column', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string; column_name: string | null }>(
        `SELECT c.relname AS table_name, a.attname AS column_name
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relkind = 'r' AND c.relname <> 'pgmigrations'
           AND (obj_description(c.oid, 'pg_class') IS NULL
                OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))`,
      );
      expect(rows).toEqual([]);
      const tables = await client.query<{ relname: string }>(
        `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND relkind = 'r' ORDER BY relname`,
      );
      expect(tables.rows.map((r) => r.relname)).toEqual([
        'audit_checkpoints',
        'audit_trail',
        'experiment_items',
        'experiments',
        'feedback',
        'inspection_items',
        'inspections',
        'jobs',
        'model_pins',
        'outbox',
        'pgmigrations',
        'rate_limit_windows',
      ]);
    } finally {
      await client.end();
    }
  });

  it('gives the application role INSERT and SELECT only on the audit tables', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string; privilege_type: string }>(
        `SELECT table_name, privilege_type FROM information_schema.role_table_grants
         WHERE grantee = 'gateway_app' AND table_name IN ('audit_trail', 'audit_checkpoints')
         ORDER BY table_name, privilege_type`,
      );
      expect(rows).toEqual([
        { table_name: 'audit_checkpoints', privilege_type: 'INSERT' },
        { table_name: 'audit_checkpoints', privilege_type: 'SELECT' },
        { table_name: 'audit_trail', privilege_type: 'INSERT' },
        { table_name: 'audit_trail', privilege_type: 'SELECT' },
      ]);
    } finally {
      await client.end();
    }
  });
});
