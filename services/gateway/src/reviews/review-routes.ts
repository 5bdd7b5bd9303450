/**
 * `GET /v1/reviews`: the open review queue (see review-queue.ts). Filters `station`, `lot`, `model`, `from`, `to`,
 * `decision` (review, fail or both).
 */
import { Router } from 'express';
import { asyncRoute } from '../http/async-route';
import { queryInspectionFilter, queryLimit, queryText } from '../http/query-params';
import type { ReviewQueue } from './review-queue';

const MAX_PAGE = 500;

export function reviewRoutes(queue: Pick<ReviewQueue, 'page'>): Router {
  const router = Router();
  router.get(
    '/',
    asyncRoute(async (req, res) => {
      const filter = queryInspectionFilter(req, ['review', 'fail'], ['review']);
      const limit = queryLimit(req, 50, MAX_PAGE);
      res.json(
        await queue.page(
          { ...filter, decisions: filter.decisions ?? ['review'] },
          queryText(req, 'cursor'),
          limit,
        ),
      );
    }),
  );
  return router;
}
