import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { parseModelContract, type JsonValue } from '../routing';
import { parseDriftReference } from './drift-reference';

const ROOT = path.resolve(__dirname, '../../../..');
const contractOf = (dir: string, model: string) =>
  parseModelContract(
    parseModelConfigText(fs.readFileSync(path.join(ROOT, dir, model, 'config.pbtxt'), 'utf8')),
    undefined,
    '1',
  );

describe('parseDriftReference', () => {
  it.each(['visual_ensemble', 'thermal_ensemble'])(
    'reads all three signals from the trained %s config',
    (model) => {
      const { signals, problems } = parseDriftReference(
        contractOf('triton-model-repo', model).driftReference,
      );
      expect(problems).toEqual([]);
      expect(Object.keys(signals)).toEqual(['defect_probability', 'pixel_mean', 'pixel_std']);
      expect(signals.defect_probability!.edges).toHaveLength(21);
      expect(signals.defect_probability!.edges[0]).toBe(0);
      expect(signals.defect_probability!.edges[20]).toBe(1);
      expect(signals.pixel_mean!.edges).toHaveLength(18);
      expect(signals.pixel_mean!.edges[17]).toBe(255);
      expect(signals.pixel_std!.fractions).toHaveLength(16);
      expect(signals.pixel_std!.edges[16]).toBe(128);
      for (const s of Object.values(signals)) {
        expect(s.fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
        expect(typeof s.mean).toBe('number');
      }
    },
  );

  it('reads only the score histogram of the trained electrical config (its input reference is per feature)', () => {
    const { signals, problems } = parseDriftReference(
      contractOf('triton-model-repo', 'electrical_ensemble').driftReference,
    );
    expect(Object.keys(signals)).toEqual(['defect_probability']);
    expect(problems).toEqual([]);
  });

  it('reads the thermal fixture reference and reports the visual fixture one as unusable (no histogram)', () => {
    const thermal = parseDriftReference(
      contractOf('tests/fixtures/gateway_repository', 'thermal_fixture').driftReference,
    );
    expect(Object.keys(thermal.signals)).toEqual(['defect_probability', 'pixel_mean', 'pixel_std']);
    expect(thermal.signals.pixel_mean).toMatchObject({ n: 120, mean: 142.882856 });
    const visual = parseDriftReference(
      contractOf('tests/fixtures/gateway_repository', 'visual_fixture').driftReference,
    );
    expect(visual.signals).toEqual({});
    expect(visual.problems).toEqual(['scores.defect_probability: no histogram (edges and fractions)']);
  });

  it('treats an absent reference as nothing to monitor, without problems', () => {
    expect(parseDriftReference(undefined)).toEqual({ signals: {}, problems: [] });
    expect(parseDriftReference({ source: 'validation' })).toEqual({ signals: {}, problems: [] });
  });

  it('names what is wrong with a malformed histogram and keeps the usable signals', () => {
    const hist = (edges: JsonValue, fractions: JsonValue) => ({ histogram: { edges, fractions } });
    const { signals, problems } = parseDriftReference({
      scores: { defect_probability: hist([0, 0.5, 1], [0.4, 0.6]) },
      input: {
        per_image_pixel_mean: hist([0, 10, 5], [0.5, 0.5]),
        per_image_pixel_std: hist([0, 64, 128], [1]),
      },
    });
    expect(Object.keys(signals)).toEqual(['defect_probability']);
    expect(signals.defect_probability).toEqual({
      edges: [0, 0.5, 1],
      fractions: [0.4, 0.6],
      mean: null,
      n: null,
    });
    expect(problems).toEqual([
      'input.per_image_pixel_mean: histogram.edges must be strictly increasing',
      'input.per_image_pixel_std: histogram.fractions must be one finite number per bin (2)',
    ]);
    expect(parseDriftReference([1, 2]).problems).toEqual(['drift_reference_json is not a JSON object']);
    expect(parseDriftReference({ scores: { defect_probability: hist([0, 1], [0]) } }).problems).toEqual([
      'scores.defect_probability: histogram.fractions are all zero',
    ]);
  });
});
