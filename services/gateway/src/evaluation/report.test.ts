import type { Dataset } from './dataset';
import type { ModelContract } from '../routing';
import { ALL_DEVELOPMENT, buildReport, defectProbabilityOf } from './report';
import { formatSummary } from './summary-text';

const LABELS = { classes: ['ok', 'bad'], goodClass: 'ok', defectClasses: ['bad'] };

const DATASET: Dataset = {
  dir: '/data/demo',
  name: 'demo',
  manifestSha256: 'a'.repeat(64),
  kind: 'image',
  classCounts: { ok: 2, bad: 2, odd: 1 },
  splits: [],
  totalItems: 5,
  items: [],
};

describe('buildReport', () => {
  const input = (over: { contract?: ModelContract; dataset?: Dataset } = {}) => ({
    tool: 'evaluate' as const,
    model: { name: 'm', version: '3' },
    endpoint: { model_server: '127.0.0.1:1' },
    dataset: over.dataset ?? DATASET,
    limit: undefined,
    labels: LABELS,
    labelsSource: 'the model contract',
    mapping: {
      matched: { ok: 'good' as const, bad: 'defect' as const },
      unmatchedDatasetClasses: [],
      modelClassesWithoutData: [],
    },
    run: { predictions: [], failures: [], seconds: 1 },
    versionsSeen: {},
    notes: [],
    ...(over.contract ? { contract: over.contract } : {}),
  });

  it('says when a model that trained on every development image is scored on development items', () => {
    const all = { trainingScope: ALL_DEVELOPMENT } as ModelContract;
    const fold = { trainingScope: 'development images except fold 0 of 5' } as ModelContract;
    const foldFolder = { ...DATASET, splits: ['validation-fold0'] };
    const inSample =
      /trained on all development images .*\(split validation-fold0\), so the figures are training-set/;
    expect(buildReport(input({ contract: all, dataset: foldFolder })).notes).toEqual([
      expect.stringMatching(inSample),
    ]);
    expect(
      buildReport(input({ contract: all, dataset: { ...DATASET, splits: ['dev'] } })).notes,
    ).toHaveLength(1);
    // Held-out data, or a model that held this fold out: nothing to say.
    expect(buildReport(input({ contract: all, dataset: { ...DATASET, splits: ['test'] } })).notes).toEqual(
      [],
    );
    expect(buildReport(input({ contract: fold, dataset: foldFolder })).notes).toEqual([]);
    expect(buildReport(input({ dataset: foldFolder })).notes).toEqual([]);
  });

  const report = buildReport({
    tool: 'evaluate:gateway',
    model: { name: 'm', version: '3' },
    endpoint: { gateway: 'http://127.0.0.1:1' },
    dataset: DATASET,
    limit: 4,
    labels: LABELS,
    labelsSource: '--good-class',
    mapping: {
      matched: { ok: 'good', bad: 'defect' },
      unmatchedDatasetClasses: ['odd'],
      modelClassesWithoutData: [],
    },
    run: {
      predictions: [
        { id: 'a', trueClass: 'ok', decision: 'pass', scores: { ok: 0.9, bad: 0.1 }, version: '3' },
        { id: 'b', trueClass: 'bad', decision: 'fail', scores: { ok: 0.2, bad: 0.8 }, version: '3' },
        { id: 'c', trueClass: 'bad', decision: 'pass', scores: { ok: 0.6, bad: 0.4 }, version: '3' },
      ],
      failures: [{ id: 'd', trueClass: 'ok', status: 422, code: 'unprocessable', message: 'truncated JPEG' }],
      seconds: 2,
    },
    versionsSeen: { 'm:3': 3 },
    notes: [],
  });

  it('derives P(defect) as 1 − P(good) when the path did not report it, and says so', () => {
    expect(report.items.map((i) => i.defect_probability)).toEqual([0.09999999999999998, 0.8, 0.4]);
    expect(report.defect_probability_source).toBe('1 - P(ok) from the reported scores');
    expect(
      defectProbabilityOf(
        { id: 'x', trueClass: 'ok', decision: 'pass', scores: {}, version: '1', defectProbability: 0.3 },
        LABELS,
      ),
    ).toBe(0.3);
  });

  it('reports the figures, the failures with their status, and what was evaluated', () => {
    expect(report.n).toBe(3);
    expect(report.escape_rate).toBe(0.5);
    expect(report.auroc).toBe(1);
    expect(report.failures).toEqual({
      count: 1,
      by_status: { '422': 1 },
      first: [{ id: 'd', trueClass: 'ok', status: 422, code: 'unprocessable', message: 'truncated JPEG' }],
    });
    expect(report.dataset).toMatchObject({ sent: 4, limit: 4, same_manifest_as_training: null });
    expect(report.timing).toEqual({ seconds: 2, items_per_second: 2 });
    expect(report.items[2]).toEqual({
      id: 'c',
      true_class: 'bad',
      predicted_class: 'ok',
      decision: 'pass',
      defect_probability: 0.4,
    });
  });

  it('prints a readable summary', () => {
    const text = formatSummary(report);
    expect(text).toContain('evaluate:gateway: m version 3 via gateway http://127.0.0.1:1');
    expect(text).toContain('escape rate              0.5000 (1 of 2 defect items passed)');
    expect(text).toContain('failures: 1 (422: 1); first ones:');
    expect(text).toContain('d [422 unprocessable] truncated JPEG');
  });
});
