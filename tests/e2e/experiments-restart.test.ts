// A replay outlives the gateway that started it: stopped mid-replay, the gateway hands it back, and the same gateway
// started again on the same data takes it over and goes on with the items not yet compared.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ROLE_KEYS,
  ROLE_KEYS_ENV,
  bearer,
  datasetImages,
  postImage,
  startTestGateway,
  twoVersionRepository,
} from './gateway-harness';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experiments-restart-'));
const repository = twoVersionRepository();
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(repository, { recursive: true, force: true });
});

const env = { DATA_DIR: dataDir, MODEL_REPOSITORY: repository, API_KEYS: ROLE_KEYS_ENV };

it('goes on with a replay after the gateway restarts', async () => {
  const images = datasetImages('magnetic_tile', 'Free', 120);
  let first = await startTestGateway(env);
  let experimentId: string;
  try {
    for (const img of images) {
      const res = await postImage(
        first.url,
        img.bytes,
        { modality: 'visual', stationId: 'line-7', model: 'visual_fixture', version: '1' },
        bearer(ROLE_KEYS.station),
      );
      expect(res.status).toBe(200);
    }
    const res = await fetch(`${first.url}/v1/experiments`, {
      method: 'POST',
      headers: { ...bearer(ROLE_KEYS.mlops), 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'visual_fixture',
        candidateVersion: 2,
        baselineVersion: 1,
        reason: 'before promoting 2',
      }),
    });
    expect(res.status).toBe(202);
    experimentId = ((await res.json()) as { experimentId: string }).experimentId;
  } finally {
    await first.gateway.stop(); // at once: the replay has barely begun
  }

  first = await startTestGateway(env);
  try {
    const view = async () =>
      (await (
        await fetch(`${first.url}/v1/experiments/${experimentId}`, { headers: bearer(ROLE_KEYS.auditor) })
      ).json()) as Record<string, unknown>;
    let e = await view();
    for (let i = 0; i < 300 && e.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      e = await view();
    }
    expect(e).toMatchObject({
      status: 'completed',
      total: 120,
      done: 120,
      failed: 0,
      summary: { compared: 120, agreement: 1 },
    });
    const audit = (await (
      await fetch(`${first.url}/v1/audit?entityId=${experimentId}&order=asc`, {
        headers: bearer(ROLE_KEYS.auditor),
      })
    ).json()) as { entries: Array<{ action: string }> };
    expect(audit.entries.map((a) => a.action)).toEqual([
      'experiment.started',
      'experiment.resumed',
      'experiment.completed',
    ]);
  } finally {
    await first.gateway.stop();
  }
}, 180_000);
