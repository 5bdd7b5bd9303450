import { FoldReportError, foldReportOf, formatFoldSummary, summarizeFolds } from './fold-summary';
import { parseFoldsArgs } from './fold-summary-cli';
import { UsageError } from './cli-options';

function report(accuracy: number, auroc: number, n = 200, model = 'visual_ensemble') {
  return { model: { name: model }, dataset: { name: `fold-${accuracy}` }, n, accuracy, auroc, macro_f1: 0.9 };
}

describe('k-fold summary of evaluate reports', () => {
  it('gives the mean, the sample standard deviation and the range of each metric', () => {
    const s = summarizeFolds([
      foldReportOf('a.json', report(0.96, 0.99)),
      foldReportOf('b.json', report(0.98, 0.995)),
      foldReportOf('c.json', report(0.97, 0.985, 215)),
    ]);
    expect(s.folds).toBe(3);
    expect(s.items).toBe(615);
    expect(s.metrics.accuracy?.mean).toBeCloseTo(0.97, 10);
    expect(s.metrics.accuracy?.sd).toBeCloseTo(0.01, 10); // sqrt((0.0001 + 0 + 0.0001) / 2)
    expect(s.metrics.accuracy?.min).toBe(0.96);
    expect(s.metrics.auroc?.max).toBe(0.995);
    expect(s.metrics.macro_f1?.sd).toBe(0);
    // A metric absent from the reports is left out rather than averaged over fewer folds.
    expect(s.metrics.ece).toBeUndefined();
    expect(formatFoldSummary(s)).toContain('accuracy                     0.9700 ± 0.0100');
  });

  it('leaves out a metric some folds lack instead of averaging fewer folds', () => {
    const partial = { ...report(0.9, 0.9), auroc: null };
    const s = summarizeFolds([foldReportOf('a', report(0.96, 0.99)), foldReportOf('b', partial)]);
    expect(s.metrics.auroc).toBeUndefined();
    expect(s.metrics.accuracy?.folds).toBe(2);
  });

  it('has sd 0 for a single fold', () => {
    const s = summarizeFolds([foldReportOf('a', report(0.96, 0.99))]);
    expect(s.metrics.accuracy).toEqual({ mean: 0.96, sd: 0, min: 0.96, max: 0.96, folds: 1 });
  });

  it('refuses reports of different models, files that are not reports, and an empty list', () => {
    expect(() =>
      summarizeFolds([foldReportOf('a', report(0.9, 0.9)), foldReportOf('b', report(0.9, 0.9, 10, 'other'))]),
    ).toThrow(/different models \(visual_ensemble, other\)/);
    expect(() => foldReportOf('x.json', [1, 2])).toThrow(FoldReportError);
    expect(() => foldReportOf('x.json', { accuracy: 0.9 })).toThrow(/x\.json: not an evaluate report/);
    expect(() => summarizeFolds([])).toThrow(/no report/);
  });

  it('takes report files as positionals and an optional --out', () => {
    expect(parseFoldsArgs(['a.json', 'b.json', '--out', 's.json'])).toEqual({
      files: ['a.json', 'b.json'],
      out: 's.json',
    });
    expect(() => parseFoldsArgs([])).toThrow(UsageError);
    expect(() => parseFoldsArgs(['--bogus'])).toThrow(UsageError);
  });
});
