import { ConfigError, findConfigError, formatLocation } from './config-error';

describe('ConfigError', () => {
  it('prefixes the message with as much of the location as is known', () => {
    expect(new ConfigError('bad', { file: 'a/config.pbtxt', line: 3, column: 7, field: 'x' }).message).toBe(
      'a/config.pbtxt:3:7: bad',
    );
    expect(new ConfigError('bad', { file: 'config override', field: 'x' }).message).toBe(
      'config override: bad',
    );
    expect(new ConfigError('bad', { file: 'f' }, { message: 'custom' })).toMatchObject({
      message: 'custom',
      detail: 'bad',
    });
    expect(formatLocation({ file: 'f', line: 2 })).toBe('f:2');
  });

  it('is found through a cause chain', () => {
    const config = new ConfigError('bad', { file: 'f' });
    const wrapped = new Error('load failed', { cause: new Error('middle', { cause: config }) });
    expect(findConfigError(wrapped)).toBe(config);
    expect(findConfigError(new Error('other'))).toBeUndefined();
    expect(findConfigError('not an error')).toBeUndefined();
  });
});
