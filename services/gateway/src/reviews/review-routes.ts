/** `GET /v1/reviews`: the open review queue (see review-queue.ts). Filters `station`, `lot`, `model`, `decision`. */
import { Router } from 'express';
import { InputError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import { queryLimit, queryText } from '../http/query-params';
import type { ReviewFilter, ReviewQueue } from './review-queue';

const MAX_PAGE = 500;

export function reviewRoutes(queue: Pick<ReviewQueue, 'page'>): Router {
  const router = Router();
  router.get(
    '/',
    asyncRoute(async (req, res) => {
      const text = (name: string) => queryText(req, name);
      const decisions = (text('decision') ?? 'review').split(',').map((d) => d.trim());
      if (!decisions.every((d): d is ReviewFilter['decisions'][number] => d === 'review' || d === 'fail'))
        throw new InputError("'decision' must be review, fail or review,fail");
      const limit = queryLimit(req, 50, MAX_PAGE);
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
