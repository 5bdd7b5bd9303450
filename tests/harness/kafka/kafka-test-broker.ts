import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startKafkaProxy, type KafkaProxy } from './kafka-proxy';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * The Kafka brokers integration tests use: `KAFKA_BROKERS` when set (CI starts the broker once), otherwise the
 * project's own test broker, started (or found running) by infra/kafka/start.sh.
 */
export async function kafkaBrokers(): Promise<string[]> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) return fromEnv.split(',').map((s) => s.trim());
  const { stdout } = await promisify(execFile)('bash', [path.join(ROOT, 'infra/kafka/start.sh')], {
    timeout: 180_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  if (!line) throw new Error(`infra/kafka/start.sh printed no KAFKA_BROKERS line:\n${stdout}`);
  return line.slice('KAFKA_BROKERS='.length).split(',');
}

/** A proxy of this test's own in front of the brokers, which the test can cut and restore. */
export function startFaultProxy(brokers: string[]): Promise<KafkaProxy> {
  return startKafkaProxy({ upstream: brokers });
}

/** A topic name no other test (or earlier run against the same broker) has used. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export interface ConsumedEvent {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  eventId: string;
  schemaVersion: string;
  value: string;
}

/**
 * Reads the topics from the beginning with a fresh consumer group until `expected` messages have arrived and
 * then `quietMs` pass without another (so duplicates beyond `expected` are seen too), or `timeoutMs` passes.
 */
export async function consumeEvents(options: {
  brokers: string[];
  topics: string[];
  expected: number;
  timeoutMs?: number;
  quietMs?: number;
}): Promise<ConsumedEvent[]> {
  const kafka = new Kafka({
    clientId: 'test-consumer',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueTopic('test-group'),
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  const events: ConsumedEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: options.topics, fromBeginning: true });
    let last = Date.now();
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        last = Date.now();
        events.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? '',
          eventId: message.headers?.eventId?.toString() ?? '',
          schemaVersion: message.headers?.schemaVersion?.toString() ?? '',
          value: message.value?.toString() ?? '',
        });
      },
    });
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const quietMs = options.quietMs ?? 1_000;
    while (Date.now() < deadline) {
      if (events.length >= options.expected && Date.now() - last >= quietMs) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return events;
  } finally {
    await consumer.disconnect();
  }
}

/** Event ids per key, in partition (= delivery) order: Kafka orders per partition, and a key has one. */
export function eventIdsPerKey(events: ConsumedEvent[]): Map<string, string[]> {
  const sorted = [...events].sort((a, b) =>
    a.topic === b.topic
      ? a.partition === b.partition
        ? Number(BigInt(a.offset) - BigInt(b.offset))
        : a.partition - b.partition
      : a.topic < b.topic
        ? -1
        : 1,
  );
  const perKey = new Map<string, string[]>();
  for (const e of sorted) {
    const k = `${e.topic}/${e.key}`;
    perKey.set(k, [...(perKey.get(k) ?? []), e.eventId]);
  }
  return perKey;
}
