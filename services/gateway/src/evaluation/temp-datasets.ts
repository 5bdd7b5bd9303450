/**
 * Small datasets in the layout of shared/datasets/*, written into a temporary folder, for the integration
 * tests of the evaluation commands (the shared datasets themselves are only ever read).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The electrical fixture model's features (tests/fixtures/README.md). */
export const FIXTURE_FEATURES = [
  'v_supply',
  'i_supply',
  't_die',
  'f_osc',
  'leak_a',
  'leak_b',
  'gain',
  'offset',
];

export async function makeTempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * `rows` items for electrical_fixture: the features at the model's medians (1 … 8) except `v_supply`, which
 * walks 1 … 6 (its fail probability rises from 0.12 to 0.95); every third row misses one value. Class `fail`
 * when v_supply ≥ 4.
 */
export async function writeElectricalDataset(dir: string, rows: number): Promise<void> {
  const table = [[...FIXTURE_FEATURES, 'label'].join(',')];
  const manifest = ['path,class,split,row'];
  for (let r = 0; r < rows; r++) {
    const vSupply = 1 + (r % 6);
    const values = FIXTURE_FEATURES.map((_, i) => (i === 0 ? String(vSupply) : String(i + 1)));
    if (r % 3 === 2) values[2 + (r % 5)] = '';
    const cls = vSupply >= 4 ? 'fail' : 'pass';
    table.push([...values, cls].join(','));
    manifest.push(`dev.csv,${cls},dev,${r + 1}`);
  }
  await fs.writeFile(path.join(dir, 'dev.csv'), `${table.join('\n')}\n`);
  await fs.writeFile(path.join(dir, 'manifest.csv'), `${manifest.join('\n')}\n`);
}

/** An image dataset of the given files (bytes) per class: `images/<class>/<name>`. */
export async function writeImageDataset(
  dir: string,
  files: ReadonlyArray<{ cls: string; name: string; bytes: Buffer }>,
): Promise<void> {
  const manifest = ['path,class,split'];
  for (const f of files) {
    const rel = `images/${f.cls}/${f.name}`;
    await fs.mkdir(path.join(dir, 'images', f.cls), { recursive: true });
    await fs.writeFile(path.join(dir, rel), f.bytes);
    manifest.push(`${rel},${f.cls},dev`);
  }
  await fs.writeFile(path.join(dir, 'manifest.csv'), `${manifest.join('\n')}\n`);
}
