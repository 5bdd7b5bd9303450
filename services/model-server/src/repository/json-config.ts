import type * as protobuf from 'protobufjs';

import { ConfigError } from './config-error';
import {
  integerRange,
  integerValue,
  isIntegerType,
  joinPath,
  messageSpec,
  type FieldSpec,
  type FieldValueSpec,
  type IntegerType,
  type MessageSpec,
  type ScalarType,
} from './field-schema';
import { normalizeMessage } from './message-normalizer';

/**
 * Parses JSON text of a message (protobuf's JSON mapping, as Triton's RepositoryModelLoad `config`
 * parameter carries it) into `type`'s plain output shape. Field names may be the proto names or their
 * lowerCamelCase JSON names; `null` means "not set"; the virtual oneof fields of the plain shape (e.g.
 * `scheduling_choice`) are accepted when they agree with the member that is set. Unknown fields, wrong
 * types and bad enum names are reported as a ConfigError naming `file` and the field path.
 */
export function parseJsonMessage(json: string, type: protobuf.Type, file: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`invalid JSON: ${reason}`, { file }, { cause: err });
  }
  const plain = new JsonChecker(file).message(messageSpec(type), parsed, '');
  return normalizeMessage(type, plain, file);
}

class JsonChecker {
  constructor(private readonly file: string) {}

  message(spec: MessageSpec, value: unknown, path: string): Record<string, unknown> {
    if (!isPlainObject(value)) throw this.fail(path, `expected a JSON object, got ${describe(value)}`);
    const byName = new Map<string, FieldSpec>();
    for (const field of spec.fields.values()) byName.set(field.name, field).set(field.jsonName, field);
    const result: Record<string, unknown> = {};
    const oneofMembers = new Map<string, string>();
    const oneofClaims = new Map<string, unknown>();
    for (const [key, raw] of Object.entries(value)) {
      const field = byName.get(key);
      const fieldPath = joinPath(path, key);
      if (field === undefined) {
        if (this.isOneofName(spec, key)) {
          oneofClaims.set(key, raw);
          continue;
        }
        const where = path === '' ? '' : ` (at '${path}')`;
        throw this.fail(fieldPath, `unknown field '${key}' in ${spec.typeName}${where}`);
      }
      if (raw === null) continue;
      if (Object.hasOwn(result, field.name)) {
        throw this.fail(
          fieldPath,
          `field '${field.name}' is given twice (as '${field.name}' and '${field.jsonName}')`,
        );
      }
      if (field.oneof !== undefined) {
        const other = oneofMembers.get(field.oneof);
        if (other !== undefined) {
          throw this.fail(
            fieldPath,
            `field '${fieldPath}' conflicts with '${joinPath(path, other)}' (oneof '${field.oneof}')`,
          );
        }
        oneofMembers.set(field.oneof, field.name);
      }
      result[field.name] = this.field(field, raw, joinPath(path, field.name));
    }
    for (const [oneof, claim] of oneofClaims) {
      const member = oneofMembers.get(oneof);
      if (claim !== null && claim !== member) {
        throw this.fail(
          joinPath(path, oneof),
          `'${oneof}' names ${describe(claim)} but the member set is ${member ?? 'none'}`,
        );
      }
    }
    return result;
  }

  private isOneofName(spec: MessageSpec, key: string): boolean {
    for (const field of spec.fields.values()) if (field.oneof === key) return true;
    return false;
  }

  private field(field: FieldSpec, raw: unknown, path: string): unknown {
    if (field.isMap && field.kind === 'message') return this.map(field.message, raw, path);
    if (field.repeated) {
      if (!Array.isArray(raw)) throw this.fail(path, `expected a JSON array, got ${describe(raw)}`);
      return raw.map((element, i) => this.value(field, element, `${path}[${i}]`));
    }
    return this.value(field, raw, path);
  }

  private map(entry: MessageSpec, raw: unknown, path: string): Record<string, unknown> {
    const keySpec = entry.fields.get('key');
    const valueSpec = entry.fields.get('value');
    if (keySpec === undefined || valueSpec === undefined) throw new Error(`malformed map entry at ${path}`);
    if (!isPlainObject(raw)) throw this.fail(path, `expected a JSON object (a map), got ${describe(raw)}`);
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      const entryPath = `${path}[${JSON.stringify(key)}]`;
      if (key === '__proto__') throw this.fail(entryPath, `map key '__proto__' is not allowed`);
      if (keySpec.kind === 'scalar' && isIntegerType(keySpec.scalar))
        this.integer(keySpec.scalar, key, entryPath);
      if (keySpec.kind === 'scalar' && keySpec.scalar === 'bool' && key !== 'true' && key !== 'false') {
        throw this.fail(entryPath, `map key must be 'true' or 'false'`);
      }
      if (value === null) throw this.fail(entryPath, 'map values cannot be null');
      result[key] = this.value(valueSpec, value, entryPath);
    }
    return result;
  }

  private value(spec: FieldValueSpec, raw: unknown, path: string): unknown {
    switch (spec.kind) {
      case 'message':
        return this.message(spec.message, raw, path);
      case 'enum': {
        const enumType = spec.enumType;
        if (typeof raw === 'string' && Object.hasOwn(enumType.values, raw)) return raw;
        if (typeof raw === 'number' && enumType.valuesById[raw] !== undefined)
          return enumType.valuesById[raw];
        const names = Object.keys(enumType.values).join(', ');
        const typeName = enumType.fullName.replace(/^\./, '');
        throw this.fail(
          path,
          `unknown value ${describe(raw)} for enum ${typeName} (expected one of ${names})`,
        );
      }
      case 'scalar':
        return this.scalar(spec.scalar, raw, path);
    }
  }

  private scalar(type: ScalarType, raw: unknown, path: string): unknown {
    if (type === 'string') {
      if (typeof raw !== 'string') throw this.fail(path, `expected a string, got ${describe(raw)}`);
      return raw;
    }
    if (type === 'bytes') {
      if (typeof raw !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(raw)) {
        throw this.fail(path, `expected base64 bytes, got ${describe(raw)}`);
      }
      return Buffer.from(raw, 'base64');
    }
    if (type === 'bool') {
      if (typeof raw !== 'boolean') throw this.fail(path, `expected true or false, got ${describe(raw)}`);
      return raw;
    }
    if (type === 'float' || type === 'double') return this.float(raw, path);
    return this.integer(type, raw, path);
  }

  private float(raw: unknown, path: string): number {
    if (typeof raw === 'number') return raw;
    if (raw === 'NaN') return NaN;
    if (raw === 'Infinity') return Infinity;
    if (raw === '-Infinity') return -Infinity;
    if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
    throw this.fail(path, `expected a number, got ${describe(raw)}`);
  }

  private integer(type: IntegerType, raw: unknown, path: string): number | string {
    let value: bigint | undefined;
    if (typeof raw === 'number' && Number.isInteger(raw)) value = BigInt(raw);
    if (typeof raw === 'string' && /^-?[0-9]+$/.test(raw)) value = BigInt(raw);
    if (value === undefined) throw this.fail(path, `expected an integer (${type}), got ${describe(raw)}`);
    const [min, max] = integerRange(type);
    if (value < min || value > max) throw this.fail(path, `value ${String(raw)} is out of range for ${type}`);
    return integerValue(value);
  }

  private fail(field: string, detail: string): ConfigError {
    const where = field === '' ? '' : `${field}: `;
    return new ConfigError(`${where}${detail}`, { file: this.file, field: field === '' ? undefined : field });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
