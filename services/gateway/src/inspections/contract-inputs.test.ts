import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { UnusableImageError } from '../domain/errors';
import { ImagePreprocessor } from '../preprocess';
import { parseModelContract } from '../routing';
import { renderConfig, trainerThermalSpec, withParameters } from '../routing/fake-model-configs';
import { ContractImages } from './contract-inputs';

const images = new ContractImages(
  new ImagePreprocessor({ maxInputBytes: 4 * 1024 * 1024, maxInputPixels: 25_000_000 }),
);
const contract = (params: Record<string, unknown>) =>
  parseModelContract(parseModelConfigText(renderConfig(withParameters(trainerThermalSpec(), params))));
const flat = (value: number) =>
  sharp({ create: { width: 24, height: 40, channels: 3, background: { r: value, g: value, b: value } } })
    .png()
    .toBuffer();
const thermalImage = fs.readFileSync(
  path.resolve(__dirname, '../../../../../shared/datasets/infrared_solar_modules/images/Cell/4845.jpg'),
);

describe('ContractImages: images far smaller than the training images', () => {
  it('refuses an image whose shorter side is below the floor, naming its size', async () => {
    const limited = contract({ input_min_source_side: 12 });
    const small = await sharp(thermalImage).resize(8, 14).png().toBuffer();
    const err = await images.preprocess(small, limited).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnusableImageError);
    expect((err as UnusableImageError).message).toMatch(
      /^the image is 8×14 px; model '.*' needs at least 12 px/,
    );
    expect((err as UnusableImageError).details).toEqual({ width: 8, height: 14, minSourceSide: 12 });
    expect((await images.preprocess(thermalImage, limited)).data).toHaveLength(24 * 40);
  });
});

describe('ContractImages: blank frames', () => {
  it('refuses an image whose model input varies less than the contract allows, with the figures', async () => {
    const limited = contract({ input_min_pixel_std: 0.88 });
    for (const value of [0, 128, 255]) {
      const err = await images.preprocess(await flat(value), limited).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnusableImageError);
      expect((err as UnusableImageError).message).toMatch(/nearly uniform \(pixel standard deviation 0\.00/);
      expect((err as UnusableImageError).details).toEqual({
        pixelStd: 0,
        minPixelStd: 0.88,
        bitsPerSample: 8,
      });
    }
  });

  it('says a narrow 16-bit image is blank only in 8 bits, and decides a full-range one', async () => {
    const limited = contract({ input_min_pixel_std: 0.88 });
    const { data } = await sharp(thermalImage).greyscale().raw().toBuffer({ resolveWithObject: true });
    const png16 = (scale: (v: number) => number) =>
      sharp(Uint16Array.from(data, scale), { raw: { width: 24, height: 40, channels: 1 } })
        .toColourspace('grey16')
        .png()
        .toBuffer();
    // Raw counts 29000 + 4·v span about 500 of 65,536 levels: two or three levels once reduced to 8 bits.
    const err = await images.preprocess(await png16((v) => 29000 + 4 * v), limited).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnusableImageError);
    expect((err as UnusableImageError).message).toMatch(
      /^the 16-bit image is nearly uniform once reduced to the 8 bits/,
    );
    expect((err as UnusableImageError).message).toMatch(/send the camera's 8-bit export/);
    expect((err as UnusableImageError).details).toMatchObject({ minPixelStd: 0.88, bitsPerSample: 16 });
    // The same picture over the full 16-bit range is the 8-bit image exactly.
    const full = await images.preprocess(await png16((v) => v * 257), limited);
    expect(Buffer.from(full.data)).toEqual((await images.preprocess(thermalImage, limited)).data);
  });

  it('decides real images, and blank ones when the contract sets no floor', async () => {
    const limited = contract({ input_min_pixel_std: 0.88 });
    expect((await images.preprocess(thermalImage, limited)).data).toHaveLength(24 * 40);
    expect((await images.preprocess(await flat(0), contract({}))).data).toHaveLength(24 * 40);
  });
});
