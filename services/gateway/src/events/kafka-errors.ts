import { InternalError, UnavailableError } from '../domain/errors';

/**
 * What a kafkajs failure means for the relay (by error name and protocol error type, so this file needs no
 * kafkajs import):
 * - `retryable`: the broker is unreachable, timed out, is electing a leader, or its metadata is stale. Sending
 *   the same events again later is right.
 * - `resetProducer`: the broker no longer accepts this producer's id/epoch/sequence (it lost state, or a
 *   sequence gap). A new producer must be created before the events are sent again.
 * - otherwise the broker refused the events themselves (too large, invalid topic, not authorized, corrupt):
 *   sending them again unchanged will not help.
 */
export interface KafkaFailure {
  retryable: boolean;
  resetProducer: boolean;
  /** Name (and protocol type) of the error that decided it. */
  reason: string;
}

const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** Protocol errors after which the idempotent producer's state is useless. */
const PRODUCER_STATE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

export function classifyKafkaError(err: unknown): KafkaFailure {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const e = current as ErrorLike;
    const name = typeof e.name === 'string' ? e.name : 'Error';
    if (UNREACHABLE.has(name)) return { retryable: true, resetProducer: false, reason: name };
    if (name === 'KafkaJSProtocolError') {
      const type = typeof e.type === 'string' ? e.type : 'UNKNOWN';
      const reason = `${name} ${type}`;
      if (PRODUCER_STATE_LOST.has(type)) return { retryable: true, resetProducer: true, reason };
      return { retryable: e.retriable === true, resetProducer: false, reason };
    }
    // kafkajs refuses to send through a producer it is still connecting or has disconnected.
    if (name === 'KafkaJSError' && typeof e.message === 'string' && /disconnect/i.test(e.message)) {
      return { retryable: true, resetProducer: false, reason: 'producer disconnected' };
    }
    // Wrappers (retries exhausted, non-retriable wrapper): the wrapped error decides.
    const inner = e.cause ?? e.originalError;
    if (inner === undefined || inner === current) {
      return { retryable: e.retriable === true, resetProducer: false, reason: name };
    }
    current = inner;
  }
  return { retryable: false, resetProducer: false, reason: 'unknown' };
}

/** Turns a kafkajs failure into the domain error the relay acts on. */
export function toPublishError(err: unknown, failure: KafkaFailure = classifyKafkaError(err)): Error {
  if (failure.retryable) {
    return new UnavailableError(`Kafka unavailable (${failure.reason})`, 1, {
      cause: err,
      details: { reason: failure.reason },
    });
  }
  return new InternalError(`Kafka refused the events (${failure.reason})`, {
    cause: err,
    details: { reason: failure.reason },
  });
}
