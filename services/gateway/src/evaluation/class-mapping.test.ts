import { ClassMappingError, describeMapping, mapClasses } from './class-mapping';

const LABELS = {
  classes: ['Free', 'Crack', 'Blowhole'],
  goodClass: 'Free',
  defectClasses: ['Crack', 'Blowhole'],
};

describe('mapClasses', () => {
  it('maps exact names only, with their role, and lists what did not match', () => {
    const mapping = mapClasses(['Blowhole', 'Break', 'Free', 'crack'], LABELS);
    expect(mapping).toEqual({
      matched: { Blowhole: 'defect', Free: 'good' },
      unmatchedDatasetClasses: ['Break', 'crack'],
      modelClassesWithoutData: ['Crack'],
    });
    expect(describeMapping(mapping, { Break: 68, crack: 3 })).toEqual([
      'dataset classes the model does not have, left out: Break (68 items), crack (3 items)',
      'model classes with no items in the dataset: Crack',
    ]);
  });

  it('marks a class that is neither good nor a defect, and fails when nothing matches', () => {
    const labels = { classes: ['ok', 'bad', 'unsure'], goodClass: 'ok', defectClasses: ['bad'] };
    expect(mapClasses(['unsure', 'bad'], labels).matched).toEqual({ unsure: 'other', bad: 'defect' });
    expect(() => mapClasses(['pass', 'fail'], LABELS)).toThrow(ClassMappingError);
    expect(() => mapClasses(['pass', 'fail'], LABELS)).toThrow(
      /none of the dataset's classes \[pass, fail\]/,
    );
  });
});
