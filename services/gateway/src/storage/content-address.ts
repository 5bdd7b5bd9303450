import { createHash } from 'node:crypto';

import { InputError } from '../domain/errors';

/**
 * Content addresses of stored images.
 *
 * Key layout: `sha256/<first two hex digits>/<all 64 hex digits>`, lower-case, for example
 * `sha256/9f/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`.
 * - The `sha256/` scheme prefix leaves room for another digest later without renaming anything.
 * - The two-digit shard spreads objects over 256 directories in the local store and 256 prefixes in S3
 *   (listing one shard stays cheap).
 * - The full digest (not the digest minus the shard) is the object name, so a key read in a log or an audit row
 *   is the SHA-256 of the bytes, and `sha256sum` of a stored file matches its name.
 * The key is the same in the local directory (relative path) and in the S3 bucket (object name).
 */
export const KEY_SCHEME = 'sha256/';

const HEX_DIGEST = /^[0-9a-f]{64}$/;
const CONTENT_KEY = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const HEX_DIGIT = /^[0-9a-f]$/;
/** Length of a full key: scheme, two shard digits, slash, 64 digits. */
const KEY_LENGTH = KEY_SCHEME.length + 3 + 64;

/** Lower-case hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The key under which bytes with this digest are stored. */
export function contentKey(sha256: string): string {
  if (!HEX_DIGEST.test(sha256)) {
    throw new InputError('A SHA-256 digest is 64 lower-case hex digits.', { details: { sha256 } });
  }
  return `${KEY_SCHEME}${sha256.slice(0, 2)}/${sha256}`;
}

/** Validates a key and returns the digest it names; anything else (paths, other layouts) is an InputError. */
export function parseContentKey(key: string): string {
  const match = CONTENT_KEY.exec(key);
  const shard = match?.[1];
  const digest = match?.[2];
  if (shard === undefined || digest === undefined || !digest.startsWith(shard)) {
    throw new InputError('Not a content address: expected sha256/<2 hex>/<64 hex>.', {
      details: { key: key.slice(0, 100) },
    });
  }
  return digest;
}

export function isContentKey(key: string): boolean {
  const match = CONTENT_KEY.exec(key);
  return match?.[1] !== undefined && match[2]?.startsWith(match[1]) === true;
}

/**
 * Validates a listing prefix: it must be a prefix of some content address ('' lists everything,
 * `sha256/9f/` one shard, `sha256/9f/9f86` a few digests). Returns it unchanged.
 */
export function parseKeyPrefix(prefix: string): string {
  if (!isKeyPrefix(prefix)) {
    throw new InputError('Not a prefix of a content address (sha256/<2 hex>/<64 hex>).', {
      details: { prefix: prefix.slice(0, 100) },
    });
  }
  return prefix;
}

function isKeyPrefix(prefix: string): boolean {
  if (prefix.length > KEY_LENGTH) return false;
  const shardStart = KEY_SCHEME.length;
  const digestStart = shardStart + 3;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i] ?? '';
    if (i < shardStart) {
      if (ch !== KEY_SCHEME[i]) return false;
    } else if (i === shardStart + 2) {
      if (ch !== '/') return false;
    } else if (!HEX_DIGIT.test(ch)) {
      return false;
    } else if (i >= digestStart && i < digestStart + 2 && ch !== prefix[i - 3]) {
      // The first two digest digits repeat the shard.
      return false;
    }
  }
  return true;
}

/**
 * A MIME type as sent in a Content-Type header: `type/subtype` with optional parameters, printable ASCII only
 * (it becomes an HTTP header in S3 and a JSON field on disk). Returns it lower-cased in the type part.
 */
export function parseContentType(contentType: string): string {
  const valid =
    contentType.length <= 200 &&
    /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;\s*[a-z0-9!#$&^_.+-]+=("[\x20-\x21\x23-\x7e]*"|[a-z0-9!#$&^_.+-]+))*$/i.test(
      contentType,
    );
  if (!valid) {
    throw new InputError('Content type must be a MIME type such as image/png.', {
      details: { contentType: contentType.slice(0, 100) },
    });
  }
  const semicolon = contentType.indexOf(';');
  const end = semicolon === -1 ? contentType.length : semicolon;
  return contentType.slice(0, end).toLowerCase() + contentType.slice(end);
}

/** `list` returns at most this many keys unless asked for fewer or more (up to the maximum). */
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;

export function parseListLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InputError(`List limit must be an integer from 1 to ${MAX_LIST_LIMIT}.`, {
      details: { limit },
    });
  }
  return limit;
}
