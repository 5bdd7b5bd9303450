import { GatewayMetrics } from '../monitoring/gateway-metrics';
import { DriftMonitor } from './drift-monitor';
import { buildDriftReport } from './drift-report';
import { driftContract, halves } from './fake-drift-contract';

const contract = driftContract();

/** Feeds `n` decisions with defect probability `p` and a tensor of halves `a`, `b`. */
function feed(monitor: DriftMonitor, n: number, p: number, a = 150, b = 150, version = '1') {
  for (let i = 0; i < n; i++) monitor.observe(contract, version, p, halves(a, b));
}

const reportOf = (monitor: DriftMonitor) =>
  buildDriftReport(monitor, 'thermal_ensemble', { signals: monitor.signalsOf(contract) });

describe('DriftMonitor', () => {
  it('computes the per-image pixel mean and std of the tensor and the mean defect probability', () => {
    const monitor = new DriftMonitor({ windowSize: 100, minCount: 10 });
    feed(monitor, 3, 0.2, 40, 60); // mean 50, std 10
    feed(monitor, 1, 0.6, 250, 250); // mean 250, std 0
    const [v] = reportOf(monitor).versions;
    expect(v!.windowItems).toBe(4);
    expect(v!.signals.defect_probability!.currentMean).toBeCloseTo(0.3, 6);
    expect(v!.signals.pixel_mean!.currentMean).toBeCloseTo(100, 6);
    expect(v!.signals.pixel_std!.currentMean).toBeCloseTo(7.5, 6);
    expect(v!.signals.pixel_mean!.currentFractions).toEqual([0.75, 0, 0.25]);
  });

  it('reports no PSI below the minimum count, then the PSI against the reference bins', () => {
    const monitor = new DriftMonitor({ windowSize: 100, minCount: 10 });
    // Half the defect probabilities in each bin, pixel means 25 % / 50 % / 25 %, all stds in bin 0: the reference.
    for (let i = 0; i < 8; i++) {
      const p = i % 2 === 0 ? 0.1 : 0.9;
      const a = [50, 150, 150, 220][i % 4]!;
      monitor.observe(contract, '1', p, halves(a, a));
    }
    let signals = reportOf(monitor).versions[0]!.signals;
    expect(signals.pixel_mean).toMatchObject({
      status: 'insufficient_data',
      psi: null,
      reason: '8 of the 10 observations a PSI needs',
    });
    for (let i = 8; i < 12; i++) {
      const a = [50, 150, 150, 220][i % 4]!;
      monitor.observe(contract, '1', i % 2 === 0 ? 0.1 : 0.9, halves(a, a));
    }
    signals = reportOf(monitor).versions[0]!.signals;
    for (const s of Object.values(signals)) {
      expect(s.status).toBe('ok');
      expect(s.psi).toBeCloseTo(0, 9);
    }
    expect(signals.pixel_mean!.referenceMean).toBe(150);
    expect(signals.pixel_mean!.edges).toEqual([0, 100, 200, 255]);
    expect(signals.pixel_mean!.referenceFractions).toEqual([0.25, 0.5, 0.25]);
  });

  it('sees a shift: all defect probabilities high gives the hand-computed PSI and status drift', () => {
    const monitor = new DriftMonitor({ windowSize: 100, minCount: 10 });
    feed(monitor, 20, 0.95, 150, 150);
    const s = reportOf(monitor).versions[0]!;
    // cur [0 → 1e-4, 1] vs ref [0.5, 0.5]: (1e-4 − 0.5)·ln(1e-4/0.5) + 0.5·ln 2 = 4.2577447 + 0.3465736
    expect(s.signals.defect_probability!.psi).toBeCloseTo(4.604318, 5);
    expect(s.signals.defect_probability!.status).toBe('drift');
    expect(s.status).toBe('drift');
  });

  it('keeps only the last windowSize decisions: old ones leave the histogram', () => {
    const monitor = new DriftMonitor({ windowSize: 50, minCount: 10 });
    feed(monitor, 50, 0.9);
    feed(monitor, 30, 0.1);
    const v = reportOf(monitor).versions[0]!;
    expect(v.windowItems).toBe(50);
    expect(v.observed).toBe(80);
    expect(v.signals.defect_probability!.currentFractions).toEqual([0.6, 0.4]);
    expect(v.signals.defect_probability!.currentMean).toBeCloseTo(0.06 + 0.36, 6);
  });

  it('keeps one window per version that ran, the latest first, and restarts a window on a new config', () => {
    let t = 1_000;
    const monitor = new DriftMonitor({ windowSize: 100, minCount: 10, now: () => t++ });
    feed(monitor, 5, 0.1, 150, 150, '1');
    feed(monitor, 3, 0.9, 150, 150, '2');
    expect(monitor.windows('thermal_ensemble').map((w) => [w.version, w.items])).toEqual([
      ['2', 3],
      ['1', 5],
    ]);
    const changed = driftContract({
      drift_reference_json: {
        scores: { defect_probability: { histogram: { edges: [0, 1], fractions: [1] } } },
      },
    });
    expect(changed.configHash).not.toBe(contract.configHash);
    monitor.observe(changed, '2', 0.5, halves(0, 0));
    const [v2] = monitor.windows('thermal_ensemble');
    expect([v2!.version, v2!.items, v2!.configHash]).toEqual(['2', 1, changed.configHash]);
    expect(v2!.signals.map((s) => s.signal)).toEqual(['defect_probability']);
  });

  it('does not monitor a model whose config has no usable reference', () => {
    const monitor = new DriftMonitor({ windowSize: 100 });
    const none = driftContract({ drift_reference_json: undefined });
    const noHistogram = driftContract({
      drift_reference_json: { scores: { defect_probability: { mean: 0.1 } } },
    });
    monitor.observe(none, '1', 0.5, halves(1, 1));
    monitor.observe(noHistogram, '1', 0.5, halves(1, 1));
    expect(monitor.windows('thermal_ensemble')).toEqual([]);
    expect(monitor.signalsOf(none)).toMatchObject({ monitored: false, problems: [] });
    expect(monitor.signalsOf(noHistogram)).toMatchObject({
      monitored: false,
      problems: ['scores.defect_probability: no histogram (edges and fractions)'],
    });
  });

  it('watches pixel statistics only for a UINT8 image input', () => {
    const monitor = new DriftMonitor({ windowSize: 100 });
    const fp32 = { ...contract, input: { ...contract.input, datatype: 'FP32' as const } };
    const signals = monitor.signalsOf(fp32);
    expect(Object.keys(signals.signals)).toEqual(['defect_probability']);
    expect(signals.problems).toEqual([
      "pixel_mean: the model's input is not a UINT8 image",
      "pixel_std: the model's input is not a UINT8 image",
    ]);
  });

  it('never needs more observations than the window holds', () => {
    expect(new DriftMonitor({ windowSize: 50 }).minCount).toBe(50);
    expect(new DriftMonitor({ windowSize: 1000 }).minCount).toBe(500);
  });
});

