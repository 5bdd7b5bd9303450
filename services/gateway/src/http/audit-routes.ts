import { Router } from 'express';
import { z } from 'zod';
import { InputError } from '../domain/errors';
import type { AuditQuery, AuditVerifier } from '../records';
import type { AuditFilter } from '../records/audit-types';
import { asyncRoute } from './async-route';
import { sendCsv } from './query-params';

const text = z.string().trim().min(1).max(200).optional();
const querySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  lot: text,
  part: text,
  station: text,
  model: text,
  actor: text,
  action: text,
  entityType: text,
  entityId: text,
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  order: z.enum(['asc', 'desc']).default('asc'),
  format: z.enum(['json', 'csv']).default('json'),
});

/** `GET /v1/audit` (filters, JSON pages or streamed CSV) and `GET /v1/audit/verify` (walks the hash chain). */
export function auditRoutes(query: AuditQuery, verifier: AuditVerifier): Router {
  const router = Router();
  router.get(
    '/verify',
    asyncRoute(async (_req, res) => {
      const result = await verifier.verify();
      res.status(200).json(result);
    }),
  );
  router.get(
    '/',
    asyncRoute(async (req, res) => {
      const parsed = querySchema.safeParse(req.query);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw new InputError(`invalid audit query: ${problems.join('; ')}`, { details: { problems } });
      }
      const q = parsed.data;
      const filter: AuditFilter = {
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        ...(q.lot ? { lotId: q.lot } : {}),
        ...(q.part ? { partId: q.part } : {}),
        ...(q.station ? { stationId: q.station } : {}),
        ...(q.model ? { model: q.model } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.entityType ? { entityType: q.entityType } : {}),
        ...(q.entityId ? { entityId: q.entityId } : {}),
      };
      if (q.format === 'csv') return sendCsv(res, 'audit-trail.csv', query.csv(filter, q.order));
      const page = await query.page(filter, { cursor: q.cursor, limit: q.limit, order: q.order });
      res.json(page);
    }),
  );
  return router;
}
