import { InputError } from '../domain/errors';
import { assertValidImageSpec, imageSpecFromParameters } from './image-spec';

/** The parameters the trainer writes for the thermal model (plus documentation keys the parser ignores). */
const thermal: Record<string, string> = {
  input_name: 'IMAGE',
  input_width: '24',
  input_height: '40',
  input_channels: '1',
  channel_order: 'GRAY',
  input_layout: 'CHW',
  input_datatype: 'UINT8',
  resize_fit: 'fill',
  resize_kernel: 'linear',
  colourspace: 'b-w',
  normalization: 'none (inside the model: (x - 0.4) / 0.2)',
};

const fp32: Record<string, string> = {
  ...thermal,
  input_channels: '3',
  channel_order: 'BGR',
  input_datatype: 'FP32',
  normalization_mean: '[0.485, 0.456, 0.406]',
  normalization_std: '0.25',
  normalization_scale: '0.00392156862745098',
};

describe('imageSpecFromParameters', () => {
  it('reads a UINT8 spec as the trainer writes it', () => {
    expect(imageSpecFromParameters(thermal)).toEqual({
      width: 24,
      height: 40,
      channels: 1,
      channelOrder: 'GRAY',
      layout: 'CHW',
      datatype: 'UINT8',
      resizeFit: 'fill',
      resizeKernel: 'linear',
    });
  });

  it('reads FP32 normalization, broadcasting a single number to every channel', () => {
    expect(imageSpecFromParameters(fp32).normalization).toEqual({
      mean: [0.485, 0.456, 0.406],
      std: [0.25, 0.25, 0.25],
      scale: 1 / 255,
    });
  });

  it.each([
    ['input_width', undefined, "'input_width' (missing) is required"],
    ['input_width', '24.5', "'input_width' ('24.5') must be a whole number"],
    ['input_height', '0', "'input_height' ('0') must be between 1 and 8192"],
    ['input_channels', '2', "'input_channels' ('2') must be 1 or 3"],
    ['channel_order', 'RGB', "'channel_order' ('RGB') does not match input_channels=1"],
    ['channel_order', 'gray', "'channel_order' ('gray') must be one of GRAY, RGB, BGR"],
    ['input_layout', 'NCHW', "'input_layout' ('NCHW') must be one of CHW, HWC"],
    ['input_datatype', 'FP16', "'input_datatype' ('FP16') must be one of UINT8, FP32"],
    ['resize_fit', 'stretch', "'resize_fit' ('stretch') must be one of fill, contain, cover"],
    [
      'resize_kernel',
      'bilinear',
      "'resize_kernel' ('bilinear') must be one of nearest, linear, cubic, lanczos3",
    ],
    ['normalization_mean', '[0.5]', "'normalization_mean' is set but input_datatype=UINT8"],
  ])('names the bad key %s=%s in a plain Error', (key, value, message) => {
    const params = { ...thermal };
    if (value === undefined) delete params[key];
    else params[key] = value;
    let error: unknown;
    try {
      imageSpecFromParameters(params);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(message);
  });

  it.each([
    ['normalization_mean', undefined, 'is required'],
    ['normalization_mean', '[0.1, 0.2]', 'must hold 1 or 3 numbers'],
    ['normalization_mean', 'zero', 'must be a JSON array of numbers'],
    ['normalization_std', '[1, 0, 1]', 'must hold finite, non-zero numbers'],
    ['normalization_scale', 'NaN', 'must be a finite, non-zero number'],
  ])('validates FP32 normalization: %s=%s', (key, value, message) => {
    const params = { ...fp32 };
    if (value === undefined) delete params[key];
    else params[key] = value;
    expect(() => imageSpecFromParameters(params)).toThrow(`'${key}'`);
    expect(() => imageSpecFromParameters(params)).toThrow(message);
  });

  it('checks a hand-built spec with the same rules', () => {
    const spec = imageSpecFromParameters(fp32);
    expect(assertValidImageSpec(spec)).toBe(spec);
    expect(() => assertValidImageSpec({ ...spec, channels: 1 })).toThrow('channel_order');
  });
});
