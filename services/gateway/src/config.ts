import * as path from 'node:path';
import { z } from 'zod';
import { eventsEnvShape, toEventsConfig, type EventsConfig } from './events/events-config';
import { DRIFT_MIN_COUNT } from './drift/drift-monitor';

export type Role = 'station' | 'mlops' | 'auditor' | 'admin';
export const ROLES: readonly Role[] = ['station', 'mlops', 'auditor', 'admin'];

export interface ApiKey {
  /** Who the key belongs to (the actor recorded with everything it does). */
  name: string;
  role: Role;
  key: string;
}

const REPO_ROOT = path.resolve(__dirname, '../../..');

const int = (min: number, max: number) =>
  z.coerce
    .number()
    .int()
    .refine((n) => n >= min && n <= max, { message: `must be an integer from ${min} to ${max}` });

/** `name:role:key` entries separated by commas; a key may not contain ',' . */
const apiKeys = z
  .string()
  .default('')
  .transform((raw, ctx): ApiKey[] => {
    const out: ApiKey[] = [];
    for (const entry of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [name, role, ...rest] = entry.split(':');
      const key = rest.join(':');
      if (!name || !role || !key || !ROLES.includes(role as Role)) {
        ctx.addIssue({
          code: 'custom',
          message: `entry '${name ?? ''}:…' must be name:role:key with role one of ${ROLES.join('|')}`,
        });
        continue;
      }
      if (key.length < 16) {
        ctx.addIssue({ code: 'custom', message: `key of '${name}' is shorter than 16 characters` });
        continue;
      }
      out.push({ name, role: role as Role, key });
    }
    return out;
  });

/** `modality:model` pairs, e.g. `visual:visual_ensemble,thermal:thermal_ensemble`. */
const routes = z
  .string()
  .optional()
  .transform((raw, ctx): Record<string, string> | undefined => {
    if (raw === undefined || raw.trim() === '') return undefined;
    const out: Record<string, string> = {};
    for (const pair of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [modality, model] = pair.split(':');
      if (!modality || !model) ctx.addIssue({ code: 'custom', message: `'${pair}' must be modality:model` });
      else out[modality] = model;
    }
    return out;
  });

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: int(0, 65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRITON_URL: z
    .string()
    .optional()
    .transform((s) =>
      s
        ? s
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean)
        : undefined,
    ),
  MODEL_REPOSITORY: z.string().default(path.join(REPO_ROOT, 'triton-model-repo')),
  MODEL_ROUTES: routes,
  API_KEYS: apiKeys,
  MAX_UPLOAD_BYTES: int(1024, 512 * 1024 * 1024).default(20 * 1024 * 1024),
  MAX_INPUT_PIXELS: int(1, 1_000_000_000).default(50_000_000),
  REQUEST_TIMEOUT_MS: int(10, 600_000).default(2000),
  RATE_LIMIT_PER_MINUTE: int(0, 10_000_000).default(60_000),
  BATCH_MAX_QUEUE: int(1, 1_000_000).default(512),
  BATCH_MAX_WAIT_MS: int(0, 10_000).default(5),
  BATCH_MAX_IN_FLIGHT: int(1, 64).default(2),
  PREPROCESS_MAX_QUEUE: int(1, 1_000_000).default(64),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_MIGRATION_URL: z.string().url().optional(),
  DATA_DIR: z.string().default(path.join(REPO_ROOT, '.data')),
  ...eventsEnvShape,
  S3_ENDPOINT: z.string().url().optional(),
  S3_ACCESS_KEY: z.string().optional(),
  S3_SECRET_KEY: z.string().optional(),
  S3_BUCKET: z.string().default('inspections'),
  S3_REGION: z.string().default('us-east-1'),
  AUDIT_CHECKPOINT_EVERY: int(1, 10_000_000).default(1000),
  DRIFT_WINDOW: int(50, 1_000_000).default(1000),
  DRIFT_MIN_ITEMS: int(10, 1_000_000).optional(),
  FIELD_ACCURACY_WINDOW_DAYS: int(1, 3650).default(30),
  FIELD_ACCURACY_REFRESH_SECONDS: int(5, 86_400).default(60),
  EXPERIMENT_LEASE_SECONDS: int(3, 3600).default(60),
});

