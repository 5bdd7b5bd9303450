import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.tritonUrls).toBeUndefined();
    expect(c.apiKeys).toEqual([]);
    expect(c.routes.visual).toBeDefined();
  });

  it('parses replicas, keys and routes', () => {
    const c = loadConfig({
      TRITON_URL: 'a:8001, b:8001',
      API_KEYS: 'line1:station:0123456789abcdef,ops:admin:fedcba9876543210',
      MODEL_ROUTES: 'visual:visual_ensemble',
    });
    expect(c.tritonUrls).toEqual(['a:8001', 'b:8001']);
    expect(c.apiKeys.map((k) => `${k.name}/${k.role}`)).toEqual(['line1/station', 'ops/admin']);
    expect(c.routes.visual).toBe('visual_ensemble');
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REQUEST_TIMEOUT_MS: '-1', API_KEYS: 'x:root:short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/REQUEST_TIMEOUT_MS/);
    expect(problems).toMatch(/API_KEYS/);
  });

  it('refuses to start in production without API keys', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /API_KEYS: required when NODE_ENV=production/,
    );
  });

  it('takes a separate owner URL for migrations, only beside DATABASE_URL', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://gateway_web:pw@db:5432/gateway',
      DATABASE_MIGRATION_URL: 'postgres://owner:pw@db:5432/gateway',
    });
    expect(c.databaseUrl).toBe('postgres://gateway_web:pw@db:5432/gateway');
    expect(c.databaseMigrationUrl).toBe('postgres://owner:pw@db:5432/gateway');
    expect(loadConfig({}).databaseMigrationUrl).toBeUndefined();
    expect(() => loadConfig({ DATABASE_MIGRATION_URL: 'postgres://owner:pw@db:5432/gateway' })).toThrow(
      /DATABASE_MIGRATION_URL: only with DATABASE_URL/,
    );
  });
});
