/**
 * The audit row's canonical encoding (`audit-v1`), computed here exactly as the database's
 * `audit_row_canonical()` computes it inside the insert trigger, so the verifier can recompute every hash
 * without trusting the database's functions:
 *
 *   ["audit-v1",<seq>,"<id>","<actor id>","<actor role>","<action>","<entity type>","<entity id>",
 *    <reason or null>,<corrects id or null>,<canonical payload>,"<recorded_at>","<prev hash>"]
 *
 * - strings are JSON strings (escapes as JSON.stringify and Postgres's to_json agree on: \" \\ \b \f \n \r \t,
 *   other control characters as \u00xx, everything else literal UTF-8);
 * - the payload is canonical JSON: object keys sorted by Unicode code point (Postgres: COLLATE "C" on UTF-8
 *   bytes), no whitespace, numbers written exactly as jsonb prints them (so it is computed from the jsonb text,
 *   never from JavaScript numbers, which would turn 1.0 into 1 and 0.0000001 into 1e-7);
 * - recorded_at is UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (microseconds);
 * - row_hash = lowercase hex SHA-256 of the UTF-8 bytes of that text.
 */
import { createHash } from 'node:crypto';
import type { ChainRow } from './audit-types';

export function auditRowCanonical(row: ChainRow): string {
  const str = (s: string): string => JSON.stringify(s);
  const nullable = (s: string | null): string => (s === null ? 'null' : str(s));
  return `[${[
    '"audit-v1"',
    String(row.seq),
    str(row.id),
    str(row.actorId),
    str(row.actorRole),
    str(row.action),
    str(row.entityType),
    str(row.entityId),
    nullable(row.reason),
    nullable(row.correctsId),
    canonicalJsonText(row.payloadText),
    str(row.recordedAt),
    str(row.prevHash),
  ].join(',')}]`;
}

export function auditRowHash(row: ChainRow): string {
  return createHash('sha256').update(auditRowCanonical(row), 'utf8').digest('hex');
}

const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Canonical form of a JSON text: keys sorted by code point, no whitespace, string escapes normalised, number
 * tokens kept verbatim. Throws on malformed JSON.
 */
export function canonicalJsonText(text: string): string {
  const parser = new CanonicalParser(text);
  const out = parser.value(0);
  parser.end();
  return out;
}

class CanonicalParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  value(depth: number): string {
    if (depth > MAX_DEPTH) throw new SyntaxError('JSON nested too deeply');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return JSON.stringify(this.string());
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return literal;
      }
    }
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) throw new SyntaxError(`unexpected JSON at ${this.pos}`);
    this.pos += match[0].length;
    return match[0];
  }

  end(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) throw new SyntaxError(`trailing JSON at ${this.pos}`);
  }

  private object(depth: number): string {
    this.pos++; // {
    const members: Array<[string, string]> = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return '{}';
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') throw new SyntaxError(`expected a key at ${this.pos}`);
      const key = this.string();
      this.expect(':');
      members.push([key, this.value(depth + 1)]);
      if (this.separator('}')) break;
    }
    members.sort(([a], [b]) => compareCodePoints(a, b));
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }

  private array(depth: number): string {
    this.pos++; // [
    const items: string[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return '[]';
    }
    for (;;) {
      items.push(this.value(depth + 1));
      if (this.separator(']')) break;
    }
    return `[${items.join(',')}]`;
  }

  /** Consumes `,` (returns false) or the closing character (returns true). */
  private separator(close: string): boolean {
    this.skipSpace();
    const c = this.text[this.pos++];
    if (c === ',') return false;
    if (c === close) return true;
    throw new SyntaxError(`expected ',' or '${close}' at ${this.pos - 1}`);
  }

  /** Reads a JSON string token and returns its decoded value. */
  private string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) throw new SyntaxError('unterminated JSON string');
      if (c === '\\') this.pos += 2;
      else if (c === '"') break;
      else this.pos++;
    }
    this.pos++; // closing quote
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== c) throw new SyntaxError(`expected '${c}' at ${this.pos}`);
    this.pos++;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') return;
      this.pos++;
    }
  }
}

/** Orders strings by Unicode code point, i.e. by their UTF-8 bytes (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
