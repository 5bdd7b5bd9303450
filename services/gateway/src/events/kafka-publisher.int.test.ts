/**
 * The relay and the kafkajs publisher against a real Kafka-protocol broker: KAFKA_BROKERS, or the project's
 * test broker (librdkafka's mock cluster behind the harness proxy, started by infra/kafka/start.sh).
 */
import pino from 'pino';
import {
  consumeEvents,
  eventIdsPerKey,
  kafkaBrokers,
  uniqueTopic,
} from '../../../../tests/harness/kafka/kafka-test-broker';
import { createEvent, parseEvent, toOutboxRecord } from './event-schema';
import { InMemoryOutboxSource } from './in-memory-outbox-source';
import { KafkaPublisher } from './kafka-publisher';
import { OutboxRelay } from './outbox-relay';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let brokers: string[];

beforeAll(async () => {
  brokers = await kafkaBrokers();
}, 180_000);

function inspectionEvent(stationId: string, seq: number) {
  return createEvent('inspection.completed', stationId, {
    inspectionId: `insp-${seq}`,
    requestId: `req-${seq}`,
    stationId,
    lotId: 'lot-1',
    partId: `part-${seq}`,
    jobId: null,
    modality: 'visual',
    decision: 'pass',
    defects: [],
    scores: { ok: 0.97, scratch: 0.03 },
    model: { name: 'visual_ensemble', version: '1' },
    inputSha256: 'ab'.repeat(32),
    objectKey: null,
  });
}

describe('KafkaPublisher (real broker)', () => {
  it('publishes 100 keyed events through the relay; a consumer group reads each once, in order per key', async () => {
    const completed = uniqueTopic('inspection.completed');
    const lifecycle = uniqueTopic('model.lifecycle');
    const source = new InMemoryOutboxSource();
    for (let i = 0; i < 100; i++) {
      if (i % 10 === 9) {
        const event = createEvent('model.lifecycle', 'visual_ensemble', {
          action: 'model.loaded',
          model: { name: 'visual_ensemble', version: String(i) },
          actor: { name: 'ops', role: 'mlops' },
          reason: 'integration test',
          details: {},
        });
        source.add({ ...toOutboxRecord(event), topic: lifecycle });
      } else {
        source.add({ ...toOutboxRecord(inspectionEvent(`station-${i % 7}`, i)), topic: completed });
      }
    }
    const publisher = new KafkaPublisher({ brokers, clientId: 'events-int-test', log });
    const relay = new OutboxRelay({ source, publisher, log, batchSize: 25, pollIntervalMs: 20 });
    relay.start();
    const deadline = Date.now() + 30_000;
    while (source.unpublishedCount() > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await relay.stop();
    expect(source.unpublishedCount()).toBe(0);

    const consumed = await consumeEvents({ brokers, topics: [completed, lifecycle], expected: 100 });
    const written = source.list();
    expect(consumed).toHaveLength(100);
    expect(new Set(consumed.map((e) => e.eventId)).size).toBe(100);
    expect(new Set(consumed.map((e) => e.eventId))).toEqual(new Set(written.map((r) => r.eventId)));

    const writtenPerKey = new Map<string, string[]>();
    for (const r of written) {
      const k = `${r.topic}/${r.key}`;
      writtenPerKey.set(k, [...(writtenPerKey.get(k) ?? []), r.eventId]);
    }
    expect(eventIdsPerKey(consumed)).toEqual(writtenPerKey);

    // Each message is the envelope, keyed, with the eventId and schemaVersion headers.
    for (const e of consumed) {
      const event = parseEvent(JSON.parse(e.value));
      expect(event.eventId).toBe(e.eventId);
      expect(event.key).toBe(e.key);
      expect(e.schemaVersion).toBe('1');
    }
  }, 60_000);

  it('fails to connect with an UnavailableError when no broker listens', async () => {
    const publisher = new KafkaPublisher({
      brokers: ['127.0.0.1:1'],
      clientId: 'events-int-test',
      log,
      connectionTimeoutMs: 200,
      retryInitialMs: 20,
    });
    await expect(publisher.connect()).rejects.toMatchObject({ code: 'unavailable' });
    await publisher.disconnect();
  }, 30_000);
});
