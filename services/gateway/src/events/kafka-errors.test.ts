import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { isUnavailable } from '../domain/errors';
import { classifyKafkaError, toPublishError } from './kafka-errors';

/** kafkajs builds protocol errors from its error-code table entries. */
function protocolError(type: string, retriable: boolean) {
  return new KafkaJSProtocolError({ type, code: 0, retriable, message: type } as unknown as Error);
}

describe('classifyKafkaError', () => {
  it('treats an unreachable or slow broker as retryable', () => {
    expect(classifyKafkaError(new KafkaJSConnectionError('Connection error: ECONNREFUSED'))).toMatchObject({
      retryable: true,
      resetProducer: false,
    });
    expect(
      classifyKafkaError(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')),
    ).toMatchObject({
      retryable: true,
    });
  });

  it('looks through kafkajs wrappers to the error that decided', () => {
    const wrapped = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error'), {
      retryCount: 5,
      retryTime: 1000,
    });
    expect(classifyKafkaError(wrapped).retryable).toBe(true);
    // kafkajs's retrier wraps what it gives up on as `new KafkaJSNonRetriableError(e, { cause: e })`.
    const tooLarge = protocolError('MESSAGE_TOO_LARGE', false);
    const refused = new (
      KafkaJSNonRetriableError as unknown as new (
        e: Error,
        meta: { cause: Error },
      ) => KafkaJSNonRetriableError
    )(tooLarge, { cause: tooLarge });
    expect(classifyKafkaError(refused)).toMatchObject({
      retryable: false,
      reason: expect.stringMatching(/MESSAGE_TOO_LARGE/),
    });
  });

  it('follows the protocol error table: leader elections retry, authorization failures do not', () => {
    expect(classifyKafkaError(protocolError('NOT_LEADER_FOR_PARTITION', true)).retryable).toBe(true);
    expect(classifyKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', false)).retryable).toBe(false);
  });

  it("asks for a new producer when the broker lost this producer's state", () => {
    expect(classifyKafkaError(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', false))).toEqual({
      retryable: true,
      resetProducer: true,
      reason: 'KafkaJSProtocolError OUT_OF_ORDER_SEQUENCE_NUMBER',
    });
  });

  it('retries through a producer kafkajs considers disconnected', () => {
    expect(classifyKafkaError(new KafkaJSError('The producer is disconnected')).retryable).toBe(true);
  });
});

describe('toPublishError', () => {
  it('maps retryable failures to UnavailableError and others to a non-retryable error, keeping the cause', () => {
    const down = new KafkaJSConnectionError('Connection error');
    const unavailable = toPublishError(down);
    expect(isUnavailable(unavailable)).toBe(true);
    expect(unavailable.cause).toBe(down);
    expect(isUnavailable(toPublishError(protocolError('INVALID_TOPIC_EXCEPTION', false)))).toBe(false);
  });
});
