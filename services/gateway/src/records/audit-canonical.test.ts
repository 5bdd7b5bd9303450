import { auditRowCanonical, canonicalJsonText, compareCodePoints } from './audit-canonical';
import { GENESIS_HASH } from './audit-types';

describe('canonicalJsonText', () => {
  it('sorts keys at every level, drops whitespace, keeps number spelling', () => {
    expect(canonicalJsonText('{ "b": [1.0, 1e-7, {"z": 0, "a": -0.50}], "a": "x" }')).toBe(
      '{"a":"x","b":[1.0,1e-7,{"a":-0.50,"z":0}]}',
    );
  });

  it('normalises string escapes to the JSON.stringify spelling', () => {
    expect(canonicalJsonText('"\\u0041\\/\\u00e9\\u001F"')).toBe('"A/é\\u001f"');
  });

  it('orders keys by code point, not UTF-16 unit', () => {
    expect(canonicalJsonText('{"😀":1,"\uffff":2}')).toBe('{"\uffff":2,"😀":1}');
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0);
    expect('\uffff' < '😀').toBe(false);
  });

  it('rejects malformed JSON', () => {
    for (const bad of ['{', '{"a" 1}', '[1,]', '01', '"open', '{} x', '{"a":1,}']) {
      expect(() => canonicalJsonText(bad)).toThrow(SyntaxError);
    }
  });
});

describe('auditRowCanonical', () => {
  it('is a versioned JSON array of the hashed fields', () => {
    const canonical = auditRowCanonical({
      seq: 1,
      id: '6f1c1f8e-0000-4000-8000-000000000001',
      actorId: 'a "b"',
      actorRole: 'station',
      action: 'inspection.decided',
      entityType: 'inspection',
      entityId: 'i1',
      reason: null,
      correctsId: null,
      payloadText: '{"b": 1, "a": 2}',
      recordedAt: '2026-11-25T17:00:00.123456Z',
      prevHash: GENESIS_HASH,
      rowHash: 'ignored',
    });
    expect(JSON.parse(canonical)).toEqual([
      'audit-v1',
      1,
      '6f1c1f8e-0000-4000-8000-000000000001',
      'a "b"',
      'station',
      'inspection.decided',
      'inspection',
      'i1',
      null,
      null,
      { a: 2, b: 1 },
      '2026-11-25T17:00:00.123456Z',
      GENESIS_HASH,
    ]);
    expect(canonical).toContain(',{"a":2,"b":1},');
  });
});
