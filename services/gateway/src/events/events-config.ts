import { z } from 'zod';

/** Event-relay settings, parsed from the environment with the rest of the gateway's config. */
export interface EventsConfig {
  /** Kafka bootstrap addresses; undefined = no relay, events stay in the outbox (read via GET /v1/events). */
  kafkaBrokers: string[] | undefined;
  kafkaClientId: string;
  relayBatchSize: number;
  relayPollIntervalMs: number;
}

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

const int = (min: number, max: number) =>
  z.coerce
    .number()
    .int()
    .refine((n) => n >= min && n <= max, { message: `must be an integer from ${min} to ${max}` });

/**
 * The variables, as a zod shape to merge into config.ts's schema (so every bad variable is reported together):
 * `KAFKA_BROKERS` (host:port, comma-separated), `KAFKA_CLIENT_ID`, `OUTBOX_RELAY_BATCH_SIZE`,
 * `OUTBOX_RELAY_POLL_MS`.
 */
export const eventsEnvShape = {
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((raw, ctx): string[] | undefined => {
      const list = (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const b of list) {
        if (!hostPort.test(b)) ctx.addIssue({ code: 'custom', message: `'${b}' is not host:port` });
      }
      return list.length > 0 ? list : undefined;
    }),
  KAFKA_CLIENT_ID: z.string().min(1).default('defect-gateway'),
  OUTBOX_RELAY_BATCH_SIZE: int(1, 10_000).default(100),
  OUTBOX_RELAY_POLL_MS: int(10, 60_000).default(500),
};

const schema = z.object(eventsEnvShape);

export function toEventsConfig(parsed: z.infer<typeof schema>): EventsConfig {
  return {
    kafkaBrokers: parsed.KAFKA_BROKERS,
    kafkaClientId: parsed.KAFKA_CLIENT_ID,
    relayBatchSize: parsed.OUTBOX_RELAY_BATCH_SIZE,
    relayPollIntervalMs: parsed.OUTBOX_RELAY_POLL_MS,
  };
}

/** Parses only the event variables (for callers that do not merge the shape); throws listing every problem. */
export function loadEventsConfig(env: NodeJS.ProcessEnv): EventsConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid event configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`,
    );
  }
  return toEventsConfig(parsed.data);
}
