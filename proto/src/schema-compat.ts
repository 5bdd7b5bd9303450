import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/**
 * Wire-compatibility check between two sets of .proto definitions, used to hold our protocol files to
 * Triton's. Everything *ours* defines must match the reference exactly (names, field numbers, types, labels,
 * oneof membership, enum numbers, method signatures); what only the reference defines is listed as omitted,
 * and what only ours defines is listed as an addition. Lists hold fully qualified names without the leading dot.
 */
export interface SchemaComparison {
  /** Things both define but differently: each breaks wire compatibility. */
  readonly mismatches: readonly string[];
  /** Reference types, enums, services, methods, fields and enum values ours leaves out (outermost only). */
  readonly omitted: readonly string[];
  /** Things ours defines that the reference does not. */
  readonly additions: readonly string[];
}

/** Loads .proto files from one folder into a resolved protobufjs Root, keeping snake_case field names. */
export function loadSchema(dir: string, files: readonly string[]): protobuf.Root {
  const root = new protobuf.Root().loadSync(
    files.map((file) => path.join(dir, file)),
    { keepCase: true },
  );
  root.resolveAll();
  return root;
}

/** Parses .proto source text into a resolved Root (for building deliberately wrong schemas in tests). */
export function parseSchema(source: string): protobuf.Root {
  const { root } = protobuf.parse(source, new protobuf.Root(), { keepCase: true });
  root.resolveAll();
  return root;
}

type Definition = protobuf.Type | protobuf.Enum | protobuf.Service;

export function compareSchemas(ours: protobuf.Root, reference: protobuf.Root): SchemaComparison {
  const found = { mismatches: [] as string[], omitted: [] as string[], additions: [] as string[] };
  const ourDefinitions = collectDefinitions(ours);
  const referenceDefinitions = collectDefinitions(reference);

  for (const [name, ourDefinition] of ourDefinitions) {
    const referenceDefinition = referenceDefinitions.get(name);
    if (referenceDefinition === undefined) {
      found.additions.push(name);
    } else if (ourDefinition instanceof protobuf.Type && referenceDefinition instanceof protobuf.Type) {
      compareTypes(name, ourDefinition, referenceDefinition, found);
    } else if (ourDefinition instanceof protobuf.Enum && referenceDefinition instanceof protobuf.Enum) {
      compareEnums(name, ourDefinition, referenceDefinition, found);
    } else if (ourDefinition instanceof protobuf.Service && referenceDefinition instanceof protobuf.Service) {
      compareServices(name, ourDefinition, referenceDefinition, found);
    } else {
      found.mismatches.push(
        `${name}: is a ${kindOf(ourDefinition)}, reference has a ${kindOf(referenceDefinition)}`,
      );
    }
  }

  for (const name of referenceDefinitions.keys()) {
    // List only the outermost missing definition: a missing message's nested types go with it.
    const parent = parentName(name);
    if (!ourDefinitions.has(name) && (!referenceDefinitions.has(parent) || ourDefinitions.has(parent))) {
      found.omitted.push(name);
    }
  }

  return {
    mismatches: found.mismatches.sort(),
    omitted: found.omitted.sort(),
    additions: found.additions.sort(),
  };
}

interface Findings {
  mismatches: string[];
  omitted: string[];
  additions: string[];
}

function compareTypes(name: string, ours: protobuf.Type, reference: protobuf.Type, found: Findings): void {
  for (const field of ours.fieldsArray) {
    const fieldName = `${name}.${field.name}`;
    const referenceField = reference.fields[field.name];
    if (referenceField === undefined) {
      found.additions.push(fieldName);
      continue;
    }
    const ourShape = describeField(field);
    const referenceShape = describeField(referenceField);
    for (const key of Object.keys(ourShape) as (keyof FieldShape)[]) {
      if (ourShape[key] !== referenceShape[key]) {
        found.mismatches.push(
          `${fieldName}: ${key} is ${String(ourShape[key])}, reference has ${String(referenceShape[key])}`,
        );
      }
    }
  }
  for (const field of reference.fieldsArray) {
    if (ours.fields[field.name] === undefined) found.omitted.push(`${name}.${field.name}`);
  }
}

