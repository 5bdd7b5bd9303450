import { cellsToSourceRegion, findHotCells } from './localization';

describe('findHotCells', () => {
  it('counts cells at or above the threshold and bounds them; NaN is never hot', () => {
    const map = Float32Array.from([0.1, 0.5, NaN, 0.2, 0.7, 0.1]); // 2 rows × 3 cols
    expect(findHotCells(map, 2, 3, 0.5)).toEqual({
      count: 2,
      total: 6,
      box: { minRow: 0, maxRow: 1, minCol: 1, maxCol: 1 },
    });
    expect(findHotCells(map, 2, 3, 0.9)).toEqual({ count: 0, total: 6 });
  });

  it('refuses a heatmap of the wrong size', () => {
    expect(() => findHotCells(new Float32Array(5), 2, 3, 0.5)).toThrow(RangeError);
  });
});

describe('cellsToSourceRegion', () => {
  const grid = { height: 4, width: 4 };
  const input = { width: 8, height: 8 };

  it('fill: scales each axis separately and widens to whole pixels', () => {
    const box = { minRow: 0, maxRow: 3, minCol: 1, maxCol: 1 };
    // x: input 2..4 → ×10/8 → 2.5..5 → [2, 5); y: 0..8 → 0..10.
    expect(cellsToSourceRegion(box, grid, input, { width: 10, height: 10 }, 'fill')).toEqual({
      x: 2,
      y: 0,
      width: 3,
      height: 10,
    });
  });

  it('contain: undoes the letterbox and drops boxes that lie in the padding', () => {
    // 16 × 8 into 8 × 8: scale 0.5, content 8 × 4, 2 rows of padding above and below.
    const source = { width: 16, height: 8 };
    const content = { minRow: 1, maxRow: 2, minCol: 0, maxCol: 3 };
    expect(cellsToSourceRegion(content, grid, input, source, 'contain')).toEqual({
      x: 0,
      y: 0,
      width: 16,
      height: 8,
    });
    const padding = { minRow: 0, maxRow: 0, minCol: 0, maxCol: 3 };
    expect(cellsToSourceRegion(padding, grid, input, source, 'contain')).toBeUndefined();
  });

  it('cover: undoes the centre crop', () => {
    // 16 × 8 into 8 × 8: scale 1, 4 columns cropped on each side.
    const box = { minRow: 0, maxRow: 3, minCol: 0, maxCol: 0 };
    expect(cellsToSourceRegion(box, grid, input, { width: 16, height: 8 }, 'cover')).toEqual({
      x: 4,
      y: 0,
      width: 2,
      height: 8,
    });
  });
});
