import fc from 'fast-check';
import { InputError } from '../domain/errors';
import { readFloat32 } from '../domain/tensor';
import { measurementsToTensor, validateMeasurements } from './measurements';

const named = { featureNames: ['vdd', 'idd', 'leak'], featureCount: 3 };
const unnamed = { featureNames: undefined, featureCount: 3 };

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('validateMeasurements', () => {
  it('accepts an array of numbers and numeric strings', () => {
    expect([...validateMeasurements([1.5, '-2e3', '.25'], unnamed)]).toEqual([1.5, -2000, 0.25]);
  });

  it('reads null, NaN and "NaN" as missing values (NaN)', () => {
    expect([...validateMeasurements([null, Number.NaN, 'NaN'], unnamed)]).toEqual([NaN, NaN, NaN]);
  });

  it('accepts an object by feature name; absent names are missing', () => {
    expect([...validateMeasurements({ leak: '0.001', vdd: 1.2 }, named)]).toEqual([
      Math.fround(1.2),
      NaN,
      Math.fround(0.001),
    ]);
  });

  it('refuses more missing values than the model accepts, sent or absent, naming the counts', () => {
    const limited = { ...named, maxMissingFraction: 0.34 }; // at most 1 of 3 missing
    expect([...validateMeasurements([1, null, 3], { ...unnamed, maxMissingFraction: 0.34 })]).toEqual([
      1,
      NaN,
      3,
    ]);
    expect([...validateMeasurements({ vdd: 1, leak: 2 }, limited)]).toEqual([1, NaN, 2]);
    const error = inputError(() => validateMeasurements({ vdd: 1 }, limited));
    expect(error.message).toBe(
      '2 of 3 measurements are missing; this model decides on at most 1 missing (34 %), so it will not decide on ' +
        'imputed values alone',
    );
    expect(error.details).toEqual({ missing: 2, featureCount: 3, maxMissing: 1, maxMissingFraction: 0.34 });
    expect(() => validateMeasurements([NaN, 'NaN', 1], { ...unnamed, maxMissingFraction: 0.34 })).toThrow(
      /2 of 3 measurements are missing/,
    );
    // no limit: every value may be missing
    expect([...validateMeasurements([null, null, null], unnamed)]).toEqual([NaN, NaN, NaN]);
    expect(() => validateMeasurements([1, 2, 3], { ...unnamed, maxMissingFraction: 0 })).toThrow(
      /maxMissingFraction/,
    );
  });

  it('refuses the wrong number of values', () => {
    expect(inputError(() => validateMeasurements([1, 2], unnamed)).message).toBe(
      'expected 3 measurements, got 2',
    );
  });

  it('names every bad index, with the reason', () => {
    const error = inputError(() => validateMeasurements([true, 'abc', Infinity], unnamed));
    expect(error.message).toContain('measurements[0] is not a number (got a boolean)');
    expect(error.message).toContain('measurements[1] is not a number (got the string "abc")');
    expect(error.message).toContain('measurements[2] is not finite');
    expect(error.details?.problemCount).toBe(3);
  });

  it.each([
    ['nested object', { a: 1 }],
    ['nested array', [1]],
    ['empty string', ''],
    ['"Infinity"', 'Infinity'],
    ['hex', '0x10'],
    ['padded', ' 1'],
    ['beyond FP32', 1e39],
    ['beyond FP32 as string', '-1e39'],
    ['undefined', undefined],
  ])('refuses %s as a value', (_name, value) => {
    expect(inputError(() => validateMeasurements([1, value, 3], unnamed)).message).toContain(
      'measurements[1]',
    );
  });

  it('names unknown feature names and refuses an object with no known name', () => {
    expect(inputError(() => validateMeasurements({ vdd: 1, vcc: 2, tmp: 3 }, named)).message).toBe(
      'unknown measurement names: "vcc", "tmp"',
    );
    expect(inputError(() => validateMeasurements({}, named)).message).toContain('names none');
    expect(inputError(() => validateMeasurements({ vdd: false }, named)).message).toContain(
      'measurements.vdd',
    );
  });

  it('does not treat prototype keys as feature names', () => {
    const input = JSON.parse('{"__proto__": 1, "vdd": 2}') as unknown;
    expect(inputError(() => validateMeasurements(input, named)).message).toContain('"__proto__"');
    expect(inputError(() => validateMeasurements({ constructor: 1 }, named)).message).toContain(
      'constructor',
    );
  });

  it('refuses the object form when the model does not name its features, and non-collections', () => {
    expect(inputError(() => validateMeasurements({ vdd: 1 }, unnamed)).message).toContain('array of 3');
    for (const input of [null, 3, 'x', undefined, new Date()]) {
      expect(inputError(() => validateMeasurements(input, named)).message).toContain('measurements must be');
    }
  });

  it('treats an inconsistent spec as a configuration error, not an InputError', () => {
    expect(() => validateMeasurements([1], { featureNames: ['a', 'b'], featureCount: 1 })).toThrow(Error);
    expect(() => validateMeasurements([1], { featureNames: ['a', 'b'], featureCount: 1 })).not.toThrow(
      InputError,
    );
    expect(() => validateMeasurements([1, 2], { featureNames: ['a', 'a'], featureCount: 2 })).not.toThrow(
      InputError,
    );
  });

  it('takes a pathological numeric string in linear time', () => {
    const started = Date.now();
    expect(() => validateMeasurements(['1'.repeat(100_000) + 'x', 1, 2], unnamed)).toThrow(InputError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('property: arbitrary JSON is either accepted as featureCount floats or refused with an InputError', () => {
    const names = Array.from({ length: 5 }, (_, i) => `f${i}`);
    const spec = { featureNames: names, featureCount: 5 };
    const value = fc.oneof(
      fc.double(),
      fc.constantFrom(null, 'NaN', '1e3', '-0.5', 'x', '', true),
      fc.string(),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const input = fc.oneof(
      fc.array(value, { minLength: 4, maxLength: 6 }),
      fc.dictionary(fc.constantFrom(...names, 'other', '__proto__'), value),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(input, (candidate) => {
        try {
          const out = validateMeasurements(candidate, spec);
          expect(out).toBeInstanceOf(Float32Array);
          expect(out.length).toBe(5);
          for (const v of out) expect(Number.isNaN(v) || Number.isFinite(v)).toBe(true);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: valid arrays round-trip to their FP32 values', () => {
    const entry = fc.oneof(
      fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ send: v, expect: v })),
      fc
        .float({ noNaN: true, noDefaultInfinity: true })
        .map((v) => ({ send: String(v), expect: Number(String(v)) })),
      fc.constantFrom(null, 'NaN', Number.NaN).map((v) => ({ send: v, expect: Number.NaN })),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 40 }), (entries) => {
        const out = validateMeasurements(
          entries.map((e) => e.send),
          { featureNames: undefined, featureCount: entries.length },
        );
        expect([...out]).toEqual(entries.map((e) => e.expect));
      }),
      { numRuns: 300 },
    );
  });
});

describe('measurementsToTensor', () => {
  it('is an FP32 tensor of shape [featureCount], NaN kept', () => {
    const tensor = measurementsToTensor(new Float32Array([1.5, Number.NaN, -3]), 'MEASUREMENTS');
    expect(tensor).toMatchObject({ name: 'MEASUREMENTS', datatype: 'FP32', shape: [3] });
    expect(tensor.data.length).toBe(12);
    expect([...readFloat32(tensor)]).toEqual([1.5, NaN, -3]);
  });
});
