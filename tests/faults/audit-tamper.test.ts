// Fault test: a database superuser edits a recorded decision directly (triggers disabled for the purpose);
// GET /v1/audit/verify must report the edited row as the first broken link. The application itself cannot
// make the same edit: with the append-only trigger enabled an UPDATE fails, and the application role has no
// UPDATE grant at all.
//
// The gateway runs in-process (tests/e2e/gateway-harness.ts) on this file's own test database.
import { Client } from 'pg';
import { startTestGateway } from '../e2e/gateway-harness';
import type { RunningGateway } from '../../services/gateway/src/server';
import { createTestDatabase, type TestDatabase } from '../../services/gateway/src/records/test-database';

jest.setTimeout(300_000);

const TOTAL = 30;
const TAMPERED_SEQ = 17;
const STATION_KEY = 'fault-station-key-0001';
const AUDITOR_KEY = 'fault-auditor-key-0001';

let database: TestDatabase;
let admin: Client;
let gateway: RunningGateway | undefined;
let url: string;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new Client({ connectionString: database.url });
  await admin.connect();
  ({ gateway, url } = await startTestGateway({
    DATABASE_URL: database.url,
    API_KEYS: `line:station:${STATION_KEY},qa:auditor:${AUDITOR_KEY}`,
  }));
});

afterAll(async () => {
  await gateway?.stop();
  await admin?.end();
  await database?.drop();
});

async function inspect(i: number): Promise<Response> {
  return fetch(`${url}/v1/inspections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${STATION_KEY}` },
    body: JSON.stringify({
      modality: 'electrical',
      stationId: `tamper-station-${i % 3}`,
      lotId: 'LOT-TAMPER',
      measurements: Array.from({ length: 8 }, (_, j) => Math.sin(i + j)),
    }),
  });
}

interface Verification {
  ok: boolean;
  rowsChecked: number;
  firstBreak: { seq: number; reason: string } | null;
}

async function verify(): Promise<Verification> {
  const res = await fetch(`${url}/v1/audit/verify`, {
    headers: { authorization: `Bearer ${AUDITOR_KEY}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Verification;
}

const decisionAt = async (seq: number): Promise<string | undefined> =>
  (
    await admin.query<{ decision: string }>(
      `SELECT payload->>'decision' AS decision FROM audit_trail WHERE seq = $1`,
      [seq],
    )
  ).rows[0]?.decision;

it(`reports a decision edited by a superuser as the first broken link (seq ${TAMPERED_SEQ})`, async () => {
  const statuses: number[] = [];
  for (let i = 0; i < TOTAL; i++) statuses.push((await inspect(i)).status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(TOTAL);

  const before = await verify();
  expect(before).toMatchObject({ ok: true, firstBreak: null });
  expect(before.rowsChecked).toBeGreaterThanOrEqual(TOTAL);

  const original = await decisionAt(TAMPERED_SEQ);
  expect(original).toBeDefined();
  // Any change breaks the hash; make it a real one where the decision was not already a pass.
  const forged = original === 'pass' ? 'fail' : 'pass';

  // The application path: the append-only trigger refuses the edit, whoever connects.
  await expect(
    admin.query(
      `UPDATE audit_trail SET payload = jsonb_set(payload, '{decision}', $1::jsonb) WHERE seq = $2`,
      [JSON.stringify(forged), TAMPERED_SEQ],
    ),
  ).rejects.toThrow(/append-only/);
  // And the application role has no UPDATE privilege on the table in the first place.
  await admin.query('BEGIN');
  try {
    await admin.query('SET LOCAL ROLE gateway_app');
    await expect(
      admin.query(
        `UPDATE audit_trail SET payload = jsonb_set(payload, '{decision}', $1::jsonb) WHERE seq = $2`,
        [JSON.stringify(forged), TAMPERED_SEQ],
      ),
    ).rejects.toThrow(/permission denied/);
  } finally {
    await admin.query('ROLLBACK');
  }
  expect(await decisionAt(TAMPERED_SEQ)).toBe(original);
  expect(await verify()).toMatchObject({ ok: true });

  // The superuser path: disable the triggers, edit, re-enable.
  await admin.query('ALTER TABLE audit_trail DISABLE TRIGGER USER');
  try {
    const updated = await admin.query(
      `UPDATE audit_trail SET payload = jsonb_set(payload, '{decision}', $1::jsonb) WHERE seq = $2`,
      [JSON.stringify(forged), TAMPERED_SEQ],
    );
    expect(updated.rowCount).toBe(1);
  } finally {
    await admin.query('ALTER TABLE audit_trail ENABLE TRIGGER USER');
  }
  expect(await decisionAt(TAMPERED_SEQ)).toBe(forged);

  const after = await verify();
  console.log(
    `audit tamper: ${TOTAL} inspections, ${before.rowsChecked} audit rows verified ok before; seq ${TAMPERED_SEQ} ` +
      `decision '${original}' → '${forged}' by a superuser; verify after: ok=${after.ok}, firstBreak ` +
      `${JSON.stringify(after.firstBreak && { seq: after.firstBreak.seq, reason: after.firstBreak.reason })}, ` +
      `rowsChecked ${after.rowsChecked}`,
  );
  expect(after.ok).toBe(false);
  expect(after.firstBreak).toMatchObject({ seq: TAMPERED_SEQ, reason: 'hash mismatch' });
});
