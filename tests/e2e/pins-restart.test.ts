// Version pins are kept with the records: a restarted gateway (and any other replica on the same database) serves
// the pinned version, and an unpin is kept the same way.
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
} from './gateway-harness';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pins-restart-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function withGateway<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const { gateway, url } = await startTestGateway({ DATA_DIR: dataDir, API_KEYS: ROLE_KEYS_ENV });
  try {
    return await fn(url);
  } finally {
    await gateway.stop();
  }
}

const post = (url: string, route: string, body: unknown) =>
  fetch(`${url}${route}`, {
    method: 'POST',
    headers: { ...bearer(ROLE_KEYS.mlops), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const pinned = async (url: string) =>
  (
    (await (await fetch(`${url}/v1/models/visual_fixture`, { headers: bearer(ROLE_KEYS.mlops) })).json()) as {
      pinnedVersion?: string;
    }
  ).pinnedVersion;

it('keeps a pin and an unpin across a restart', async () => {
  await withGateway(async (url) => {
    expect(await pinned(url)).toBeUndefined();
    expect(
      (await post(url, '/v1/models/visual_fixture/pin', { version: 1, reason: 'hold 1 for the audit' }))
        .status,
    ).toBe(200);
  });
  await withGateway(async (url) => {
    expect(await pinned(url)).toBe('1');
    const [img] = datasetImages('magnetic_tile', 'Free', 1);
    const res = await postImage(
      url,
      img!.bytes,
      { modality: 'visual', stationId: 'line-1' },
      bearer(ROLE_KEYS.station),
    );
    expect(((await res.json()) as { model: { version: string } }).model.version).toBe('1');
    expect((await post(url, '/v1/models/visual_fixture/unpin', { reason: 'audit done' })).status).toBe(200);
  });
  await withGateway(async (url) => {
    expect(await pinned(url)).toBeUndefined();
  });
}, 180_000);
