import { InternalError } from '../domain/errors';
import { parseContentKey, sha256Hex } from './content-address';

/** What `put` stored: the content address of the bytes and whether this call wrote them. */
export interface StoredObject {
  /** `sha256/<2 hex>/<64 hex>`, see `content-address.ts`. */
  readonly key: string;
  /** Lower-case hex SHA-256 of the bytes, computed by the store (never taken from the caller). */
  readonly sha256: string;
  readonly size: number;
  /**
   * True when this call wrote the object, false when identical bytes were already stored (deduplicated).
   * Exact within one store instance; two gateway replicas racing on the same new bytes against S3 may both
   * see true (both write the same bytes, so nothing is corrupted).
   */
  readonly created: boolean;
}

export interface ObjectHead {
  readonly size: number;
  /** The content type given by the first `put` of these bytes; later puts of the same bytes do not change it. */
  readonly contentType: string;
}

/**
 * Content-addressed storage for the exact bytes that were inspected.
 *
 * Errors (from `domain/errors.ts`): a key or prefix that is not a content address → `InputError`; a missing
 * object → `NotFoundError` (from `get`; `head` answers `undefined`); the store unreachable, timing out, full or
 * refusing our credentials → `UnavailableError`; stored bytes whose SHA-256 no longer matches their key →
 * `ObjectIntegrityError` (an `InternalError`: the store holds corrupted data, which is never returned).
 */
export interface ObjectStore {
  /** Stores `bytes` under their SHA-256. Idempotent: storing the same bytes again rewrites nothing. */
  put(bytes: Buffer, contentType: string): Promise<StoredObject>;
  /** The stored bytes, verified against the SHA-256 in the key. */
  get(key: string): Promise<Buffer>;
  /** Size and content type without reading the bytes (not verified), or `undefined` when absent. */
  head(key: string): Promise<ObjectHead | undefined>;
  /** Keys starting with `prefix` (a prefix of a content address, '' for all), in ascending order. */
  list(prefix: string, limit?: number): Promise<string[]>;
  /** Whether the store can serve requests now. Never throws. */
  ready(): Promise<boolean>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** Stored bytes do not match their content address: bit rot, a truncated write or tampering. */
export class ObjectIntegrityError extends InternalError {}

/**
 * Checks that `bytes` read back for `key` hash to the digest the key names; throws `ObjectIntegrityError`
 * otherwise. `key` must already be a valid content address.
 */
export function verifyContent(key: string, bytes: Buffer): Buffer {
  const expected = parseContentKey(key);
  const actual = sha256Hex(bytes);
  if (actual !== expected) {
    throw new ObjectIntegrityError('Stored object does not match its SHA-256: it is corrupted.', {
      details: { key, actualSha256: actual, size: bytes.length },
    });
  }
  return bytes;
}

/** The content type reported for objects stored without one (written by something other than this code). */
export const UNKNOWN_CONTENT_TYPE = 'application/octet-stream';
