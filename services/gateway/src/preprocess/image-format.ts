/**
 * Image type detection from magic bytes (never from the client's content type) and a cheap header probe for
 * JPEG and PNG, the formats on the hot path: it yields the source size without a second sharp call and lets
 * the pixel limit be checked before any decoder runs.
 */

/** Formats the gateway accepts. BMP is not among them: sharp's prebuilt libvips has no BMP loader. */
export type AcceptedFormat = 'jpeg' | 'png' | 'tiff' | 'webp';

/** What the header says, before decoding. Fields are undefined where the probe did not read them. */
export interface HeaderProbe {
  format: AcceptedFormat;
  width?: number;
  height?: number;
  channels?: number;
  bitsPerSample?: number;
  /** JPEG: baseline (SOF0) or extended sequential (SOF1) Huffman coding; false for progressive and others. */
  sequential?: boolean;
}

/** Formats we recognise only to name them in the 415 message. */
const REJECTED_SIGNATURES: readonly { name: string; test: (b: Buffer) => boolean }[] = [
  { name: 'BMP', test: (b) => startsWith(b, [0x42, 0x4d]) },
  { name: 'GIF', test: (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]) },
  { name: 'SVG/XML', test: (b) => /^\s*</.test(b.subarray(0, 64).toString('latin1')) },
  { name: 'HEIF/AVIF', test: (b) => b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp' },
  { name: 'PDF', test: (b) => b.toString('latin1', 0, 5) === '%PDF-' },
  { name: 'JPEG 2000', test: (b) => startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50]) },
];

/** Detects an accepted format from the first bytes; undefined when the bytes are none of them. */
export function detectFormat(bytes: Buffer): AcceptedFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  // Classic TIFF ("II*\0", "MM\0*") and BigTIFF ("II+\0", "MM\0+"); libtiff reads both.
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'tiff';
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b]))
    return 'tiff';
  if (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    return 'webp';
  }
  return undefined;
}

/** A human name for an unaccepted type, for the 415 message. */
export function describeUnsupported(bytes: Buffer): string {
  return REJECTED_SIGNATURES.find((sig) => sig.test(bytes))?.name ?? 'unknown';
}

/** Reads what the header says for JPEG and PNG; other formats return just the format. Never throws. */
export function probeHeader(bytes: Buffer, format: AcceptedFormat): HeaderProbe {
  switch (format) {
    case 'jpeg':
      return probeJpeg(bytes);
    case 'png':
      return probePng(bytes);
    case 'tiff':
    case 'webp':
      return { format };
  }
}

// PNG colour type → channels (palette images decode to RGB, or RGBA with a tRNS chunk; we report 3).
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

function probePng(bytes: Buffer): HeaderProbe {
  // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4) + bit depth (1) + colour type (1).
  if (bytes.length < 26 || bytes.toString('latin1', 12, 16) !== 'IHDR') return { format: 'png' };
  return {
    format: 'png',
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
    bitsPerSample: bytes[24],
    channels: PNG_CHANNELS[bytes[25] ?? -1],
  };
}

function probeJpeg(bytes: Buffer): HeaderProbe {
  let pos = 2;
  // Walk marker segments until a start-of-frame; stop at the first thing that is not a well-formed segment.
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) break;
    const marker = bytes[pos + 1] ?? 0;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    const length = bytes.readUInt16BE(pos + 2);
    if (length < 2) break;
    if (isStartOfFrame(marker)) {
      if (pos + 10 > bytes.length) break;
      return {
        format: 'jpeg',
        bitsPerSample: bytes[pos + 4],
        height: bytes.readUInt16BE(pos + 5),
        width: bytes.readUInt16BE(pos + 7),
        channels: bytes[pos + 9],
        sequential: marker === 0xc0 || marker === 0xc1,
      };
    }
    if (marker === 0xda || marker === 0xd9) break; // scan or end before any frame header
    pos += 2 + length;
  }
  return { format: 'jpeg' };
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function startsWith(bytes: Buffer, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((value, i) => bytes[i] === value);
}
