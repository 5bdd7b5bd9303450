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
      expect((err as UnusableImageError).details).toEqual({ pixelStd: 0, minPixelStd: 0.88 });
    }
  });

  it('decides real images, and blank ones when the contract sets no floor', async () => {
    const limited = contract({ input_min_pixel_std: 0.88 });
    expect((await images.preprocess(thermalImage, limited)).data).toHaveLength(24 * 40);
    expect((await images.preprocess(await flat(0), contract({}))).data).toHaveLength(24 * 40);
  });
});
