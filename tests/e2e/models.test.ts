// MLOps model lifecycle through the gateway: list, describe, compare, load, unload, pin / roll back, with
// API keys and roles, against the embedded model-server.
import type { RunningGateway } from '../../services/gateway/src/server';
import { datasetImages, postImage, startTestGateway } from './gateway-harness';

const MLOPS = 'mlops-key-0123456789abcdef';
const STATION = 'station-key-0123456789abcdef';
const AUDITOR = 'auditor-key-0123456789abcdef';
let gateway: RunningGateway;
let url: string;

beforeAll(async () => {
  ({ gateway, url } = await startTestGateway({
    API_KEYS: `ops:mlops:${MLOPS},line1:station:${STATION},qa:auditor:${AUDITOR}`,
  }));
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (path: string, key: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...auth(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('/v1/models', () => {
  it('lists the repository with states and the modality each model is routed for', async () => {
    const res = await fetch(`${url}/v1/models`, { headers: auth(AUDITOR) });
    expect(res.status).toBe(200);
    const { models } = (await res.json()) as {
      models: Array<{ name: string; versions: unknown[]; routedFor: string[] }>;
    };
    const visual = models.find((m) => m.name === 'visual_fixture');
    expect(visual?.routedFor).toEqual(['visual']);
    expect(visual?.versions).toEqual([{ version: '1', state: 'READY', reason: '' }]);
  });

  it('describes a model with its contract summary', async () => {
    const res = await fetch(`${url}/v1/models/thermal_fixture`, { headers: auth(MLOPS) });
    const body = (await res.json()) as {
      contract: { modality: string; classes: string[]; configHash: string };
    };
    expect(res.status).toBe(200);
    expect(body.contract.modality).toBe('thermal');
    expect(body.contract.classes.length).toBeGreaterThan(1);
    expect(body.contract.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('enforces roles: stations may not manage models, auditors may not change them', async () => {
    expect((await fetch(`${url}/v1/models`, { headers: auth(STATION) })).status).toBe(403);
    expect((await post('/v1/models/visual_fixture/unload', AUDITOR, { reason: 'test' })).status).toBe(403);
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
  });

  it('requires a reason for every change', async () => {
    const res = await post('/v1/models/visual_fixture/pin', MLOPS, { version: 1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/reason/);
  });

  it('pins a ready version, refuses an unknown one, and unpins', async () => {
    expect(
      (await post('/v1/models/visual_fixture/pin', MLOPS, { version: 1, reason: 'freeze for audit' })).status,
    ).toBe(200);
    const described = (await (
      await fetch(`${url}/v1/models/visual_fixture`, { headers: auth(MLOPS) })
    ).json()) as {
      pinnedVersion: string;
    };
    expect(described.pinnedVersion).toBe('1');
    const [img] = datasetImages('magnetic_tile', 'Free', 1);
    const inspected = await postImage(
      url,
      img!.bytes,
      { modality: 'visual', stationId: 'line-1' },
      auth(STATION),
    );
    expect(((await inspected.json()) as { model: { version: string } }).model.version).toBe('1');
    const unknown = await post('/v1/models/visual_fixture/pin', MLOPS, { version: 7, reason: 'roll back' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      "model 'visual_fixture' has no version 7 (versions: 1)",
    );
    const noModel = await post('/v1/models/no_such_model/pin', MLOPS, { version: 1, reason: 'roll back' });
    expect(noModel.status).toBe(404);
    expect(
      (await post('/v1/models/visual_fixture/unpin', MLOPS, { reason: 'release the freeze' })).status,
    ).toBe(200);
    expect((await post('/v1/models/visual_fixture/unpin', MLOPS, { reason: 'again' })).status).toBe(404);
  });

  it('unloads and reloads a model; inspections fail while it is unloaded and work after', async () => {
    const [img] = datasetImages('infrared_solar_modules', 'No-Anomaly', 1);
    const inspect = () =>
      postImage(url, img!.bytes, { modality: 'thermal', stationId: 'ir-1' }, auth(STATION));
    expect(
      (await post('/v1/models/thermal_fixture/unload', MLOPS, { reason: 'maintenance window' })).status,
    ).toBe(200);
    const during = await inspect();
    expect(during.status).toBeGreaterThanOrEqual(400);
    expect(
      (await post('/v1/models/thermal_fixture/load', MLOPS, { reason: 'maintenance done' })).status,
    ).toBe(200);
    expect((await inspect()).status).toBe(200);
  });

  it('answers 400 for malformed JSON and 415 for a non-JSON body on changes', async () => {
    const bad = await fetch(`${url}/v1/models/visual_fixture/pin`, {
      method: 'POST',
      headers: { ...auth(MLOPS), 'content-type': 'application/json' },
      body: '{"version":',
    });
    expect(bad.status).toBe(400);
    const text = await fetch(`${url}/v1/models/visual_fixture/pin`, {
      method: 'POST',
      headers: { ...auth(MLOPS), 'content-type': 'text/plain' },
      body: 'version=1',
    });
    expect(text.status).toBe(415);
  });
});
