/** Preprocessing: images (via the one sharp adapter) and electrical measurements into model inputs. */
export {
  ImagePreprocessor,
  TINY_JPEG_MAX_PIXELS,
  type ImagePreprocessorOptions,
  type PreprocessedImage,
  type SourceImage,
} from './image-preprocessor';
export {
  IMAGE_SPEC_KEYS,
  MAX_INPUT_SIDE,
  assertValidImageSpec,
  imageSpecFromParameters,
  type ChannelOrder,
  type ImageDatatype,
  type ImageSpec,
  type Normalization,
  type ResizeFit,
  type ResizeKernel,
  type TensorLayout,
} from './image-spec';
export { detectFormat, type AcceptedFormat } from './image-format';
export { heatmapPng } from './heatmap-png';
export { measurementsToTensor, validateMeasurements, type MeasurementSpec } from './measurements';
