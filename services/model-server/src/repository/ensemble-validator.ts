import type { ModelConfig } from '@defect-gateway/proto';

import type { FailFn } from './config-validator';

type Step = NonNullable<ModelConfig['ensemble_scheduling']>['step'][number];

/**
 * Checks the data flow of an ensemble: every step names a model and maps at least one input and one output;
 * each ensemble tensor is produced once (by the request or by one step); every step input and every ensemble
 * output is produced by something; and the steps form no cycle. Composing models themselves are checked
 * when the ensemble is loaded, not here.
 */
export function validateEnsemble(config: ModelConfig, fail: FailFn): void {
  const steps = config.ensemble_scheduling?.step ?? [];
  if (steps.length === 0) {
    fail('ensemble_scheduling', `an ensemble must have ensemble_scheduling with at least one step`);
  }
  if (config.dynamic_batching) fail('dynamic_batching', 'not allowed for an ensemble');

  // Ensemble tensor name -> producer: -1 for the request's inputs, else the step index.
  const producers = new Map<string, number>();
  for (const input of config.input) producers.set(input.name, -1);
  steps.forEach((step, i) => checkStep(config, step, i, producers, fail));

  steps.forEach((step, i) => {
    for (const [stepInput, tensor] of Object.entries(step.input_map)) {
      if (!producers.has(tensor)) {
        const detail = `tensor '${tensor}' (input '${stepInput}' of '${step.model_name}') is neither an ensemble input nor an output of any step`;
        fail(`ensemble_scheduling.step[${i}].input_map`, detail);
      }
    }
  });
  config.output.forEach((output, i) => {
    if (!producers.has(output.name) || producers.get(output.name) === -1) {
      fail(`output[${i}]`, `ensemble output '${output.name}' is not produced by any step`);
    }
  });
  checkAcyclic(steps, producers, fail);
}

function checkStep(
  config: ModelConfig,
  step: Step,
  i: number,
  producers: Map<string, number>,
  fail: FailFn,
): void {
  const path = `ensemble_scheduling.step[${i}]`;
  if (step.model_name === '') fail(`${path}.model_name`, 'each step must name a model');
  if (step.model_name === config.name)
    fail(`${path}.model_name`, `ensemble '${config.name}' cannot include itself`);
  if (step.model_version < -1)
    fail(`${path}.model_version`, `must be -1 (latest) or a version, got ${step.model_version}`);
  const inputs = Object.entries(step.input_map);
  const outputs = Object.entries(step.output_map);
  if (inputs.length === 0) fail(`${path}.input_map`, `step '${step.model_name}' must map at least one input`);
  if (outputs.length === 0)
    fail(`${path}.output_map`, `step '${step.model_name}' must map at least one output`);
  for (const [name, tensor] of [...inputs, ...outputs]) {
    if (name === '' || tensor === '')
      fail(path, `step '${step.model_name}' has an empty name in its input_map or output_map`);
  }
  for (const [stepOutput, tensor] of outputs) {
    const producer = producers.get(tensor);
    if (producer !== undefined) {
      const by = producer === -1 ? 'is an ensemble input' : `is already produced by step ${producer}`;
      const detail = `tensor '${tensor}' (output '${stepOutput}' of '${step.model_name}') ${by}; an ensemble tensor may be produced only once`;
      fail(`${path}.output_map`, detail);
    }
    producers.set(tensor, i);
  }
}

/** Kahn's algorithm over "step B reads a tensor step A writes"; whatever cannot be ordered is on a cycle. */
function checkAcyclic(steps: readonly Step[], producers: ReadonlyMap<string, number>, fail: FailFn): void {
  const dependsOn = steps.map((step) => {
    const sources = new Set<number>();
    for (const tensor of Object.values(step.input_map)) {
      const producer = producers.get(tensor);
      if (producer !== undefined && producer >= 0) sources.add(producer);
    }
    return sources;
  });
  const done = new Set<number>();
  let progressed = true;
  while (progressed) {
    progressed = false;
    dependsOn.forEach((sources, i) => {
      if (!done.has(i) && [...sources].every((source) => done.has(source))) {
        done.add(i);
        progressed = true;
      }
    });
  }
  if (done.size < steps.length) {
    const stuck = steps.flatMap((step, i) => (done.has(i) ? [] : [`${i} ('${step.model_name}')`]));
    fail('ensemble_scheduling.step', `steps form a cycle: ${stuck.join(', ')}`);
  }
}
