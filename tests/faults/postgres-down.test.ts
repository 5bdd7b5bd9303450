// Fault test: Postgres stops while the gateway is serving. Inspections must then get 503 (no decision without
// its records), the gateway must stay alive and report itself not ready, and once Postgres is back it serves
// again. Afterwards the database holds exactly the decisions that were answered 200, each with its audit row
// and its outbox events, and the audit chain verifies: nothing was half-written.
//
// This file stops a server, so it runs its OWN private cluster (infra/postgres/start.sh with a port and data
// folder of its own), never the shared one other test files use. The gateway runs in-process
// (tests/e2e/gateway-harness.ts) and migrates the database at start, as in production.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestGateway } from '../e2e/gateway-harness';
import type { RunningGateway } from '../../services/gateway/src/server';
import { withClient, withDatabase } from '../../services/gateway/src/records/test-database';
import { freePort } from './gateway-process';

jest.setTimeout(600_000);

const REPO_ROOT = path.resolve(__dirname, '../..');
const START_SCRIPT = path.join(REPO_ROOT, 'infra/postgres/start.sh');
const PER_PHASE = 20;
const STATION_KEY = 'fault-station-key-0001';
const AUDITOR_KEY = 'fault-auditor-key-0001';
const run = promisify(execFile);

let baseDir: string | undefined;
let port: number;
let adminUrl: string;
let databaseUrl: string;
let gateway: RunningGateway | undefined;
let url: string;

/** Starts (or restarts) this file's private cluster; returns its admin URL. */
async function startPostgres(): Promise<string> {
  const { stdout } = await run('bash', [START_SCRIPT], {
    timeout: 300_000,
    env: { ...process.env, POSTGRES_TEST_PORT: String(port), POSTGRES_TEST_DIR: baseDir },
  });
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('DATABASE_URL='));
  if (!line) throw new Error(`start.sh printed no DATABASE_URL line:\n${stdout}`);
  return line.slice('DATABASE_URL='.length).trim();
}

/** `pg_ctl stop` on the private cluster, as its owner (the `postgres` user when the test runs as root). */
async function stopPostgres(mode: 'fast' | 'immediate'): Promise<void> {
  const bins = (
    await run('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'])
  ).stdout.trim();
  const pgCtl = [path.join(bins, 'pg_ctl'), '-D', path.join(baseDir!, 'data'), '-w', 'stop', '-m', mode];
  const asRoot = process.getuid?.() === 0;
  await run(asRoot ? 'runuser' : pgCtl[0]!, asRoot ? ['-u', 'postgres', '--', ...pgCtl] : pgCtl.slice(1), {
    timeout: 120_000,
  });
}

beforeAll(async () => {
  baseDir = await mkdtemp(path.join(tmpdir(), 'gateway-pg-down-'));
  // The server runs as `postgres` when the test runs as root: it must reach the folder.
  await chmod(baseDir, 0o755);
  port = await freePort();
  adminUrl = await startPostgres();
  await withClient(adminUrl, (c) => c.query('CREATE DATABASE gateway_pg_down'));
  databaseUrl = withDatabase(adminUrl, 'gateway_pg_down');
  ({ gateway, url } = await startTestGateway({
    DATABASE_URL: databaseUrl,
    API_KEYS: `line:station:${STATION_KEY},qa:auditor:${AUDITOR_KEY}`,
    REQUEST_TIMEOUT_MS: '30000',
  }));
});

afterAll(async () => {
  await gateway?.stop();
  if (baseDir) {
    await stopPostgres('immediate').catch(() => undefined);
    await rm(baseDir, { recursive: true, force: true });
  }
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { error?: { code?: string } };
}

async function inspect(i: number): Promise<Answer> {
  const res = await fetch(`${url}/v1/inspections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${STATION_KEY}` },
    body: JSON.stringify({
      modality: 'electrical',
      stationId: `pgdown-station-${i % 4}`,
      lotId: 'LOT-PG-DOWN',
      measurements: Array.from({ length: 8 }, (_, j) => Math.sin(i * 1.7 + j)),
    }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Answer['body'],
  };
}

async function phase(from: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = from; i < from + PER_PHASE; i++) answers.push(await inspect(i));
  return answers;
}

