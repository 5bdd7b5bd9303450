// InspectionService → DriftMonitor: every decision, online (`inspect`) or a batch-job item (`decide`), feeds the
// window of the model version that ran, with the tensor the model was given.
import type { InspectionInput } from '../http/inspection-request';
import type { InspectionService } from '../inspections/inspection-service';
import { ModelRunner } from '../inspections/model-runner';
import { GatewayMetrics } from '../monitoring/gateway-metrics';
import { DriftMonitor } from './drift-monitor';
import { buildDriftReport } from './drift-report';
import { FakeDriftTriton, driftContract, driftContractService, halves } from './fake-drift-contract';

const contract = driftContract();

/** "Images" whose preprocessed tensor is halves(a, b) for image bytes [a, b]. */
const images = {
  preprocess: async (bytes: Buffer) => ({
    data: halves(bytes[0]!, bytes[1]!),
    width: 24,
    height: 40,
    waitMs: 0,
    decodeMs: 0,
    preprocessMs: 0,
  }),
};

const input = (a: number, b: number, modality = 'thermal'): InspectionInput => ({
  modality,
  stationId: 'ir-1',
  lotId: undefined,
  partId: undefined,
  model: undefined,
  version: undefined,
  image: { bytes: Buffer.from([a, b]), filename: 'x.jpg' },
  measurements: undefined,
});

let runner: ModelRunner;
let monitor: DriftMonitor;
let service: InspectionService;

beforeEach(() => {
  runner = new ModelRunner(new FakeDriftTriton(), { maxQueueDepth: 100, maxWaitMs: 0, maxInFlight: 2 });
  monitor = new DriftMonitor({ windowSize: 50, minCount: 4 });
  service = driftContractService({ runner, images, metrics: new GatewayMetrics(monitor), drift: monitor });
});

afterEach(() => runner.drain());

const principal = { name: 'line1', role: 'station' as const };

describe('drift observations from inspections', () => {
  it('feeds online decisions and batch-job items alike, once each, under the version that ran', async () => {
    await service.inspect(input(51, 51), { principal, requestId: 'r1' });
    await service.inspect(input(204, 0), { principal, requestId: 'r2' });
    await service.decide(input(51, 51), { requestId: 'job-1-0' });
    const [w] = monitor.windows('thermal_ensemble');
    expect(w).toMatchObject({ version: '3', items: 3, configHash: contract.configHash });
    const signals = buildDriftReport(monitor, 'thermal_ensemble', { signals: monitor.signalsOf(contract) })
      .versions[0]!.signals;
    // Defect probabilities 0.2, 0.8, 0.2; pixel means 51, 102, 51; stds 0, 102, 0.
    expect(signals.defect_probability!.currentMean).toBeCloseTo(0.4, 5);
    expect(signals.defect_probability!.currentFractions).toEqual([0.666667, 0.333333]);
    expect(signals.pixel_mean!.currentMean).toBeCloseTo(68, 6);
    expect(signals.pixel_std!.currentMean).toBeCloseTo(34, 6);
    expect(signals.pixel_std!.currentFractions).toEqual([0.666667, 0, 0.333333]);
  });

  it('reports drift once enough decisions are far from the reference', async () => {
    // Dark, flat images with high defect probabilities: every signal leaves its reference bins.
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => service.decide(input(240, 240), { requestId: `r${i}` })),
    );
    const report = buildDriftReport(monitor, 'thermal_ensemble', { signals: monitor.signalsOf(contract) });
    expect(report.versions[0]!.signals.defect_probability!.status).toBe('drift');
    expect(report.versions[0]!.signals.pixel_mean!.status).toBe('drift');
    expect(report.versions[0]!.signals.pixel_std!.status).toBe('ok');
    expect(report.versions[0]!.status).toBe('drift');
  });

  it('does not observe a request refused before inference', async () => {
    await expect(service.decide(input(1, 1, 'visual'), { requestId: 'bad' })).rejects.toThrow(
      /thermal input/,
    );
    expect(monitor.windows('thermal_ensemble')).toEqual([]);
  });
});
