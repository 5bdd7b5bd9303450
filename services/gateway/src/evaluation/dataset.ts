/**
 * Reads a dataset folder in the layout of `shared/datasets/*`: a `manifest.csv` with at least `path` and
 * `class` columns (paths relative to the folder). Image datasets point each row at an image file; tabular
 * ones point at a CSV table and name the 1-based data row in a `row` column, the table's header naming the
 * features (every column except `label` / `class`; empty cells and `NaN` are missing values). Nothing in the
 * folder is ever written.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CsvError, parseCsvTable, type CsvTable } from './csv';
import { stratifiedSample } from './stratified-sample';

export interface ImageItem {
  kind: 'image';
  /** The manifest path (relative to the dataset folder). */
  id: string;
  class: string;
  /** Absolute path of the image file. */
  file: string;
}

export interface MeasurementItem {
  kind: 'measurements';
  /** `<table path>#<row>`. */
  id: string;
  class: string;
  /** In the order of `Dataset.featureNames`; NaN where the value is missing. */
  values: number[];
}

export type DatasetItem = ImageItem | MeasurementItem;

export interface Dataset {
  dir: string;
  name: string;
  /** SHA-256 of manifest.csv (the trainer records the same digest of its training manifest). */
  manifestSha256: string;
  kind: DatasetItem['kind'];
  /** Tabular datasets: the feature names from the table header, in column order. */
  featureNames?: string[];
  /** Items per class in the whole manifest, before any limit. */
  classCounts: Record<string, number>;
  /** The distinct values of the manifest's `split` column (`dev`, `validation-fold0`…), if it has one. */
  splits: string[];
  totalItems: number;
  /** The items to evaluate (a stratified subsample when a limit was given), in manifest order. */
  items: DatasetItem[];
}

export interface LoadOptions {
  /** Deterministic stratified subsample of at most this many items. */
  limit?: number;
  /** Only rows of these classes (applied before the limit). */
  classes?: readonly string[];
}

export class DatasetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
  }
}

const LABEL_COLUMNS = new Set(['label', 'class']);

interface ManifestRow {
  path: string;
  class: string;
  split: string | undefined;
  row: number | undefined;
  line: number;
}

/** Items per class in the manifest of `dir` (reads only manifest.csv). */
export async function datasetClassCounts(dir: string): Promise<Record<string, number>> {
  return countClasses((await readManifest(path.resolve(dir))).rows);
}

export async function loadDataset(dir: string, options: LoadOptions = {}): Promise<Dataset> {
  const root = path.resolve(dir);
  const { bytes, rows } = await readManifest(root);
  const tabular = rows[0]?.row !== undefined;
  const classCounts = countClasses(rows);
  const wanted = options.classes === undefined ? undefined : new Set(options.classes);
  let chosen = wanted === undefined ? rows : rows.filter((r) => wanted.has(r.class));
  if (options.limit !== undefined) chosen = stratifiedSample(chosen, (r) => r.class, options.limit);
  const dataset: Dataset = {
    dir: root,
    name: path.basename(root),
    manifestSha256: createHash('sha256').update(bytes).digest('hex'),
    kind: tabular ? 'measurements' : 'image',
    classCounts,
    splits: [...new Set(rows.flatMap((r) => (r.split ? [r.split] : [])))].sort(),
    totalItems: rows.length,
    items: [],
  };
  if (tabular) {
    const { featureNames, items } = await measurementItems(root, chosen);
    dataset.featureNames = featureNames;
    dataset.items = items;
  } else {
    dataset.items = await imageItems(root, chosen);
  }
  return dataset;
}

/** The bytes of an image item, as stored. */
export function readImage(item: ImageItem): Promise<Buffer> {
  return fs.readFile(item.file);
}

async function readManifest(root: string): Promise<{ bytes: Buffer; rows: ManifestRow[] }> {
  const manifestFile = path.join(root, 'manifest.csv');
  const bytes = await fs.readFile(manifestFile).catch((err: unknown) => {
    throw new DatasetError(`no manifest.csv in ${root} (expected the layout of shared/datasets/*)`, {
      cause: err,
    });
  });
  const rows = manifestRows(parseCsv(bytes.toString('utf8'), manifestFile));
  if (rows.length === 0) throw new DatasetError(`${manifestFile} lists no items`);
  return { bytes, rows };
}

function countClasses(rows: readonly ManifestRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.class] = (counts[r.class] ?? 0) + 1;
  return counts;
}

function parseCsv(text: string, source: string): CsvTable {
  try {
    return parseCsvTable(text, source);
  } catch (err) {
    if (err instanceof CsvError) throw new DatasetError(err.message, { cause: err });
    throw err;
  }
}

