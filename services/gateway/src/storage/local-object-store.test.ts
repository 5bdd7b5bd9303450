import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LocalObjectStore } from './local-object-store';
import { describeObjectStoreContract } from './object-store-contract';

const tempRoot = () => mkdtemp(join(tmpdir(), 'local-object-store-'));

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describeObjectStoreContract('LocalObjectStore', async () => {
  const root = await tempRoot();
  const store = await LocalObjectStore.open(root);
  return {
    store,
    // Rewrites the file in place, as a disk error or a person with shell access would.
    corrupt: (key, bytes) => writeFile(join(root, key), bytes),
    dispose: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('LocalObjectStore on disk', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempRoot();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lays files out as the keys, with a metadata sidecar and no temporary files left', async () => {
    const store = await LocalObjectStore.open(root);
    const bytes = Buffer.from('test');

    await Promise.all([store.put(bytes, 'image/png'), store.put(bytes, 'image/png')]);
    const { key, sha256 } = await store.put(bytes, 'image/png');

    expect(key).toBe('sha256/9f/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    expect(await filesUnder(root)).toEqual([key, `${key}.meta.json`]);
    expect(await readFile(join(root, key))).toEqual(bytes);
    expect(JSON.parse(await readFile(join(root, `${key}.meta.json`), 'utf8'))).toEqual({
      contentType: 'image/png',
      sha256,
      size: 4,
    });
  });

  it('creates an object once when two stores share the directory (two gateway processes)', async () => {
    const [a, b] = await Promise.all([LocalObjectStore.open(root), LocalObjectStore.open(root)]);
    const bytes = randomBytes(200_000);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).put(Buffer.from(bytes), 'image/png')),
    );

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await b.get(results[0]!.key)).equals(bytes)).toBe(true);
    expect((await filesUnder(root)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('replaces a truncated copy when the same bytes are stored again', async () => {
    const store = await LocalObjectStore.open(root);
    const bytes = randomBytes(50_000);
    const { key } = await store.put(bytes, 'image/png');
    await writeFile(join(root, key), bytes.subarray(0, 1000));
    await expect(store.get(key)).rejects.toThrow(/corrupted/);

    const again = await store.put(bytes, 'image/png');

    expect(again.created).toBe(true);
    expect((await store.get(key)).equals(bytes)).toBe(true);
  });

  it('ignores leftovers of a crash and files it did not write when listing', async () => {
    const store = await LocalObjectStore.open(root);
    const { key } = await store.put(Buffer.from('kept'), 'image/png');
    const shardDir = join(root, key, '..');
    await writeFile(join(shardDir, `.tmp-${'a'.repeat(64)}-1234`), 'partial');
    await writeFile(join(shardDir, 'notes.txt'), 'x');
    await writeFile(join(root, 'sha256', 'README'), 'x');

    expect(await store.list('')).toEqual([key]);
  });

  it('reports an object copied in without metadata as application/octet-stream', async () => {
    const store = await LocalObjectStore.open(root);
    const { key } = await store.put(Buffer.from('copied'), 'image/png');
    await rm(join(root, `${key}.meta.json`));

    expect(await store.head(key)).toEqual({ size: 6, contentType: 'application/octet-stream' });
  });

  it('is not ready when its directory is gone', async () => {
    const store = await LocalObjectStore.open(join(root, 'images'));
    expect(await store.ready()).toBe(true);

    await rm(join(root, 'images'), { recursive: true });

    expect(await store.ready()).toBe(false);
  });
});
