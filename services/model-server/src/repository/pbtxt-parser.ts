import type * as protobuf from 'protobufjs';

import { ConfigError } from './config-error';
import { defaultValue, joinPath, messageSpec, type FieldSpec, type MessageSpec } from './field-schema';
import { normalizeMessage } from './message-normalizer';
import { closestName, describeToken, PbtxtValueReader } from './pbtxt-values';
import { LexError, PbtxtTokenizer, type Token } from './pbtxt-tokenizer';

export interface PbtxtParseOptions {
  /** Names the source in error messages; defaults to `config.pbtxt`. */
  readonly file?: string;
}

/**
 * Parses protobuf text format into a plain object of `type`'s output shape (see `normalizeMessage`).
 * Syntax, unknown fields, type mismatches, out-of-range numbers, bad enum names, repeated singular fields
 * and two members of one oneof are all reported as a ConfigError naming the file, line, column and field.
 * `type` should come from a `keepCase` load so that field names match the text.
 */
export function parsePbtxt(text: string, type: protobuf.Type, options: PbtxtParseOptions = {}): unknown {
  const file = options.file ?? 'config.pbtxt';
  const plain = parsePbtxtUnnormalized(text, type, file);
  return normalizeMessage(type, plain, file);
}

/** The checked plain object before normalization: only the fields written, enums by name. */
export function parsePbtxtUnnormalized(
  text: string,
  type: protobuf.Type,
  file = 'config.pbtxt',
): Record<string, unknown> {
  const parser = new PbtxtParser(new PbtxtTokenizer(text), file);
  return parser.parseDocument(messageSpec(type));
}

const CLOSING: Readonly<Record<string, string>> = { '{': '}', '<': '>' };

class PbtxtParser extends PbtxtValueReader {
  private lookahead: Token | undefined;
  /** Path of the field being read, for errors raised by the tokenizer. */
  private context = '';

  constructor(
    private readonly tokenizer: PbtxtTokenizer,
    file: string,
  ) {
    super(file);
  }

  parseDocument(spec: MessageSpec): Record<string, unknown> {
    return this.parseFields(spec, '', undefined);
  }

  protected override peek(): Token {
    if (this.lookahead === undefined) {
      try {
        this.lookahead = this.tokenizer.next();
      } catch (err) {
        if (!(err instanceof LexError)) throw err;
        const where = this.context === '' ? '' : ` in field '${this.context}'`;
        throw new ConfigError(
          `${err.detail}${where}`,
          { file: this.file, line: err.line, column: err.column, field: this.context || undefined },
          { cause: err },
        );
      }
    }
    return this.lookahead;
  }

