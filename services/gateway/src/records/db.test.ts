import { UnavailableError, InputError } from '../domain/errors';
import { isDatabaseUnavailable, mapDatabaseError } from './db';

const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('mapDatabaseError', () => {
  it.each([
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['starting up', pgError('57P03', 'the database system is starting up')],
    ['statement timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['too many connections', pgError('53300')],
    ['connection exception class', pgError('08006')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['dropped connection', new Error('Connection terminated unexpectedly')],
  ])('%s → UnavailableError', (_name, err) => {
    const mapped = mapDatabaseError(err);
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect((mapped as Error).message).toBe('database unavailable');
    expect((mapped as Error).cause).toBe(err);
  });

  it('leaves statement errors and gateway errors alone', () => {
    const unique = pgError('23505', 'duplicate key value violates unique constraint');
    expect(mapDatabaseError(unique)).toBe(unique);
    expect(isDatabaseUnavailable(unique)).toBe(false);
    const input = new InputError('bad');
    expect(mapDatabaseError(input)).toBe(input);
  });
});
