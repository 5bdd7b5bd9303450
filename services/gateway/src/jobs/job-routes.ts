/**
 * `/v1/jobs`: `create` holds POST / and DELETE /:id (station), `read` holds GET /:id and GET /:id/results
 * (`?decision=fail,review` and `?status=failed` keep only those items; the cursor pages them as it pages all).
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { ConflictError, InputError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import { jsonBody } from '../http/json-body';
import type { ObjectStore } from '../storage/object-store';
import { readJobKeys, readJobUpload, type JobRequestLimits } from './job-request';
import type { JobService } from './job-service';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export function jobRoutes(
  service: JobService,
  objects: Pick<ObjectStore, 'put' | 'head'>,
  limits: JobRequestLimits,
): { create: Router; read: Router } {
  const create = Router();
  // About 80 bytes per object key.
  const keysBody = jsonBody(Math.max(64 * 1024, limits.maxItems * 128));
  create.post(
    '/',
    (req: Request, res: Response, next: NextFunction) => {
      if (isMultipart(req)) next();
      else keysBody(req, res, next);
    },
    asyncRoute(async (req, res) => {
      const submission = isMultipart(req)
        ? await readJobUpload(req, objects, limits)
        : await readJobKeys(req.body, objects, limits);
      const principal = req.principal ?? { name: 'anonymous', role: 'station' };
      const accepted = await service.submit(submission, principal);
      res.status(202).location(`${req.baseUrl}/${accepted.jobId}`).json(accepted);
    }),
  );
  create.delete(
    '/:id',
    asyncRoute(async (req, res) => {
      const principal = req.principal ?? { name: 'anonymous', role: 'station' };
      const reason = typeof req.query.reason === 'string' ? req.query.reason : undefined;
      const outcome = await service.cancel(param(req, 'id'), principal, reason);
      if (outcome.cancelled) {
        res.status(200).json(outcome.job);
        return;
      }
      throw new ConflictError(`job '${outcome.job.jobId}' already ${outcome.job.status}`, {
        details: { status: outcome.job.status },
      });
    }),
  );

  const read = Router();
  read.get(
    '/:id',
    asyncRoute(async (req, res) => {
      res.json(await service.get(param(req, 'id')));
    }),
  );
  read.get(
    '/:id/results',
    asyncRoute(async (req, res) => {
      const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
      const filter = {
        decisions: listOf(req.query.decision, 'decision', DECISIONS),
        statuses: listOf(req.query.status, 'status', ITEM_STATUSES),
      };
      res.json(await service.results(param(req, 'id'), cursor, pageLimit(req.query.limit), filter));
    }),
  );
  return { create, read };
}

function isMultipart(req: Request): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

function param(req: Request, name: string): string {
  const value = (req.params as Record<string, string | undefined>)[name];
  return value ?? '';
}

const DECISIONS = ['pass', 'review', 'fail'] as const;
const ITEM_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** `?decision=fail,review` (or repeated): the listed values, each checked against `allowed`. */
function listOf<T extends string>(raw: unknown, name: string, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined) return undefined;
  const given: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  // Anything but a string (`?decision[a]=…` parses to an object) is reported as given.
  const values = given.flatMap((v): unknown[] =>
    typeof v === 'string' ? v.split(',').map((part) => part.trim()) : [v],
  );
  const bad = values.filter((v) => !allowed.includes(v as T));
  if (bad.length > 0 || values.length === 0) {
    throw new InputError(`'${name}' must be one or more of ${allowed.join(', ')} (comma-separated)`, {
      details: { [name]: bad.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) },
    });
  }
  return [...new Set(values as T[])];
}

function pageLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE;
  const n = typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE)) throw new InputError(`'limit' must be an integer from 1 to ${MAX_PAGE}`);
  return n;
}
