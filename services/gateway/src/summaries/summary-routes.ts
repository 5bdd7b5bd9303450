/** `GET /v1/lots/:lotId` and `GET /v1/stations/:stationId` (`?from=&to=`): summaries from the records. */
import { Router, type Request } from 'express';
import { InputError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import { queryWindow } from '../http/query-params';
import type { RecordSummaries } from './records-summary';

export function summaryRoutes(summaries: Pick<RecordSummaries, 'summary'>): {
  lots: Router;
  stations: Router;
} {
  const idOf = (req: Request, what: string): string => {
    const id = (req.params as Record<string, string | undefined>).id ?? '';
    if (id.trim() === '' || id.length > 200) throw new InputError(`${what} id must be 1 to 200 characters`);
    return id;
  };
  const lots = Router();
  lots.get(
    '/:id',
    asyncRoute(async (req, res) => {
      res.json(await summaries.summary({ lotId: idOf(req, 'lot') }, queryWindow(req)));
    }),
  );
  const stations = Router();
  stations.get(
    '/:id',
    asyncRoute(async (req, res) => {
      res.json(await summaries.summary({ stationId: idOf(req, 'station') }, queryWindow(req)));
    }),
  );
  return { lots, stations };
}
