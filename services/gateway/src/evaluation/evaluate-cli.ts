/**
 * npm run evaluate -- --model M --data DIR [--url host:port | --repository DIR] [--out FILE.json]
 *                     [--limit N] [--concurrency C] [--batch B] [--timeout-ms T]
 */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import {
  REPO_ROOT,
  UsageError,
  defaultReportPath,
  positiveInt,
  publishReport,
  required,
  runCommand,
} from './cli-options';
import { evaluateModel, type ModelEvaluationOptions } from './evaluate-model';
import { ModelNotInRepositoryError } from './model-server-process';

export const EVALUATE_USAGE = `usage: npm run evaluate -- --model M --data DIR [options]

Evaluates model M on a dataset folder (manifest.csv layout of shared/datasets/*) straight through KServe v2,
with the gateway's preprocessing and decision rule. Prints a summary and writes a JSON report.

  --model M            model name (e.g. visual_ensemble)
  --data DIR           dataset folder with manifest.csv
  --url HOST:PORT      a running Triton / model-server (gRPC); without it a model-server is started
  --repository DIR     model repository for the started model-server (default: triton-model-repo)
  --out FILE           JSON report (default: .tmp/evaluation/evaluate-<model>-<dataset>.json)
  --limit N            deterministic stratified subsample of N items
  --concurrency C      inference requests in flight (default 2)
  --batch B            items per request, capped at the model's max_batch_size (default 16)
  --timeout-ms T       deadline of each request (default 120000)`;

export function parseEvaluateArgs(argv: string[]): ModelEvaluationOptions & { out: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        url: { type: 'string' },
        repository: { type: 'string' },
        out: { type: 'string' },
        limit: { type: 'string' },
        concurrency: { type: 'string' },
        batch: { type: 'string' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) throw new UsageError(''); // an empty message: print the usage only
  if (values.url !== undefined && values.repository !== undefined) {
    throw new UsageError(
      '--url and --repository exclude each other (--repository is for the started model-server)',
    );
  }
  const model = required(values.model, '--model');
  const data = path.resolve(required(values.data, '--data'));
  const options: ModelEvaluationOptions & { out: string } = {
    model,
    data,
    repository: path.resolve(values.repository ?? path.join(REPO_ROOT, 'triton-model-repo')),
    concurrency: positiveInt(values.concurrency, '--concurrency', 2) ?? 2,
    batch: positiveInt(values.batch, '--batch', 16) ?? 16,
    timeoutMs: positiveInt(values['timeout-ms'], '--timeout-ms', 120_000) ?? 120_000,
    out: values.out ?? defaultReportPath('evaluate', model, path.basename(data)),
  };
  if (values.url !== undefined) options.url = values.url.replace(/^grpc:\/\//, '');
  const limit = positiveInt(values.limit, '--limit');
  if (limit !== undefined) options.limit = limit;
  return options;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const options = parseEvaluateArgs(argv);
  const report = await evaluateModel(options).catch((err: unknown) => {
    if (!(err instanceof ModelNotInRepositoryError)) throw err;
    const fixtures = path.join(REPO_ROOT, 'tests/fixtures/gateway_repository');
    throw new Error(
      `${err.message}; pick the repository with --repository DIR (fixture models: ${fixtures})`,
    );
  });
  await publishReport(report, options.out);
  if (report.n === 0) throw new Error('no item was decided');
}

if (require.main === module) runCommand(() => main(), EVALUATE_USAGE);
