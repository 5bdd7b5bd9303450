import { FeatureMismatchError, measurementPayload, planFeatures } from './measurement-payload';

describe('planFeatures / measurementPayload', () => {
  const names = ['f0', 'f1', 'f2'];

  it('sends the model features by name (extra dataset columns stay out), null for missing values', () => {
    const plan = planFeatures(names, 2, ['f2', 'f0']);
    expect(plan).toEqual({ form: 'object', names: ['f2', 'f0'] });
    expect(measurementPayload([1.5, 2, Number.NaN], names, plan)).toEqual({ f2: null, f0: 1.5 });
  });

  it('sends by position when the model does not name its features and the counts agree', () => {
    const plan = planFeatures(names, 3, undefined);
    expect(measurementPayload([1, Number.NaN, -3e-4], names, plan)).toEqual([1, null, -3e-4]);
    expect(() => planFeatures(names, 8, undefined)).toThrow(
      'the model takes 8 unnamed measurements, the dataset has 3',
    );
  });

  it('says which model features the dataset lacks', () => {
    expect(() => planFeatures(names, 2, ['f0', 'gain'])).toThrow(FeatureMismatchError);
    expect(() => planFeatures(names, 2, ['f0', 'gain'])).toThrow(/1 missing \(gain\), 1 in common/);
  });
});
