import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { toHttpError } from './error-mapping';
import { readInspectionRequest } from './inspection-request';
import { asyncRoute } from './async-route';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.post(
    '/echo',
    asyncRoute(async (req, res) => {
      const input = await readInspectionRequest(req, 1024);
      res.json({
        ...input,
        image: input.image ? { size: input.image.bytes.length, filename: input.image.filename } : null,
      });
    }),
  );
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const mapped = toHttpError(err, 't');
    res.status(mapped.status).json(mapped.body);
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
});

afterAll(() => new Promise((r) => server.close(r)));

describe('readInspectionRequest', () => {
  it('reads a multipart upload with its fields', async () => {
    const form = new FormData();
    form.set('modality', 'visual');
    form.set('stationId', 'line-1');
    form.set('lotId', 'L42');
    form.set('image', new Blob([Buffer.alloc(100, 7)], { type: 'image/jpeg' }), 'part.jpg');
    const res = await fetch(base, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      modality: 'visual',
      stationId: 'line-1',
      lotId: 'L42',
      image: { size: 100, filename: 'part.jpg' },
    });
  });

  it('reads a raw image body with fields from the query string', async () => {
    const res = await fetch(`${base}?modality=thermal&stationId=ir-2`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: Buffer.alloc(10),
    });
    expect(await res.json()).toMatchObject({ modality: 'thermal', stationId: 'ir-2', image: { size: 10 } });
  });

  it('reads JSON measurements', async () => {
    const res = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ modality: 'electrical', stationId: 's', measurements: [1, null, 3] }),
    });
    expect(await res.json()).toMatchObject({
      modality: 'electrical',
      measurements: [1, null, 3],
      image: null,
    });
  });

  it('answers 413 for a body over the limit, 415 for other types, 400 for missing fields', async () => {
    const big = await fetch(`${base}?modality=visual&stationId=s`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: Buffer.alloc(5000),
    });
    expect(big.status).toBe(413);
    const form = new FormData();
    form.set('modality', 'visual');
    form.set('stationId', 's');
    form.set('image', new Blob([Buffer.alloc(4096)]), 'big.jpg');
    expect((await fetch(base, { method: 'POST', body: form })).status).toBe(413);
    const text = await fetch(base, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    const missing = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ modality: 'electrical', measurements: [1] }),
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/stationId/);
    const badJson = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
  });
});
