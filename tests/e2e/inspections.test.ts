// End to end: real HTTP → gateway → real gRPC → model-server (child process) → real ONNX fixture models,
// with real dataset images. The fixture models' behaviour is described in tests/fixtures/README.md.
import sharp from 'sharp';
import type { RunningGateway } from '../../services/gateway/src/server';
import { datasetImages, postImage, startTestGateway } from './gateway-harness';

let gateway: RunningGateway;
let url: string;

beforeAll(async () => {
  ({ gateway, url } = await startTestGateway());
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
});

interface Body {
  decision: string;
  defects: Array<{ class: string; confidence: number; severity: string; region?: object }>;
  scores: Record<string, number>;
  model: { name: string; version: string };
  timings: Record<string, number>;
  inspectionId: string;
  stationId: string;
  error?: { code: string; message: string; id: string };
}

describe('POST /v1/inspections', () => {
  it('decides a real magnetic-tile image through the visual model', async () => {
    const [img] = datasetImages('magnetic_tile', 'Free', 1);
    const res = await postImage(url, img!.bytes, {
      modality: 'visual',
      stationId: 'line-1',
      lotId: 'L1',
      partId: 'P1',
    });
    const body = (await res.json()) as Body;
    expect(res.status).toBe(200);
    expect(['pass', 'review', 'fail']).toContain(body.decision);
    expect(body.model).toEqual({ name: 'visual_fixture', version: '1' });
    expect(Object.values(body.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(body.inspectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.stationId).toBe('line-1');
    for (const k of ['decodeMs', 'preprocessMs', 'queueMs', 'inferMs', 'postprocessMs', 'totalMs']) {
      expect(typeof body.timings[k]).toBe('number');
    }
  });

  it('returns the localization heatmap as a PNG when asked, and null for a model without one', async () => {
    const [img] = datasetImages('magnetic_tile', 'Crack', 1);
    const plain = (await (
      await postImage(url, img!.bytes, { modality: 'visual', stationId: 'line-1' })
    ).json()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty('heatmap');
    const asked = (await (
      await postImage(url, img!.bytes, { modality: 'visual', stationId: 'line-1', heatmap: 'true' })
    ).json()) as { heatmap: { width: number; height: number; threshold: number | null; png: string } };
    expect(asked.heatmap.png).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(asked.heatmap.png.slice('data:image/png;base64,'.length), 'base64');
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([asked.heatmap.width, asked.heatmap.height]);
    expect(asked.heatmap.threshold).toEqual(expect.any(Number));

    const [ir] = datasetImages('infrared_solar_modules', 'Cell', 1);
    const thermal = (await (
      await postImage(url, ir!.bytes, { modality: 'thermal', stationId: 'ir-1', heatmap: 'true' })
    ).json()) as { heatmap: unknown };
    expect(thermal.heatmap).toBeNull();
    const bad = await postImage(url, img!.bytes, { modality: 'visual', stationId: 'line-1', heatmap: 'yes' });
    expect(bad.status).toBe(400);
  });

  it('decides a real thermal image sent as a raw body with fields in the query', async () => {
    const [img] = datasetImages('infrared_solar_modules', 'No-Anomaly', 1);
    const res = await fetch(`${url}/v1/inspections?modality=thermal&stationId=ir-7`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: img!.bytes,
    });
    const body = (await res.json()) as Body;
    expect(res.status).toBe(200);
    expect(body.model.name).toBe('thermal_fixture');
    expect(['pass', 'review', 'fail']).toContain(body.decision);
  });

  it('decides electrical measurements sent as JSON, NaN allowed for missing values', async () => {
    const res = await fetch(`${url}/v1/inspections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        modality: 'electrical',
        stationId: 'ate-3',
        measurements: [1, 2, null, 4, 5, 6, 7, 8],
      }),
    });
    const body = (await res.json()) as Body;
    expect(res.status).toBe(200);
    expect(body.model.name).toBe('electrical_fixture');
  });

  it('batches concurrent requests and answers each with its own decision', async () => {
    const images = datasetImages('magnetic_tile', 'Free', 3);
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        postImage(url, images[i % images.length]!.bytes, { modality: 'visual', stationId: `s${i}` }),
      ),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Body[];
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(bodies.map((b) => b.stationId)).toEqual(Array.from({ length: 24 }, (_, i) => `s${i}`));
    // The same image always gets the same scores, whatever batch it ran in.
    const byImage = new Map<number, string>();
    bodies.forEach((b, i) => {
      const key = JSON.stringify(b.scores);
      const prev = byImage.get(i % images.length);
      if (prev === undefined) byImage.set(i % images.length, key);
      else expect(key).toBe(prev);
    });
  });

  it('rejects bad input with clear 4xx errors carrying an id', async () => {
    const cases: Array<[Promise<Response>, number, string]> = [
      [
        postImage(url, Buffer.from('not an image at all'), { modality: 'visual', stationId: 's' }),
        415,
        'unsupported_media_type',
      ],
      [
        postImage(url, datasetImages('magnetic_tile', 'Free', 1)[0]!.bytes.subarray(0, 600), {
          modality: 'visual',
          stationId: 's',
        }),
        422,
        'undecodable_image',
      ],
      [postImage(url, Buffer.alloc(10), { modality: 'sonar', stationId: 's' }), 400, 'bad_request'],
      [
        fetch(`${url}/v1/inspections`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ modality: 'electrical', stationId: 's', measurements: [1, 'x'] }),
        }),
        400,
        'bad_request',
      ],
      [
        postImage(url, Buffer.alloc(10), { modality: 'visual', stationId: 's', model: 'no_such_model' }),
        404,
        'not_found',
      ],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      const body = (await res.json()) as Body;
      expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
      expect(body.error?.id).toBeTruthy();
    }
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', triton: true });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_decisions_total\{model="visual_fixture"/);
    expect(metrics).toMatch(/gateway_batch_size_bucket/);
  });
});
