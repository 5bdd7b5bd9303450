import { Router } from 'express';
import type { GatewayMetrics } from '../monitoring/gateway-metrics';
import { asyncRoute } from './async-route';
import { openApiDocument } from './openapi';

export interface ReadinessProbe {
  /** Whether Triton answers ServerReady on at least one endpoint. */
  serverReady(): Promise<boolean>;
  /** Routed model names and whether each has a ready version. */
  modelsReady(): Promise<Record<string, boolean>>;
  endpoints(): Array<{ address: string; state: string; ready: boolean }>;
  /** Other dependencies that must answer (the database). */
  dependencies?(): Promise<Record<string, boolean>>;
}

/** `/healthz` (the process runs), `/readyz` (Triton and every routed model ready), `/metrics` (Prometheus). */
export function healthRoutes(
  probe: ReadinessProbe,
  metrics: GatewayMetrics,
  accepting: () => boolean,
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const api = openApiDocument();
  router.get('/openapi.json', (_req, res) => {
    res.json(api);
  });
  router.get(
    '/readyz',
    asyncRoute(async (_req, res) => {
      const [triton, models, dependencies] = await Promise.all([
        probe.serverReady().catch(() => false),
        probe.modelsReady().catch(() => ({})),
        probe.dependencies
          ? probe.dependencies().catch(() => ({ dependencies: false }))
          : Promise.resolve({}),
      ]);
      const ready =
        accepting() &&
        triton &&
        Object.values(models).every(Boolean) &&
        Object.keys(models).length > 0 &&
        Object.values(dependencies).every(Boolean);
      res.status(ready ? 200 : 503).json({
        status: ready ? 'ready' : 'not ready',
        accepting: accepting(),
        triton,
        models,
        dependencies,
        endpoints: probe.endpoints(),
      });
    }),
  );
  router.get(
    '/metrics',
    asyncRoute(async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    }),
  );
  return router;
}
