// Asserts that a gRPC call fails with the status code and message from the Triton error table.
import { status } from '@grpc/grpc-js';
import type { ExpectedGrpcError } from './triton-errors';

interface GrpcFailure {
  code: string;
  message: string;
}

function describeFailure(err: unknown): GrpcFailure {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  const code =
    typeof e.code === 'number' ? (status[e.code] ?? String(e.code)) : `not a gRPC error (${String(e.code)})`;
  const message = typeof e.details === 'string' ? e.details : String(e.message);
  return { code, message };
}

/** Awaits `call` and checks it failed with exactly `expected` (code name and message). */
export async function expectGrpcError(call: Promise<unknown>, expected: ExpectedGrpcError): Promise<void> {
  const outcome = await call.then(
    () => undefined,
    (err: unknown) => describeFailure(err),
  );
  if (outcome === undefined) {
    throw new Error(
      `expected ${status[expected.code]} "${String(expected.message)}", but the call succeeded`,
    );
  }
  expect(outcome).toEqual({
    code: status[expected.code],
    message:
      typeof expected.message === 'string' ? expected.message : expect.stringMatching(expected.message),
  });
}

/** Checks a message (e.g. ModelStreamInferResponse.error_message) against the table, ignoring the code. */
export function expectErrorMessage(actual: string, expected: ExpectedGrpcError): void {
  if (typeof expected.message === 'string') expect(actual).toBe(expected.message);
  else expect(actual).toMatch(expected.message);
}

/** The outcome of a call that may fail: the response, or the failure's code name and message. */
export async function settle<T>(
  call: Promise<T>,
): Promise<{ ok: true; value: T } | ({ ok: false } & GrpcFailure)> {
  return call.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, ...describeFailure(err) }),
  );
}
