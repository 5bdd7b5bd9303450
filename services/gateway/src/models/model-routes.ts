import { Router } from 'express';
import { z } from 'zod';
import { InputError } from '../domain/errors';
import { asyncRoute } from '../http/async-route';
import { jsonBody } from '../http/json-body';
import { queryWindow } from '../http/query-params';
import { driftRoutes, type DriftReports } from '../drift';
import type { Principal } from '../http/auth';
import type { ModelLifecycle } from './model-lifecycle';
import type { FieldAccuracy } from '../quality/field-accuracy';

const change = z.object({ reason: z.string().trim().min(3).max(2000) });
const load = change.extend({ config: z.record(z.string(), z.unknown()).optional() });
const pin = change.extend({ version: z.union([z.string(), z.number().int().positive()]).transform(String) });

function body<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new InputError(`invalid request body: ${problems.join('; ')}`, { details: { problems } });
  }
  return parsed.data;
}

const actor = (principal: Principal | undefined): Principal =>
  principal ?? { name: 'anonymous', role: 'mlops' };

/**
 * `/v1/models`: list, describe, compare, statistics, drift, field accuracy (read roles); load, unload, pin, unpin
 * (mlops). Without `drift` there is no drift route, without `accuracy` no accuracy route.
 */
export function modelRoutes(
  lifecycle: ModelLifecycle,
  {
    drift,
    accuracy,
    jsonLimitBytes = 1024 * 1024,
  }: { drift?: DriftReports; accuracy?: Pick<FieldAccuracy, 'report'>; jsonLimitBytes?: number } = {},
) {
  const read = Router();
  read.get(
    '/',
    asyncRoute(async (_req, res) => void res.json({ models: await lifecycle.list() })),
  );
  read.get(
    '/:name',
    asyncRoute(async (req, res) => {
      const version = typeof req.query.version === 'string' ? req.query.version : undefined;
      res.json(await lifecycle.describe(req.params.name as string, version));
    }),
  );
  read.get(
    '/:name/stats',
    asyncRoute(
      async (req, res) =>
        void res.json({ statistics: await lifecycle.statistics(req.params.name as string) }),
    ),
  );
  read.get(
    '/:name/compare',
    asyncRoute(async (req, res) => {
      const { a, b } = req.query;
      if (typeof a !== 'string' || typeof b !== 'string')
        throw new InputError('compare needs ?a=<version>&b=<version>');
      res.json({
        model: req.params.name,
        a,
        b,
        differences: await lifecycle.compare(req.params.name as string, a, b),
      });
    }),
  );
  if (drift) read.use(driftRoutes(drift));
  if (accuracy) {
    read.get(
      '/:name/accuracy',
      asyncRoute(async (req, res) => {
        res.json(await accuracy.report(req.params.name as string, queryWindow(req)));
      }),
    );
  }

  const write = Router();
  write.use(jsonBody(jsonLimitBytes));
  write.post(
    '/:name/load',
    asyncRoute(async (req, res) => {
      const b = body(load, req.body);
      res.json(await lifecycle.load(req.params.name as string, actor(req.principal), b.reason, b.config));
    }),
  );
  write.post(
    '/:name/unload',
    asyncRoute(async (req, res) => {
      const b = body(change, req.body);
      res.json(await lifecycle.unload(req.params.name as string, actor(req.principal), b.reason));
    }),
  );
  write.post(
    '/:name/pin',
    asyncRoute(async (req, res) => {
      const b = body(pin, req.body);
      await lifecycle.pin(req.params.name as string, b.version, actor(req.principal), b.reason);
      res.json({ model: req.params.name, pinnedVersion: b.version });
    }),
  );
  write.post(
    '/:name/unpin',
    asyncRoute(async (req, res) => {
      const b = body(change, req.body);
      await lifecycle.unpin(req.params.name as string, actor(req.principal), b.reason);
      res.json({ model: req.params.name, pinnedVersion: null });
    }),
  );
  return { read, write };
}
