/**
 * npm run evaluate:gateway -- --data DIR --modality visual|thermal|electrical [--url http://localhost:8080]
 *   [--api-key K] [--out FILE] [--limit N] [--concurrency C] [--model M] [--good-class C] [--triton HOST:PORT]
 *   [--measurements object|array] [--station-id ID] [--timeout-ms T]
 */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { MODALITIES, type Modality } from '../routing';
import {
  UsageError,
  defaultReportPath,
  positiveInt,
  publishReport,
  required,
  runCommand,
} from './cli-options';
import { evaluateThroughGateway, type GatewayEvaluationOptions } from './evaluate-through-gateway';

export const EVALUATE_GATEWAY_USAGE = `usage: npm run evaluate:gateway -- --data DIR --modality visual|thermal|electrical [options]

Sends every item of a dataset folder (manifest.csv layout of shared/datasets/*) through POST /v1/inspections
of a running gateway and reports the same figures as npm run evaluate. Prints a summary, writes a JSON report.

  --url URL              gateway base URL (default http://localhost:8080)
  --api-key K            API key (Authorization: Bearer); default: $GATEWAY_API_KEY; none: loopback only
  --out FILE             JSON report (default: .tmp/evaluation/evaluate-gateway-<model>-<dataset>.json)
  --limit N              deterministic stratified subsample of N items
  --concurrency C        requests in flight (default 8)
  --model M              ask the gateway for model M instead of the modality's route
  --good-class C         the good class (otherwise read from the model's contract in Triton)
  --triton HOST:PORT     where to read the contract (default: the endpoints the gateway's /readyz lists)
  --measurements FORM    electrical: object ({name: value}, default) or array (column order)
  --station-id ID        stationId sent with each item (default: evaluation)
  --timeout-ms T         timeout of each request (default 60000)`;

export function parseEvaluateGatewayArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): GatewayEvaluationOptions & { out?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        modality: { type: 'string' },
        url: { type: 'string' },
        'api-key': { type: 'string' },
        out: { type: 'string' },
        limit: { type: 'string' },
        concurrency: { type: 'string' },
        model: { type: 'string' },
        'good-class': { type: 'string' },
        triton: { type: 'string' },
        measurements: { type: 'string' },
        'station-id': { type: 'string' },
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
  const modality = MODALITIES.find((m): m is Modality => m === values.modality);
  if (modality === undefined) {
    throw new UsageError(
      `--modality must be one of ${MODALITIES.join(', ')}, got '${values.modality ?? ''}'`,
    );
  }
  const form = values.measurements ?? 'object';
  if (form !== 'object' && form !== 'array') throw new UsageError(`--measurements must be object or array`);
  const options: GatewayEvaluationOptions & { out?: string } = {
    data: path.resolve(required(values.data, '--data')),
    modality,
    url: values.url ?? 'http://localhost:8080',
    stationId: values['station-id'] ?? 'evaluation',
    concurrency: positiveInt(values.concurrency, '--concurrency', 8) ?? 8,
    timeoutMs: positiveInt(values['timeout-ms'], '--timeout-ms', 60_000) ?? 60_000,
    measurements: form,
  };
  const apiKey = values['api-key'] ?? env.GATEWAY_API_KEY;
  if (apiKey !== undefined && apiKey !== '') options.apiKey = apiKey;
  const limit = positiveInt(values.limit, '--limit');
  if (limit !== undefined) options.limit = limit;
  if (values.model !== undefined) options.model = values.model;
  if (values['good-class'] !== undefined) options.goodClass = values['good-class'];
  if (values.triton !== undefined) options.triton = values.triton;
  if (values.out !== undefined) options.out = values.out;
  return options;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const options = parseEvaluateGatewayArgs(argv);
  const report = await evaluateThroughGateway(options);
  const out =
    options.out ?? defaultReportPath('evaluate-gateway', report.model.name, path.basename(options.data));
  await publishReport(report, out);
  if (report.n === 0) throw new Error('no item was decided');
}

if (require.main === module) runCommand(() => main(), EVALUATE_GATEWAY_USAGE);
