/** Command-line helpers shared by the two evaluation commands: option checks, report output, exit handling. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../config';
import type { ImagePreprocessorOptions } from '../preprocess';
import type { EvaluationReport } from './report';
import { formatSummary } from './summary-text';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function positiveInt(
  value: string | undefined,
  option: string,
  fallback?: number,
): number | undefined {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value.trim()))
    throw new UsageError(`${option} must be a positive integer, got '${value}'`);
  return Number(value);
}

export function required(value: string | undefined, option: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${option} is required`);
  return value;
}

/** The gateway's own upload limits (MAX_UPLOAD_BYTES, MAX_INPUT_PIXELS from the environment, else its defaults). */
export function gatewayImageLimits(env: NodeJS.ProcessEnv = process.env): ImagePreprocessorOptions {
  const picked: Record<string, string> = {};
  for (const key of ['MAX_UPLOAD_BYTES', 'MAX_INPUT_PIXELS']) {
    const value = env[key];
    if (value !== undefined) picked[key] = value;
  }
  const config = loadConfig(picked);
  return { maxInputBytes: config.maxUploadBytes, maxInputPixels: config.maxInputPixels };
}

/** Default report path: `.tmp/evaluation/<tool>-<model>-<dataset>.json` under the repository (git-ignored). */
export function defaultReportPath(tool: string, model: string, dataset: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return path.join(REPO_ROOT, '.tmp', 'evaluation', `${safe(tool)}-${safe(model)}-${safe(dataset)}.json`);
}

/** Prints the summary to stdout and writes the JSON report. */
export async function publishReport(report: EvaluationReport, out: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await fs.writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatSummary(report)}\nreport: ${path.resolve(out)}\n`);
}

/** Counts of `name:version` over the predictions. */
export function countVersions(predictions: readonly { version: string; model?: string }[], model: string) {
  const seen: Record<string, number> = {};
  for (const p of predictions) {
    const key = `${p.model ?? model}:${p.version}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

/** Runs a command's main; usage errors print the usage, other errors their message; exit status 1 or 2. */
export function runCommand(main: () => Promise<void>, usage: string): void {
  main().then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof UsageError && err.message === '') {
        process.stdout.write(`${usage}\n`);
        return;
      }
      if (err instanceof UsageError) {
        process.stderr.write(`error: ${err.message}\n\n${usage}\n`);
        process.exitCode = 2;
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`error: ${message}\n`);
      process.exitCode = 1;
    },
  );
}
