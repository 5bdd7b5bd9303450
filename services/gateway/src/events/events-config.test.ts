import { loadEventsConfig } from './events-config';

describe('loadEventsConfig', () => {
  it('runs without a relay when KAFKA_BROKERS is unset or blank', () => {
    expect(loadEventsConfig({})).toEqual({
      kafkaBrokers: undefined,
      kafkaClientId: 'defect-gateway',
      relayBatchSize: 100,
      relayPollIntervalMs: 500,
    });
    expect(loadEventsConfig({ KAFKA_BROKERS: ' ' }).kafkaBrokers).toBeUndefined();
  });

  it('reads a broker list and the relay settings', () => {
    expect(
      loadEventsConfig({
        KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
        KAFKA_CLIENT_ID: 'gw-a',
        OUTBOX_RELAY_BATCH_SIZE: '50',
        OUTBOX_RELAY_POLL_MS: '200',
      }),
    ).toEqual({
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9092'],
      kafkaClientId: 'gw-a',
      relayBatchSize: 50,
      relayPollIntervalMs: 200,
    });
  });

  it('lists every bad variable at once', () => {
    expect(() => loadEventsConfig({ KAFKA_BROKERS: 'kafka-1', OUTBOX_RELAY_BATCH_SIZE: '0' })).toThrow(
      /KAFKA_BROKERS: 'kafka-1' is not host:port[\s\S]*OUTBOX_RELAY_BATCH_SIZE/,
    );
  });
});
