import { InternalError, UnavailableError, isGatewayError } from '../domain/errors';

/** Node socket errors that mean the S3 endpoint cannot be reached or dropped us. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
/** S3 error codes where the service, not the request, is at fault (or our credentials are refused). */
const UNAVAILABLE_S3_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
  'RequestTimeout',
  'XMinioServerNotInitialized',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'NoSuchBucket',
]);
/** Seconds a client is told to wait before retrying when the store is down. */
const RETRY_AFTER_SECONDS = 5;

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** True for the "object does not exist" answers of stat (`NotFound`) and get (`NoSuchKey`). */
export function isMissingObject(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'NotFound' || code === 'NoSuchKey';
}

/** True when creating a bucket failed only because it exists already (another replica created it). */
export function isBucketAlreadyThere(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists';
}

/**
 * Maps an error from the S3 client to a domain error: unreachable, timed out, overloaded or refusing our
 * credentials → `UnavailableError`; anything else → `InternalError`. Domain errors pass through unchanged.
 */
export function s3Error(err: unknown, action: string): Error {
  if (isGatewayError(err)) return err;
  const code = codeOf(err);
  if (code !== undefined && (CONNECTION_CODES.has(code) || UNAVAILABLE_S3_CODES.has(code))) {
    return new UnavailableError(
      `Object store unavailable: cannot ${action} (${code}).`,
      RETRY_AFTER_SECONDS,
      {
        cause: err,
      },
    );
  }
  return new InternalError(`Object store failed to ${action}.`, { cause: err });
}

/**
 * Runs `operation` with an overall time limit. Sockets also time out on their own (see
 * `socket-timeout-agent.ts`); this bounds slow-but-alive transfers and anything the client library waits on.
 */
export async function withTimeout<T>(operation: Promise<T>, timeoutMs: number, action: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const message = `Object store unavailable: did not ${action} within ${timeoutMs} ms.`;
      reject(new UnavailableError(message, RETRY_AFTER_SECONDS, { details: { timeoutMs } }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([operation, expired]);
  } finally {
    clearTimeout(timer);
  }
}
