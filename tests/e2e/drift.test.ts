// Drift monitoring end to end: real infrared images → gateway → model-server → thermal_fixture, online and as a
// batch job, then the drift report and the Prometheus gauges. thermal_fixture's drift_reference_json was computed
// by the trainer's drift.py over exactly these 120 images (tests/fixtures/build_gateway_fixtures.py), so every
// signal's PSI must come out ~0 and the window's means must equal the reference means.
import type { DriftReport } from '../../services/gateway/src/drift';
import { ROLE_KEYS, bearer, datasetImages, gatewayPerFile, postImage } from './gateway-harness';

const { mlops: MLOPS, station: STATION, auditor: AUDITOR } = ROLE_KEYS;
const IMAGES = datasetImages('infrared_solar_modules', 'No-Anomaly', 120);
// 100 decisions are enough here: the fixture's reference was computed from these very images.
const gateway = gatewayPerFile({ DRIFT_MIN_ITEMS: '100' });

/** The drift report of `model` as the holder of `key` sees it. */
async function driftOf(model: string, key: string = AUDITOR): Promise<{ status: number; body: DriftReport }> {
  const res = await fetch(`${gateway.url}/v1/models/${model}/drift`, { headers: bearer(key) });
  return { status: res.status, body: (await res.json()) as DriftReport };
}

/** Inspects images online, eight at a time; every one must be decided. */
async function inspect(images: typeof IMAGES): Promise<void> {
  const fields = { modality: 'thermal', stationId: 'ir-1' };
  for (let i = 0; i < images.length; i += 8) {
    const posted = images
      .slice(i, i + 8)
      .map((img) => postImage(gateway.url, img.bytes, fields, bearer(STATION)));
    expect((await Promise.all(posted)).map((res) => res.status)).toEqual(posted.map(() => 200));
  }
}

describe('drift monitoring of thermal_fixture', () => {
  it('is monitored on all three signals and has no window before its first decision', async () => {
    const report = (await driftOf('thermal_fixture')).body;
    expect([report.monitored, report.windowSize, report.minCount]).toEqual([true, 1000, 100]);
    expect(report.signals).toEqual(['defect_probability', 'pixel_mean', 'pixel_std']);
    expect(report.versions).toEqual([]);
    expect(report.recorded).toMatchObject({ version: '1', items: 0, from: null, to: null });
  });

  it('reports insufficient data below 100 decisions', async () => {
    await inspect(IMAGES.slice(0, 60));
    const v = (await driftOf('thermal_fixture')).body.versions[0]!;
    expect(v).toMatchObject({ version: '1', windowItems: 60, status: 'insufficient_data' });
    expect(v.signals.pixel_mean).toMatchObject({
      psi: null,
      reason: '60 of the 100 observations a PSI needs',
    });
    const recorded = (await driftOf('thermal_fixture')).body.recorded!;
    expect(recorded).toMatchObject({ version: '1', items: 60 });
    expect(recorded.signals.defect_probability).toMatchObject({ status: 'insufficient_data', count: 60 });
    expect(recorded.signals.pixel_std).toMatchObject({ status: 'insufficient_data', count: 60 });
  });

  it('reports PSI ~0 once online decisions and batch-job items fill the minimum', async () => {
    await inspect(IMAGES.slice(60, 100));
    const form = new FormData();
    form.set('modality', 'thermal');
    form.set('stationId', 'ir-1');
    for (const img of IMAGES.slice(100)) form.append('images', new Blob([img.bytes]), img.name);
    const submitted = await fetch(`${gateway.url}/v1/jobs`, {
      method: 'POST',
      body: form,
      headers: bearer(STATION),
    });
    expect(submitted.status).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };
    let job: { status?: string; done?: number } = {};
    for (let i = 0; i < 240 && job.status !== 'completed' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      job = (await (
        await fetch(`${gateway.url}/v1/jobs/${jobId}`, { headers: bearer(STATION) })
      ).json()) as typeof job;
    }
    expect(job).toMatchObject({ status: 'completed', done: 20 });

    const { status, body } = await driftOf('thermal_fixture', MLOPS);
    expect(status).toBe(200);
    const v = body.versions[0]!;
    expect(v).toMatchObject({ version: '1', windowItems: 120, observed: 120, status: 'ok' });
    for (const signal of ['defect_probability', 'pixel_mean', 'pixel_std'] as const) {
      const s = v.signals[signal]!;
      expect(s.status).toBe('ok');
      expect(s.psi).toBeGreaterThanOrEqual(0);
      expect(s.psi).toBeLessThan(0.01);
      expect(s.count).toBe(120);
      expect(s.currentFractions).toHaveLength(s.referenceFractions.length);
      expect(s.edges).toHaveLength(s.referenceFractions.length + 1);
    }
    // The gateway's per-image statistics are the trainer's (numpy over the same decoded pixels).
    expect(v.signals.pixel_mean!.currentMean).toBeCloseTo(v.signals.pixel_mean!.referenceMean!, 3);
    expect(v.signals.pixel_std!.currentMean).toBeCloseTo(v.signals.pixel_std!.referenceMean!, 3);
    expect(v.signals.defect_probability!.currentMean).toBeCloseTo(
      v.signals.defect_probability!.referenceMean!,
      4,
    );
    // The records hold the same 120 defect probabilities and pixel moments, online and batch alike: the same
    // histograms and PSI on every signal.
    const recorded = body.recorded!;
    expect(recorded).toMatchObject({ version: '1', items: 120 });
    expect(Date.parse(recorded.to!)).toBeGreaterThanOrEqual(Date.parse(recorded.from!));
    for (const signal of ['defect_probability', 'pixel_mean', 'pixel_std'] as const) {
      const live = v.signals[signal]!;
      const kept = recorded.signals[signal]!;
      expect(kept).toMatchObject({ status: 'ok', count: 120, currentFractions: live.currentFractions });
      expect(kept.psi).toBeCloseTo(live.psi!, 6);
      expect(kept.currentMean).toBeCloseTo(live.currentMean!, 6);
    }
  }, 120_000);

  it('exports the PSI and the window size to Prometheus', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toContain('gateway_drift_window_items{model="thermal_fixture"} 120');
    for (const signal of ['defect_probability', 'pixel_mean', 'pixel_std']) {
      const line = new RegExp(
        `^gateway_drift_psi\\{model="thermal_fixture",signal="${signal}"\\} (\\S+)$`,
        'm',
      );
      const value = Number(text.match(line)?.[1]);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(0.01);
    }
  });

  it('answers with the read roles of /v1/models, 404 for unknown models, and says why a model is not monitored', async () => {
    expect((await driftOf('thermal_fixture', STATION)).status).toBe(403);
    expect((await fetch(`${gateway.url}/v1/models/thermal_fixture/drift`)).status).toBe(401);
    expect((await driftOf('no_such_model')).status).toBe(404);
    const visual = await driftOf('visual_fixture');
    expect(visual.status).toBe(200);
    expect(visual.body).toMatchObject({
      monitored: false,
      reason: 'the drift reference in the model config has no usable histogram',
      problems: ['scores.defect_probability: no histogram (edges and fractions)'],
    });
  });
});
