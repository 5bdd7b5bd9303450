/**
 * Where the defect is, from a localization heatmap.
 *
 * - A cell is hot when its value is ≥ the contract's `localization.threshold` (NaN is never hot).
 * - areaFraction = hot cells / all cells.
 * - The region is the bounding box of all hot cells (one box per item, covering every hot cell).
 * - The heatmap grid covers the whole model input: cell (r, c) of an h × w heatmap covers input pixels
 *   [c·W_in/w, (c+1)·W_in/w) × [r·H_in/h, (r+1)·H_in/h). That box is mapped back to the source image by
 *   undoing the resize the contract prescribes (sharp, position centre):
 *     fill    x_src = x_in · W_src / W_in (per axis, aspect ratio not kept)
 *     contain s = min(W_in/W_src, H_in/H_src), pad = (W_in − W_src·s) / 2, x_src = (x_in − pad) / s
 *     cover   s = max(W_in/W_src, H_in/H_src), crop = (W_src·s − W_in) / 2, x_src = (x_in + crop) / s
 *   then clamped to the image and widened to whole pixels (floor of the start, ceil of the end).
 */
import type { ResizeFit } from '../routing/contract-types';
import type { Region, SourceImageSize, Values } from './decision-types';

export interface HotCells {
  count: number;
  total: number;
  /** Inclusive bounds of the hot cells (absent when none is hot). */
  box?: { minRow: number; maxRow: number; minCol: number; maxCol: number };
}

export function findHotCells(heatmap: Values, height: number, width: number, threshold: number): HotCells {
  const total = height * width;
  if (heatmap.length !== total) {
    throw new RangeError(`heatmap has ${heatmap.length} values, expected ${height} × ${width}`);
  }
  let count = 0;
  let minRow = height;
  let maxRow = -1;
  let minCol = width;
  let maxCol = -1;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (!(Number(heatmap[r * width + c]) >= threshold)) continue;
      count++;
      if (r < minRow) minRow = r;
      if (r > maxRow) maxRow = r;
      if (c < minCol) minCol = c;
      if (c > maxCol) maxCol = c;
    }
  }
  return count === 0 ? { count, total } : { count, total, box: { minRow, maxRow, minCol, maxCol } };
}

interface AxisMap {
  /** Source coordinate of an input coordinate. */
  (inputCoordinate: number): number;
}

function axisMap(fit: ResizeFit, inSize: number, srcSize: number, scale: number): AxisMap {
  switch (fit) {
    case 'fill':
      return (x) => (x * srcSize) / inSize;
    case 'contain': {
      const pad = (inSize - srcSize * scale) / 2;
      return (x) => (x - pad) / scale;
    }
    case 'cover': {
      const crop = (srcSize * scale - inSize) / 2;
      return (x) => (x + crop) / scale;
    }
  }
}

const EPSILON = 1e-9;
const clamp = (v: number, max: number): number => Math.min(Math.max(v, 0), max);

/**
 * The source-image region of a box of heatmap cells. Undefined when the box maps entirely outside the
 * image (only possible with `contain`, in the padding).
 */
export function cellsToSourceRegion(
  box: NonNullable<HotCells['box']>,
  heatmap: { height: number; width: number },
  input: { width: number; height: number },
  source: SourceImageSize,
  fit: ResizeFit,
): Region | undefined {
  const sx = input.width / source.width;
  const sy = input.height / source.height;
  const scale = fit === 'contain' ? Math.min(sx, sy) : Math.max(sx, sy);
  const mapX = axisMap(fit, input.width, source.width, scale);
  const mapY = axisMap(fit, input.height, source.height, scale);
  const x0 = clamp(mapX((box.minCol * input.width) / heatmap.width), source.width);
  const x1 = clamp(mapX(((box.maxCol + 1) * input.width) / heatmap.width), source.width);
  const y0 = clamp(mapY((box.minRow * input.height) / heatmap.height), source.height);
  const y1 = clamp(mapY(((box.maxRow + 1) * input.height) / heatmap.height), source.height);
  const x = Math.floor(x0 + EPSILON);
  const y = Math.floor(y0 + EPSILON);
  const width = Math.ceil(x1 - EPSILON) - x;
  const height = Math.ceil(y1 - EPSILON) - y;
  if (width <= 0 || height <= 0) return undefined;
  return { x, y, width, height };
}
