import { Router } from 'express';
import { z } from 'zod';
import { InputError, NotFoundError } from '../domain/errors';
import type { DecisionRecorder, InspectionStore } from '../records';
import { asyncRoute } from './async-route';
import { jsonBody } from './json-body';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const feedbackSchema = z.object({
  label: z.string().trim().min(1).max(100),
  reason: z.string().trim().min(3).max(2000),
});

/** `GET /v1/inspections/:id` and `POST /v1/inspections/:id/feedback` (a human label, recorded and audited). */
export function inspectionRecordRoutes(inspections: InspectionStore, recorder: DecisionRecorder): Router {
  const router = Router();
  const idOf = (raw: unknown): string => {
    if (typeof raw !== 'string' || !UUID.test(raw)) throw new InputError('inspection id must be a UUID');
    return raw.toLowerCase();
  };
  router.get(
    '/:id',
    asyncRoute(async (req, res) => {
      const id = idOf(req.params.id);
      const found = await inspections.get(id);
      if (!found) throw new NotFoundError(`inspection ${id} not found`);
      res.json(found);
    }),
  );
  router.post(
    '/:id/feedback',
    jsonBody(64 * 1024),
    asyncRoute(async (req, res) => {
      const id = idOf(req.params.id);
      const parsed = feedbackSchema.safeParse(req.body);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
        throw new InputError(`invalid feedback: ${problems.join('; ')}`, { details: { problems } });
      }
      const principal = req.principal ?? { name: 'anonymous', role: 'station' };
      const recorded = await recorder.recordFeedback({
        inspectionId: id,
        label: parsed.data.label,
        reason: parsed.data.reason,
        actor: { name: principal.name, role: principal.role },
      });
      res.status(201).json(recorded.feedback);
    }),
  );
  return router;
}
