import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Adapts an async handler to Express: a rejection goes to the error handler (the one error → HTTP mapping). */
export function asyncRoute(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}
