import { randomUUID } from 'node:crypto';
import { access, constants, link, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { InternalError, NotFoundError, UnavailableError } from '../domain/errors';
import {
  KEY_SCHEME,
  contentKey,
  parseContentKey,
  parseContentType,
  parseKeyPrefix,
  parseListLimit,
  sha256Hex,
} from './content-address';
import {
  UNKNOWN_CONTENT_TYPE,
  verifyContent,
  type ObjectHead,
  type ObjectStore,
  type StoredObject,
} from './object-store';
import { SingleFlight } from './single-flight';

/** Sidecar beside each object holding what S3 keeps as object metadata. */
const META_SUFFIX = '.meta.json';
const TEMP_PREFIX = '.tmp-';
const HEX_DIGEST = /^[0-9a-f]{64}$/;
const SHARD = /^[0-9a-f]{2}$/;
/** Errors that mean "the disk cannot serve us now" rather than "this code is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EROFS',
  'EACCES',
  'EPERM',
  'EMFILE',
  'ENFILE',
]);
/** `link` is not supported by every filesystem; then we fall back to `rename`. */
const NO_LINK_CODES = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

interface Metadata {
  contentType: string;
  sha256: string;
  size: number;
}

/**
 * The embedded default object store: a local directory with the same key layout as the bucket
 * (`<root>/sha256/9f/9f86…`, see `content-address.ts`), plus a `<digest>.meta.json` sidecar with the content type.
 *
 * Writes are atomic and durable: bytes go to a temporary file in the destination directory, are fsynced, and
 * are then hard-linked to their final name (which fails if another writer got there first, so an object is
 * never replaced while being read), and the directory is fsynced. The sidecar is written the same way before
 * the object, so an object never exists without its metadata. A crash can leave `.tmp-*` files behind; they are
 * never read or listed.
 */
export class LocalObjectStore implements ObjectStore {
  private readonly flights = new SingleFlight<StoredObject>();
  private readonly knownDirs = new Set<string>();

  private constructor(private readonly root: string) {}

  /** Opens (creating if needed) a store rooted at `root`. */
  static async open(root: string): Promise<LocalObjectStore> {
    try {
      await mkdir(root, { recursive: true });
    } catch (err) {
      throw fsError(err, 'create its directory');
    }
    return new LocalObjectStore(root);
  }

  async put(bytes: Buffer, contentType: string): Promise<StoredObject> {
    const type = parseContentType(contentType);
    const sha256 = sha256Hex(bytes);
    const key = contentKey(sha256);
    return this.flights.run(
      key,
      () => this.write(key, sha256, bytes, type),
      (first) => ({ ...first, created: false }),
    );
  }

  async get(key: string): Promise<Buffer> {
    const path = this.pathOf(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT')
        throw new NotFoundError('No stored object with this key.', { details: { key } });
      throw fsError(err, 'read an object');
    }
    return verifyContent(key, bytes);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return { size: info.size, contentType: await readContentType(path + META_SUFFIX) };
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw fsError(err, 'read object metadata');
    }
  }

  async list(prefix: string, limit?: number): Promise<string[]> {
    const wanted = parseKeyPrefix(prefix);
    const max = parseListLimit(limit);
    const keys: string[] = [];
    try {
      const shards = (await readdirOrEmpty(join(this.root, KEY_SCHEME)))
        .filter((name) => SHARD.test(name))
        .sort();
      for (const shard of shards) {
        const shardPrefix = `${KEY_SCHEME}${shard}/`;
        if (!shardPrefix.startsWith(wanted) && !wanted.startsWith(shardPrefix)) continue;
        const names = (await readdirOrEmpty(join(this.root, KEY_SCHEME, shard))).filter((n) =>
          HEX_DIGEST.test(n),
        );
        for (const name of names.sort()) {
          const key = shardPrefix + name;
          if (!key.startsWith(wanted) || !name.startsWith(shard)) continue;
          keys.push(key);
          if (keys.length >= max) return keys;
        }
      }
    } catch (err) {
      throw fsError(err, 'list objects');
    }
    return keys;
  }

  async ready(): Promise<boolean> {
    try {
      await access(this.root, constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    parseContentKey(key);
    return join(this.root, key);
  }

  private async write(
    key: string,
    sha256: string,
    bytes: Buffer,
    contentType: string,
  ): Promise<StoredObject> {
    const path = join(this.root, key);
    const stored = { key, sha256, size: bytes.length };
    try {
      const existing = await statOrUndefined(path);
      if (existing?.size === bytes.length) return { ...stored, created: false };
      const dir = dirname(path);
      await this.ensureDir(dir);
      const meta: Metadata = { contentType, sha256, size: bytes.length };
      // Keep the first writer's metadata (same bytes, so only the content type could differ).
      await writeDurably(dir, sha256 + META_SUFFIX, Buffer.from(JSON.stringify(meta)), false);
      // A file of the wrong size under this name is a truncated or damaged copy: replace it.
      const created = await writeDurably(dir, sha256, bytes, existing !== undefined);
      return { ...stored, created };
    } catch (err) {
      throw fsError(err, 'store an object');
    }
  }

  /** Creates the shard directory once, fsyncing its parents so the new entries survive a crash. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    const firstCreated = await mkdir(dir, { recursive: true });
    if (firstCreated !== undefined) {
      for (let d = dir; d.length >= firstCreated.length; d = dirname(d)) await fsyncDir(dirname(d));
    }
    this.knownDirs.add(dir);
  }
}

/**
 * Writes `bytes` to `dir/name` atomically: temp file in `dir`, fsync, then link (no overwrite) or rename
 * (overwrite), then fsync `dir`. Returns false when `overwrite` is false and the name already existed.
 */
async function writeDurably(dir: string, name: string, bytes: Buffer, overwrite: boolean): Promise<boolean> {
  const target = join(dir, name);
  const temp = join(dir, `${TEMP_PREFIX}${name}-${randomUUID()}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const placed = overwrite ? await renameInto(temp, target) : await linkInto(temp, target);
    if (placed) await fsyncDir(dir);
    return placed;
  } finally {
    await rm(temp, { force: true });
  }
}

async function renameInto(temp: string, target: string): Promise<boolean> {
  await rename(temp, target);
  return true;
}

/** Hard-links `temp` to `target` unless `target` exists; false if it did. */
async function linkInto(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_LINK_CODES.has(code)) throw err;
    // No hard links here: check then rename. Two writers may both rename; they write identical bytes.
    if ((await statOrUndefined(target)) !== undefined) return false;
    return renameInto(temp, target);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some filesystems refuse fsync on a directory; the file itself is already synced.
    if (errorCode(err) !== 'EINVAL' && errorCode(err) !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

async function readContentType(metaPath: string): Promise<string> {
  try {
    const parsed: unknown = JSON.parse(await readFile(metaPath, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'contentType' in parsed) {
      const { contentType } = parsed;
      if (typeof contentType === 'string') return contentType;
    }
    return UNKNOWN_CONTENT_TYPE;
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || err instanceof SyntaxError) return UNKNOWN_CONTENT_TYPE;
    throw err;
  }
}

async function statOrUndefined(path: string): Promise<{ size: number } | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

function fsError(err: unknown, action: string): Error {
  const code = errorCode(err);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return new UnavailableError(`Local object store cannot ${action} (${code}).`, 5, { cause: err });
  }
  return new InternalError(`Local object store failed to ${action}.`, { cause: err });
}