function manifestRows(table: CsvTable): ManifestRow[] {
  const column = (name: string): number => table.header.indexOf(name);
  const [pathAt, classAt, rowAt, splitAt] = [column('path'), column('class'), column('row'), column('split')];
  if (pathAt < 0 || classAt < 0) {
    throw new DatasetError(`manifest.csv needs 'path' and 'class' columns, has ${table.header.join(', ')}`);
  }
  return table.rows.map((fields, i) => {
    const line = table.lines[i] ?? 0;
    const where = `manifest.csv line ${line}`;
    const file = (fields[pathAt] ?? '').trim();
    const cls = (fields[classAt] ?? '').trim();
    if (file === '' || cls === '') throw new DatasetError(`${where}: empty path or class`);
    let row: number | undefined;
    if (rowAt >= 0) {
      const text = (fields[rowAt] ?? '').trim();
      if (!/^[1-9]\d*$/.test(text))
        throw new DatasetError(`${where}: row '${text}' is not a positive integer`);
      row = Number(text);
    }
    const split = splitAt < 0 ? undefined : (fields[splitAt] ?? '').trim() || undefined;
    return { path: file, class: cls, row, split, line };
  });
}

/** Resolves a manifest path inside the dataset folder; refuses absolute paths and `..` escapes. */
function inside(root: string, relative: string, line: number): string {
  const resolved = path.resolve(root, relative);
  if (path.isAbsolute(relative) || !resolved.startsWith(root + path.sep)) {
    throw new DatasetError(`manifest.csv line ${line}: path '${relative}' is outside the dataset folder`);
  }
  return resolved;
}

async function imageItems(root: string, rows: readonly ManifestRow[]): Promise<ImageItem[]> {
  const items = rows.map((r): ImageItem => ({
    kind: 'image',
    id: r.path,
    class: r.class,
    file: inside(root, r.path, r.line),
  }));
  const missing: string[] = [];
  await Promise.all(
    items.map((item) =>
      fs.stat(item.file).then(
        (s) => (s.isFile() ? undefined : missing.push(item.id)),
        () => missing.push(item.id),
      ),
    ),
  );
  if (missing.length > 0) {
    const shown = missing.sort().slice(0, 5).join(', ');
    throw new DatasetError(`${missing.length} image file(s) listed in manifest.csv are missing: ${shown}`);
  }
  return items;
}

async function measurementItems(
  root: string,
  rows: readonly ManifestRow[],
): Promise<{ featureNames: string[]; items: MeasurementItem[] }> {
  const tables = new Map<string, CsvTable>();
  let featureNames: string[] | undefined;
  const items: MeasurementItem[] = [];
  for (const r of rows) {
    let table = tables.get(r.path);
    if (table === undefined) {
      const file = inside(root, r.path, r.line);
      const text = await fs.readFile(file, 'utf8').catch((err: unknown) => {
        throw new DatasetError(`manifest.csv line ${r.line}: cannot read '${r.path}'`, { cause: err });
      });
      table = parseCsv(text, r.path);
      tables.set(r.path, table);
    }
    const names = table.header.filter((h) => !LABEL_COLUMNS.has(h.toLowerCase()));
    if (featureNames === undefined) featureNames = names;
    else if (names.join(',') !== featureNames.join(',')) {
      throw new DatasetError(`'${r.path}' has other feature columns than the first table of the manifest`);
    }
    const fields = table.rows[(r.row ?? 0) - 1];
    if (fields === undefined) {
      throw new DatasetError(
        `manifest.csv line ${r.line}: row ${r.row} is beyond the ${table.rows.length} data rows of '${r.path}'`,
      );
    }
    items.push({
      kind: 'measurements',
      id: `${r.path}#${r.row}`,
      class: r.class,
      values: rowValues(table, fields, r),
    });
  }
  return { featureNames: featureNames ?? [], items };
}

function rowValues(table: CsvTable, fields: readonly string[], r: ManifestRow): number[] {
  const values: number[] = [];
  const line = table.lines[(r.row ?? 0) - 1] ?? 0;
  table.header.forEach((name, i) => {
    const text = (fields[i] ?? '').trim();
    if (LABEL_COLUMNS.has(name.toLowerCase())) {
      if (text !== r.class) {
        throw new DatasetError(
          `${r.path} line ${line}: column '${name}' says '${text}', manifest.csv line ${r.line} says '${r.class}'`,
        );
      }
      return;
    }
    if (text === '' || text.toLowerCase() === 'nan') {
      values.push(Number.NaN);
      return;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      throw new DatasetError(`${r.path} line ${line}, column '${name}': '${text}' is not a number`);
    }
    values.push(value);
  });
  return values;
}
