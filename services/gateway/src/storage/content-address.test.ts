import { InputError } from '../domain/errors';
import {
  contentKey,
  isContentKey,
  parseContentKey,
  parseContentType,
  parseKeyPrefix,
  sha256Hex,
} from './content-address';

describe('content addresses', () => {
  const digest = sha256Hex(Buffer.from('test'));

  it('names bytes sha256/<first two digits>/<full digest>', () => {
    expect(digest).toBe('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    expect(contentKey(digest)).toBe(`sha256/9f/${digest}`);
    expect(parseContentKey(`sha256/9f/${digest}`)).toBe(digest);
    expect(isContentKey(`sha256/9f/${digest}`)).toBe(true);
  });

  it('rejects digests and keys in any other form', () => {
    expect(() => contentKey(digest.toUpperCase())).toThrow(InputError);
    expect(() => contentKey(digest.slice(2))).toThrow(InputError);
    for (const key of [
      `sha256/9e/${digest}`,
      `sha256/9f/${digest}\n`,
      `/sha256/9f/${digest}`,
      `sha256//${digest}`,
    ]) {
      expect(() => parseContentKey(key)).toThrow(InputError);
      expect(isContentKey(key)).toBe(false);
    }
  });

  it('accepts every prefix of a valid key and nothing else', () => {
    const key = contentKey(digest);
    for (let length = 0; length <= key.length; length++) {
      expect(parseKeyPrefix(key.slice(0, length))).toBe(key.slice(0, length));
    }
    for (const prefix of ['x', 'sha256/9G', 'sha256/9f/9e', 'sha256/9f9', `${key}a`, 'SHA256/']) {
      expect(() => parseKeyPrefix(prefix)).toThrow(InputError);
    }
  });

  it('normalises the case of a MIME type and keeps its parameters', () => {
    expect(parseContentType('Image/PNG')).toBe('image/png');
    expect(parseContentType('text/plain; charset=UTF-8')).toBe('text/plain; charset=UTF-8');
    expect(() => parseContentType('image/png;')).toThrow(InputError);
  });
});
