/** `GET /v1/reviews`: the open review queue (see review-queue.ts). Filters `station`, `lot`, `model`, `decision`. */
import { Router } from 'express';
import { InputError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import type { ReviewFilter, ReviewQueue } from './review-queue';

const MAX_PAGE = 500;

export function reviewRoutes(queue: Pick<ReviewQueue, 'page'>): Router {
  const router = Router();
  router.get(
    '/',
    asyncRoute(async (req, res) => {
      const q = req.query;
      const text = (name: string): string | undefined => {
        const v = q[name];
        if (v === undefined) return undefined;
        if (typeof v !== 'string' || v.trim() === '' || v.length > 200)
          throw new InputError(`'${name}' must be one non-empty value`);
        return v.trim();
      };
      const decisions = (text('decision') ?? 'review').split(',').map((d) => d.trim());
      if (!decisions.every((d): d is ReviewFilter['decisions'][number] => d === 'review' || d === 'fail'))
        throw new InputError("'decision' must be review, fail or review,fail");
      const limitText = text('limit');
      const limit = limitText === undefined ? 50 : /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
      if (!(limit >= 1 && limit <= MAX_PAGE))
        throw new InputError(`'limit' must be an integer from 1 to ${MAX_PAGE}`);
      const filter: ReviewFilter = { decisions: [...new Set(decisions)] };
      const station = text('station');
      const lot = text('lot');
      const model = text('model');
      if (station !== undefined) filter.stationId = station;
      if (lot !== undefined) filter.lotId = lot;
      if (model !== undefined) filter.model = model;
      res.json(await queue.page(filter, text('cursor'), limit));
    }),
  );
  return router;
}
