// Experiments through the gateway, against the embedded model-server: a second version of the visual fixture is
// replayed on inspections the first decided, with API keys and roles, and the audit chain still verifies.
import * as fs from 'node:fs';
import type { RunningGateway } from '../../services/gateway/src/server';
import {
  ROLE_KEYS,
  ROLE_KEYS_ENV,
  bearer,
  datasetImages,
  postImage,
  startTestGateway,
  twoVersionRepository,
} from './gateway-harness';
import { inCandidateShare } from '../../services/gateway/src/experiments';

let gateway: RunningGateway;
let url: string;
let repository: string;

/** Polls an experiment until it is no longer running. */
async function finished(experimentId: string): Promise<Record<string, unknown>> {
  let view: Record<string, unknown> = {};
  for (let i = 0; i < 200; i++) {
    view = (await (
      await fetch(`${url}/v1/experiments/${experimentId}`, { headers: bearer(ROLE_KEYS.auditor) })
    ).json()) as Record<string, unknown>;
    if (view.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return view;
}

beforeAll(async () => {
  repository = twoVersionRepository();
  ({ gateway, url } = await startTestGateway({ MODEL_REPOSITORY: repository, API_KEYS: ROLE_KEYS_ENV }));
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  fs.rmSync(repository, { recursive: true, force: true });
});

const postJson = (route: string, key: string, body: unknown) =>
  fetch(`${url}${route}`, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('/v1/experiments', () => {
  it('replays version 2 on the images version 1 decided and reports full agreement', async () => {
    const images = [
      ...datasetImages('magnetic_tile', 'Free', 3),
      ...datasetImages('magnetic_tile', 'Crack', 3),
    ];
    const ids: string[] = [];
    for (const img of images) {
      const res = await postImage(
        url,
        img.bytes,
        { modality: 'visual', stationId: 'line-3', model: 'visual_fixture', version: '1' },
        bearer(ROLE_KEYS.station),
      );
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as { inspectionId: string }).inspectionId);
    }
    const labelled = await postJson(`/v1/inspections/${ids[0]}/feedback`, ROLE_KEYS.auditor, {
      label: 'Free',
      reason: 'seen at the rework bench',
    });
    expect(labelled.status).toBe(201);

    // Stations may not start experiments, auditors may only read them.
    const body = {
      model: 'visual_fixture',
      candidateVersion: 2,
      stationId: 'line-3',
      reason: 'before promoting 2',
    };
    expect((await postJson('/v1/experiments', ROLE_KEYS.station, body)).status).toBe(403);
    expect((await postJson('/v1/experiments', ROLE_KEYS.auditor, body)).status).toBe(403);
    const started = await postJson('/v1/experiments', ROLE_KEYS.mlops, body);
    expect(started.status).toBe(202);
    const { experimentId, total } = (await started.json()) as { experimentId: string; total: number };
    expect(total).toBe(images.length);
    expect(started.headers.get('location')).toBe(`/v1/experiments/${experimentId}`);

    const view = await finished(experimentId);
    expect(view).toMatchObject({
      status: 'completed',
      done: images.length,
      failed: 0,
      baselineVersion: null,
    });
    expect(view.summary).toMatchObject({
      compared: images.length,
      agreement: 1,
      topClassAgreement: 1,
      transitions: {},
      labelled: { n: 1, good: 1, defects: 0 },
    });
    const differ = (await (
      await fetch(`${url}/v1/experiments/${experimentId}/items?disagreements=true`, {
        headers: bearer(ROLE_KEYS.mlops),
      })
    ).json()) as { items: unknown[] };
    expect(differ.items).toEqual([]);

    // Replays recorded no inspection; the request and the result are in a chain that still verifies.
    const audit = (await (
      await fetch(`${url}/v1/audit?entityType=experiment`, { headers: bearer(ROLE_KEYS.auditor) })
    ).json()) as { entries: Array<{ action: string; reason: string }> };
    expect(audit.entries.map((e) => e.action).sort()).toEqual(['experiment.completed', 'experiment.started']);
    const decided = (await (
      await fetch(`${url}/v1/audit?action=inspection.decided`, { headers: bearer(ROLE_KEYS.auditor) })
    ).json()) as { entries: unknown[] };
    expect(decided.entries).toHaveLength(images.length);
    // The label also feeds the field accuracy of version 1 (read roles of /v1/models).
    const field = await fetch(`${url}/v1/models/visual_fixture/accuracy`, {
      headers: bearer(ROLE_KEYS.auditor),
    });
    expect(field.status).toBe(200);
    expect(((await field.json()) as { versions: unknown[] }).versions).toEqual([
      expect.objectContaining({ version: '1', decisions: images.length, labelled: 1, good: 1, defects: 0 }),
    ]);
    expect(
      (await fetch(`${url}/v1/models/visual_fixture/accuracy`, { headers: bearer(ROLE_KEYS.station) }))
        .status,
    ).toBe(403);
    const verify = (await (
      await fetch(`${url}/v1/audit/verify`, { headers: bearer(ROLE_KEYS.auditor) })
    ).json()) as { ok: boolean };
    expect(verify.ok).toBe(true);
  });

  it('replays stored electrical measurements too', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await postJson('/v1/inspections', ROLE_KEYS.station, {
        modality: 'electrical',
        stationId: 'ate-7',
        model: 'electrical_fixture',
        version: '1',
        measurements: [i, 2, null, 4, 5, 6, 7, 8 * i],
      });
      expect(res.status).toBe(200);
    }
    const started = await postJson('/v1/experiments', ROLE_KEYS.mlops, {
      model: 'electrical_fixture',
      candidateVersion: '2',
      baselineVersion: '1',
      reason: 'electrical version 2',
    });
    expect(started.status).toBe(202);
    const { experimentId, total } = (await started.json()) as { experimentId: string; total: number };
    expect(total).toBe(3);
    expect(await finished(experimentId)).toMatchObject({
      status: 'completed',
      done: 3,
      failed: 0,
      summary: { compared: 3, agreement: 1, transitions: {} },
    });
  });

  it('splits live requests between two versions by station while an A/B experiment runs', async () => {
    // Both versions are served, so a request that names none gets the highest: 2. The A/B candidate is 1.
    const started = await postJson('/v1/experiments', ROLE_KEYS.mlops, {
      model: 'visual_fixture',
      candidateVersion: 1,
      split: { by: 'station', fraction: 0.5 },
      reason: 'version 1 on half the stations',
    });
    expect(started.status).toBe(202);
    const { experimentId } = (await started.json()) as { experimentId: string };
    const again = await postJson('/v1/experiments', ROLE_KEYS.mlops, {
      model: 'visual_fixture',
      candidateVersion: 1,
      split: { by: 'lot', fraction: 0.2 },
      reason: 'a second one',
    });
    expect(again.status).toBe(409);
    const mixed = await postJson('/v1/experiments', ROLE_KEYS.mlops, {
      model: 'visual_fixture',
      candidateVersion: 1,
      baselineVersion: 2,
      split: { by: 'lot', fraction: 0.2 },
      reason: 'replay and split at once',
    });
    expect(mixed.status).toBe(400);

    const [img] = datasetImages('magnetic_tile', 'Free', 1);
    const versionFor = async (stationId: string) => {
      const res = await postImage(
        url,
        img!.bytes,
        { modality: 'visual', stationId },
        bearer(ROLE_KEYS.station),
      );
      return ((await res.json()) as { model: { version: string } }).model.version;
    };
    const stations = Array.from({ length: 12 }, (_, i) => `ab-line-${i}`);
    const served = [];
    for (const stationId of stations) served.push(await versionFor(stationId));
    expect(served).toEqual(stations.map((s) => (inCandidateShare(experimentId, s, 0.5) ? '1' : '2')));
    expect(new Set(served)).toEqual(new Set(['1', '2']));
    expect(await versionFor(stations[0]!)).toBe(served[0]); // a station stays on its side

    const running = (await (
      await fetch(`${url}/v1/experiments/${experimentId}`, { headers: bearer(ROLE_KEYS.auditor) })
    ).json()) as { status: string; kind: string; summary: { candidate: { decisions: number } } };
    const onCandidate = served.filter((v) => v === '1').length + (served[0] === '1' ? 1 : 0);
    expect(running).toMatchObject({
      status: 'running',
      kind: 'ab',
      summary: { candidate: { version: '1' } },
    });
    expect(running.summary.candidate.decisions).toBe(onCandidate);

    const stopped = await fetch(`${url}/v1/experiments/${experimentId}?reason=enough%20data`, {
      method: 'DELETE',
      headers: bearer(ROLE_KEYS.mlops),
    });
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toMatchObject({ status: 'completed', kind: 'ab', error: null });
    for (const stationId of stations.slice(0, 4)) expect(await versionFor(stationId)).toBe('2');
  });

  it('answers 404 for a candidate version the repository lacks', async () => {
    const res = await postJson('/v1/experiments', ROLE_KEYS.mlops, {
      model: 'visual_fixture',
      candidateVersion: 9,
      reason: 'no such version',
    });
    expect(res.status).toBe(404);
  });
});
