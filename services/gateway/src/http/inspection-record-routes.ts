import { Router } from 'express';
import { z } from 'zod';
import { InputError, NotFoundError } from '../domain/errors';
import { once } from '../domain/idempotent';
import type { DecisionRecorder, FeedbackRecord, FeedbackStore, InspectionStore } from '../records';
import type { ObjectStore } from '../storage/object-store';
import { inspectionsCsv, type InspectionQuery } from '../records/inspection-query';
import { asyncRoute } from './async-route';
import { REPLAYED_HEADER, idempotencyKeyOf } from './idempotency-key';
import { jsonBody } from './json-body';
import { queryInspectionFilter, queryLimit, queryText, sendCsv } from './query-params';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const feedbackSchema = z.object({
  label: z.string().trim().min(1).max(100),
  reason: z.string().trim().min(3).max(2000),
});

/**
 * `GET /v1/inspections` (newest first; `station`, `lot`, `part`, `model`, `decision`, `from`, `to`, `cursor`, `limit`),
 * `GET /v1/inspections/:id`, `GET /v1/inspections/:id/input` (the exact bytes inspected, verified against their
 * SHA-256 on the way out) and `POST /v1/inspections/:id/feedback` (a human label, recorded and audited).
 */
export function inspectionRecordRoutes(
  inspections: InspectionStore,
  recorder: DecisionRecorder,
  objects: Pick<ObjectStore, 'get' | 'head'>,
  query: Pick<InspectionQuery, 'page'>,
  feedback: Pick<FeedbackStore, 'findByIdempotencyKey'>,
): Router {
  const router = Router();
  router.get(
    '/',
    asyncRoute(async (req, res) => {
      const filter = queryInspectionFilter(req, ['pass', 'review', 'fail']);
      const format = queryText(req, 'format') ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new InputError("'format' must be json or csv");
      // CSV: every matching inspection, newest first, streamed page by page.
      if (format === 'csv') return sendCsv(res, 'inspections.csv', inspectionsCsv(query, filter, 'newest'));
      const limit = queryLimit(req, 100, 1000);
      res.json(await query.page(filter, queryText(req, 'cursor'), limit, 'newest'));
    }),
  );
  const idOf = (raw: unknown): string => {
    if (typeof raw !== 'string' || !UUID.test(raw)) throw new InputError('inspection id must be a UUID');
    return raw.toLowerCase();
  };
  const recorded = async (raw: unknown) => {
    const id = idOf(raw);
    const found = await inspections.get(id);
    if (!found) throw new NotFoundError(`inspection ${id} not found`);
    return found;
  };
  router.get(
    '/:id',
    asyncRoute(async (req, res) => {
      res.json(await recorded(req.params.id));
    }),
  );
  router.get(
    '/:id/input',
    asyncRoute(async (req, res) => {
      const found = await recorded(req.params.id);
      if (found.objectKey === null) {
        throw new NotFoundError(
          `inspection ${found.id} has no stored input (measurements were kept as their SHA-256 only before inputs of ` +
            'every modality were stored)',
          { details: { inputSha256: found.inputSha256 } },
        );
      }
      const [bytes, head] = await Promise.all([objects.get(found.objectKey), objects.head(found.objectKey)]);
      res
        .status(200)
        .type(head?.contentType ?? 'application/octet-stream')
        .set('x-input-sha256', found.inputSha256)
        .send(bytes);
    }),
  );
  router.post(
    '/:id/feedback',
    jsonBody(64 * 1024),
    asyncRoute(async (req, res) => {
      const idempotencyKey = idempotencyKeyOf(req);
      const id = idOf(req.params.id);
      const parsed = feedbackSchema.safeParse(req.body);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
        throw new InputError(`invalid feedback: ${problems.join('; ')}`, { details: { problems } });
      }
      // A label names one of the classes the inspection was scored on, or says `pass` / `fail`: anything else (a
      // typo, another model's class) would be kept but could never count in the accuracy figures.
      const inspection = await recorded(id);
      const classes = Object.keys(inspection.scores).sort();
      const allowed = [...new Set(['pass', 'fail', ...classes])];
      if (!allowed.includes(parsed.data.label)) {
        throw new InputError(
          `label '${parsed.data.label}' is not one of this inspection's classes (${classes.join(', ')}) ` +
            "or 'pass' / 'fail'",
          { details: { allowed } },
        );
      }
      const principal = req.principal ?? { name: 'anonymous', role: 'station' };
      const { label, reason } = parsed.data;
      const { value, replayed } = await once<FeedbackRecord, FeedbackRecord>({
        key: idempotencyKey,
        what: 'label',
        earlier: (key) => feedback.findByIdempotencyKey(principal.name, key),
        differences: (earlier) =>
          [
            earlier.inspectionId === id ? '' : 'inspection',
            earlier.label === label ? '' : 'label',
            earlier.reason === reason ? '' : 'reason',
          ].filter((d) => d !== ''),
        describe: (earlier) => ({ feedbackId: earlier.id, inspectionId: earlier.inspectionId }),
        create: async () => {
          const saved = await recorder.recordFeedback({
            inspectionId: id,
            label,
            reason,
            actor: { name: principal.name, role: principal.role },
            ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          });
          return saved.feedback;
        },
        replay: (earlier) => earlier,
      });
      if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
      res.status(201).json(value);
    }),
  );
  return router;
}
