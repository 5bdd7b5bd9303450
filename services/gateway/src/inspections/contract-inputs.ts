import { InternalError } from '../domain/errors';
import { validateMeasurements, type ImagePreprocessor, type ImageSpec } from '../preprocess';
import type { ContractImageSpec, ModelContract } from '../routing';
import type { ImageSource, MeasurementSource } from './inspection-service';

const KERNELS: ReadonlySet<string> = new Set(['nearest', 'linear', 'cubic', 'lanczos3']);

/** Preprocesses an uploaded image exactly as the contract's model was trained. */
export class ContractImages implements ImageSource {
  private readonly specs = new WeakMap<ContractImageSpec, ImageSpec>();

  constructor(private readonly preprocessor: ImagePreprocessor) {}

  async preprocess(bytes: Buffer, contract: ModelContract) {
    if (!contract.image) throw new InternalError(`model '${contract.model}' has no image input`);
    const out = await this.preprocessor.preprocess(bytes, this.spec(contract.model, contract.image));
    return {
      data: out.data,
      width: out.source.width,
      height: out.source.height,
      decodeMs: out.timings.decodeMs,
      preprocessMs: out.timings.preprocessMs,
    };
  }

  private spec(model: string, image: ContractImageSpec): ImageSpec {
    let spec = this.specs.get(image);
    if (!spec) {
      if (!KERNELS.has(image.resizeKernel)) {
        throw new InternalError(`model '${model}': resize kernel '${image.resizeKernel}' is not supported`);
      }
      spec = {
        width: image.width,
        height: image.height,
        channels: image.channels,
        channelOrder: image.channelOrder,
        layout: image.layout,
        datatype: image.datatype,
        resizeFit: image.resizeFit,
        resizeKernel: image.resizeKernel,
        ...(image.normalization
          ? {
              normalization: { mean: image.normalization.mean, std: image.normalization.std, scale: 1 / 255 },
            }
          : {}),
      };
      this.specs.set(image, spec);
    }
    return spec;
  }
}

/** Validates electrical measurements against the contract's feature list and packs them as FP32. */
export class ContractMeasurements implements MeasurementSource {
  toInput(measurements: unknown, contract: ModelContract): Buffer {
    if (!contract.electrical) throw new InternalError(`model '${contract.model}' takes no measurements`);
    const values = validateMeasurements(measurements, {
      featureCount: contract.electrical.featureCount,
      featureNames: contract.electrical.featureNames,
    });
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }
}
