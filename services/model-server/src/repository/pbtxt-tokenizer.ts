/**
 * Tokenizer for protobuf text format (the syntax of Triton's config.pbtxt). Positions are 1-based lines and
 * columns, counted in UTF-16 code units; a tab counts as one column.
 */

export type TokenKind = 'identifier' | 'number' | 'string' | 'symbol' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The token as written in the source (for strings: including the quotes). */
  readonly text: string;
  /** String tokens only: the value with escapes decoded, as bytes. */
  readonly bytes?: Uint8Array;
  readonly line: number;
  readonly column: number;
}

/** A lexical error; the parser adds the file and field before reporting it as a ConfigError. */
export class LexError extends Error {
  override readonly name = 'LexError';

  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${detail}`);
  }
}

const SYMBOLS = new Set(['{', '}', '<', '>', '[', ']', ':', ',', ';', '-', '/']);
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
// Decimal, octal or hex integers and floats (`1.`, `.5`, `1e-3`, `2.5f`). Signs are separate tokens.
const NUMBER = /0[xX][0-9A-Fa-f]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?/y;
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  '?': 0x3f,
};

export class PbtxtTokenizer {
  private pos = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly source: string) {}

  /** Reads the next token; after the end of the input, returns `eof` tokens. */
  next(): Token {
    this.skipSpaceAndComments();
    const line = this.line;
    const column = this.column;
    const ch = this.source[this.pos];
    if (ch === undefined) return { kind: 'eof', text: '', line, column };
    if (ch === '"' || ch === "'") return this.readString(ch, line, column);
    const identifier = this.match(IDENTIFIER);
    if (identifier !== undefined) return this.take('identifier', identifier, line, column);
    const number = this.match(NUMBER);
    if (number !== undefined) {
      const after = this.source[this.pos + number.length];
      if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) {
        const bad = /[A-Za-z0-9_.+-]*/y;
        bad.lastIndex = this.pos;
        throw new LexError(`invalid number '${bad.exec(this.source)?.[0] ?? number}'`, line, column);
      }
      return this.take('number', number, line, column);
    }
    if (SYMBOLS.has(ch)) return this.take('symbol', ch, line, column);
    throw new LexError(`unexpected character ${JSON.stringify(ch)}`, line, column);
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    return pattern.exec(this.source)?.[0];
  }

  /** Consumes `text`, which contains no line break. */
  private take(kind: TokenKind, text: string, line: number, column: number): Token {
    this.pos += text.length;
    this.column += text.length;
    return { kind, text, line, column };
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === '\n') {
        this.pos += 1;
        this.line += 1;
        this.column = 1;
      } else if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') {
        this.pos += 1;
        this.column += 1;
      } else if (ch === '#') {
        const end = this.source.indexOf('\n', this.pos);
        const stop = end === -1 ? this.source.length : end;
        this.column += stop - this.pos;
        this.pos = stop;
      } else {
        return;
      }
    }
  }

  private readString(quote: string, line: number, column: number): Token {
    const start = this.pos;
    const bytes: number[] = [];
    let i = this.pos + 1;
    for (;;) {
      const ch = this.source[i];
      if (ch === undefined || ch === '\n' || ch === '\r') {
        throw new LexError('unterminated string', line, column);
      }
      if (ch === quote) {
        i += 1;
        break;
      }
      if (ch === '\\') {
        i = this.readEscape(i, bytes, line, column + (i - start));
        continue;
      }
      const codePoint = this.source.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(codePoint);
      for (const byte of Buffer.from(char, 'utf8')) bytes.push(byte);
      i += char.length;
    }
    const text = this.source.slice(start, i);
    this.pos = i;
    this.column += text.length;
    return { kind: 'string', text, bytes: Uint8Array.from(bytes), line, column };
  }

  /** Decodes the escape sequence starting at the backslash at `i`; returns the index after it. */
  private readEscape(i: number, bytes: number[], line: number, column: number): number {
    const kind = this.source[i + 1];
    const simple = kind === undefined ? undefined : SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      bytes.push(simple);
      return i + 2;
    }
    const digits = (pattern: RegExp, from: number): string => {
      pattern.lastIndex = from;
      return pattern.exec(this.source)?.[0] ?? '';
    };
    if (kind !== undefined && kind >= '0' && kind <= '7') {
      const octal = digits(/[0-7]{1,3}/y, i + 1);
      const value = parseInt(octal, 8);
      if (value > 0xff) throw new LexError(`octal escape '\\${octal}' is out of range`, line, column);
      bytes.push(value);
      return i + 1 + octal.length;
    }
    if (kind === 'x' || kind === 'X') {
      const hex = digits(/[0-9A-Fa-f]{1,2}/y, i + 2);
      if (hex === '') throw new LexError("'\\x' escape needs hex digits", line, column);
      bytes.push(parseInt(hex, 16));
      return i + 2 + hex.length;
    }
    if (kind === 'u' || kind === 'U') {
      const width = kind === 'u' ? 4 : 8;
      const hex = digits(new RegExp(`[0-9A-Fa-f]{${width}}`, 'y'), i + 2);
      const codePoint = parseInt(hex, 16);
      if (hex === '' || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
        throw new LexError(
          `invalid '\\${kind}' escape (needs ${width} hex digits of a code point)`,
          line,
          column,
        );
      }
      for (const byte of Buffer.from(String.fromCodePoint(codePoint), 'utf8')) bytes.push(byte);
      return i + 2 + width;
    }
    const shown = kind === undefined || kind === '\n' ? '' : kind;
    throw new LexError(`invalid escape sequence '\\${shown}' in string`, line, column);
  }
}
