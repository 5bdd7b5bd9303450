import { Authenticator } from './auth';
import { ForbiddenError, UnauthorizedError } from '../domain/errors';

const keys = [
  { name: 'line1', role: 'station' as const, key: 'station-key-0123456789' },
  { name: 'qa', role: 'auditor' as const, key: 'auditor-key-0123456789' },
];

describe('Authenticator', () => {
  it('finds the principal of a bearer key', () => {
    const auth = new Authenticator(keys);
    expect(auth.authenticate('Bearer auditor-key-0123456789', '10.0.0.5')).toEqual({
      name: 'qa',
      role: 'auditor',
    });
  });

  it('rejects missing, malformed and unknown keys with 401', () => {
    const auth = new Authenticator(keys);
    expect(() => auth.authenticate(undefined, '10.0.0.5')).toThrow(UnauthorizedError);
    expect(() => auth.authenticate('Basic abc', '10.0.0.5')).toThrow(UnauthorizedError);
    expect(() => auth.authenticate('Bearer station-key-012345678', '10.0.0.5')).toThrow(UnauthorizedError);
  });

  it('without keys accepts loopback callers only', () => {
    const auth = new Authenticator([]);
    expect(auth.authenticate(undefined, '127.0.0.1').role).toBe('admin');
    expect(auth.authenticate(undefined, '::ffff:127.0.0.1').role).toBe('admin');
    expect(() => auth.authenticate(undefined, '192.168.1.20')).toThrow(ForbiddenError);
  });
});