describe('drift gauges', () => {
  it('exports gateway_drift_psi{model,signal} once a PSI exists and gateway_drift_window_items{model}', async () => {
    let t = 0;
    const monitor = new DriftMonitor({ windowSize: 100, minCount: 10, now: () => t++ });
    const metrics = new GatewayMetrics(monitor);
    feed(monitor, 5, 0.95);
    let text = await metrics.registry.metrics();
    expect(text).toContain('gateway_drift_window_items{model="thermal_ensemble"} 5');
    expect(text).not.toMatch(/^gateway_drift_psi\{/m);

    feed(monitor, 15, 0.95);
    text = await metrics.registry.metrics();
    expect(text).toContain('gateway_drift_window_items{model="thermal_ensemble"} 20');
    const psi = (signal: string) =>
      Number(
        text.match(
          new RegExp(`^gateway_drift_psi\\{model="thermal_ensemble",signal="${signal}"\\} (\\S+)$`, 'm'),
        )?.[1],
      );
    expect(psi('defect_probability')).toBeCloseTo(4.604318, 5);
    expect(psi('pixel_mean')).toBeGreaterThan(0);
    expect(psi('pixel_std')).toBeCloseTo(0, 9);

    // A newer version takes over the model's gauges.
    feed(monitor, 2, 0.1, 150, 150, '2');
    text = await metrics.registry.metrics();
    expect(text).toContain('gateway_drift_window_items{model="thermal_ensemble"} 2');
    expect(text).not.toMatch(/^gateway_drift_psi\{/m);
  });

  it('are registered (empty) without a monitor, so rules can name them', async () => {
    const names = (await new GatewayMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['gateway_drift_psi', 'gateway_drift_window_items']));
  });
});
