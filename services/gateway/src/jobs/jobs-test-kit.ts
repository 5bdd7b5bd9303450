/**
 * Test infrastructure for the jobs tests: a fake decide, a fake Triton availability, a minimal HTTP app around
 * the job routes, and count queries. Test infrastructure only.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Client } from 'pg';
import { UndecodableImageError, UnusableImageError } from '../domain/errors';
import type { InspectionInput } from '../http/inspection-request';
import { toHttpError } from '../http/error-mapping';
import type { DecidedInspection } from '../inspections/inspection-service';
import type { InferenceAvailability, Jobs } from './index';
import type { ItemDecider } from './item-processor';

export const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Distinct "images" (PNG signature + a tag): enough for the fake decide and the upload's format check. */
export function fakeImage(tag: string): Buffer {
  return Buffer.concat([PNG_MAGIC, Buffer.from(tag)]);
}

/**
 * A decision derived from the bytes: `fail` when the tag contains "defect", `review` for "unsure", undecodable for
 * "corrupt", a blank frame for "blank".
 */
export function fakeDecision(input: InspectionInput, ctx: { requestId: string }): DecidedInspection {
  const bytes = input.image?.bytes ?? Buffer.alloc(0);
  const text = bytes.toString('latin1');
  if (text.includes('corrupt')) throw new UndecodableImageError('image could not be decoded: truncated');
  if (text.includes('blank')) throw new UnusableImageError('the image is nearly uniform');
  const fail = text.includes('defect');
  return {
    result: {
      inspectionId: randomUUID(),
      requestId: ctx.requestId,
      decision: fail ? 'fail' : text.includes('unsure') ? 'review' : 'pass',
      defects: fail ? [{ class: 'crack', confidence: 0.9, severity: 'major' }] : [],
      scores: fail ? { ok: 0.1, crack: 0.9 } : { ok: 0.95, crack: 0.05 },
      model: { name: 'fake_model', version: '1' },
      modality: input.modality,
      stationId: input.stationId,
      lotId: input.lotId ?? null,
      partId: input.partId ?? null,
      receivedAt: new Date().toISOString(),
      timings: { decodeMs: 1, preprocessMs: 1, queueMs: 0, inferMs: 1, postprocessMs: 0, totalMs: 3 },
      batchSize: 1,
    },
    input: bytes,
    inputSha256: createHash('sha256').update(bytes).digest('hex'),
    contentType: 'image',
    configHash: 'c'.repeat(64),
    preprocessing: { width: 8, height: 8 },
    thresholds: { review: 0.3, fail: 0.5 },
    rawScores: { logits: [1, 2] },
  };
}

/** A decider whose behaviour a test swaps; counts calls per request id. */
export class SwitchableDecider implements ItemDecider {
  impl: (input: InspectionInput, ctx: { requestId: string }) => Promise<DecidedInspection> = (i, c) =>
    Promise.resolve(fakeDecision(i, c));
  calls = 0;

  decide(input: InspectionInput, ctx: { requestId: string }): Promise<DecidedInspection> {
    this.calls++;
    return this.impl(input, ctx);
  }
}

/** Triton's breakers, as the worker sees them. */
export class FakeAvailability implements InferenceAvailability {
  private up = true;
  private readonly listeners = new Set<(change: unknown) => void>();

  available(): boolean {
    return this.up;
  }

  set(up: boolean): void {
    this.up = up;
    for (const l of this.listeners) l({ state: up ? 'closed' : 'open' });
  }

  onBreakerChange(listener: (change: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The job routes behind a stand-in for auth (a station principal) and the real error mapping. */
export async function serveJobs(jobs: Jobs): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use((req: Request, _res: Response, next: NextFunction) => {
    req.requestId = randomUUID();
    req.principal = { name: 'line-4', role: 'station' };
    next();
  });
  app.use('/v1/jobs', jobs.routes.read);
  app.use('/v1/jobs', jobs.routes.create);
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const mapped = toHttpError(err, req.requestId);
    res.status(mapped.status).set(mapped.headers).json(mapped.body);
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the records hold for one job: decisions, their audit entries and events. */
export async function jobCounts(
  sql: Client,
  jobId: string,
): Promise<{ inspections: number; decisions: number; events: number; completions: number }> {
  const { rows } = await sql.query<{ i: number; a: number; e: number; c: number }>(
    `SELECT (SELECT count(*)::int FROM inspections WHERE job_id::text = $1::text) AS i,
            (SELECT count(*)::int FROM audit_trail
              WHERE action = 'inspection.decided' AND payload->>'jobId' = $1::text) AS a,
            (SELECT count(*)::int FROM outbox
              WHERE topic = 'inspection.completed' AND payload->'data'->>'jobId' = $1::text) AS e,
            (SELECT count(*)::int FROM outbox WHERE topic = 'job.completed' AND payload->'data'->>'jobId' = $1::text) AS c`,
    [jobId],
  );
  const r = rows[0];
  return { inspections: r?.i ?? -1, decisions: r?.a ?? -1, events: r?.e ?? -1, completions: r?.c ?? -1 };
}
