import { InternalError } from '../domain/errors';
import { validateMeasurements, type ImagePreprocessor } from '../preprocess';
import type { ModelContract } from '../routing';
import type { ImageSource, MeasurementSource } from './inspection-service';

/** Preprocesses an uploaded image exactly as the contract's model was trained (the contract holds the spec). */
export class ContractImages implements ImageSource {
  constructor(private readonly preprocessor: ImagePreprocessor) {}

  async preprocess(bytes: Buffer, contract: ModelContract) {
    if (!contract.image) throw new InternalError(`model '${contract.model}' has no image input`);
    const out = await this.preprocessor.preprocess(bytes, contract.image);
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
