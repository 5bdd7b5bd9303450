/**
 * `/v1/jobs`: `create` holds POST / and DELETE /:id (station), `read` holds GET /:id and GET /:id/results
 * (`?decision=fail,review` and `?status=failed` keep only those items; the cursor pages them as it pages all).
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { ConflictError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../http/idempotency-key';
import { queryLimit, queryList } from '../http/query-params';
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
      const idempotencyKey = idempotencyKeyOf(req); // a malformed key is refused before the upload is read
      const submission = isMultipart(req)
        ? await readJobUpload(req, objects, limits)
        : await readJobKeys(req.body, objects, limits);
      const principal = req.principal ?? { name: 'anonymous', role: 'station' };
      const { replayed, ...accepted } = await service.submit(submission, principal, idempotencyKey);
      if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
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
        decisions: queryList(req, 'decision', DECISIONS),
        statuses: queryList(req, 'status', ITEM_STATUSES),
      };
      res.json(
        await service.results(param(req, 'id'), cursor, queryLimit(req, DEFAULT_PAGE, MAX_PAGE), filter),
      );
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
