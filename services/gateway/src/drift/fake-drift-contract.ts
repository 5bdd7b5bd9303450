/**
 * Test infrastructure for the drift tests: a thermal contract (UINT8 [1, 40, 24], shaped like the trainer's
 * thermal_ensemble) whose drift reference has small, hand-checkable histograms.
 */
import { parseModelConfigText } from '../../../model-server/src/repository';
import type { WireTensor } from '../domain/tensor';
import pino from 'pino';
import { InspectionService, type InspectionServiceDeps } from '../inspections/inspection-service';
import type { InferClient } from '../inspections/model-runner';
import { renderConfig, trainerThermalSpec, withParameters } from '../routing/fake-model-configs';
import { parseModelContract, type ModelContract } from '../routing';

const histogram = (edges: number[], fractions: number[], mean: number) => ({
  n: 500,
  mean,
  histogram: { edges, fractions },
});

/** defect_probability 2 bins over [0, 1]; pixel_mean 3 bins over [0, 255]; pixel_std 3 bins over [0, 128]. */
export const TEST_REFERENCE = {
  scores: { defect_probability: histogram([0, 0.5, 1], [0.5, 0.5], 0.5), source: 'validation' },
  input: {
    per_image_pixel_mean: histogram([0, 100, 200, 255], [0.25, 0.5, 0.25], 150),
    per_image_pixel_std: histogram([0, 32, 64, 128], [1, 0, 0], 10),
  },
};

/**
 * The thermal contract with TEST_REFERENCE as its drift_reference_json, or with `parameters` changed instead
 * (`{ drift_reference_json: undefined }`: no reference).
 */
export function driftContract(
  parameters: Record<string, unknown> = { drift_reference_json: TEST_REFERENCE },
): ModelContract {
  const spec = withParameters(trainerThermalSpec(), parameters);
  return parseModelContract(parseModelConfigText(renderConfig(spec)), undefined, '1');
}

/** A 1 × 40 × 24 tensor: the first half `a`, the second half `b` (mean (a+b)/2, std |a−b|/2). */
export function halves(a: number, b: number): Buffer {
  const t = Buffer.alloc(960, b);
  t.fill(a, 0, 480);
  return t;
}

/**
 * Triton answering for driftContract(): thermal-shaped outputs whose defect probability is each item's first
 * tensor byte / 255 (the rest of its mass on No-Anomaly); version 3 ran. Counts the items it was sent.
 */
export class FakeDriftTriton implements InferClient {
  items = 0;
  private readonly noAnomaly = driftContract().classes.indexOf('No-Anomaly');

  async infer(req: { model: string; inputs: WireTensor[] }) {
    const input = req.inputs[0]!;
    const n = input.shape[0]!;
    this.items += n;
    const per = input.data.length / n;
    const probs = Buffer.alloc(n * 12 * 4);
    const defect = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) {
      const q = input.data[i * per]! / 255;
      probs.writeFloatLE(q, i * 12 * 4);
      probs.writeFloatLE(1 - q, (i * 12 + this.noAnomaly) * 4);
      defect.writeFloatLE(q, i * 4);
    }
    const tensor = (name: string, data: Buffer, dims: number[]): [string, WireTensor] => [
      name,
      { name, datatype: 'FP32', shape: [n, ...dims], data },
    ];
    return {
      model: req.model,
      version: '3',
      outputs: new Map([tensor('PROBS', probs, [12]), tensor('DEFECT_PROB', defect, [1])]),
    };
  }
}

/** An InspectionService that routes every request to driftContract() (as thermal_ensemble) and logs nothing. */
export function driftContractService(
  deps: Pick<InspectionServiceDeps, 'runner' | 'images' | 'metrics' | 'sink' | 'drift'>,
): InspectionService {
  const contract = driftContract();
  return new InspectionService({
    resolver: { resolve: () => ({ model: 'thermal_ensemble' }) },
    contracts: { get: async () => contract },
    measurements: { toInput: () => Buffer.alloc(0) },
    log: pino({ level: 'silent' }),
    requestTimeoutMs: 5000,
    ...deps,
  });
}
