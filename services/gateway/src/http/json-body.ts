import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { InputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../domain/errors';

/**
 * JSON body parsing for small control requests, with body-parser's failures turned into domain errors (so the
 * one error mapping answers 400 / 413 / 415, never 500). A missing body counts as `{}`.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, type: () => true, strict: true });
  return (req: Request, res: Response, next: NextFunction) => {
    const length = Number(req.headers['content-length'] ?? 0);
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (length > 0 && type !== 'application/json') {
      next(new UnsupportedMediaTypeError(`expected application/json, got '${type || '(none)'}'`));
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) {
        req.body ??= {};
        next();
        return;
      }
      const e = err as { type?: string; message?: string };
      if (e.type === 'entity.too.large')
        next(new PayloadTooLargeError(`JSON body exceeds ${limitBytes} bytes`));
      else next(new InputError(`invalid JSON body: ${e.message ?? 'parse error'}`, { cause: err }));
    });
  };
}
