// The direct model evaluation against a real model-server (child process) serving the fixture repository,
// on real dataset images read from shared/datasets (never written).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { evaluateModel, type ModelEvaluationOptions } from './evaluate-model';
import type { EvaluationReport } from './report';
import { makeTempDir, writeElectricalDataset } from './temp-datasets';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures/gateway_repository');
const DATASETS = path.resolve(REPO_ROOT, '../shared/datasets');
const CLI = path.join(REPO_ROOT, 'services/gateway/dist/evaluation/evaluate-cli.js');

const options = (model: string, data: string, limit?: number): ModelEvaluationOptions => ({
  model,
  data,
  repository: FIXTURES,
  concurrency: 2,
  batch: 5,
  timeoutMs: 60_000,
  log: () => undefined,
  ...(limit === undefined ? {} : { limit }),
});

function expectProbability(value: number | null): void {
  expect(value).not.toBeNull();
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThanOrEqual(1);
}

function expectCompleteReport(r: EvaluationReport, n: number): void {
  for (const key of ['accuracy', 'macro_f1', 'auroc', 'ece', 'escape_rate', 'false_reject_rate'] as const) {
    expectProbability(r[key]);
  }
  expectProbability(r.false_reject_or_review_rate);
  expectProbability(r.review_rate);
  expect(r.n).toBe(n);
  expect(r.items).toHaveLength(n);
  expect(r.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(n);
  expect(Object.values(r.per_class).reduce((a, c) => a + c.support, 0)).toBe(n);
  expect(r.decisions.pass + r.decisions.review + r.decisions.fail).toBe(n);
  for (const key of ['accuracy', 'macro_f1', 'auroc', 'escape_rate'] as const) {
    const ci = r.ci95[key];
    if (ci !== null) {
      expect(ci.low).toBeLessThanOrEqual(ci.high);
      expectProbability(ci.low);
      expectProbability(ci.high);
    }
  }
  expect(r.bootstrap.resamples).toBe(1000);
  expect(r.failures.count).toBe(0);
}

describe('npm run evaluate (direct to model-server)', () => {
  it('evaluates visual_fixture on 12 real magnetic-tile images with the full set of figures', async () => {
    const r = await evaluateModel(options('visual_fixture', path.join(DATASETS, 'magnetic_tile'), 12));
    expectCompleteReport(r, 12);
    expect(r.model).toEqual({
      name: 'visual_fixture',
      version: '1',
      versions_seen: { 'visual_fixture:1': 12 },
    });
    expect(r.labels).toMatchObject({ good_class: 'Free', defect_classes: ['Crack', 'Blowhole'] });
    expect(r.class_mapping.unmatched_dataset_classes).toEqual(['Break', 'Fray', 'Uneven']);
    expect(r.confusion.classes).toEqual(['Free', 'Crack', 'Blowhole']);
    expect(r.dataset).toMatchObject({ name: 'magnetic_tile', total_items: 1077, sent: 12, limit: 12 });
    expect(r.defect_probability_source).toMatch(/model's defect probability/);
    expect(r.thresholds).toEqual({ review: 0.2, fail: 0.6, per_class: { Crack: 0.25, Blowhole: 0.25 } });
  });

  it('evaluates electrical_fixture on measurements read from a CSV table, by feature name', async () => {
    const dir = await makeTempDir('evaluate-electrical-');
    try {
      await writeElectricalDataset(dir, 18);
      const r = await evaluateModel(options('electrical_fixture', dir));
      expectCompleteReport(r, 18);
      expect(r.decisions.fail).toBeGreaterThan(0);
      expect(r.decisions.pass).toBeGreaterThan(0);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a dataset whose features the model does not take, before any inference', async () => {
    await expect(
      evaluateModel(options('electrical_fixture', path.join(DATASETS, 'secom'), 4)),
    ).rejects.toThrow(/the model's 8 features .* are not all dataset columns/);
  });

  it('says which models the repository has when the model is not there', async () => {
    await expect(
      evaluateModel(options('visual_ensemble', path.join(DATASETS, 'magnetic_tile'), 4)),
    ).rejects.toThrow("model 'visual_ensemble' is not in");
  });

  it('runs as the built command and writes the JSON report', async () => {
    const dir = await makeTempDir('evaluate-cli-');
    const out = path.join(dir, 'report.json');
    try {
      const args = ['--model', 'thermal_fixture', '--data', path.join(DATASETS, 'infrared_solar_modules')];
      args.push('--repository', FIXTURES, '--limit', '24', '--out', out, '--batch', '8');
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args]);
      expect(stdout).toContain('evaluate: thermal_fixture version 1');
      expect(stdout).toContain('confusion (rows: true class, columns: predicted)');
      const report = JSON.parse(await fs.readFile(out, 'utf8')) as EvaluationReport;
      expect(report.n).toBe(24);
      expect(report.labels.good_class).toBe('No-Anomaly');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
