// The gateway running as a login role in gateway_app (DATABASE_URL), with the schema owner only for migrations
// (DATABASE_MIGRATION_URL), on real Postgres: every path that writes records works within the grants, and the
// role the gateway holds cannot rewrite or unprotect the audit trail.
import { randomBytes } from 'node:crypto';
import { migrate } from '../../services/gateway/src/records/migrate';
import {
  createEmptyDatabase,
  withClient,
  type TestDatabase,
} from '../../services/gateway/src/records/test-database';
import type { RunningGateway } from '../../services/gateway/src/server';
import { datasetImages, postImage, startTestGateway } from './gateway-harness';

const STATION = 'station-key-0123456789abcdef';
const AUDITOR = 'auditor-key-0123456789abcdef';
const MLOPS = 'mlops-key-0123456789abcdef';
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

let database: TestDatabase;
let role: string;
let appUrl: string;
let gateway: RunningGateway | undefined;
let url: string;

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrate({ connectionString: database.url }); // creates gateway_app; the login role joins it below
  role = `gw_web_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await withClient(database.adminUrl, (c) =>
    c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE gateway_app`),
  );
  const u = new URL(database.url);
  u.username = role;
  u.password = password;
  appUrl = u.toString();
  ({ gateway, url } = await startTestGateway({
    DATABASE_URL: appUrl,
    DATABASE_MIGRATION_URL: database.url,
    API_KEYS: `line1:station:${STATION},qa:auditor:${AUDITOR},ops:mlops:${MLOPS}`,
  }));
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await database?.drop();
  if (role) await withClient(database.adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
});

async function json(path: string, key: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { ...auth(key), 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('gateway as a login role in gateway_app', () => {
  it('connects as that role, not as the owner', async () => {
    const who = await withClient(appUrl, (c) =>
      c.query<{ me: string; owner: string }>(
        `SELECT current_user AS me, tableowner AS owner FROM pg_tables WHERE tablename = 'audit_trail'`,
      ),
    );
    expect(who.rows[0]!.me).toBe(role);
    expect(who.rows[0]!.owner).not.toBe(role);
  });

  it('records a decision, a batch job and a model pin within the grants; the chain verifies', async () => {
    const [img] = datasetImages('magnetic_tile', 'Crack', 1);
    const decided = await postImage(
      url,
      img!.bytes,
      { modality: 'visual', stationId: 'line-1' },
      auth(STATION),
    );
    expect(decided.status).toBe(200);

    const form = new FormData();
    form.set('modality', 'visual');
    form.set('stationId', 'line-1');
    for (const [i, im] of datasetImages('magnetic_tile', 'Free', 3).entries())
      form.append('images', new Blob([im.bytes]), `${i}.jpg`);
    const submitted = await fetch(`${url}/v1/jobs`, { method: 'POST', body: form, headers: auth(STATION) });
    expect(submitted.status).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };
    let job: Record<string, unknown> = {};
    for (let i = 0; i < 240 && job.status !== 'completed' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      job = (await json(`/v1/jobs/${jobId}`, STATION)).body;
    }
    expect(job).toMatchObject({ status: 'completed', done: 3, failed: 0 });

    const pinned = await json('/v1/models/visual_fixture/pin', MLOPS, {
      method: 'POST',
      body: JSON.stringify({ version: 1, reason: 'least-privilege check' }),
    });
    expect(pinned.status).toBe(200);

    const verify = await json('/v1/audit/verify', AUDITOR);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    expect(verify.body.rowsChecked).toBeGreaterThanOrEqual(5); // 1 + 3 decisions, 1 pin
  });

  it('lists, labels, summarizes and starts experiments within the grants', async () => {
    const list = await json('/v1/inspections?station=line-1', STATION);
    expect(list.status).toBe(200);
    const items = list.body.items as Array<{ inspectionId: string; scores: Record<string, number> }>;
    expect(items.length).toBeGreaterThanOrEqual(4);
    const labelled = await json(`/v1/inspections/${items[0]!.inspectionId}/feedback`, STATION, {
      method: 'POST',
      body: JSON.stringify({ label: Object.keys(items[0]!.scores)[0], reason: 'least-privilege check' }),
    });
    expect(labelled.status).toBe(201);
    expect((await json('/v1/reviews?decision=review,fail', STATION)).status).toBe(200);
    expect((await json('/v1/stations/line-1', AUDITOR)).status).toBe(200);
    const accuracy = await json('/v1/models/visual_fixture/accuracy', AUDITOR);
    expect(accuracy.status).toBe(200);
    expect(accuracy.body.versions).toEqual([expect.objectContaining({ version: '1', labelled: 1 })]);
    // The one version decided everything, so there is nothing to replay: the insert is made and rolled back.
    const experiment = await json('/v1/experiments', MLOPS, {
      method: 'POST',
      body: JSON.stringify({ model: 'visual_fixture', candidateVersion: 1, reason: 'least-privilege check' }),
    });
    expect(experiment.status).toBe(400);
    expect((experiment.body.error as { message: string }).message).toMatch(/^no recorded inspections/);
  });

  it('shares the requests it counted for the rate limit with other replicas within the grants', async () => {
    // Requests are counted in memory; the store adds them to Postgres about once a second. Counts of a window that
    // ends before they are flushed are dropped with it (the minute is over), so a minute boundary between a request
    // and its flush is met by another request in the new window.
    let hits = 0;
    for (let attempt = 0; attempt < 3 && hits === 0; attempt++) {
      expect((await json('/v1/reviews', STATION)).status).toBe(200);
      for (let i = 0; i < 25 && hits === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const rows = await withClient(appUrl, (c) =>
          c.query<{ hits: number }>(`SELECT hits FROM rate_limit_windows WHERE key = 'line1'`),
        );
        hits = rows.rows.reduce((sum, r) => sum + r.hits, 0);
      }
    }
    expect(hits).toBeGreaterThan(0);
  });

  it('cannot rewrite, delete or unprotect the audit trail', async () => {
    await withClient(appUrl, async (c) => {
      await expect(c.query(`UPDATE audit_trail SET reason = 'rewritten'`)).rejects.toThrow(
        'permission denied for table audit_trail',
      );
      await expect(c.query('DELETE FROM audit_trail')).rejects.toThrow('permission denied');
      await expect(c.query('TRUNCATE audit_trail')).rejects.toThrow('permission denied');
      await expect(c.query('ALTER TABLE audit_trail DISABLE TRIGGER USER')).rejects.toThrow('must be owner');
    });
  });
});
