import { createHash, randomBytes } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { InputError, NotFoundError } from '../domain/errors';
import { ObjectIntegrityError, type ObjectStore } from './object-store';

/** One store to run the contract against, with a back door to damage what it holds. */
export interface ObjectStoreUnderTest {
  readonly store: ObjectStore;
  /** Replaces the bytes stored under `key` behind the store's back (bit rot, tampering). */
  corrupt(key: string, bytes: Buffer): Promise<void>;
  /** Releases whatever the factory created. */
  dispose(): Promise<void>;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The behaviour every `ObjectStore` must have, as a jest suite. Test support only: call it from a `*.test.ts`
 * or `*.int.test.ts` file with a factory that gives each test a fresh, empty store.
 */
export function describeObjectStoreContract(name: string, create: () => Promise<ObjectStoreUnderTest>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: ObjectStoreUnderTest;
    let store: ObjectStore;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    it('stores bytes under their SHA-256 and gives back exactly those bytes', async () => {
      const bytes = randomBytes(40_000);
      const digest = sha256(bytes);

      const stored = await store.put(bytes, 'image/png');

      expect(stored).toEqual({
        key: `sha256/${digest.slice(0, 2)}/${digest}`,
        sha256: digest,
        size: bytes.length,
        created: true,
      });
      expect((await store.get(stored.key)).equals(bytes)).toBe(true);
    });

    it('stores an empty object', async () => {
      const stored = await store.put(Buffer.alloc(0), 'application/octet-stream');
      expect(stored.size).toBe(0);
      expect((await store.get(stored.key)).length).toBe(0);
    });

    it('deduplicates: the same bytes again are not rewritten and keep the first content type', async () => {
      const bytes = randomBytes(5_000);
      const first = await store.put(bytes, 'image/png');

      const second = await store.put(Buffer.from(bytes), 'image/jpeg');

      expect(second).toEqual({ ...first, created: false });
      expect(await store.head(first.key)).toEqual({ size: bytes.length, contentType: 'image/png' });
      expect(await store.list('')).toEqual([first.key]);
    });

    it('head reports size and content type, and undefined for an absent object', async () => {
      const stored = await store.put(randomBytes(1234), 'image/tiff');
      const absent = `sha256/00/00${'1'.repeat(62)}`;

      expect(await store.head(stored.key)).toEqual({ size: 1234, contentType: 'image/tiff' });
      expect(await store.head(absent)).toBeUndefined();
    });

    it('get of an absent object is a NotFoundError', async () => {
      await expect(store.get(`sha256/ab/ab${'c'.repeat(62)}`)).rejects.toThrow(NotFoundError);
    });

    it('refuses keys that are not content addresses', async () => {
      const digest = sha256(Buffer.from('x'));
      const badKeys = [
        '',
        digest,
        '../../etc/passwd',
        `sha256/${digest.slice(0, 2)}/../../${digest}`,
        `sha256/${digest.slice(0, 2).toUpperCase()}/${digest.toUpperCase()}`,
        `sha256/${digest.slice(0, 2) === '00' ? '11' : '00'}/${digest}`,
        `sha256/${digest.slice(0, 2)}/${digest.slice(1)}`,
        `sha256/${digest.slice(0, 2)}/${digest}.meta.json`,
        `sha256/${digest.slice(0, 2)}/${digest}/`,
        `md5/${digest.slice(0, 2)}/${digest}`,
      ];
      for (const key of badKeys) {
        await expect(store.get(key)).rejects.toThrow(InputError);
        await expect(store.head(key)).rejects.toThrow(InputError);
      }
    });

    it('refuses content types that are not MIME types', async () => {
      for (const contentType of ['', 'png', 'image/png\r\nX-Injected: 1', 'image/ png', 'image/pñg']) {
        await expect(store.put(Buffer.from('a'), contentType)).rejects.toThrow(InputError);
      }
      expect(await store.list('')).toEqual([]);
    });

    it('lists keys by prefix in ascending order, up to the limit', async () => {
      const keys: string[] = [];
      for (let i = 0; i < 6; i++) keys.push((await store.put(randomBytes(100 + i), 'image/png')).key);
      keys.sort();
      const someKey = keys[0]!;

      expect(await store.list('')).toEqual(keys);
      expect(await store.list('sha256/')).toEqual(keys);
      expect(await store.list('', 2)).toEqual(keys.slice(0, 2));
      expect(await store.list(someKey.slice(0, 'sha256/xx/'.length))).toEqual(
        keys.filter((key) => key.startsWith(someKey.slice(0, 10))),
      );
      expect(await store.list(someKey)).toEqual([someKey]);
      for (const prefix of ['x', 'sha256/zz', 'sha256/ab/cd', '../', `${someKey}0`]) {
        await expect(store.list(prefix)).rejects.toThrow(InputError);
      }
      for (const limit of [0, -1, 1.5, 1_000_000]) {
        await expect(store.list('', limit)).rejects.toThrow(InputError);
      }
    });

    it('concurrent puts of the same bytes store one intact object, created once', async () => {
      const bytes = randomBytes(300_000);

      const results = await Promise.all(
        Array.from({ length: 12 }, () => store.put(Buffer.from(bytes), 'image/png')),
      );

      expect(new Set(results.map((r) => r.key)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const key = results[0]!.key;
      expect((await store.get(key)).equals(bytes)).toBe(true);
      expect(await store.list('')).toEqual([key]);
    });

    it('concurrent puts of different bytes store each of them', async () => {
      const blobs = Array.from({ length: 12 }, (_, i) => randomBytes(10_000 + i));

      const results = await Promise.all(blobs.map((bytes) => store.put(bytes, 'image/png')));

      expect(results.every((r) => r.created)).toBe(true);
      for (const [i, result] of results.entries()) {
        expect((await store.get(result.key)).equals(blobs[i]!)).toBe(true);
      }
    });

    it('refuses to return a corrupted object (same size, one byte changed)', async () => {
      const bytes = randomBytes(20_000);
      const { key } = await store.put(bytes, 'image/png');
      const damaged = Buffer.from(bytes);
      damaged[777] = damaged[777]! ^ 0xff;

      await subject.corrupt(key, damaged);

      await expect(store.get(key)).rejects.toThrow(ObjectIntegrityError);
    });

    it('refuses to return a corrupted object (other bytes, other size)', async () => {
      const { key } = await store.put(randomBytes(20_000), 'image/png');

      await subject.corrupt(key, Buffer.from('garbage'));

      await expect(store.get(key)).rejects.toThrow(/corrupted/);
    });

    it('is ready', async () => {
      expect(await store.ready()).toBe(true);
    });
  });
}
