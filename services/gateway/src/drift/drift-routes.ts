import { Router } from 'express';
import { asyncRoute } from '../http/async-route';
import type { DriftReport } from './drift-report';

export interface DriftReports {
  report(model: string): Promise<DriftReport>;
}

/** `GET /:name/drift`, mounted inside the `/v1/models` read routes (same roles). */
export function driftRoutes(drift: DriftReports): Router {
  const router = Router();
  router.get(
    '/:name/drift',
    asyncRoute(async (req, res) => void res.json(await drift.report(req.params.name as string))),
  );
  return router;
}
