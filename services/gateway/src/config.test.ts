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

  it('needs 500 decisions (or the whole window) for a PSI unless DRIFT_MIN_ITEMS says otherwise', () => {
    expect(loadConfig({}).driftMinItems).toBe(500);
    expect(loadConfig({ DRIFT_WINDOW: '200' }).driftMinItems).toBe(200);
    expect(loadConfig({ DRIFT_MIN_ITEMS: '100' }).driftMinItems).toBe(100);
    expect(() => loadConfig({ DRIFT_WINDOW: '200', DRIFT_MIN_ITEMS: '300' })).toThrow(
      /DRIFT_MIN_ITEMS: at most DRIFT_WINDOW \(200\), got 300/,
    );
  });

  it('sizes the drift window from DRIFT_WINDOW: 1000 by default, at least 50', () => {
    expect(loadConfig({}).driftWindow).toBe(1000);
    expect(loadConfig({ DRIFT_WINDOW: '50' }).driftWindow).toBe(50);
    expect(loadConfig({ DRIFT_WINDOW: '5000' }).driftWindow).toBe(5000);
    for (const bad of ['49', '0', '-10']) {
      expect(() => loadConfig({ DRIFT_WINDOW: bad })).toThrow(/DRIFT_WINDOW: must be an integer from 50/);
    }
    for (const bad of ['12.5', 'many'])
      expect(() => loadConfig({ DRIFT_WINDOW: bad })).toThrow(/DRIFT_WINDOW/);
  });

  it('scores 30 days of decisions for the field-accuracy gauges, refreshed every 60 s, unless told otherwise', () => {
    expect(loadConfig({}).fieldAccuracy).toEqual({ windowDays: 30, refreshSeconds: 60 });
    expect(
      loadConfig({ FIELD_ACCURACY_WINDOW_DAYS: '7', FIELD_ACCURACY_REFRESH_SECONDS: '300' }).fieldAccuracy,
    ).toEqual({ windowDays: 7, refreshSeconds: 300 });
    expect(() =>
      loadConfig({ FIELD_ACCURACY_WINDOW_DAYS: '0', FIELD_ACCURACY_REFRESH_SECONDS: '1' }),
    ).toThrow(/FIELD_ACCURACY_WINDOW_DAYS[\s\S]*FIELD_ACCURACY_REFRESH_SECONDS/);
  });

  it('leases a replay for 60 s unless told otherwise, and refuses a lease too short to renew', () => {
    expect(loadConfig({}).experimentLeaseSeconds).toBe(60);
    expect(loadConfig({ EXPERIMENT_LEASE_SECONDS: '5' }).experimentLeaseSeconds).toBe(5);
    expect(() => loadConfig({ EXPERIMENT_LEASE_SECONDS: '1' })).toThrow(/EXPERIMENT_LEASE_SECONDS/);
  });
});
