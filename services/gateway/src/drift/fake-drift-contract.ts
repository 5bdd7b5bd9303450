/**
 * Test infrastructure for the drift tests: a thermal contract (UINT8 [1, 40, 24], shaped like the trainer's
 * thermal_ensemble) whose drift reference has small, hand-checkable histograms.
 */
import { parseModelConfigText } from '../../../model-server/src/repository';
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
