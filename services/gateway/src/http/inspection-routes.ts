import { Router, type Request } from 'express';
import { InputError } from '../domain/errors';
import type { InspectionOutcome } from '../inspections/inspection-service';
import type { InspectionInput } from './inspection-request';
import { readInspectionRequest } from './inspection-request';
import { asyncRoute } from './async-route';
import type { Principal } from './auth';

export interface InspectionHandler {
  inspect(
    input: InspectionInput,
    context: { principal: Principal; requestId: string; idempotencyKey?: string },
  ): Promise<InspectionOutcome>;
}

/** Set on an answer that is the recorded decision of an earlier request with the same Idempotency-Key. */
export const REPLAYED_HEADER = 'idempotent-replayed';

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

/** The `Idempotency-Key` header: 1 to 255 visible ASCII characters (a UUID per attempted inspection, say). */
function idempotencyKeyOf(req: Request): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new InputError('Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)', {
      details: { header: 'Idempotency-Key' },
    });
  }
  return value;
}
