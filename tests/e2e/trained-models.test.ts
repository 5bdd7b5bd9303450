// The committed trained ensembles (triton-model-repo/) load in model-server through the gateway's defaults and
// answer real dataset items correctly: the gateway exactly as `npm start` runs it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { RunningGateway } from '../../services/gateway/src/server';
import { DATASETS, postImage, postInspectionJson, startTestGateway } from './gateway-harness';

let gateway: RunningGateway;
let url: string;

beforeAll(async () => {
  // The defaults: triton-model-repo and the *_ensemble routes.
  ({ gateway, url } = await startTestGateway({ MODEL_REPOSITORY: '', MODEL_ROUTES: '' }));
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
});

interface Body {
  decision: string;
  scores: Record<string, number>;
  model: { name: string; version: string };
  defects: Array<{ class: string; region?: { width: number; height: number } }>;
}

const image = (dataset: string, cls: string, file: string) =>
  fs.readFileSync(path.join(DATASETS, dataset, 'images', cls, file));
const top = (b: Body) => Object.entries(b.scores).sort((x, y) => y[1] - x[1])[0]![0];

describe('trained ensembles through the gateway', () => {
  it.each([
    ['Crack', 'exp1_num_249594.jpg', 'fail'],
    ['Blowhole', 'exp1_num_108719.jpg', 'fail'],
    ['Free', 'exp0_num_743.jpg', 'pass'],
  ])('visual_ensemble: magnetic tile %s %s → %s', async (cls, file, decision) => {
    const res = await postImage(url, image('magnetic_tile', cls, file), {
      modality: 'visual',
      stationId: 'ci',
    });
    const body = (await res.json()) as Body;
    expect(res.status).toBe(200);
    expect(body.model.name).toBe('visual_ensemble');
    expect(body.decision).toBe(decision);
    expect(top(body)).toBe(cls);
    if (decision === 'fail') expect(body.defects[0]?.region?.width).toBeGreaterThan(0);
  });

  it.each([
    ['thermal', 24, 40],
    ['visual', 256, 256],
  ])('%s: a blank frame is refused (422 unusable_image), not passed', async (modality, width, height) => {
    for (const level of [0, 255]) {
      const blank = await sharp({
        create: { width, height, channels: 3, background: { r: level, g: level, b: level } },
      })
        .png()
        .toBuffer();
      const res = await postImage(url, blank, { modality, stationId: 'ci' });
      const body = (await res.json()) as { error: { code: string; details: { pixelStd: number } } };
      expect(res.status).toBe(422);
      expect(body.error.code).toBe('unusable_image');
      expect(body.error.details.pixelStd).toBe(0);
    }
  });

  it('visual_ensemble: a thermal frame (24×40 px) is refused as far smaller than its training images', async () => {
    const res = await postImage(url, image('infrared_solar_modules', 'Cell', '4845.jpg'), {
      modality: 'visual',
      stationId: 'ci',
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(422);
    expect(body.error.code).toBe('unusable_image');
    expect(body.error.message).toMatch(
      /^the image is 24×40 px; model 'visual_ensemble' needs at least 51 px/,
    );
  });

  it('thermal_ensemble: a Cell anomaly fails with the right class', async () => {
    const res = await postImage(url, image('infrared_solar_modules', 'Cell', '4845.jpg'), {
      modality: 'thermal',
      stationId: 'ci',
    });
    const body = (await res.json()) as Body;
    expect(res.status).toBe(200);
    expect(body.model.name).toBe('thermal_ensemble');
    expect(body.decision).toBe('fail');
    expect(top(body)).toBe('Cell');
  });

  it('electrical_ensemble: a failing SECOM row is not passed', async () => {
    const lines = fs.readFileSync(path.join(DATASETS, 'secom', 'dev.csv'), 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const labelAt = header.indexOf('label');
    const row = lines
      .slice(1)
      .find((l) => l.split(',')[labelAt] === 'fail')!
      .split(',');
    const measurements = header
      .map((name, i) => [name, row[i]] as const)
      .filter(([name]) => /^f\d+$/.test(name))
      .map(([, v]) => (v === undefined || v === '' ? null : Number(v)));
    const res = await postInspectionJson(url, { modality: 'electrical', stationId: 'ci', measurements });
    const body = (await res.json()) as Body;
    expect(res.status).toBe(200);
    expect(body.model.name).toBe('electrical_ensemble');
    expect(measurements).toHaveLength(590);
    expect(body.decision).not.toBe('pass');
  });

  it('electrical_ensemble: a row missing most of its measurements is refused, not decided', async () => {
    const res = await postInspectionJson(url, {
      modality: 'electrical',
      stationId: 'ci',
      measurements: { f0: 3030.9, f1: 2564 },
    });
    const body = (await res.json()) as { error: { message: string; details: Record<string, number> } };
    expect(res.status).toBe(400);
    expect(body.error.message).toMatch(
      /^588 of 590 measurements are missing; this model decides on at most 295/,
    );
    expect(body.error.details).toMatchObject({ missing: 588, maxMissing: 295, maxMissingFraction: 0.5 });
  });
});
