import { evenlySpaced, stratifiedQuotas, stratifiedSample } from './stratified-sample';

const sizes = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('stratifiedQuotas', () => {
  it('keeps classes in proportion and gives every class one item while the limit allows', () => {
    // magnetic_tile-like: 762 good and five small defect classes.
    const quotas = stratifiedQuotas(
      sizes({ Free: 762, Blowhole: 92, Uneven: 83, Break: 68, Crack: 46, Fray: 26 }),
      12,
    );
    expect(Object.fromEntries(quotas)).toEqual({
      Free: 7,
      Blowhole: 1,
      Uneven: 1,
      Break: 1,
      Crack: 1,
      Fray: 1,
    });
    const big = stratifiedQuotas(sizes({ a: 500, b: 300, c: 200 }), 100);
    expect(Object.fromEntries(big)).toEqual({ a: 50, b: 30, c: 20 });
  });

  it('sums to the limit, never above a class size, and takes everything when the limit is larger', () => {
    const quotas = stratifiedQuotas(sizes({ a: 10, b: 3, c: 1 }), 7);
    expect([...quotas.values()].reduce((x, y) => x + y, 0)).toBe(7);
    expect(quotas.get('c')).toBe(1);
    expect(Object.fromEntries(stratifiedQuotas(sizes({ a: 2, b: 1 }), 50))).toEqual({ a: 2, b: 1 });
  });

  it('takes the largest classes first when the limit is below the number of classes', () => {
    expect(Object.fromEntries(stratifiedQuotas(sizes({ a: 5, b: 50, c: 20 }), 2))).toEqual({
      b: 1,
      c: 1,
      a: 0,
    });
  });

  it('refuses a limit below 1', () => {
    expect(() => stratifiedQuotas(sizes({ a: 1 }), 0)).toThrow(RangeError);
  });
});

describe('stratifiedSample', () => {
  it('spreads the chosen items over each class and keeps the original order', () => {
    expect(evenlySpaced(10, 2)).toEqual([2, 7]);
    const items = Array.from({ length: 20 }, (_, i) => ({ i, c: i < 16 ? 'good' : 'bad' }));
    const sample = stratifiedSample(items, (x) => x.c, 5);
    expect(sample.map((x) => x.i)).toEqual([2, 6, 10, 14, 18]);
    expect(stratifiedSample(items, (x) => x.c, 5)).toEqual(sample);
  });
});
