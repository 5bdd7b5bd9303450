import { findGatewayError, type ErrorCode } from '../domain/errors';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  undecodable_image: 422,
  unusable_image: 422,
  idempotency_key_reused: 422,
  too_many_requests: 429,
  unavailable: 503,
  deadline_exceeded: 504,
  internal: 500,
};

export interface HttpError {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: ErrorCode; message: string; id: string; details?: Record<string, unknown> } };
}

/**
 * The one place where domain errors become HTTP responses. Unknown errors are 500 with a generic message (the
 * details go to the log under the same id, never to the client).
 */
export function toHttpError(err: unknown, id: string): HttpError {
  const domain = findGatewayError(err);
  if (!domain) {
    return { status: 500, headers: {}, body: { error: { code: 'internal', message: 'internal error', id } } };
  }
  const headers: Record<string, string> = {};
  if ('retryAfterSeconds' in domain && typeof domain.retryAfterSeconds === 'number') {
    headers['retry-after'] = String(Math.max(1, Math.ceil(domain.retryAfterSeconds)));
  }
  const body: HttpError['body'] = { error: { code: domain.code, message: domain.message, id } };
  if (domain.details) body.error.details = domain.details;
  return { status: STATUS[domain.code], headers, body };
}
