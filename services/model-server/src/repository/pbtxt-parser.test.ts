import * as protobuf from 'protobufjs';

import { parsePbtxt, parsePbtxtUnnormalized } from './pbtxt-parser';

// A schema written for these tests: one field of every kind the text format has to handle.
const SAMPLE_PROTO = `
syntax = "proto3";
package test;
enum Color { RED = 0; GREEN = 1; BLUE = 2; }
message Inner { string label = 1; repeated int32 values = 2; }
message Sample {
  int32 i32 = 1;
  int64 i64 = 2;
  uint32 u32 = 3;
  uint64 u64 = 4;
  float f = 5;
  double d = 6;
  bool b = 7;
  string s = 8;
  bytes raw = 9;
  Color color = 10;
  repeated Color colors = 11;
  repeated int64 dims = 12;
  repeated string names = 13;
  Inner inner = 14;
  repeated Inner inners = 15;
  map<string, Inner> by_name = 16;
  map<int32, string> by_id = 17;
  oneof choice { string text = 18; Inner nested = 19; }
  sint32 s32 = 20;
  repeated double ds = 21;
  repeated bool flags = 22;
}
`;
const sampleType = protobuf.parse(SAMPLE_PROTO, { keepCase: true }).root.lookupType('test.Sample');

type Sample = Record<string, unknown>;
const parse = (text: string): Sample => parsePbtxt(text, sampleType) as Sample;

describe('parsePbtxt scalars', () => {
  it('reads integers: decimal, negative, hex, octal, 64-bit', () => {
    const sample = parse('i32: -42 u32: 0xFF s32: -0x10 i64: 017 u64: 18446744073709551615');
    expect(sample.i32).toBe(-42);
    expect(sample.u32).toBe(255);
    expect(sample.s32).toBe(-16);
    expect(sample.i64).toBe(15);
    expect(sample.u64).toBe(18446744073709551615);
  });

  it('keeps large 64-bit integers exact up to normalization', () => {
    const raw = parsePbtxtUnnormalized('i64: -9223372036854775808', sampleType);
    expect(raw.i64).toBe('-9223372036854775808');
    expect(parse('i64: 9007199254740991').i64).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads floats: exponents, f suffix, leading dot, integers, inf and nan', () => {
    expect(parse('d: 1.5e3').d).toBe(1500);
    expect(parse('d: -2.5E-2').d).toBe(-0.025);
    expect(parse('f: 2.5f').f).toBe(2.5);
    expect(parse('d: .5').d).toBe(0.5);
    expect(parse('d: 7').d).toBe(7);
    expect(parse('d: inf').d).toBe(Infinity);
    expect(parse('d: -inf').d).toBe(-Infinity);
    expect(parse('d: -Infinity').d).toBe(-Infinity);
    expect(parse('d: nan').d).toBeNaN();
    expect(parse('ds: [1, -1e2, inf, 3.25F]').ds).toEqual([1, -100, Infinity, 3.25]);
  });

  it.each([
    ['true', true],
    ['True', true],
    ['t', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['f', false],
    ['0', false],
  ])('reads bool %s', (text, expected) => {
    expect(parse(`b: ${text}`).b).toBe(expected);
  });

  it('reads strings in single or double quotes, with escapes and concatenation', () => {
    expect(parse(`s: 'it"s'`).s).toBe('it"s');
    expect(parse(String.raw`s: "a\tb\n\\ \' \" \x41\101\u00e9\U0001F600"`).s).toBe('a\tb\n\\ \' " AAé😀');
    expect(parse(`s: "one " 'two '\n  "three"`).s).toBe('one two three');
    expect(parse('s: "héllo"').s).toBe('héllo');
  });

  it('reads bytes, where escapes are raw byte values', () => {
    const raw = parse(String.raw`raw: "\xff\000A" "\001"`).raw;
    expect(Buffer.from(raw as Uint8Array)).toEqual(Buffer.from([0xff, 0x00, 0x41, 0x01]));
  });

  it('reads enums by name or number', () => {
    expect(parse('color: BLUE').color).toBe('BLUE');
    expect(parse('color: 1').color).toBe('GREEN');
    expect(parse('colors: [RED, 2] colors: GREEN').colors).toEqual(['RED', 'BLUE', 'GREEN']);
  });
});

describe('parsePbtxt structure', () => {
  it('accepts every message syntax: {}, : {}, <>', () => {
    expect(parse('inner { label: "a" }').inner).toEqual({ label: 'a', values: [] });
    expect(parse('inner: { label: "b" }').inner).toEqual({ label: 'b', values: [] });
    expect(parse('inner < label: "c" >').inner).toEqual({ label: 'c', values: [] });
    expect(parse('inner: < >').inner).toEqual({ label: '', values: [] });
  });

  it('accepts repeated fields written repeatedly, as lists, or both', () => {
    expect(parse('dims: 16 dims: 3').dims).toEqual([16, 3]);
    expect(parse('dims: [ 16, 3 ]').dims).toEqual([16, 3]);
    expect(parse('dims: [ -1 ] dims: 4 dims: []').dims).toEqual([-1, 4]);
    expect(parse('names: ["a", \'b\'] names: "c"').names).toEqual(['a', 'b', 'c']);
    expect(parse('flags: [true, f, 1]').flags).toEqual([true, false, true]);
    const inners = parse('inners [ { label: "x" }, < label: "y" > ] inners { values: [1, 2] }').inners;
    expect(inners).toEqual([
      { label: 'x', values: [] },
      { label: 'y', values: [] },
      { label: '', values: [1, 2] },
    ]);
    expect(parse('inners: [ ]').inners).toEqual([]);
  });

  it('reads map fields as repeated key/value entries, in any message or list syntax', () => {
    const sample = parse(`
      by_name { key: "a" value: { label: "first" } }
      by_name: { key: "b", value < values: 3 > }
      by_name [ { key: "c" value { } }, { value { label: "no key" } } ]
      by_id { key: 7 value: "seven" }
      by_id { key: -1 value: "minus one" }
      by_id { key: 7 value: "SEVEN" }
    `);
    expect(sample.by_name).toEqual({
      a: { label: 'first', values: [] },
      b: { label: '', values: [3] },
      c: { label: '', values: [] },
      '': { label: 'no key', values: [] },
    });
    // A repeated key replaces the earlier entry, as in protobuf's own parser.
    expect(sample.by_id).toEqual({ '7': 'SEVEN', '-1': 'minus one' });
  });

  it('accepts , and ; between fields, comments and blank space anywhere', () => {
    const sample = parse('# header\ni32: 1, u32: 2; # trailing\n\n  inner {label:"x";values:[1,2],}\r\n');
    expect(sample).toMatchObject({ i32: 1, u32: 2, inner: { label: 'x', values: [1, 2] } });
  });

  it('fills defaults and names the oneof member that is set', () => {
    const sample = parse('nested { label: "n" }');
    expect(sample).toMatchObject({
      i32: 0,
      s: '',
      b: false,
      color: 'RED',
      dims: [],
      by_name: {},
      inner: null,
    });
    expect(sample.nested).toEqual({ label: 'n', values: [] });
    expect(sample.choice).toBe('nested');
    expect(parse('').choice).toBeUndefined();
    expect(parse('text: ""').choice).toBe('text');
  });

  it('accepts an empty document and one of only comments', () => {
    expect(parse('').i32).toBe(0);
    expect(parse('# nothing here\n# at all').s).toBe('');
  });
});
