/**
 * Fast path for tiny grayscale JPEGs (the 24x40 thermal images): sharp's fixed cost per call (about 0.5–1 ms)
 * dwarfs the work of decoding 15 blocks. This decoder handles only the plain case — baseline Huffman, 8-bit,
 * one component, 1x1 sampling, no restart markers, only JFIF/comment segments, nothing after EOI — and returns
 * undefined for anything else, including every irregularity libjpeg would warn about, so sharp (and its
 * failOn policy) decides those images. When it returns pixels they are byte-identical to sharp's decode
 * (checked over the whole thermal dataset and by a differential fuzz test against sharp).
 */
import { MAX_DEQUANTIZED, idctIslowBlock } from './jpeg-idct';

/** Zigzag position k → natural (row-major) index in the 8x8 block. */
const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

export interface TinyGrayImage {
  width: number;
  height: number;
  /** width*height gray samples, row-major. */
  pixels: Buffer;
}

interface HuffmanTable {
  /** Per code length 1..16: largest code of that length (-1 if none), first code, index of its first symbol. */
  maxCode: Int32Array;
  minCode: Int32Array;
  firstSymbol: Int32Array;
  symbols: Uint8Array;
}

/** Signals "not the plain case": the caller falls back to sharp. */
class NotPlain extends Error {}
function notPlain(): never {
  throw new NotPlain();
}

/** Decodes `bytes` if it is a plain tiny grayscale JPEG of at most `maxPixels` pixels, else undefined. */
export function decodeTinyGrayJpeg(bytes: Buffer, maxPixels: number): TinyGrayImage | undefined {
  try {
    return decode(bytes, maxPixels);
  } catch (err) {
    if (err instanceof NotPlain) return undefined;
    throw err;
  }
}

function decode(bytes: Buffer, maxPixels: number): TinyGrayImage {
  const quant: (Uint16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: { width: number; height: number; componentId: number; quantId: number } | undefined;
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) notPlain();
  let pos = 2;
  for (;;) {
    if (pos + 4 > bytes.length || bytes[pos] !== 0xff) notPlain();
    const marker = bytes[pos + 1] ?? 0;
    const length = bytes.readUInt16BE(pos + 2);
    const body = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > bytes.length) notPlain();
    if (marker === 0xdb) readQuantTables(bytes, body, end, quant);
    else if (marker === 0xc4) readHuffmanTables(bytes, body, end, dcTables, acTables);
    else if (marker === 0xc0) {
      if (frame !== undefined || length !== 11 || bytes[body] !== 8 || bytes[body + 5] !== 1) notPlain();
      const height = bytes.readUInt16BE(body + 1);
      const width = bytes.readUInt16BE(body + 3);
      if (width === 0 || height === 0 || width * height > maxPixels || bytes[body + 7] !== 0x11) notPlain();
      frame = { width, height, componentId: bytes[body + 6] ?? -1, quantId: bytes[body + 8] ?? -1 };
    } else if (marker === 0xda) {
      if (frame === undefined || length !== 8 || bytes[body] !== 1 || bytes[body + 1] !== frame.componentId)
        notPlain();
      // Spectral selection 0..63 and no successive approximation: a sequential scan.
      if (bytes[body + 3] !== 0 || bytes[body + 4] !== 63 || bytes[body + 5] !== 0) notPlain();
      const tables = bytes[body + 2] ?? 0;
      const q = quant[frame.quantId];
      const dc = dcTables[tables >> 4];
      const ac = acTables[tables & 15];
      if (q === undefined || dc === undefined || ac === undefined) return notPlain();
      return decodeScan(bytes, end, frame.width, frame.height, q, dc, ac);
    } else if (marker === 0xdd) {
      if (length !== 4 || bytes.readUInt16BE(body) !== 0) notPlain(); // restart intervals: leave to sharp
    } else if (marker !== 0xe0 && marker !== 0xfe) notPlain(); // APP1+ (EXIF orientation, ICC, Adobe), others
    pos = end;
  }
}

function readQuantTables(
  bytes: Buffer,
  start: number,
  end: number,
  quant: (Uint16Array | undefined)[],
): void {
  let pos = start;
  while (pos < end) {
    const info = bytes[pos] ?? 0xff;
    if (info >> 4 !== 0 || (info & 15) > 3 || pos + 65 > end) notPlain(); // 8-bit tables 0..3 only
    const table = new Uint16Array(64); // kept in zigzag order, like the coefficients it scales
    for (let k = 0; k < 64; k++) {
      const value = bytes[pos + 1 + k] ?? 0;
      if (value === 0) notPlain();
      table[k] = value;
    }
    quant[info & 15] = table;
    pos += 65;
  }
}