  protected override next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  /** Reads `name: value` pairs until `closing` (or the end of input for the document itself). */
  private parseFields(spec: MessageSpec, path: string, closing: string | undefined): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const seen = new Set<string>();
    const oneofMembers = new Map<string, string>();
    for (;;) {
      this.context = path;
      const token = this.peek();
      if (closing === undefined ? token.kind === 'eof' : this.isSymbol(token, closing)) {
        this.next();
        return result;
      }
      if (token.kind === 'eof') {
        throw this.fail(token, path, `expected '${closing}' to close '${path}', got end of input`);
      }
      if (token.kind !== 'identifier') {
        const hint = this.isSymbol(token, '[') ? ' (extension and Any fields are not supported)' : '';
        const owner = path === '' ? spec.typeName : `'${path}'`;
        throw this.fail(token, path, `expected a field name in ${owner}, got ${describeToken(token)}${hint}`);
      }
      this.next();
      const field = spec.fields.get(token.text);
      const fieldPath = joinPath(path, token.text);
      if (field === undefined) throw this.unknownField(token, spec, path);
      if (!field.repeated && seen.has(field.name)) {
        throw this.fail(token, fieldPath, `field '${fieldPath}' is specified more than once`);
      }
      if (field.oneof !== undefined) {
        const other = oneofMembers.get(field.oneof);
        if (other !== undefined && other !== field.name) {
          const otherPath = joinPath(path, other);
          const detail = `field '${fieldPath}' conflicts with '${otherPath}': both belong to oneof '${field.oneof}'`;
          throw this.fail(token, fieldPath, detail);
        }
        oneofMembers.set(field.oneof, field.name);
      }
      seen.add(field.name);
      this.context = fieldPath;
      this.parseFieldValue(field, fieldPath, result);
      this.context = path;
      const separator = this.peek();
      if (this.isSymbol(separator, ',') || this.isSymbol(separator, ';')) this.next();
    }
  }

  private parseFieldValue(field: FieldSpec, path: string, target: Record<string, unknown>): void {
    const isMessage = field.kind === 'message';
    const colon = this.peek();
    if (this.isSymbol(colon, ':')) this.next();
    else if (!isMessage)
      throw this.fail(colon, path, `expected ':' after '${path}', got ${describeToken(colon)}`);

    const opening = this.peek();
    if (this.isSymbol(opening, '[')) {
      if (!field.repeated) {
        throw this.fail(
          opening,
          path,
          `field '${path}' is not repeated; list syntax '[ ... ]' is not allowed`,
        );
      }
      this.next();
      this.ensureContainer(field, target);
      if (this.isSymbol(this.peek(), ']')) {
        this.next();
        return;
      }
      for (;;) {
        this.parseOneValue(field, path, target);
        const after = this.next();
        if (this.isSymbol(after, ']')) return;
        if (!this.isSymbol(after, ',')) {
          throw this.fail(
            after,
            path,
            `expected ',' or ']' in the list of '${path}', got ${describeToken(after)}`,
          );
        }
      }
    }
    this.parseOneValue(field, path, target);
  }

  private ensureContainer(field: FieldSpec, target: Record<string, unknown>): void {
    if (field.repeated && target[field.name] === undefined) target[field.name] = field.isMap ? {} : [];
  }

  /** Reads one value of `field` and stores it in `target` (appending to lists and maps). */
  private parseOneValue(field: FieldSpec, path: string, target: Record<string, unknown>): void {
    this.ensureContainer(field, target);
    const container = target[field.name];
    const elementPath =
      field.repeated && !field.isMap && Array.isArray(container) ? `${path}[${container.length}]` : path;
    let value: unknown;
    switch (field.kind) {
      case 'message':
        value = this.parseMessageValue(field.message, elementPath);
        break;
      case 'enum':
        value = this.readEnum(field.enumType, elementPath);
        break;
      case 'scalar':
        value = this.readScalar(field.scalar, elementPath);
        break;
    }
    if (field.isMap) {
      this.storeMapEntry(field, path, value as Record<string, unknown>, container as Record<string, unknown>);
    } else if (Array.isArray(container)) {
      container.push(value);
    } else {
      target[field.name] = value;
    }
  }

  private parseMessageValue(spec: MessageSpec, path: string): Record<string, unknown> {
    const open = this.next();
    const closing = open.kind === 'symbol' ? CLOSING[open.text] : undefined;
    if (closing === undefined) {
      throw this.fail(open, path, `field '${path}' expects a message '{ ... }', got ${describeToken(open)}`);
    }
    return this.parseFields(spec, path, closing);
  }

  private storeMapEntry(
    field: FieldSpec,
    path: string,
    entry: Record<string, unknown>,
    map: Record<string, unknown>,
  ): void {
    if (field.kind !== 'message') return;
    const keySpec = field.message.fields.get('key');
    const valueSpec = field.message.fields.get('value');
    if (keySpec === undefined || valueSpec === undefined) return;
    const key = String(entry.key ?? defaultValue(keySpec));
    if (key === '__proto__') {
      throw new ConfigError(`map key '__proto__' is not allowed in '${path}'`, {
        file: this.file,
        field: path,
      });
    }
    // As in protobuf's own text parser, a repeated key replaces the earlier entry.
    map[key] = entry.value ?? defaultValue(valueSpec);
  }

  private unknownField(token: Token, spec: MessageSpec, path: string): ConfigError {
    const where = path === '' ? '' : ` (at '${path}')`;
    const guess = closestName(token.text, [...spec.fields.keys()]);
    const hint = guess === undefined ? '' : `; did you mean '${guess}'?`;
    const detail = `unknown field '${token.text}' in ${spec.typeName}${where}${hint}`;
    return this.fail(token, joinPath(path, token.text), detail);
  }
}
