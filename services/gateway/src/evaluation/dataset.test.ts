import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetError, datasetClassCounts, loadDataset, readImage } from './dataset';

const SECOM = path.resolve(__dirname, '../../../../../shared/datasets/secom');

let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'evaluation-dataset-'));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function write(relative: string, content: string | Buffer): Promise<void> {
  const file = path.join(root, relative);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

async function imageDataset(perClass: Record<string, number>): Promise<void> {
  const rows = ['path,class,split,width,height'];
  for (const [cls, n] of Object.entries(perClass)) {
    for (let i = 0; i < n; i++) {
      const rel = `images/${cls}/${String(i).padStart(3, '0')}.jpg`;
      await write(rel, Buffer.from([0xff, 0xd8, i]));
      rows.push(`${rel},${cls},dev,24,40`);
    }
  }
  await write('manifest.csv', rows.join('\n') + '\n');
}

describe('loadDataset: image datasets', () => {
  it('lists every image with its class, counts classes and digests the manifest', async () => {
    await imageDataset({ Free: 3, Crack: 2 });
    const ds = await loadDataset(root);
    expect(ds.kind).toBe('image');
    expect(ds.totalItems).toBe(5);
    expect(ds.classCounts).toEqual({ Free: 3, Crack: 2 });
    expect(ds.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ds.items.map((i) => [i.id, i.class])).toEqual([
      ['images/Free/000.jpg', 'Free'],
      ['images/Free/001.jpg', 'Free'],
      ['images/Free/002.jpg', 'Free'],
      ['images/Crack/000.jpg', 'Crack'],
      ['images/Crack/001.jpg', 'Crack'],
    ]);
    const first = ds.items[0]!;
    expect(first.kind === 'image' && (await readImage(first))).toEqual(Buffer.from([0xff, 0xd8, 0]));
    expect(await datasetClassCounts(root)).toEqual({ Free: 3, Crack: 2 });
  });

  it('takes a deterministic stratified subsample, optionally of some classes only', async () => {
    await imageDataset({ Free: 20, Crack: 4, Hole: 2 });
    const a = await loadDataset(root, { limit: 6 });
    expect(a.items.map((i) => i.class).sort()).toEqual(['Crack', 'Free', 'Free', 'Free', 'Free', 'Hole']);
    expect((await loadDataset(root, { limit: 6 })).items).toEqual(a.items);
    const some = await loadDataset(root, { limit: 3, classes: ['Crack', 'Hole'] });
    expect(some.items.map((i) => i.class)).toEqual(['Crack', 'Crack', 'Hole']);
    expect(some.totalItems).toBe(26);
  });

  it('never writes into the dataset folder', async () => {
    await imageDataset({ Free: 2 });
    const before = await fs.readdir(root, { recursive: true });
    await loadDataset(root, { limit: 1 });
    expect(await fs.readdir(root, { recursive: true })).toEqual(before);
  });

  it('refuses missing files, paths outside the folder, and manifests without path/class', async () => {
    await imageDataset({ Free: 1 });
    await write('manifest.csv', 'path,class\nimages/Free/000.jpg,Free\nimages/Free/gone.jpg,Free\n');
    await expect(loadDataset(root)).rejects.toThrow(
      '1 image file(s) listed in manifest.csv are missing: images/Free/gone.jpg',
    );
    await write('manifest.csv', 'path,class\n../secret.jpg,Free\n');
    await expect(loadDataset(root)).rejects.toThrow(/outside the dataset folder/);
    await write('manifest.csv', 'file,label\na.jpg,Free\n');
    await expect(loadDataset(root)).rejects.toThrow(/needs 'path' and 'class' columns/);
    await expect(loadDataset(path.join(root, 'nowhere'))).rejects.toThrow(DatasetError);
  });
});

describe('loadDataset: tabular datasets', () => {
  const table = ['a,b,c,label', '1.5,,3,pass', 'NaN,-2e-3,7,fail', '0,0,0,pass'].join('\n');

  it('reads the rows the manifest names, features from the header, NaN for empty and NaN cells', async () => {
    await write('dev.csv', table + '\n');
    await write(
      'manifest.csv',
      'path,class,split,row\ndev.csv,pass,dev,1\ndev.csv,fail,dev,2\ndev.csv,pass,dev,3\n',
    );
    const ds = await loadDataset(root);
    expect(ds.kind).toBe('measurements');
    expect(ds.featureNames).toEqual(['a', 'b', 'c']);
    expect(ds.items).toEqual([
      { kind: 'measurements', id: 'dev.csv#1', class: 'pass', values: [1.5, NaN, 3] },
      { kind: 'measurements', id: 'dev.csv#2', class: 'fail', values: [NaN, -0.002, 7] },
      { kind: 'measurements', id: 'dev.csv#3', class: 'pass', values: [0, 0, 0] },
    ]);
  });

  it('refuses a label that contradicts the manifest, a row out of range and a non-number', async () => {
    await write('dev.csv', table + '\n');
    await write('manifest.csv', 'path,class,row\ndev.csv,fail,1\n');
    await expect(loadDataset(root)).rejects.toThrow(
      /column 'label' says 'pass', manifest.csv line 2 says 'fail'/,
    );
    await write('manifest.csv', 'path,class,row\ndev.csv,pass,9\n');
    await expect(loadDataset(root)).rejects.toThrow(/row 9 is beyond the 3 data rows/);
    await write('dev.csv', 'a,label\n0x10,pass\n');
    await write('manifest.csv', 'path,class,row\ndev.csv,pass,1\n');
    await expect(loadDataset(root)).rejects.toThrow(/column 'a': '0x10' is not a number/);
  });

  it('reads the real SECOM development table: 590 features f0…f589, missing values as NaN', async () => {
    const ds = await loadDataset(SECOM, { limit: 10 });
    expect(ds.featureNames).toHaveLength(590);
    expect(ds.featureNames?.[0]).toBe('f0');
    expect(ds.featureNames?.[589]).toBe('f589');
    expect(ds.classCounts).toEqual({ pass: 1171, fail: 84 });
    expect(ds.items).toHaveLength(10);
    expect(ds.items.filter((i) => i.class === 'fail').length).toBeGreaterThanOrEqual(1);
    for (const item of ds.items) {
      expect(item.kind === 'measurements' && item.values.length).toBe(590);
      expect(item.kind === 'measurements' && item.values.some(Number.isNaN)).toBe(true); // every row has gaps
    }
  });
});
