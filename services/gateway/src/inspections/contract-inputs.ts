import { InternalError, UnusableImageError } from '../domain/errors';
import { pixelMoments } from '../drift/pixel-moments';
import { validateMeasurements, type ImagePreprocessor } from '../preprocess';
import type { ModelContract } from '../routing';
import type { ImageSource, MeasurementSource } from './inspection-service';

/** Preprocesses an uploaded image exactly as the contract's model was trained (the contract holds the spec). */
export class ContractImages implements ImageSource {
  constructor(private readonly preprocessor: ImagePreprocessor) {}

  async preprocess(bytes: Buffer, contract: ModelContract) {
    if (!contract.image) throw new InternalError(`model '${contract.model}' has no image input`);
    const out = await this.preprocessor.preprocess(bytes, contract.image);
    refuseTooSmall(out.source, contract);
    refuseBlank(out.data, contract, out.source.bitsPerSample);
    return {
      data: out.data,
      width: out.source.width,
      height: out.source.height,
      waitMs: out.timings.waitMs ?? 0,
      decodeMs: out.timings.decodeMs,
      preprocessMs: out.timings.preprocessMs,
    };
  }
}

/**
 * An image much smaller than any the model was trained on (a thumbnail, another modality's frame) would be stretched
 * to the model's input and decided; below the contract's `minSourceSide` (the trainer writes half the shortest side
 * of any training image) it is refused.
 */
function refuseTooSmall(source: { width: number; height: number }, contract: ModelContract): void {
  const min = contract.minSourceSide;
  if (min === undefined || Math.min(source.width, source.height) >= min) return;
  throw new UnusableImageError(
    `the image is ${source.width}×${source.height} px; model '${contract.model}' needs at least ${min} px on the ` +
      'shorter side (half the shortest side of its training images): is this the right station or modality?',
    { details: { width: source.width, height: source.height, minSourceSide: min } },
  );
}

/**
 * A blank frame (lens cap, failed camera, dropped exposure) decodes fine and a model may well call it good; an image
 * whose model input varies less than the contract's `minPixelStd` (the trainer writes half the least variation of
 * any training image) is refused rather than decided. A 16-bit image (a radiometric thermal export, say) reaches the
 * model as its top 8 bits, so a narrow band of raw counts looks blank too: the message says so, since the fix is the
 * camera's 8-bit export rather than the camera itself.
 */
function refuseBlank(tensor: Uint8Array, contract: ModelContract, bitsPerSample: number): void {
  const min = contract.minPixelStd;
  if (min === undefined) return;
  const moments = new Float64Array(2);
  pixelMoments(tensor, moments);
  const std = moments[1]!;
  if (std >= min) return;
  const figures = `pixel standard deviation ${std.toFixed(2)} after resizing, below ${min} for model '${contract.model}'`;
  const details = { pixelStd: Number(std.toFixed(4)), minPixelStd: min, bitsPerSample };
  if (bitsPerSample > 8) {
    throw new UnusableImageError(
      `the ${bitsPerSample}-bit image is nearly uniform once reduced to the 8 bits the model takes (${figures}): ` +
        "its values span too few of the 65,536 levels; send the camera's 8-bit export, as the model was trained on",
      { details },
    );
  }
  throw new UnusableImageError(
    `the image is nearly uniform (${figures}): it looks like a blank frame; check the camera and send it again`,
    { details },
  );
}

/** Validates electrical measurements against the contract's feature list and packs them as FP32. */
export class ContractMeasurements implements MeasurementSource {
  toInput(measurements: unknown, contract: ModelContract): Buffer {
    if (!contract.electrical) throw new InternalError(`model '${contract.model}' takes no measurements`);
    const values = validateMeasurements(measurements, {
      featureCount: contract.electrical.featureCount,
      featureNames: contract.electrical.featureNames,
      maxMissingFraction: contract.electrical.maxMissingFraction,
    });
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }
}
