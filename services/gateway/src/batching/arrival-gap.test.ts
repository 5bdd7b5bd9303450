import { ArrivalGap } from './arrival-gap';

describe('ArrivalGap', () => {
  it('is unknown before two arrivals, then follows the mean gap', () => {
    const gap = new ArrivalGap(0.5);
    expect(gap.estimateMs(0)).toBe(Infinity);
    gap.note(0);
    gap.note(4);
    expect(gap.estimateMs(4)).toBe(4);
    gap.note(6);
    expect(gap.estimateMs(6)).toBe(3);
  });

  it('grows with the silence once traffic stops', () => {
    const gap = new ArrivalGap();
    for (let t = 0; t < 10; t++) gap.note(t);
    expect(gap.estimateMs(9)).toBe(1);
    expect(gap.estimateMs(59)).toBe(50);
  });
});
