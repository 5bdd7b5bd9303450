import { Router } from 'express';
import { parseOutboxPageQuery, type OutboxReader } from '../events';
import { asyncRoute } from './async-route';

/** `GET /v1/events`: the outbox, page by page (every event; pending ones when no Kafka is configured). */
export function eventRoutes(reader: OutboxReader): Router {
  const router = Router();
  router.get(
    '/',
    asyncRoute(async (req, res) => {
      res.json(await reader.page(parseOutboxPageQuery(req.query)));
    }),
  );
  return router;
}
