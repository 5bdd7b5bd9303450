/** `GET /v1/lots/:lotId`: the lot's summary (see lot-summary.ts). */
import { Router } from 'express';
import { InputError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import type { LotSummaries } from './lot-summary';

export function lotRoutes(lots: Pick<LotSummaries, 'summary'>): Router {
  const router = Router();
  router.get(
    '/:lotId',
    asyncRoute(async (req, res) => {
      const lotId = req.params.lotId as string;
      if (lotId.trim() === '' || lotId.length > 200)
        throw new InputError('lot id must be 1 to 200 characters');
      res.json(await lots.summary(lotId));
    }),
  );
  return router;
}
