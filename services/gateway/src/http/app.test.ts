import express from 'express';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { GatewayMetrics } from '../monitoring/gateway-metrics';
import { buildApp } from './app';
import { Authenticator } from './auth';

const KEY = 'station-key-0123456789abcdef';

/** Two mounts on one path, as the gateway has them: the first routes GET only, POST falls through. */
async function start(
  rateLimitPerMinute: number,
  log: pino.Logger = pino({ level: 'silent' }),
): Promise<{ url: string; close: () => Promise<void> }> {
  const read = express.Router().get('/', (_req, res) => res.json({ read: true }));
  const create = express.Router().post('/', (_req, res) => res.status(201).json({ created: true }));
  const app = buildApp({
    log,
    auth: new Authenticator([{ name: 'line1', role: 'station', key: KEY }]),
    metrics: new GatewayMetrics(),
    rateLimitPerMinute,
    health: express.Router(),
    routers: [
      { path: '/things', roles: ['station'], router: read },
      { path: '/things', roles: ['station'], router: create },
    ],
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/things`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const headers = { authorization: `Bearer ${KEY}` };

describe('rate limit', () => {
  it('counts a request once even when it passes two mounts on the same path', async () => {
    const app = await start(4);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(app.url, { method: 'POST', headers })).status);
      // Counted twice per request, the third POST would already be refused.
      expect(statuses).toEqual([201, 201, 201, 201, 429]);
    } finally {
      await app.close();
    }
  });

  it('refuses with 429, Retry-After and the error body once the key has used its minute', async () => {
    const app = await start(1);
    try {
      expect((await fetch(app.url, { headers })).status).toBe(200);
      const refused = await fetch(app.url, { headers });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('60');
      const body = (await refused.json()) as { error: { code: string } };
      expect(body.error.code).toBeDefined();
    } finally {
      await app.close();
    }
  });
});

describe('error log lines', () => {
  it('logs refusals (429) at debug and other rejections at info', async () => {
    const lines: Array<{ level: number; msg: string; status: number; reason: string }> = [];
    const sink = { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) };
    const app = await start(1, pino({ level: 'debug' }, sink));
    try {
      expect((await fetch(app.url, { headers })).status).toBe(200);
      expect((await fetch(app.url, { headers })).status).toBe(429);
      expect((await fetch(app.url.replace('/things', '/nothing'), { headers })).status).toBe(404);
      const byStatus = (status: number) => lines.filter((l) => l.status === status);
      expect(byStatus(429).map((l) => [l.level, l.msg])).toEqual([[20, 'request refused']]); // pino debug = 20
      expect(byStatus(404).map((l) => [l.level, l.msg])).toEqual([[30, 'request rejected']]); // info = 30
      expect(byStatus(404)[0]?.reason).toBe('no route for GET /v1/nothing'); // the client's message, kept
    } finally {
      await app.close();
    }
  });
});
