/**
 * The trainer's configs in triton-model-repo/ (when they exist) must parse into contracts: every config
 * that carries `outputs_json` is one the gateway routes to. CONTRACT_REPOSITORY points the test at another
 * repository (for example one rendered by the trainer's repo_writer.py into a temporary folder).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { parseModelContract } from './model-contract';
import { DEFAULT_MODELS } from './model-router';

const REPOSITORY =
  process.env.CONTRACT_REPOSITORY ?? path.resolve(__dirname, '../../../../triton-model-repo');

function gatewayConfigs(root: string): [string, string][] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => [e.name, path.join(root, e.name, 'config.pbtxt')] as [string, string])
    .filter(([, file]) => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('"outputs_json"'))
    .sort(([a], [b]) => a.localeCompare(b));
}

const configs = gatewayConfigs(REPOSITORY);

describe(`trainer model configs in ${path.relative(process.cwd(), REPOSITORY) || REPOSITORY}`, () => {
  if (configs.length === 0) {
    it.skip(`skipped: ${REPOSITORY} has no model config with outputs_json yet (the trainer has not written one)`, () => {});
    return;
  }

  it.each(configs)('%s parses into a model contract', (model, file) => {
    const versions = fs
      .readdirSync(path.dirname(file))
      .filter((n) => /^[0-9]+$/.test(n))
      .sort((a, b) => Number(a) - Number(b));
    const contract = parseModelContract(
      parseModelConfigText(fs.readFileSync(file, 'utf8'), file),
      undefined,
      versions.at(-1),
    );
    expect(contract.model).toBe(model);
    const routedAs = Object.entries(DEFAULT_MODELS).find(([, name]) => name === model)?.[0];
    if (routedAs !== undefined) expect(contract.modality).toBe(routedAs);
    expect(contract.classes.length).toBe(contract.outputs.classScores.size);
    // Thermal and visual: trained on every development image, and their configs say so for `npm run evaluate`.
    if (
      (model === 'thermal_ensemble' || model === 'visual_ensemble') &&
      process.env.CONTRACT_REPOSITORY === undefined
    )
      expect(contract.trainingScope).toBe('all development images');
  });
});
