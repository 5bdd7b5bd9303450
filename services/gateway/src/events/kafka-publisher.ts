import {
  CompressionTypes,
  Kafka,
  logLevel,
  Partitioners,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import { InternalError } from '../domain/errors';
import type { EventPublisher, OutgoingEvent } from './event-publisher';
import { classifyKafkaError, toPublishError } from './kafka-errors';

export interface KafkaPublisherOptions {
  brokers: string[];
  clientId: string;
  log: Logger;
  /** TCP connect timeout per broker. */
  connectionTimeoutMs?: number;
  /** How long one request waits for the broker's reply. */
  requestTimeoutMs?: number;
  /**
   * kafkajs's own retry inside one publish: first and longest delay. It retries for as long as the broker is
   * unreachable (see below), so this is how quickly a publish notices that the broker is back.
   */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Events larger than this are refused before sending (the broker's message.max.bytes, 1 MB by default). */
  maxMessageBytes?: number;
  ssl?: boolean;
  sasl?: SASLOptions;
}

const KAFKAJS_TO_PINO = {
  [logLevel.ERROR]: 'warn', // kafkajs logs every retried failure as an error; the relay reports real ones
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
  [logLevel.NOTHING]: 'debug',
} as const;

/**
 * The only code that talks kafkajs. Publishes with an idempotent producer:
 * - `idempotent: true` makes the broker drop a batch it already wrote when a retry resends it (same producer
 *   id and sequence numbers), so a lost acknowledgement does not duplicate events.
 * - `acks: -1` (all in-sync replicas), required by idempotence.
 * - `maxInFlightRequests: 1`: the idempotent producer of KIP-98 allows one unacknowledged request per
 *   connection; kafkajs does not enforce it, and with more a retried request could overtake a later one.
 * - retries are unbounded (kafkajs's default for idempotent producers): while the broker is down, `publish`
 *   keeps waiting rather than failing, because kafkajs remembers which partitions of the batch were already
 *   acknowledged only inside one send; giving up and sending the whole batch again would duplicate those.
 *   Failures that do surface are mapped by kafka-errors.ts: unreachable → UnavailableError, refused →
 *   InternalError; lost producer state → a fresh producer for the next attempt.
 * Messages are keyed (same key → same partition, with kafkajs's Java-compatible murmur2 partitioner, as other
 * Kafka clients partition) and carry headers `eventId`, `schemaVersion` and `type`.
 */
export class KafkaPublisher implements EventPublisher {
  private readonly kafka: Kafka;
  private readonly log: Logger;
  private readonly maxMessageBytes: number;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(private readonly options: KafkaPublisherOptions) {
    this.log = options.log;
    this.maxMessageBytes = options.maxMessageBytes ?? 1_000_000;
    const log = options.log;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      ssl: options.ssl,
      sasl: options.sasl,
      logLevel: logLevel.INFO,
      logCreator:
        () =>
        ({ namespace, level, log: entry }: LogEntry) => {
          const { message, timestamp: _, ...extra } = entry;
          log[KAFKAJS_TO_PINO[level]]({ kafkajs: namespace, ...extra }, message);
        },
      // Connecting (and metadata before the first send) gives up after a few tries; the relay backs off.
      retry: { retries: 5, initialRetryTime: options.retryInitialMs ?? 300, maxRetryTime: 5_000 },
    });
  }

  async connect(): Promise<void> {
    await this.ready();
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const e of events) {
      const bytes = Buffer.byteLength(e.value) + Buffer.byteLength(e.key);
      if (bytes > this.maxMessageBytes) {
        throw new InternalError('event larger than the broker accepts', {
          details: { eventId: e.eventId, topic: e.topic, bytes, maxMessageBytes: this.maxMessageBytes },
        });
      }
    }
    const producer = await this.ready();
    try {
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: groupByTopic(events),
      });
    } catch (err) {
      const failure = classifyKafkaError(err);
      if (failure.resetProducer) await this.reset(failure.reason);
      throw toPublishError(err, failure);
    }
  }

  async disconnect(): Promise<void> {
    const producer = this.producer ?? (await this.connecting?.catch(() => undefined));
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect();
  }

  private ready(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: {
          retries: Number.MAX_SAFE_INTEGER,
          initialRetryTime: this.options.retryInitialMs ?? 300,
          maxRetryTime: this.options.retryMaxMs ?? 30_000,
        },
      });
      try {
        await producer.connect();
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw toPublishError(err);
      }
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async reset(reason: string): Promise<void> {
    this.log.warn({ reason }, 'Kafka producer state lost: a new producer will send the events again');
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }
}

function groupByTopic(events: readonly OutgoingEvent[]) {
  const byTopic = new Map<string, OutgoingEvent[]>();
  for (const e of events) {
    const list = byTopic.get(e.topic);
    if (list) list.push(e);
    else byTopic.set(e.topic, [e]);
  }
  return [...byTopic].map(([topic, list]) => ({
    topic,
    messages: list.map((e) => ({
      key: e.key,
      value: e.value,
      headers: { eventId: e.eventId, schemaVersion: String(e.schemaVersion), type: e.topic },
    })),
  }));
}
