// The OpenAPI document is true: every operation it lists is served, and exactly the roles it names may call it.
// Each call is one that cannot change anything (an empty body, an unknown id), so the answers are 400 / 404.
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../../services/gateway/src/server';
import { ROLE_KEYS, bearer, startTestGateway } from './gateway-harness';

let gateway: RunningGateway;
let url: string;

beforeAll(async () => {
  ({ gateway, url } = await startTestGateway({
    API_KEYS: `ops:mlops:${ROLE_KEYS.mlops},line1:station:${ROLE_KEYS.station},qa:auditor:${ROLE_KEYS.auditor}`,
  }));
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
});

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { description?: string; security: unknown[] }>>;
}

const ROLES = ['station', 'mlops', 'auditor'] as const;

async function call(method: string, template: string, key: string | undefined) {
  const route = template.replace('{id}', randomUUID()).replace('{name}', 'visual_fixture');
  const res = await fetch(`${url}${route}`, {
    method: method.toUpperCase(),
    headers: {
      ...(key ? bearer(key) : {}),
      ...(method === 'post' ? { 'content-type': 'application/json' } : {}),
    },
    ...(method === 'post' ? { body: '{}' } : {}),
  });
  const text = await res.text();
  return { status: res.status, text };
}

describe('GET /openapi.json', () => {
  it('is served without a key and lists the API', async () => {
    const res = await fetch(`${url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(25);
  });

  it('every listed operation is served, to exactly the roles it names', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as Doc;
    const problems: string[] = [];
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const roles = /Roles: ([a-z, ]+) \(and admin\)/.exec(op.description ?? '')?.[1]?.split(', ') ?? [];
        const where = `${method.toUpperCase()} ${template}`;
        if (roles.length === 0) {
          if (template === '/readyz') continue; // 200 or 503 depending on readiness, never a route miss
          const open = await call(method, template, undefined);
          if (open.status !== 200) problems.push(`${where}: ${open.status} without a key`);
          continue;
        }
        for (const role of ROLES) {
          const { status, text } = await call(method, template, ROLE_KEYS[role]);
          if (text.includes('no route for')) problems.push(`${where}: not served`);
          const forbidden = status === 403;
          if (forbidden !== !roles.includes(role))
            problems.push(`${where} as ${role}: ${status} (document says ${roles.join(', ')})`);
        }
        if ((await call(method, template, undefined)).status !== 401)
          problems.push(`${where}: open without a key`);
      }
    }
    expect(problems).toEqual([]);
  });
});
