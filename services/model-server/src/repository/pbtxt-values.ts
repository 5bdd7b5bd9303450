import type * as protobuf from 'protobufjs';

import { ConfigError } from './config-error';
import { integerRange, integerValue, type IntegerType, type ScalarType } from './field-schema';
import type { Token } from './pbtxt-tokenizer';

const TRUE_WORDS = new Set(['true', 'True', 't']);
const FALSE_WORDS = new Set(['false', 'False', 'f']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads scalar and enum values of protobuf text format from a token stream. */
export abstract class PbtxtValueReader {
  constructor(protected readonly file: string) {}

  protected abstract peek(): Token;
  protected abstract next(): Token;

  protected isSymbol(token: Token, text: string): boolean {
    return token.kind === 'symbol' && token.text === text;
  }

  protected fail(token: Token, field: string, detail: string): ConfigError {
    return new ConfigError(detail, {
      file: this.file,
      line: token.line,
      column: token.column,
      field: field === '' ? undefined : field,
    });
  }

  /** A value for `fromObject`: string, Buffer, boolean, number, or a decimal string for huge 64-bit ints. */
  protected readScalar(type: ScalarType, path: string): unknown {
    if (type === 'string') {
      const [first, bytes] = this.readStringBytes(path);
      try {
        return utf8.decode(bytes);
      } catch {
        throw this.fail(first, path, `field '${path}' is a string but its value is not valid UTF-8`);
      }
    }
    if (type === 'bytes') return Buffer.from(this.readStringBytes(path)[1]);
    if (type === 'bool') return this.readBool(path);
    if (type === 'float' || type === 'double') return this.readFloat(type, path);
    return this.readInteger(type, path);
  }

  /** The enum value's name; numbers are accepted when the enum defines them. */
  protected readEnum(enumType: protobuf.Enum, path: string): string {
    const minus = this.readMinus();
    const token = this.next();
    let name: string | undefined;
    if (token.kind === 'identifier' && minus === undefined) {
      name = Object.hasOwn(enumType.values, token.text) ? token.text : undefined;
    } else if (token.kind === 'number') {
      const value = parseInteger(token.text);
      if (value !== undefined) name = enumType.valuesById[Number(minus === undefined ? value : -value)];
    } else {
      throw this.fail(token, path, `field '${path}' expects an enum value, got ${describeToken(token)}`);
    }
    if (name === undefined) {
      const names = Object.keys(enumType.values);
      const shown = names.length > 16 ? [...names.slice(0, 16), '...'] : names;
      const written = `${minus === undefined ? '' : '-'}${token.text}`;
      const detail =
        `field '${path}': unknown value '${written}' for enum ${enumType.fullName.replace(/^\./, '')}` +
        ` (expected one of ${shown.join(', ')})`;
      throw this.fail(token, path, detail);
    }
    return name;
  }

  /** One string token, or several adjacent ones concatenated, as bytes. */
  private readStringBytes(path: string): [Token, Uint8Array] {
    const first = this.next();
    if (first.kind !== 'string' || first.bytes === undefined) {
      throw this.fail(first, path, `field '${path}' expects a quoted string, got ${describeToken(first)}`);
    }
    const parts = [first.bytes];
    for (let token = this.peek(); token.kind === 'string' && token.bytes !== undefined; token = this.peek()) {
      parts.push(token.bytes);
      this.next();
    }
    return [first, parts.length === 1 ? first.bytes : Buffer.concat(parts)];
  }

  private readBool(path: string): boolean {
    const token = this.next();
    if (token.kind === 'identifier' && TRUE_WORDS.has(token.text)) return true;
    if (token.kind === 'identifier' && FALSE_WORDS.has(token.text)) return false;
    if (token.kind === 'number' && (token.text === '1' || token.text === '0')) return token.text === '1';
    throw this.fail(
      token,
      path,
      `field '${path}' expects a bool (true or false), got ${describeToken(token)}`,
    );
  }

  private readFloat(type: 'float' | 'double', path: string): number {
    const minus = this.readMinus();
    const token = this.next();
    const sign = minus === undefined ? 1 : -1;
    if (token.kind === 'number') {
      if (/^0[xX]/.test(token.text)) return sign * Number(token.text);
      return sign * Number(token.text.replace(/[fF]$/, ''));
    }
    if (token.kind === 'identifier') {
      const word = token.text.toLowerCase();
      if (word === 'inf' || word === 'infinity') return sign * Infinity;
      if (word === 'nan') return NaN;
    }
    throw this.fail(token, path, `field '${path}' expects a number (${type}), got ${describeToken(token)}`);
  }

  private readInteger(type: IntegerType, path: string): number | string {
    const minus = this.readMinus();
    const token = this.next();
    if (token.kind !== 'number') {
      throw this.fail(
        token,
        path,
        `field '${path}' expects an integer (${type}), got ${describeToken(token)}`,
      );
    }
    const magnitude = parseInteger(token.text);
    if (magnitude === undefined) {
      const detail = `field '${path}' expects an integer (${type}), got ${describeToken(token)}`;
      throw this.fail(token, path, detail);
    }
    const value = minus === undefined ? magnitude : -magnitude;
    const [min, max] = integerRange(type);
    if (value < min || value > max) {
      const written = `${minus === undefined ? '' : '-'}${token.text}`;
      throw this.fail(minus ?? token, path, `field '${path}': value ${written} is out of range for ${type}`);
    }
    return integerValue(value);
  }

  private readMinus(): Token | undefined {
    const token = this.peek();
    if (!this.isSymbol(token, '-')) return undefined;
    this.next();
    return token;
  }
}

/** Decimal, `0x` hex or `0`-prefixed octal digits as a bigint; undefined for anything else (floats). */
export function parseInteger(text: string): bigint | undefined {
  if (/^0[xX][0-9A-Fa-f]+$/.test(text)) return BigInt(text);
  if (/^0[0-7]+$/.test(text)) return BigInt(`0o${text.slice(1)}`);
  if (/^(?:0|[1-9][0-9]*)$/.test(text)) return BigInt(text);
  return undefined;
}

/** How a token is named in error messages. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return `string ${token.text.length > 40 ? `${token.text.slice(0, 37)}...` : token.text}`;
    case 'number':
      return `number ${token.text}`;
    case 'identifier':
    case 'symbol':
      return `'${token.text}'`;
  }
}

/** The candidate nearest to `name` by edit distance, when near enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = name.length < 5 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
