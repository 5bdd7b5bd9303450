import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { TooManyRequestsError, NotFoundError } from '../domain/errors';
import type { GatewayMetrics } from '../monitoring/gateway-metrics';
import { requireRole, type Authenticator } from './auth';
import { toHttpError } from './error-mapping';

export interface AppDeps {
  log: Logger;
  auth: Authenticator;
  metrics: GatewayMetrics;
  rateLimitPerMinute: number;
  /** Where the limiter counts (default: in this process only). */
  rateLimitStore?: Store;
  /** Routes mounted under /v1, each declaring its roles. */
  routers: Array<{ path: string; roles: Parameters<typeof requireRole>[1]; router: express.Router }>;
  health: express.Router;
}

/** Builds the Express app: security headers, request ids and logs, auth, rate limits, routes, error mapping. */
export function buildApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    req.requestId = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.requestId);
    const started = performance.now();
    res.on('finish', () => {
      const route = routeLabel(req);
      deps.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      deps.metrics.httpDuration.observe({ method: req.method, route }, performance.now() - started);
    });
    next();
  });
  app.use(deps.health);

  const limiter =
    deps.rateLimitPerMinute > 0
      ? rateLimit({
          windowMs: 60_000,
          limit: deps.rateLimitPerMinute,
          standardHeaders: 'draft-7',
          legacyHeaders: false,
          ...(deps.rateLimitStore ? { store: deps.rateLimitStore } : {}),
          keyGenerator: (req) => req.principal?.name ?? req.socket.remoteAddress ?? 'unknown',
          handler: (_req, _res, next, options) =>
            next(
              new TooManyRequestsError(
                'rate limit exceeded for this API key',
                Math.ceil(options.windowMs / 1000),
              ),
            ),
        })
      : undefined;
  // Mounts sharing a path run in turn for one request (one falls through to the next), so the limiter must count
  // each request once, not once per mount it passes.
  const counted = new WeakSet<Request>();
  const limitOnce = (req: Request, res: Response, next: NextFunction): void => {
    if (!limiter || counted.has(req)) return next();
    counted.add(req);
    void limiter(req, res, next);
  };
  for (const r of deps.routers) {
    const chain = [requireRole(deps.auth, r.roles), limitOnce];
    app.use(`/v1${r.path}`, ...chain, r.router);
  }
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new NotFoundError(`no route for ${req.method} ${req.path}`));
  });
  // Express needs the 4-argument signature to recognise the error handler.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const mapped = toHttpError(err, req.requestId);
    const log = deps.log.child({ requestId: req.requestId, station: req.principal?.name });
    const fields = { status: mapped.status, code: mapped.body.error.code, reason: mapped.body.error.message };
    if (mapped.status >= 500) log.error({ err, status: mapped.status }, 'request failed');
    // Under overload a client that ignores Retry-After can draw thousands of 429s a second: one info line each
    // would flood the log and take CPU from the requests being served. They are counted in
    // gateway_http_requests_total{status="429"}; the lines themselves are debug.
    else if (mapped.status === 429) log.debug(fields, 'request refused');
    else log.info(fields, 'request rejected');
    if (res.headersSent) return;
    res.status(mapped.status).set(mapped.headers).json(mapped.body);
  });
  return app;
}

function routeLabel(req: Request): string {
  const route = (req.route as { path?: string } | undefined)?.path;
  return route ? `${req.baseUrl}${route}` : req.baseUrl || 'unmatched';
}
