import {
  DeadlineError,
  InputError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnavailableError,
  UndecodableImageError,
  UnsupportedMediaTypeError,
  UnusableImageError,
} from '../domain/errors';
import { toHttpError } from './error-mapping';

describe('toHttpError', () => {
  it.each([
    [new InputError('x'), 400],
    [new PayloadTooLargeError('x'), 413],
    [new UnsupportedMediaTypeError('x'), 415],
    [new UndecodableImageError('x'), 422],
    [new UnusableImageError('x'), 422],
    [new TooManyRequestsError('x', 2), 429],
    [new UnavailableError('x', 3), 503],
    [new DeadlineError('x'), 504],
  ])('maps %p to %d', (err, status) => {
    expect(toHttpError(err, 'id1').status).toBe(status);
  });

  it('adds Retry-After for back-pressure and unavailability', () => {
    expect(toHttpError(new TooManyRequestsError('full', 2.2), 'r').headers['retry-after']).toBe('3');
    expect(toHttpError(new UnavailableError('down', 5), 'r').headers['retry-after']).toBe('5');
  });

  it('finds a domain error in the cause chain and hides unknown errors', () => {
    const wrapped = new Error('outer', { cause: new DeadlineError('too slow') });
    expect(toHttpError(wrapped, 'r').status).toBe(504);
    const unknown = toHttpError(new Error('secret connection string'), 'req-9');
    expect(unknown.status).toBe(500);
    expect(unknown.body.error).toEqual({ code: 'internal', message: 'internal error', id: 'req-9' });
  });
});
