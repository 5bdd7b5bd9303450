import type { ModelConfig } from '@defect-gateway/proto';

import { ConfigError } from './config-error';
import { validateModelConfig } from './config-validator';
import { parseModelConfigText } from './model-config-parser';

const FILE = 'ens/config.pbtxt';
const HEADER = `
name: "ens"
platform: "ensemble"
max_batch_size: 8
input { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] }
output { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] }
`;

/** A step as text: `step(model, { stepInput: tensor }, { stepOutput: tensor })`. */
function step(model: string, inputs: Record<string, string>, outputs: Record<string, string>): string {
  const entries = (field: string, map: Record<string, string>): string =>
    Object.entries(map)
      .map(([key, value]) => `${field} { key: "${key}" value: "${value}" }`)
      .join(' ');
  return `step { model_name: "${model}" ${entries('input_map', inputs)} ${entries('output_map', outputs)} }`;
}

function validate(steps: string[], extra = ''): ModelConfig {
  const text = `${HEADER}${extra}\nensemble_scheduling { ${steps.join('\n')} }`;
  return validateModelConfig(parseModelConfigText(text, FILE), { modelName: 'ens', file: FILE });
}

function ensembleError(steps: string[], extra = ''): ConfigError {
  try {
    validate(steps, extra);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('validateModelConfig: ensembles', () => {
  it('accepts a pipeline, with steps in any order, and leaves instances alone', () => {
    const config = validate([
      step('b', { X: 'mid' }, { Y: 'OUT' }),
      step('a', { X: 'IN' }, { Y: 'mid', Z: 'unused' }),
    ]);
    expect(config.platform).toBe('ensemble');
    expect(config.backend).toBe('');
    expect(config.instance_group).toEqual([]);
    expect(config.version_policy?.policy_choice).toBe('latest');
  });

  it('requires ensemble_scheduling with at least one step', () => {
    const missing = validateModelConfig.bind(null, parseModelConfigText(HEADER, FILE), {
      modelName: 'ens',
      file: FILE,
    });
    expect(missing).toThrow(
      'ens/config.pbtxt: ensemble_scheduling: an ensemble must have ensemble_scheduling with at least one step',
    );
    expect(ensembleError([]).field).toBe('ensemble_scheduling');
  });

  it.each([
    [
      'a step without a model',
      [step('', { X: 'IN' }, { Y: 'OUT' })],
      'ensemble_scheduling.step[0].model_name',
      'each step must name a model',
    ],
    [
      'a step that is the ensemble itself',
      [step('ens', { X: 'IN' }, { Y: 'OUT' })],
      'ensemble_scheduling.step[0].model_name',
      "ensemble 'ens' cannot include itself",
    ],
    [
      'a step with no inputs',
      [step('a', {}, { Y: 'OUT' })],
      'ensemble_scheduling.step[0].input_map',
      "step 'a' must map at least one input",
    ],
    [
      'a step with no outputs',
      [step('a', { X: 'IN' }, {})],
      'ensemble_scheduling.step[0].output_map',
      "step 'a' must map at least one output",
    ],
    [
      'an empty tensor name',
      [step('a', { X: '' }, { Y: 'OUT' })],
      'ensemble_scheduling.step[0]',
      'empty name',
    ],
    [
      'an output no step produces',
      [step('a', { X: 'IN' }, { Y: 'other' })],
      'output[0]',
      "ensemble output 'OUT' is not produced by any step",
    ],
    [
      'a step input nothing produces',
      [step('a', { X: 'IN', W: 'ghost' }, { Y: 'OUT' })],
      'ensemble_scheduling.step[0].input_map',
      "tensor 'ghost' (input 'W' of 'a') is neither an ensemble input nor an output of any step",
    ],
    [
      'a tensor produced twice',
      [step('a', { X: 'IN' }, { Y: 'OUT' }), step('b', { X: 'IN' }, { Y: 'OUT' })],
      'ensemble_scheduling.step[1].output_map',
      "tensor 'OUT' (output 'Y' of 'b') is already produced by step 0",
    ],
    [
      'a step overwriting an ensemble input',
      [step('a', { X: 'IN' }, { Y: 'OUT', Z: 'IN' })],
      'ensemble_scheduling.step[0].output_map',
      "tensor 'IN' (output 'Z' of 'a') is an ensemble input",
    ],
    [
      'a cycle between steps',
      [step('a', { X: 'IN', L: 'loop' }, { Y: 'mid' }), step('b', { X: 'mid' }, { Y: 'loop', Z: 'OUT' })],
      'ensemble_scheduling.step',
      "steps form a cycle: 0 ('a'), 1 ('b')",
    ],
    [
      'a step that reads its own output',
      [step('a', { X: 'IN' }, { Y: 'OUT' }), step('b', { X: 'self' }, { Y: 'self' })],
      'ensemble_scheduling.step',
      "steps form a cycle: 1 ('b')",
    ],
  ])('rejects %s', (_case, steps, field, message) => {
    const err = ensembleError(steps);
    expect(err.field).toBe(field);
    expect(err.message).toBe(`ens/config.pbtxt: ${field}: ${err.detail.slice(field.length + 2)}`);
    expect(err.message).toContain(message);
  });

  it('rejects a negative model_version other than -1', () => {
    const text = `${HEADER}ensemble_scheduling { step { model_name: "a" model_version: -2 input_map { key: "X" value: "IN" } output_map { key: "Y" value: "OUT" } } }`;
    expect(() =>
      validateModelConfig(parseModelConfigText(text, FILE), { modelName: 'ens', file: FILE }),
    ).toThrow(
      'ens/config.pbtxt: ensemble_scheduling.step[0].model_version: must be -1 (latest) or a version, got -2',
    );
  });

  it('still checks the ensemble inputs and outputs', () => {
    const text = `name: "ens" platform: "ensemble" output { name: "OUT" data_type: TYPE_FP32 dims: 1 }`;
    expect(() =>
      validateModelConfig(parseModelConfigText(text, FILE), { modelName: 'ens', file: FILE }),
    ).toThrow('input: model must have at least one input');
  });
});
