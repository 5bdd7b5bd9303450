/**
 * ModelRouter: which model (and version) serves a request. Each modality has a default model —
 * `visual` → `visual_ensemble`, `thermal` → `thermal_ensemble`, `electrical` → `electrical_ensemble` —
 * which configuration may replace; a request may name its own `model` and `version`. The router checks only
 * the names: whether the model exists and serves that modality is checked against its contract
 * (`checkContractModality`) once the contract is loaded.
 */
import { InputError } from '../domain/errors';
import { MODALITIES, type Modality, type ModelContract } from './contract-types';

export const DEFAULT_MODELS: Readonly<Record<Modality, string>> = Object.freeze({
  visual: 'visual_ensemble',
  thermal: 'thermal_ensemble',
  electrical: 'electrical_ensemble',
});

export interface RouteRequest {
  modality: unknown;
  model?: unknown;
  version?: unknown;
}

export interface Route {
  modality: Modality;
  model: string;
  /** Absent: the version Triton serves by default (its version policy's latest). */
  version?: string;
  /** Whether the request named the model itself. */
  overridden: boolean;
}

/** Triton model names: a path segment, no separators or control characters. */
const MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Triton version strings: a positive decimal integer. */
const VERSION = /^[1-9][0-9]{0,18}$/;

export function isModality(value: unknown): value is Modality {
  return typeof value === 'string' && (MODALITIES as readonly string[]).includes(value);
}

export class ModelRouter {
  private readonly defaults: Readonly<Record<Modality, string>>;

  /** `defaults` replaces the default model of some modalities (from configuration). */
  constructor(defaults: Partial<Record<Modality, string>> = {}) {
    const merged: Record<Modality, string> = { ...DEFAULT_MODELS };
    for (const [modality, model] of Object.entries(defaults)) {
      if (!isModality(modality)) {
        throw new Error(`model router: unknown modality '${modality}' (valid: ${MODALITIES.join(', ')})`);
      }
      if (model === undefined) continue;
      if (!MODEL_NAME.test(model))
        throw new Error(`model router: invalid model name '${model}' for ${modality}`);
      merged[modality] = model;
    }
    this.defaults = Object.freeze(merged);
  }

  defaultModel(modality: Modality): string {
    return this.defaults[modality];
  }

  /** The default model of every modality (the models to load contracts for at start-up and check in /readyz). */
  routedModels(): { modality: Modality; model: string }[] {
    return MODALITIES.map((modality) => ({ modality, model: this.defaults[modality] }));
  }

  /** Resolves a request's modality and optional model/version override. Bad values → InputError. */
  resolve(request: RouteRequest): Route {
    const { modality, model, version } = request;
    if (!isModality(modality)) {
      throw new InputError(
        `unknown modality ${JSON.stringify(modality ?? null)}; valid modalities: ${MODALITIES.join(', ')}`,
        { details: { field: 'modality', allowed: [...MODALITIES] } },
      );
    }
    const route: Route = { modality, model: this.defaults[modality], overridden: false };
    if (model !== undefined && model !== null && model !== '') {
      if (typeof model !== 'string' || !MODEL_NAME.test(model)) {
        throw new InputError('model must be a model name (letters, digits, _ . -, at most 128 characters)', {
          details: { field: 'model' },
        });
      }
      route.model = model;
      route.overridden = true;
    }
    if (version !== undefined && version !== null && version !== '') {
      const text = typeof version === 'number' ? String(version) : version;
      if (typeof text !== 'string' || !VERSION.test(text)) {
        throw new InputError('version must be a positive integer', { details: { field: 'version' } });
      }
      route.version = text;
    }
    return route;
  }
}

/** A request for one modality must not be served by a model of another (e.g. an image sent to SECOM). */
export function checkContractModality(contract: ModelContract, modality: Modality): void {
  if (contract.modality !== modality) {
    throw new InputError(
      `model '${contract.model}' serves modality '${contract.modality}', not '${modality}'`,
      { details: { field: 'model', model: contract.model, modality: contract.modality } },
    );
  }
}
