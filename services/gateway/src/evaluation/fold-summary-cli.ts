/**
 * npm run evaluate:folds -- REPORT.json REPORT.json ... [--out FILE.json]
 */
import { parseArgs } from 'node:util';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UsageError, runCommand } from './cli-options';
import { foldReportOf, formatFoldSummary, summarizeFolds } from './fold-summary';

export const FOLDS_USAGE = `usage: npm run evaluate:folds -- REPORT.json [REPORT.json ...] [--out FILE.json]

Mean ± sample standard deviation, over the folds of a k-fold run, of the reports that \`npm run evaluate\` wrote
(one report per held-out fold, each from the model trained without that fold).`;

export function parseFoldsArgs(argv: string[]): { files: string[]; out?: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help) throw new UsageError('');
  if (parsed.positionals.length === 0) throw new UsageError('give at least one report');
  const result: { files: string[]; out?: string } = { files: parsed.positionals };
  if (parsed.values.out !== undefined) result.out = parsed.values.out;
  return result;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { files, out } = parseFoldsArgs(argv);
  const reports = await Promise.all(
    files.map(async (file) => {
      const text = await fs.readFile(file, 'utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${file}: not JSON`);
      }
      return foldReportOf(path.basename(file), parsed);
    }),
  );
  const summary = summarizeFolds(reports);
  process.stdout.write(`${formatFoldSummary(summary)}\n`);
  if (out !== undefined) {
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await fs.writeFile(out, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`summary: ${path.resolve(out)}\n`);
  }
}

if (require.main === module) runCommand(() => main(), FOLDS_USAGE);
