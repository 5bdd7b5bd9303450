import { z } from 'zod';
import busboy from 'busboy';
import type { Request } from 'express';
import { InputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../domain/errors';
import { inspectionFieldsSchema } from './inspection-fields';

/** An inspection as the station sent it, before routing and preprocessing. */
export interface InspectionInput {
  modality: string;
  stationId: string;
  lotId: string | undefined;
  partId: string | undefined;
  model: string | undefined;
  version: string | undefined;
  /** Return the localization heatmap with the decision (models that have one). */
  heatmap?: boolean;
  image: { bytes: Buffer; filename: string | undefined } | undefined;
  measurements: unknown;
}

const fieldsSchema = inspectionFieldsSchema.extend({
  heatmap: z.enum(['true', 'false']).optional(),
});

const RAW_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/tiff', 'image/webp', 'image/bmp']);
const HEADER_FIELDS: Record<string, string> = {
  'x-modality': 'modality',
  'x-station-id': 'stationId',
  'x-lot-id': 'lotId',
  'x-part-id': 'partId',
  'x-model': 'model',
  'x-model-version': 'version',
  'x-heatmap': 'heatmap',
};

/**
 * Reads `POST /v1/inspections` in any of its three forms: multipart (`image` file + fields), a raw
 * `image/*` body with the fields in the query string or `x-*` headers, or JSON with `measurements`.
 * The size limit is enforced before anything is decoded.
 */
export async function readInspectionRequest(req: Request, maxBytes: number): Promise<InspectionInput> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'multipart/form-data') return readMultipart(req, maxBytes);
  if (RAW_IMAGE_TYPES.has(type)) {
    const bytes = await readBody(req, maxBytes);
    return withFields(queryAndHeaderFields(req), { bytes, filename: undefined }, undefined);
  }
  if (type === 'application/json') {
    const body = await readBody(req, maxBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new InputError('request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InputError('JSON body must be an object with modality, stationId and measurements');
    }
    const { measurements, ...fields } = parsed as Record<string, unknown>;
    if (measurements === undefined) throw new InputError("JSON body needs 'measurements'");
    return withFields({ ...queryAndHeaderFields(req), ...stringFields(fields) }, undefined, measurements);
  }
  throw new UnsupportedMediaTypeError(
    `unsupported content type '${type || '(none)'}': use multipart/form-data, ${[...RAW_IMAGE_TYPES].join(', ')} or application/json`,
  );
}

function withFields(
  fields: Record<string, unknown>,
  image: InspectionInput['image'],
  measurements: unknown,
): InspectionInput {
  const parsed = fieldsSchema.safeParse(fields);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new InputError(`invalid inspection fields: ${problems.join('; ')}`, { details: { problems } });
  }
  if (!image && measurements === undefined)
    throw new InputError("an 'image' file or 'measurements' is required");
  const f = parsed.data;
  return {
    modality: f.modality,
    stationId: f.stationId,
    lotId: f.lotId,
    partId: f.partId,
    model: f.model,
    version: f.version,
    ...(f.heatmap === 'true' ? { heatmap: true } : {}),
    image,
    measurements,
  };
}

function stringFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v === 'number' ? String(v) : v;
  return out;
}

function queryAndHeaderFields(req: Request): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [header, field] of Object.entries(HEADER_FIELDS)) {
    const v = req.headers[header];
    if (typeof v === 'string') out[field] = v;
  }
  for (const field of Object.values(HEADER_FIELDS)) {
    const v = (req.query as Record<string, unknown>)[field];
    if (typeof v === 'string') out[field] = v;
  }
  return out;
}

function readBody(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(tooLarge(maxBytes));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.once('error', (err) => {
      if (!failed) reject(new InputError('request body could not be read', { cause: err }));
    });
  });
}

function readMultipart(req: Request, maxBytes: number): Promise<InspectionInput> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: maxBytes, files: 1, fields: 16, fieldSize: 1024 * 1024, parts: 20 },
      });
    } catch (err) {
      reject(new InputError(`malformed multipart request: ${(err as Error).message}`, { cause: err }));
      return;
    }
    const fields: Record<string, unknown> = queryAndHeaderFields(req);
    let image: InspectionInput['image'];
    let measurements: unknown;
    let error: Error | undefined;
    const fail = (err: Error) => {
      error ??= err;
    };
    bb.on('file', (name, stream, info) => {
      if (name !== 'image') {
        fail(new InputError(`unexpected file field '${name}': the image goes in 'image'`));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(tooLarge(maxBytes)));
      stream.on('close', () => {
        image = { bytes: Buffer.concat(chunks), filename: info.filename };
      });
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new PayloadTooLargeError(`field '${name}' is too long`));
      else if (name === 'measurements') {
        try {
          measurements = JSON.parse(value);
        } catch {
          fail(new InputError("field 'measurements' is not valid JSON"));
        }
      } else fields[name] = value;
    });
    bb.on('filesLimit', () => fail(new InputError('only one file per inspection')));
    bb.on('fieldsLimit', () => fail(new InputError('too many fields')));
    bb.on('partsLimit', () => fail(new InputError('too many parts')));
    bb.on('error', (err: Error) => {
      fail(new InputError(`malformed multipart request: ${err.message}`, { cause: err }));
      settle();
    });
    bb.on('close', settle);
    let settled = false;
    function settle() {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else {
        try {
          resolve(withFields(fields, image, measurements));
        } catch (err) {
          reject(err instanceof Error ? err : new InputError(String(err)));
        }
      }
    }
    req.pipe(bb);
  });
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`request body exceeds ${maxBytes} bytes`, { details: { maxBytes } });
}
