import { Router } from 'express';
import type { InspectionOutcome } from '../inspections/inspection-service';
import type { InspectionInput } from './inspection-request';
import { readInspectionRequest } from './inspection-request';
import { asyncRoute } from './async-route';
import { REPLAYED_HEADER, idempotencyKeyOf } from './idempotency-key';
import type { Principal } from './auth';

export interface InspectionHandler {
  inspect(
    input: InspectionInput,
    context: { principal: Principal; requestId: string; idempotencyKey?: string },
  ): Promise<InspectionOutcome>;
}

/** `POST /v1/inspections` in its multipart, raw-image and JSON forms. */
export function inspectionRoutes(service: InspectionHandler, maxUploadBytes: number): Router {
  const router = Router();
  router.post(
    '/',
    asyncRoute(async (req, res) => {
      const idempotencyKey = idempotencyKeyOf(req);
      const input = await readInspectionRequest(req, maxUploadBytes);
      const { result, replayed } = await service.inspect(input, {
        principal: req.principal ?? { name: 'anonymous', role: 'station' },
        requestId: req.requestId,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
      res.status(200).json(result);
    }),
  );
  return router;
}
