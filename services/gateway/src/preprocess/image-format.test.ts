import { describeUnsupported, detectFormat, probeHeader } from './image-format';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('detectFormat', () => {
  it.each([
    ['jpeg', hex('ffd8ffe0')],
    ['png', hex('89504e470d0a1a0a')],
    ['tiff', hex('49492a00')],
    ['tiff', hex('4d4d002a')],
    ['tiff', hex('49492b00')],
    ['webp', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')],
  ])('%s from magic bytes', (format, bytes) => {
    expect(detectFormat(bytes)).toBe(format);
  });

  it.each([
    ['BMP', Buffer.from('BM\x00\x00', 'latin1')],
    ['GIF', Buffer.from('GIF89a', 'latin1')],
    ['HEIF/AVIF', Buffer.from('\x00\x00\x00\x18ftypheic', 'latin1')],
    ['unknown', hex('ffd8')], // too short to be a JPEG
    ['unknown', Buffer.from('RIFF\x10\x00\x00\x00WAVE', 'latin1')],
  ])('not accepted: %s', (name, bytes) => {
    expect(detectFormat(bytes)).toBeUndefined();
    expect(describeUnsupported(bytes)).toBe(name);
  });
});

describe('probeHeader', () => {
  it('reads a JPEG frame header after other segments', () => {
    const app0 = hex('ffe0 0004 0000');
    const sof2 = hex('ffc2 000b 08 0028 0018 01 011100');
    expect(probeHeader(Buffer.concat([hex('ffd8'), app0, sof2]), 'jpeg')).toEqual({
      format: 'jpeg',
      bitsPerSample: 8,
      height: 40,
      width: 24,
      channels: 1,
      sequential: false,
    });
  });

  it('reads a PNG IHDR', () => {
    const png = hex('89504e470d0a1a0a 0000000d 49484452 00004e20 00000001 10 00 0000 00000000');
    expect(probeHeader(png, 'png')).toEqual({
      format: 'png',
      width: 20000,
      height: 1,
      bitsPerSample: 16,
      channels: 1,
    });
  });

  it('gives up quietly on a broken header', () => {
    expect(probeHeader(hex('ffd8ffe0ffff'), 'jpeg')).toEqual({ format: 'jpeg' });
    expect(probeHeader(hex('89504e470d0a1a0a00'), 'png')).toEqual({ format: 'png' });
  });
});
