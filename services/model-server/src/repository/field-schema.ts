import * as protobuf from 'protobufjs';

/**
 * A flattened view of a protobufjs Type for the config readers (text format and JSON): what each field holds,
 * with map fields described by a synthetic entry message of `key` and `value`.
 */

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

export type FieldValueSpec =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly enumType: protobuf.Enum }
  | { readonly kind: 'message'; readonly message: MessageSpec };

export interface FieldBase {
  readonly name: string;
  /** The lowerCamelCase name protobuf's JSON mapping also accepts. */
  readonly jsonName: string;
  readonly repeated: boolean;
  /** Set for map fields: `message` is then the entry message, whose fields are `key` and `value`. */
  readonly isMap: boolean;
  readonly oneof: string | undefined;
}

export type FieldSpec = FieldValueSpec & FieldBase;

export interface MessageSpec {
  /** Full name without the leading dot, e.g. `inference.ModelConfig`. */
  readonly typeName: string;
  readonly fields: ReadonlyMap<string, FieldSpec>;
  /** Set only for the synthetic entry message of a map field. */
  readonly mapEntry: boolean;
}

const SCALARS = new Set<string>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

const cache = new WeakMap<protobuf.Type, MessageSpec>();

/** The spec of `type`; built lazily (recursive types are fine) and cached per Type. */
export function messageSpec(type: protobuf.Type): MessageSpec {
  const cached = cache.get(type);
  if (cached !== undefined) return cached;
  const fields = new Map<string, FieldSpec>();
  const spec: MessageSpec = { typeName: stripDot(type.fullName), fields, mapEntry: false };
  cache.set(type, spec);
  for (const field of type.fieldsArray) {
    field.resolve();
    const base = {
      name: field.name,
      jsonName: protobuf.util.camelCase(field.name),
      repeated: field.repeated,
      oneof: field.partOf?.name,
    };
    if (field instanceof protobuf.MapField) {
      const entry: MessageSpec = {
        typeName: `${spec.typeName}.${field.name}<entry>`,
        mapEntry: true,
        fields: new Map([
          ['key', { ...valueSpec(field.keyType, null), ...fieldBase('key') }],
          ['value', { ...valueSpec(field.type, field.resolvedType), ...fieldBase('value') }],
        ]),
      };
      fields.set(field.name, { kind: 'message', message: entry, ...base, repeated: true, isMap: true });
    } else {
      fields.set(field.name, { ...valueSpec(field.type, field.resolvedType), ...base, isMap: false });
    }
  }
  return spec;
}

/** The default a field takes when a map entry leaves out its key or value. */
export function defaultValue(spec: FieldValueSpec): unknown {
  switch (spec.kind) {
    case 'message':
      return {};
    case 'enum':
      return spec.enumType.valuesById[0] ?? Object.keys(spec.enumType.values)[0] ?? 0;
    case 'scalar':
      if (spec.scalar === 'string') return '';
      if (spec.scalar === 'bytes') return Buffer.alloc(0);
      if (spec.scalar === 'bool') return false;
      return 0;
  }
}

export type IntegerType = Exclude<ScalarType, 'double' | 'float' | 'bool' | 'string' | 'bytes'>;

/** Inclusive bounds of each integer type. */
export function integerRange(type: IntegerType): readonly [bigint, bigint] {
  switch (type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return [-(2n ** 31n), 2n ** 31n - 1n];
    case 'uint32':
    case 'fixed32':
      return [0n, 2n ** 32n - 1n];
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return [-(2n ** 63n), 2n ** 63n - 1n];
    case 'uint64':
    case 'fixed64':
      return [0n, 2n ** 64n - 1n];
  }
}

export function isIntegerType(type: ScalarType): type is IntegerType {
  return !['double', 'float', 'bool', 'string', 'bytes'].includes(type);
}

/**
 * The value handed to `Type.fromObject` for an integer: a number when exact, else a decimal string (which
 * protobufjs turns into a Long without losing digits).
 */
export function integerValue(value: bigint): number | string {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
}

/** `a.b.c` paths for messages; `''` is the root. */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

function fieldBase(name: string): FieldBase {
  return { name, jsonName: name, repeated: false, isMap: false, oneof: undefined };
}

function valueSpec(typeName: string, resolved: protobuf.Type | protobuf.Enum | null): FieldValueSpec {
  if (resolved instanceof protobuf.Type) return { kind: 'message', message: messageSpec(resolved) };
  if (resolved instanceof protobuf.Enum) return { kind: 'enum', enumType: resolved };
  if (SCALARS.has(typeName)) return { kind: 'scalar', scalar: typeName as ScalarType };
  throw new Error(`unsupported protobuf field type '${typeName}'`);
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}
