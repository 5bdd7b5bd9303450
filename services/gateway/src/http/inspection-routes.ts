import { Router } from 'express';
import type { InspectionResult } from '../inspections/inspection-result';
import type { InspectionInput } from './inspection-request';
import { readInspectionRequest } from './inspection-request';
import { asyncRoute } from './async-route';
import type { Principal } from './auth';

export interface InspectionHandler {
  inspect(
    input: InspectionInput,
    context: { principal: Principal; requestId: string },
  ): Promise<InspectionResult>;
}

/** `POST /v1/inspections` in its multipart, raw-image and JSON forms. */
export function inspectionRoutes(service: InspectionHandler, maxUploadBytes: number): Router {
  const router = Router();
  router.post(
    '/',
    asyncRoute(async (req, res) => {
      const input = await readInspectionRequest(req, maxUploadBytes);
      const result = await service.inspect(input, {
        principal: req.principal ?? { name: 'anonymous', role: 'station' },
        requestId: req.requestId,
      });
      res.status(200).json(result);
    }),
  );
  return router;
}
