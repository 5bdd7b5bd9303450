import { modelConfigType } from '@defect-gateway/proto';

import { ConfigError } from './config-error';
import { parsePbtxt } from './pbtxt-parser';

function parseError(text: string, file?: string): ConfigError {
  try {
    parsePbtxt(text, modelConfigType(), file === undefined ? {} : { file });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const MINIMAL = 'name: "m"\nplatform: "onnxruntime_onnx"\n';

describe('parsePbtxt errors name the file, line, column and field', () => {
  it('unknown field, with a suggestion', () => {
    const err = parseError(`${MINIMAL}max_batch_sise: 8\n`);
    expect(err.message).toBe(
      "config.pbtxt:3:1: unknown field 'max_batch_sise' in inference.ModelConfig; did you mean 'max_batch_size'?",
    );
    expect(err).toMatchObject({ file: 'config.pbtxt', line: 3, column: 1, field: 'max_batch_sise' });
  });

  it('unknown nested field, with the path of its message', () => {
    const err = parseError(
      `${MINIMAL}input [\n  { name: "a" },\n  { name: "b"\n    dimz: [1] }\n]`,
      'm/config.pbtxt',
    );
    expect(err.message).toBe(
      "m/config.pbtxt:6:5: unknown field 'dimz' in inference.ModelInput (at 'input[1]'); did you mean 'dims'?",
    );
    expect(err.field).toBe('input[1].dimz');
  });

  it.each([
    [
      'a string for an integer',
      'max_batch_size: "8"',
      1,
      17,
      'max_batch_size',
      'field \'max_batch_size\' expects an integer (int32), got string "8"',
    ],
    [
      'a float for an integer',
      'max_batch_size: 8.5',
      1,
      17,
      'max_batch_size',
      "field 'max_batch_size' expects an integer (int32), got number 8.5",
    ],
    [
      'a number for a string',
      'name: 12',
      1,
      7,
      'name',
      "field 'name' expects a quoted string, got number 12",
    ],
    [
      'a bad bool',
      'input { is_shape_tensor: yes }',
      1,
      26,
      'input[0].is_shape_tensor',
      "field 'input[0].is_shape_tensor' expects a bool (true or false), got 'yes'",
    ],
    [
      'an int32 out of range',
      'max_batch_size: 2147483648',
      1,
      17,
      'max_batch_size',
      "field 'max_batch_size': value 2147483648 is out of range for int32",
    ],
    [
      'a negative uint32',
      'version_policy { latest { num_versions: -1 } }',
      1,
      41,
      'version_policy.latest.num_versions',
      "field 'version_policy.latest.num_versions': value -1 is out of range for uint32",
    ],
    [
      'a message given a scalar',
      'dynamic_batching: 5',
      1,
      19,
      'dynamic_batching',
      "field 'dynamic_batching' expects a message '{ ... }', got number 5",
    ],
  ])('type mismatch: %s', (_case, text, line, column, field, detail) => {
    const err = parseError(text);
    expect(err).toMatchObject({ line, column, field, detail });
    expect(err.message).toBe(`config.pbtxt:${line}:${column}: ${detail}`);
  });

  it('bad enum value, listing the valid ones', () => {
    const err = parseError('input {\n  data_type: TYPE_FLOAT32\n}');
    expect(err).toMatchObject({ line: 2, column: 14, field: 'input[0].data_type' });
    expect(err.message).toMatch(
      /^config\.pbtxt:2:14: field 'input\[0\]\.data_type': unknown value 'TYPE_FLOAT32' for enum inference\.DataType \(expected one of TYPE_INVALID, TYPE_BOOL, .*TYPE_FP32/,
    );
    expect(parseError('instance_group { kind: 9 }').detail).toContain(
      "unknown value '9' for enum inference.ModelInstanceGroup.Kind",
    );
  });

  it('unterminated string, naming the field being read', () => {
    const err = parseError('name: "m"\nplatform: "onnxruntime_onnx\nmax_batch_size: 1');
    expect(err.message).toBe("config.pbtxt:2:11: unterminated string in field 'platform'");
    expect(err).toMatchObject({ line: 2, column: 11, field: 'platform' });
  });

  it('invalid escape sequence', () => {
    expect(parseError(String.raw`name: "a\qb"`).message).toBe(
      "config.pbtxt:1:9: invalid escape sequence '\\q' in string in field 'name'",
    );
  });

  it('a non-repeated field given twice', () => {
    const err = parseError(`${MINIMAL}max_batch_size: 8\nmax_batch_size: 4`);
    expect(err.message).toBe("config.pbtxt:4:1: field 'max_batch_size' is specified more than once");
    expect(parseError('dynamic_batching { }\ndynamic_batching { }').field).toBe('dynamic_batching');
    expect(parseError('input { name: "a" name: "b" }').message).toBe(
      "config.pbtxt:1:19: field 'input[0].name' is specified more than once",
    );
  });

  it('two members of one oneof', () => {
    const err = parseError('dynamic_batching { }\nensemble_scheduling { }');
    expect(err.message).toBe(
      "config.pbtxt:2:1: field 'ensemble_scheduling' conflicts with 'dynamic_batching': both belong to oneof 'scheduling_choice'",
    );
    expect(parseError('version_policy { latest { } all { } }').field).toBe('version_policy.all');
  });

  it('list syntax on a non-repeated field', () => {
    expect(parseError('max_batch_size: [1]').message).toBe(
      "config.pbtxt:1:17: field 'max_batch_size' is not repeated; list syntax '[ ... ]' is not allowed",
    );
  });

  it('a scalar without its colon', () => {
    expect(parseError('name "m"').message).toBe(
      "config.pbtxt:1:6: expected ':' after 'name', got string \"m\"",
    );
  });

  it('a list that is not closed or separated', () => {
    expect(parseError('input { dims: [1, 2 3] }').message).toBe(
      "config.pbtxt:1:21: expected ',' or ']' in the list of 'input[0].dims', got number 3",
    );
  });

  it('an unclosed or mismatched message', () => {
    expect(parseError('input {\n  name: "a"\n').message).toBe(
      "config.pbtxt:3:1: expected '}' to close 'input[0]', got end of input",
    );
    expect(parseError('input { name: "a" >').message).toBe(
      "config.pbtxt:1:19: expected a field name in 'input[0]', got '>'",
    );
    expect(parseError('}').message).toBe(
      "config.pbtxt:1:1: expected a field name in inference.ModelConfig, got '}'",
    );
  });

  it('bad numbers and characters', () => {
    expect(parseError('max_batch_size: 1.2.3').message).toBe(
      "config.pbtxt:1:17: invalid number '1.2.3' in field 'max_batch_size'",
    );
    expect(parseError('max_batch_size: 8\n@').message).toBe('config.pbtxt:2:1: unexpected character "@"');
  });

  it('a map entry with an unknown field or a duplicate key field', () => {
    expect(parseError('parameters { key: "a" val: { } }').field).toBe('parameters.val');
    expect(parseError('parameters { key: "a" key: "b" }').message).toBe(
      "config.pbtxt:1:23: field 'parameters.key' is specified more than once",
    );
  });

  it('extension syntax', () => {
    expect(parseError('[ext.field]: 1').detail).toBe(
      "expected a field name in inference.ModelConfig, got '[' (extension and Any fields are not supported)",
    );
  });

  it('ConfigError is an Error with a name', () => {
    const err = parseError('nope: 1');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
  });
});
