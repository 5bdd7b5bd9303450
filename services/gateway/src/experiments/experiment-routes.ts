/**
 * `/v1/experiments`: `write` holds POST / (a replay, or an A/B split with `split`) and DELETE /:id (cancels a
 * replay, stops an A/B split; mlops); `read` holds GET /, GET /:id and
 * GET /:id/items (mlops, auditor).
 */
import { Router } from 'express';
import { z } from 'zod';
import { InputError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../http/idempotency-key';
import type { Principal } from '../http/auth';
import { jsonBody } from '../http/json-body';
import { queryLimit } from '../http/query-params';
import type { ExperimentService } from './experiment-service';

export const DEFAULT_REPLAY_LIMIT = 500;
export const MAX_REPLAY_LIMIT = 5000;

const version = z
  .union([
    z
      .string()
      .trim()
      .regex(/^\d{1,9}$/),
    z.number().int().positive(),
  ])
  .transform(String);
const startBody = z
  .object({
    model: z.string().trim().min(1).max(200),
    candidateVersion: version,
    baselineVersion: version.optional(),
    stationId: z.string().trim().min(1).max(200).optional(),
    lotId: z.string().trim().min(1).max(200).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.number().int().min(1).max(MAX_REPLAY_LIMIT).optional(),
    /** Given: an A/B experiment on live requests instead of a replay. */
    split: z
      .object({ by: z.enum(['station', 'lot']), fraction: z.number().gt(0).lt(1) })
      .strict()
      .optional(),
    reason: z.string().trim().min(3).max(2000),
  })
  .strict()
  .refine(
    (b) =>
      b.split === undefined ||
      [b.baselineVersion, b.stationId, b.lotId, b.from, b.to, b.limit].every((v) => v === undefined),
    { message: 'an A/B experiment (split) takes no baselineVersion, stationId, lotId, from, to or limit' },
  );

export function experimentRoutes(service: ExperimentService): { read: Router; write: Router } {
  const write = Router();
  write.use(jsonBody(64 * 1024));
  write.post(
    '/',
    asyncRoute(async (req, res) => {
      const idempotencyKey = idempotencyKeyOf(req);
      const parsed = startBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
        throw new InputError(`invalid request body: ${problems.join('; ')}`, { details: { problems } });
      }
      const b = parsed.data;
      const actor: Principal = req.principal ?? { name: 'anonymous', role: 'mlops' };
      const { replayed, ...started } = await service.start(
        {
          model: b.model,
          candidateVersion: b.candidateVersion,
          ...(b.baselineVersion === undefined ? {} : { baselineVersion: b.baselineVersion }),
          filters: {
            ...(b.stationId === undefined ? {} : { stationId: b.stationId }),
            ...(b.lotId === undefined ? {} : { lotId: b.lotId }),
            ...(b.from === undefined ? {} : { from: b.from }),
            ...(b.to === undefined ? {} : { to: b.to }),
            limit: b.limit ?? DEFAULT_REPLAY_LIMIT,
          },
          ...(b.split === undefined ? {} : { split: b.split }),
          reason: b.reason,
        },
        actor,
        idempotencyKey,
      );
      if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
      res.status(202).location(`${req.baseUrl}/${started.experimentId}`).json(started);
    }),
  );

  write.delete(
    '/:id',
    asyncRoute(async (req, res) => {
      const actor: Principal = req.principal ?? { name: 'anonymous', role: 'mlops' };
      const reason = typeof req.query.reason === 'string' ? req.query.reason : undefined;
      res.json(await service.cancel(req.params.id as string, actor, reason));
    }),
  );

  const read = Router();
  read.get(
    '/',
    asyncRoute(async (req, res) => {
      res.json({ experiments: await service.list(queryLimit(req, 50, 200)) });
    }),
  );
  read.get(
    '/:id',
    asyncRoute(async (req, res) => {
      res.json(await service.get(req.params.id as string));
    }),
  );
  read.get(
    '/:id/items',
    asyncRoute(async (req, res) => {
      const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
      const flag = req.query.disagreements;
      if (flag !== undefined && flag !== 'true' && flag !== 'false')
        throw new InputError("'disagreements' must be true or false");
      res.json(
        await service.items(req.params.id as string, cursor, queryLimit(req, 100, 1000), flag === 'true'),
      );
    }),
  );
  return { read, write };
}
