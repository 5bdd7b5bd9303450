import { createHash } from 'node:crypto';
import { canonicalHash, canonicalJson } from './config-hash';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes non-finite numbers as null, bytes as base64, bigint as a string', () => {
    expect(canonicalJson([NaN, Infinity, Buffer.from([1, 2, 255]), 10n, undefined])).toBe(
      '[null,null,"AQL/","10",null]',
    );
  });

  it('hashes the canonical text with SHA-256', () => {
    const expected = createHash('sha256').update('{"a":1,"b":"x"}').digest('hex');
    expect(canonicalHash({ b: 'x', a: 1 })).toBe(expected);
  });
});