const statusCounts = (answers: Answer[]) =>
  answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {});

it('answers 503 while Postgres is down, stays alive, recovers, and leaves nothing half-written', async () => {
  const before = await phase(0);

  await stopPostgres('fast');
  const during = await phase(PER_PHASE);
  const healthDuring = (await fetch(`${url}/healthz`)).status;
  const readyDuring = (await fetch(`${url}/readyz`)).status;

  await startPostgres();
  const after = await phase(2 * PER_PHASE);
  const readyAfter = (await fetch(`${url}/readyz`)).status;

  const counts = await withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{
      inspections: number;
      decided: number;
      withoutAudit: number;
      outbox: number;
      outboxOrphans: number;
      inspectionsWithoutEvents: number;
      maxEventsPerInspection: number;
    }>(
      `SELECT (SELECT count(*)::int FROM inspections) AS inspections,
              (SELECT count(*)::int FROM audit_trail WHERE action = 'inspection.decided') AS decided,
              (SELECT count(*)::int FROM inspections i
                WHERE NOT EXISTS (SELECT 1 FROM audit_trail a
                                   WHERE a.action = 'inspection.decided' AND a.entity_type = 'inspection'
                                     AND a.entity_id = i.id::text)) AS "withoutAudit",
              (SELECT count(*)::int FROM outbox WHERE topic LIKE 'inspection.%') AS outbox,
              (SELECT count(*)::int FROM outbox o WHERE topic LIKE 'inspection.%'
                AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.id::text = o.payload->'data'->>'inspectionId'))
                AS "outboxOrphans",
              (SELECT count(*)::int FROM inspections i
                WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.topic = 'inspection.completed'
                                    AND o.payload->'data'->>'inspectionId' = i.id::text)) AS "inspectionsWithoutEvents",
              (SELECT coalesce(max(n), 0)::int FROM (SELECT count(*) AS n FROM outbox
                WHERE topic LIKE 'inspection.%' GROUP BY payload->'data'->>'inspectionId') per) AS "maxEventsPerInspection"`,
    );
    return rows[0]!;
  });
  const verifyRes = await fetch(`${url}/v1/audit/verify`, {
    headers: { authorization: `Bearer ${AUDITOR_KEY}` },
  });
  const verification = (await verifyRes.json()) as { ok: boolean; rowsChecked: number };

  console.log(
    `postgres down: before ${JSON.stringify(statusCounts(before))}, while down ${JSON.stringify(statusCounts(during))} ` +
      `(healthz ${healthDuring}, readyz ${readyDuring}), after restart ${JSON.stringify(statusCounts(after))} ` +
      `(readyz ${readyAfter}); database ${JSON.stringify(counts)}; verify ok=${verification.ok} ` +
      `rowsChecked=${verification.rowsChecked}`,
  );

  expect(before.map((a) => a.status)).toEqual(Array(PER_PHASE).fill(200));
  for (const answer of during) {
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('unavailable');
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  }
  expect(healthDuring).toBe(200);
  expect(readyDuring).toBe(503);
  expect(after.map((a) => a.status)).toEqual(Array(PER_PHASE).fill(200));

  const answered = 2 * PER_PHASE;
  expect(counts.inspections).toBe(answered);
  expect(counts.decided).toBe(answered);
  expect(counts.withoutAudit).toBe(0);
  expect(counts.outboxOrphans).toBe(0);
  expect(counts.inspectionsWithoutEvents).toBe(0);
  expect(counts.outbox).toBeGreaterThanOrEqual(answered);
  expect(counts.outbox).toBeLessThanOrEqual(2 * answered);
  expect(counts.maxEventsPerInspection).toBeLessThanOrEqual(2);
  expect(verifyRes.status).toBe(200);
  expect(verification.ok).toBe(true);
});
