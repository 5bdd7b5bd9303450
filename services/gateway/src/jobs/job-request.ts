/**
 * Reads `POST /v1/jobs` in its two forms: multipart with many `images` files (streamed with busboy, each file
 * stored in the object store as it arrives, at most `maxPendingPuts` writes in flight so memory stays bounded)
 * or JSON with `objectKeys` already in the store (each checked with `head`). Either way the result is the job's
 * options and its items, in submission order.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import { InputError, PayloadTooLargeError, findGatewayError } from '../domain/errors';
import { detectFormat } from '../preprocess';
import type { ObjectStore } from '../storage/object-store';
import type { NewJobItem } from './job-store';
import { inspectionFieldsSchema } from '../http/inspection-fields';

export interface JobFields {
  modality: string;
  stationId: string;
  lotId: string | null;
  partId: string | null;
  model: string | null;
  version: string | null;
}

export interface JobSubmission {
  fields: JobFields;
  items: NewJobItem[];
}

export interface JobRequestLimits {
  /** Images (or keys) per job. */
  maxItems: number;
  /** Bytes per image. */
  maxFileBytes: number;
  /** Object-store writes in flight while an upload streams in. Default 4. */
  maxPendingPuts?: number;
}

const fieldsSchema = inspectionFieldsSchema;

const MIME: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  tiff: 'image/tiff',
  webp: 'image/webp',
};

/** How many names an error message lists before summarising. */
const NAMED = 20;

export function parseJobFields(raw: Record<string, unknown>): JobFields {
  const parsed = fieldsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new InputError(`invalid job fields: ${problems.join('; ')}`, { details: { problems } });
  }
  const f = parsed.data;
  return {
    modality: f.modality,
    stationId: f.stationId,
    lotId: f.lotId ?? null,
    partId: f.partId ?? null,
    model: f.model ?? null,
    version: f.version ?? null,
  };
}

/** JSON form: `{modality, stationId, …, objectKeys: [...]}`; every key must already be in the store. */
export async function readJobKeys(
  body: unknown,
  objects: Pick<ObjectStore, 'head'>,
  limits: JobRequestLimits,
): Promise<JobSubmission> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InputError('JSON body must be an object with modality, stationId and objectKeys');
  }
  const { objectKeys, ...rest } = body as Record<string, unknown>;
  if (!Array.isArray(objectKeys) || objectKeys.length === 0) {
    throw new InputError("'objectKeys' must be a non-empty array of object keys");
  }
  if (objectKeys.length > limits.maxItems) {
    throw new PayloadTooLargeError(`a job takes at most ${limits.maxItems} items`, {
      details: { maxItems: limits.maxItems },
    });
  }
  const fields = parseJobFields(rest);
  const keys = objectKeys.map((k) => (typeof k === 'string' ? k : JSON.stringify(k)));
  const missing: string[] = [];
  const invalid: string[] = [];
  await forEachLimited(keys, 16, async (key) => {
    try {
      if ((await objects.head(key)) === undefined) missing.push(key);
    } catch (err) {
      if (findGatewayError(err)?.code === 'bad_request') invalid.push(key);
      else throw err;
    }
  });
  if (missing.length > 0 || invalid.length > 0) {
    const parts: string[] = [];
    if (invalid.length > 0) parts.push(`not object keys: ${names(invalid)}`);
    if (missing.length > 0) parts.push(`not in the object store: ${names(missing)}`);
    throw new InputError(parts.join('; '), {
      details: { invalid: invalid.slice(0, 100), missing: missing.slice(0, 100) },
    });
  }
  return { fields, items: keys.map((key) => ({ source: key, objectKey: key })) };
}