interface FieldShape {
  number: number;
  type: string;
  label: string;
  mapKey: string;
  oneof: string;
  proto3Optional: boolean;
  packed: boolean;
}

function describeField(field: protobuf.Field): FieldShape {
  const map = field instanceof protobuf.MapField;
  const oneof = field.partOf;
  const proto3Optional = field.options?.['proto3_optional'] === true;
  return {
    number: field.id,
    // Message and enum types by their resolved full name, so that nesting and packages are compared too.
    type: field.resolvedType ? stripDot(field.resolvedType.fullName) : field.type,
    label: map ? 'map' : field.repeated ? 'repeated' : 'singular',
    mapKey: map ? field.keyType : '-',
    // The synthetic oneof protobufjs makes for a proto3 optional field is reported by proto3Optional.
    oneof: oneof && !proto3Optional ? oneof.name : '-',
    proto3Optional,
    packed: field.repeated && !map ? field.packed : false,
  };
}

function compareEnums(name: string, ours: protobuf.Enum, reference: protobuf.Enum, found: Findings): void {
  for (const [valueName, number] of Object.entries(ours.values)) {
    const referenceNumber = reference.values[valueName];
    if (referenceNumber === undefined) {
      found.additions.push(`${name}.${valueName}`);
    } else if (referenceNumber !== number) {
      found.mismatches.push(`${name}.${valueName}: value is ${number}, reference has ${referenceNumber}`);
    }
  }
  for (const valueName of Object.keys(reference.values)) {
    if (ours.values[valueName] === undefined) found.omitted.push(`${name}.${valueName}`);
  }
}

function compareServices(
  name: string,
  ours: protobuf.Service,
  reference: protobuf.Service,
  found: Findings,
): void {
  for (const method of ours.methodsArray) {
    const methodName = `${name}.${method.name}`;
    const referenceMethod = reference.methods[method.name];
    if (referenceMethod === undefined) {
      found.additions.push(methodName);
      continue;
    }
    const ourSignature = describeMethod(method);
    const referenceSignature = describeMethod(referenceMethod);
    if (ourSignature !== referenceSignature) {
      found.mismatches.push(`${methodName}: is ${ourSignature}, reference has ${referenceSignature}`);
    }
  }
  for (const method of reference.methodsArray) {
    if (ours.methods[method.name] === undefined) found.omitted.push(`${name}.${method.name}`);
  }
}

function describeMethod(method: protobuf.Method): string {
  method.resolve();
  const request = method.resolvedRequestType
    ? stripDot(method.resolvedRequestType.fullName)
    : method.requestType;
  const response = method.resolvedResponseType
    ? stripDot(method.resolvedResponseType.fullName)
    : method.responseType;
  const stream = (streaming: boolean | undefined): string => (streaming === true ? 'stream ' : '');
  return `(${stream(method.requestStream)}${request}) returns (${stream(method.responseStream)}${response})`;
}

/** Every message, enum and service in a root, nested ones included, keyed by full name. */
function collectDefinitions(root: protobuf.Root): Map<string, Definition> {
  const definitions = new Map<string, Definition>();
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (
        nested instanceof protobuf.Type ||
        nested instanceof protobuf.Enum ||
        nested instanceof protobuf.Service
      ) {
        definitions.set(stripDot(nested.fullName), nested);
      }
      if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  visit(root);
  return definitions;
}

function kindOf(definition: Definition): string {
  if (definition instanceof protobuf.Type) return 'message';
  if (definition instanceof protobuf.Enum) return 'enum';
  return 'service';
}

function stripDot(fullName: string): string {
  return fullName.startsWith('.') ? fullName.slice(1) : fullName;
}

function parentName(name: string): string {
  return name.slice(0, Math.max(0, name.lastIndexOf('.')));
}
