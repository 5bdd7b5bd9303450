import fc from 'fast-check';
import { Client } from 'pg';
import { canonicalJsonText } from './audit-canonical';
import { AuditVerifier } from './audit-verifier';
import { createDatabase } from './db';
import { PostgresRecords } from './record-stores';
import { createTestDatabase, type TestDatabase } from './test-database';

/** The database hashes inside its trigger, the verifier in TypeScript: the two encodings must agree exactly. */
describe('audit canonical encoding: TypeScript and Postgres agree', () => {
  let database: TestDatabase;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await database.drop();
  });

  const inDatabase = async (json: string): Promise<{ canonical: string; text: string }> => {
    const { rows } = await sql.query<{ canonical: string; text: string }>(
      'SELECT audit_canonical_json($1::jsonb) AS canonical, $1::jsonb::text AS text',
      [json],
    );
    return rows[0]!;
  };

  it('on any JSON value (property)', async () => {
    // jsonb cannot hold \u0000; everything else, any code point, any number, any nesting, is fair game.
    const values = fc
      .jsonValue({ stringUnit: 'binary', maxDepth: 4 })
      .map((v) => JSON.stringify(v))
      .filter((json) => !json.includes('\\u0000'));
    await fc.assert(
      fc.asyncProperty(values, async (json) => {
        const db = await inDatabase(json);
        expect(canonicalJsonText(db.text)).toBe(db.canonical);
      }),
      { numRuns: 300 },
    );
  });

  it('on the awkward cases: key order by code point, number spelling, escapes', async () => {
    const json =
      '{"é":1.0,"b":[1e-7,-0,1E+21,0.30000000000000004],"a\\u0001":"\\"\\\\\\n😀","Z":{},"\uffff":[],"😀":null}';
    const db = await inDatabase(json);
    expect(canonicalJsonText(db.text)).toBe(db.canonical);
    expect(db.canonical).toBe(
      '{"Z":{},"a\\u0001":"\\"\\\\\\n😀","b":[0.0000001,0,1000000000000000000000,0.30000000000000004],"é":1.0,"\uffff":[],"😀":null}',
    );
  });

  it('so a row written outside the application, with such values, verifies', async () => {
    await sql.query(
      `INSERT INTO audit_trail (actor_id, actor_role, action, entity_type, entity_id, reason, payload)
       VALUES ('Ünïcode "quoted", comma', 'admin', 'job.created', 'job', 'j-1', E'line one\\nline two',
               '{"é":1.0,"b":[1e-7,-0],"a\\u0001":"x","😀":{"z":true,"y":[]}}')`,
    );
    const db = createDatabase({ connectionString: database.url, max: 1 });
    try {
      const report = await new AuditVerifier(new PostgresRecords(db).audit).verify();
      expect(report).toMatchObject({ ok: true, rowsChecked: 1 });
    } finally {
      await db.close();
    }
  });
});