export interface GatewayConfig {
  production: boolean;
  port: number;
  host: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  /** Triton endpoints; undefined = start the embedded model-server on loopback. */
  tritonUrls: string[] | undefined;
  modelRepository: string;
  routes: Record<string, string>;
  apiKeys: ApiKey[];
  maxUploadBytes: number;
  maxInputPixels: number;
  requestTimeoutMs: number;
  rateLimitPerMinute: number;
  batch: { maxQueue: number; maxWaitMs: number; maxInFlight: number };
  /** Images allowed to wait for a decode slot before requests get 429. */
  preprocessMaxQueue: number;
  /** Postgres; undefined = embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * The schema owner, for the start-up migrations only; undefined = migrate through `databaseUrl`. With it, the
   * gateway's own connections can use a login role in `gateway_app`, which the grants hold to append-only access.
   */
  databaseMigrationUrl: string | undefined;
  /** Embedded data (PGlite, local image store) lives here. */
  dataDir: string;
  /** Kafka relay settings; `kafkaBrokers` undefined = events stay in the outbox (readable at GET /v1/events). */
  events: EventsConfig;
  /** S3 / MinIO; undefined = a local directory under `dataDir`. */
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string } | undefined;
  auditCheckpointEvery: number;
  /** Decisions per (model, version) in the drift window. */
  driftWindow: number;
  /** Decisions a drift window needs before it reports a PSI (at most `driftWindow`). */
  driftMinItems: number;
  /** The field-accuracy gauges score the decisions of the last `windowDays`, refreshed every `refreshSeconds`. */
  fieldAccuracy: { windowDays: number; refreshSeconds: number };
  /** A replay's lease: how long a gateway that stopped renewing still holds it. Renewed every third of it, at most 10 s. */
  experimentLeaseSeconds: number;
}

/** Modality → model; the trained ensembles in `triton-model-repo/` unless MODEL_ROUTES says otherwise. */
export const DEFAULT_ROUTES: Record<string, string> = {
  visual: 'visual_ensemble',
  thermal: 'thermal_ensemble',
  electrical: 'electrical_ensemble',
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at start-up; every bad variable is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  const production = c.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production && c.API_KEYS.length === 0) {
    problems.push('API_KEYS: required when NODE_ENV=production (name:role:key, comma-separated)');
  }
  if (c.S3_ENDPOINT && (!c.S3_ACCESS_KEY || !c.S3_SECRET_KEY)) {
    problems.push('S3_ACCESS_KEY, S3_SECRET_KEY: required with S3_ENDPOINT');
  }
  if (c.DATABASE_MIGRATION_URL && !c.DATABASE_URL) {
    problems.push('DATABASE_MIGRATION_URL: only with DATABASE_URL (the embedded database migrates itself)');
  }
  if (c.DRIFT_MIN_ITEMS !== undefined && c.DRIFT_MIN_ITEMS > c.DRIFT_WINDOW) {
    problems.push(`DRIFT_MIN_ITEMS: at most DRIFT_WINDOW (${c.DRIFT_WINDOW}), got ${c.DRIFT_MIN_ITEMS}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    production,
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    tritonUrls: c.TRITON_URL && c.TRITON_URL.length > 0 ? c.TRITON_URL : undefined,
    modelRepository: path.resolve(c.MODEL_REPOSITORY),
    routes: { ...DEFAULT_ROUTES, ...(c.MODEL_ROUTES ?? {}) },
    apiKeys: c.API_KEYS,
    maxUploadBytes: c.MAX_UPLOAD_BYTES,
    maxInputPixels: c.MAX_INPUT_PIXELS,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    batch: {
      maxQueue: c.BATCH_MAX_QUEUE,
      maxWaitMs: c.BATCH_MAX_WAIT_MS,
      maxInFlight: c.BATCH_MAX_IN_FLIGHT,
    },
    preprocessMaxQueue: c.PREPROCESS_MAX_QUEUE,
    databaseUrl: c.DATABASE_URL,
    databaseMigrationUrl: c.DATABASE_MIGRATION_URL,
    dataDir: path.resolve(c.DATA_DIR),
    events: toEventsConfig(c),
    s3:
      c.S3_ENDPOINT && c.S3_ACCESS_KEY && c.S3_SECRET_KEY
        ? {
            endpoint: c.S3_ENDPOINT,
            accessKey: c.S3_ACCESS_KEY,
            secretKey: c.S3_SECRET_KEY,
            bucket: c.S3_BUCKET,
            region: c.S3_REGION,
          }
        : undefined,
    auditCheckpointEvery: c.AUDIT_CHECKPOINT_EVERY,
    driftWindow: c.DRIFT_WINDOW,
    driftMinItems: c.DRIFT_MIN_ITEMS ?? Math.min(DRIFT_MIN_COUNT, c.DRIFT_WINDOW),
    fieldAccuracy: {
      windowDays: c.FIELD_ACCURACY_WINDOW_DAYS,
      refreshSeconds: c.FIELD_ACCURACY_REFRESH_SECONDS,
    },
    experimentLeaseSeconds: c.EXPERIMENT_LEASE_SECONDS,
  };
}