/** Multipart form: `images` files (many) plus the fields; each file is stored as it arrives. */
export function readJobUpload(
  req: Request,
  objects: Pick<ObjectStore, 'put'>,
  limits: JobRequestLimits,
): Promise<JobSubmission> {
  const maxPending = limits.maxPendingPuts ?? 4;
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: {
          fileSize: limits.maxFileBytes,
          files: limits.maxItems,
          fields: 16,
          fieldSize: 1024,
          parts: limits.maxItems + 16,
        },
      });
    } catch (err) {
      reject(new InputError(`malformed multipart request: ${(err as Error).message}`, { cause: err }));
      return;
    }
    const fields: Record<string, unknown> = {};
    const items: Array<NewJobItem | undefined> = [];
    const pending = new Set<Promise<void>>();
    const waiting: Array<() => void> = [];
    const tooLarge: string[] = [];
    const notImages: string[] = [];
    let error: Error | undefined;
    const fail = (err: unknown) => {
      error ??= err instanceof Error ? err : new InputError('the upload failed', { cause: err });
    };

    bb.on('file', (name, stream, info) => {
      if (name !== 'images') {
        fail(new InputError(`unexpected file field '${name}': the images go in 'images'`));
        stream.resume();
        return;
      }
      const index = items.length;
      const source = info.filename || `item-${index}`;
      items.push(undefined);
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        truncated = true;
        tooLarge.push(source);
      });
      stream.on('close', () => {
        if (truncated || error !== undefined) return;
        const bytes = Buffer.concat(chunks);
        const type = MIME[detectFormat(bytes) ?? ''];
        if (!type) {
          notImages.push(source);
          return;
        }
        const put = objects.put(bytes, type).then(
          (stored) => {
            items[index] = { source, objectKey: stored.key };
          },
          (err: unknown) => fail(err),
        );
        pending.add(put);
        void put.finally(() => {
          pending.delete(put);
          waiting.shift()?.();
        });
      });
      // Back-pressure: while enough writes are in flight, this file (and so the request) waits.
      if (pending.size >= maxPending) {
        stream.pause();
        waiting.push(() => stream.resume());
      }
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new PayloadTooLargeError(`field '${name}' is too long`));
      else fields[name] = value;
    });
    bb.on('filesLimit', () =>
      fail(
        new PayloadTooLargeError(`a job takes at most ${limits.maxItems} images`, {
          details: { maxItems: limits.maxItems },
        }),
      ),
    );
    bb.on('fieldsLimit', () => fail(new InputError('too many fields')));
    bb.on('partsLimit', () => fail(new InputError('too many parts')));
    bb.on('error', (err: Error) => {
      fail(new InputError(`malformed multipart request: ${err.message}`, { cause: err }));
      void settle();
    });
    bb.on('close', () => void settle());
    let settled = false;
    async function settle(): Promise<void> {
      if (settled) return;
      settled = true;
      // Release any paused file so nothing waits forever, then let the writes finish.
      for (const w of waiting.splice(0)) w();
      while (pending.size > 0) await Promise.allSettled([...pending]);
      try {
        if (error !== undefined) {
          reject(error);
          return;
        }
        if (tooLarge.length > 0) {
          throw new PayloadTooLargeError(
            `images larger than ${limits.maxFileBytes} bytes: ${names(tooLarge)}`,
            { details: { maxFileBytes: limits.maxFileBytes, files: tooLarge.slice(0, 100) } },
          );
        }
        if (notImages.length > 0) {
          throw new InputError(`not a JPEG, PNG, TIFF or WebP image: ${names(notImages)}`, {
            details: { files: notImages.slice(0, 100) },
          });
        }
        if (items.length === 0) throw new InputError("at least one file in 'images' is required");
        const submission = { fields: parseJobFields(fields), items: items as NewJobItem[] };
        resolve(submission);
      } catch (err) {
        reject(err instanceof Error ? err : new InputError(String(err)));
      }
    }
    req.pipe(bb);
  });
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, NAMED).map((n) => `'${n}'`);
  return list.length > NAMED ? `${shown.join(', ')} and ${list.length - NAMED} more` : shown.join(', ');
}

async function forEachLimited<T>(
  list: readonly T[],
  limit: number,
  fn: (t: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, list.length) }, async () => {
    while (next < list.length) {
      const item = list[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}
