import { InputError } from '../domain/errors';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { renderConfig, trainerThermalSpec } from './fake-model-configs';
import { parseModelContract } from './model-contract';
import { DEFAULT_MODELS, ModelRouter, checkContractModality } from './model-router';

describe('ModelRouter', () => {
  it('routes each modality to its ensemble by default', () => {
    const router = new ModelRouter();
    expect(router.resolve({ modality: 'visual' })).toEqual({
      modality: 'visual',
      model: 'visual_ensemble',
      overridden: false,
    });
    expect(router.resolve({ modality: 'thermal' }).model).toBe('thermal_ensemble');
    expect(router.resolve({ modality: 'electrical' }).model).toBe('electrical_ensemble');
    expect(router.routedModels()).toEqual([
      { modality: 'visual', model: 'visual_ensemble' },
      { modality: 'thermal', model: 'thermal_ensemble' },
      { modality: 'electrical', model: 'electrical_ensemble' },
    ]);
  });

  it('takes replacement defaults from configuration, keeping the others', () => {
    const router = new ModelRouter({ visual: 'visual_fixture', electrical: 'electrical_fixture' });
    expect(router.defaultModel('visual')).toBe('visual_fixture');
    expect(router.defaultModel('thermal')).toBe(DEFAULT_MODELS.thermal);
    expect(router.resolve({ modality: 'electrical' }).model).toBe('electrical_fixture');
  });

  it('refuses bad configuration at construction', () => {
    expect(() => new ModelRouter({ acoustic: 'x' } as never)).toThrow(/unknown modality 'acoustic'/);
    expect(() => new ModelRouter({ visual: '../etc' })).toThrow(/invalid model name/);
  });

  it('applies a per-request model and version override', () => {
    const router = new ModelRouter();
    expect(router.resolve({ modality: 'visual', model: 'visual_segnet', version: '3' })).toEqual({
      modality: 'visual',
      model: 'visual_segnet',
      version: '3',
      overridden: true,
    });
    expect(router.resolve({ modality: 'thermal', version: 2 })).toEqual({
      modality: 'thermal',
      model: 'thermal_ensemble',
      version: '2',
      overridden: false,
    });
    expect(router.resolve({ modality: 'thermal', model: '', version: '' }).model).toBe('thermal_ensemble');
  });

  it('answers an unknown modality with an InputError listing the valid ones', () => {
    const router = new ModelRouter();
    for (const modality of ['acoustic', undefined, 7, 'Visual']) {
      let err: unknown;
      try {
        router.resolve({ modality });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toContain('visual, thermal, electrical');
      expect((err as InputError).details).toEqual({
        field: 'modality',
        allowed: ['visual', 'thermal', 'electrical'],
      });
    }
  });

  it('answers malformed model names and versions with InputError', () => {
    const router = new ModelRouter();
    for (const model of ['../secret', 'a/b', 'x'.repeat(200), 5]) {
      expect(() => router.resolve({ modality: 'visual', model })).toThrow(InputError);
    }
    for (const version of ['0', '-1', '1.5', 'latest', 1.5]) {
      expect(() => router.resolve({ modality: 'visual', version })).toThrow(InputError);
    }
  });
});

describe('checkContractModality', () => {
  const thermal = parseModelContract(parseModelConfigText(renderConfig(trainerThermalSpec())));

  it('accepts a model of the requested modality', () => {
    expect(() => checkContractModality(thermal, 'thermal')).not.toThrow();
  });

  it('refuses to send one modality to a model of another', () => {
    expect(() => checkContractModality(thermal, 'visual')).toThrow(InputError);
    expect(() => checkContractModality(thermal, 'visual')).toThrow(/serves modality 'thermal', not 'visual'/);
  });
});
