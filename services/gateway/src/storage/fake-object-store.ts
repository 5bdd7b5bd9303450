import { NotFoundError, UnavailableError } from '../domain/errors';
import {
  contentKey,
  parseContentKey,
  parseContentType,
  parseKeyPrefix,
  parseListLimit,
  sha256Hex,
} from './content-address';
import { verifyContent, type ObjectHead, type ObjectStore, type StoredObject } from './object-store';

/**
 * An in-memory object store for unit tests of code that stores images. It keeps the real contract (same keys,
 * validation, dedup, integrity check; it passes the shared contract suite) and lets a test corrupt an object or
 * take the store down.
 */
export class FakeObjectStore implements ObjectStore {
  private readonly objects = new Map<string, { bytes: Buffer; contentType: string }>();
  private down = false;

  /** Number of objects held. */
  get size(): number {
    return this.objects.size;
  }

  /** While down, every call but `ready` fails with `UnavailableError` and `ready` answers false. */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** Replaces the bytes held under `key` without touching the key, as bit rot or tampering would. */
  corrupt(key: string, bytes: Buffer): void {
    const object = this.objects.get(key);
    if (object === undefined) throw new Error(`No object ${key} to corrupt.`);
    this.objects.set(key, { ...object, bytes: Buffer.from(bytes) });
  }

  async put(bytes: Buffer, contentType: string): Promise<StoredObject> {
    const type = parseContentType(contentType);
    this.checkUp();
    const sha256 = sha256Hex(bytes);
    const key = contentKey(sha256);
    const created = !this.objects.has(key);
    if (created) this.objects.set(key, { bytes: Buffer.from(bytes), contentType: type });
    return { key, sha256, size: bytes.length, created };
  }

  async get(key: string): Promise<Buffer> {
    parseContentKey(key);
    this.checkUp();
    const object = this.objects.get(key);
    if (object === undefined)
      throw new NotFoundError('No stored object with this key.', { details: { key } });
    return verifyContent(key, Buffer.from(object.bytes));
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    parseContentKey(key);
    this.checkUp();
    const object = this.objects.get(key);
    return object === undefined ? undefined : { size: object.bytes.length, contentType: object.contentType };
  }

  async list(prefix: string, limit?: number): Promise<string[]> {
    const wanted = parseKeyPrefix(prefix);
    const max = parseListLimit(limit);
    this.checkUp();
    return [...this.objects.keys()]
      .filter((key) => key.startsWith(wanted))
      .sort()
      .slice(0, max);
  }

  async ready(): Promise<boolean> {
    return !this.down;
  }

  async close(): Promise<void> {}

  private checkUp(): void {
    if (this.down) throw new UnavailableError('Object store unavailable (fake is down).');
  }
}
