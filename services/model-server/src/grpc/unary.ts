import { status, type handleUnaryCall, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { toGrpcCode, toServiceError } from './status-mapping';

/**
 * Adapts an async function to a grpc-js unary handler: the result or the mapped error goes to the callback.
 * Client errors are logged at debug, server errors at error, each with the method name.
 */
export function unary<Req, Res>(
  log: Logger,
  method: string,
  fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request, call).then(
      (response) => callback(null, response),
      (err: unknown) => {
        logError(log, method, err);
        callback(toServiceError(err));
      },
    );
  };
}

export function logError(log: Logger, method: string, err: unknown): void {
  const code = toGrpcCode(err);
  const message = err instanceof Error ? err.message : String(err);
  // INTERNAL and UNKNOWN are the server's fault; everything else is the caller's or a transient condition.
  if (code === status.INTERNAL || code === status.UNKNOWN) log.error({ method, code, err }, message);
  else log.debug({ method, code }, message);
}