function readHuffmanTables(
  bytes: Buffer,
  start: number,
  end: number,
  dcTables: (HuffmanTable | undefined)[],
  acTables: (HuffmanTable | undefined)[],
): void {
  let pos = start;
  while (pos < end) {
    const info = bytes[pos] ?? 0xff;
    if (info >> 4 > 1 || (info & 15) > 3 || pos + 17 > end) notPlain();
    const counts = bytes.subarray(pos + 1, pos + 17);
    const total = counts.reduce((sum, n) => sum + n, 0);
    if (total > 256 || pos + 17 + total > end) notPlain();
    const symbols = bytes.subarray(pos + 17, pos + 17 + total);
    const isDc = info >> 4 === 0;
    if (isDc && symbols.some((symbol) => symbol > 15)) notPlain(); // libjpeg refuses such a DC table
    (isDc ? dcTables : acTables)[info & 15] = buildHuffmanTable(counts, symbols);
    pos += 17 + total;
  }
}

/** Canonical Huffman codes as JPEG assigns them; over-subscribed tables (or an all-ones code) are refused. */
function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(17).fill(-1);
  const minCode = new Int32Array(17);
  const firstSymbol = new Int32Array(17);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1] ?? 0;
    minCode[length] = code;
    firstSymbol[length] = index;
    code += n;
    index += n;
    if (n > 0) maxCode[length] = code - 1;
    if (code >= 1 << length) notPlain();
    code <<= 1;
  }
  return { maxCode, minCode, firstSymbol, symbols: Uint8Array.from(symbols) };
}

/** Reads entropy-coded bits; a marker (or the end of the buffer) before the scan is complete is not plain. */
class BitReader {
  private bits = 0;
  private available = 0;

  constructor(
    private readonly bytes: Buffer,
    public pos: number,
  ) {}

  bit(): number {
    if (this.available === 0) {
      const byte = this.bytes[this.pos];
      if (byte === undefined) return notPlain();
      if (byte === 0xff) {
        if (this.bytes[this.pos + 1] !== 0x00) notPlain(); // a marker, or fill bytes, inside the scan
        this.pos += 2;
      } else {
        this.pos += 1;
      }
      this.bits = byte;
      this.available = 8;
    }
    this.available--;
    return (this.bits >> this.available) & 1;
  }

  receive(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value = (value << 1) | this.bit();
    return value;
  }

  decode(table: HuffmanTable): number {
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bit();
      if (code <= (table.maxCode[length] ?? -1)) {
        const symbol = table.symbols[(table.firstSymbol[length] ?? 0) + code - (table.minCode[length] ?? 0)];
        return symbol ?? notPlain();
      }
    }
    return notPlain(); // no code of 16 bits or fewer: corrupt data
  }
}

/** Value of a `size`-bit magnitude category (JPEG's EXTEND). */
function extend(value: number, size: number): number {
  return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
}

function decodeScan(
  bytes: Buffer,
  start: number,
  width: number,
  height: number,
  quant: Uint16Array,
  dc: HuffmanTable,
  ac: HuffmanTable,
): TinyGrayImage {
  const blocksPerLine = Math.ceil(width / 8);
  const blockRows = Math.ceil(height / 8);
  const stride = blocksPerLine * 8;
  const plane = new Uint8Array(stride * blockRows * 8);
  const coef = new Int32Array(64);
  const workspace = new Int32Array(64);
  const reader = new BitReader(bytes, start);
  let predictor = 0;
  for (let row = 0; row < blockRows; row++) {
    for (let col = 0; col < blocksPerLine; col++) {
      coef.fill(0);
      const dcSize = reader.decode(dc);
      if (dcSize > 11) notPlain();
      predictor += dcSize === 0 ? 0 : extend(reader.receive(dcSize), dcSize);
      coef[0] = dequantize(predictor, quant[0] ?? 0);
      for (let k = 1; k < 64; k++) {
        const symbol = reader.decode(ac);
        const run = symbol >> 4;
        const size = symbol & 15;
        if (size === 0) {
          if (run !== 15) break; // end of block
          k += 15; // sixteen zeros (the loop adds one)
          continue;
        }
        k += run;
        if (k > 63 || size > 10) notPlain();
        coef[ZIGZAG[k] ?? 0] = dequantize(extend(reader.receive(size), size), quant[k] ?? 0);
      }
      if (!idctIslowBlock(coef, workspace, plane, row * 8 * stride + col * 8, stride)) notPlain();
    }
  }
  // The scan must end exactly at EOI, with nothing after it (extra bytes would be a libjpeg warning).
  if (reader.pos + 2 !== bytes.length || bytes[reader.pos] !== 0xff || bytes[reader.pos + 1] !== 0xd9)
    notPlain();
  const pixels = Buffer.allocUnsafe(width * height);
  for (let y = 0; y < height; y++) pixels.set(plane.subarray(y * stride, y * stride + width), y * width);
  return { width, height, pixels };
}

function dequantize(value: number, step: number): number {
  const product = value * step;
  if (product > MAX_DEQUANTIZED || product < -MAX_DEQUANTIZED) notPlain();
  return product;
}
