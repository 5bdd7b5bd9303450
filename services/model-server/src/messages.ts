/**
 * Triton's wording for the errors a client can see, in one place so that the gRPC surface stays
 * indistinguishable from Triton's. tests/conformance/triton-errors.ts records where each text comes from in
 * Triton's source and the conformance suite checks them against a running server.
 */
const shapeText = (shape: readonly number[]): string => `[${shape.join(',')}]`;
const quoted = (names: readonly string[], empty: string): string =>
  names.length === 0 ? empty : `[${names.map((n) => `'${n}'`).join(',')}]`;

const IMPLICIT_BATCH_NOTE =
  'NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended ' +
  'to each input shape. If you want to specify the full shape including the batch dim in your input dims ' +
  'config, try setting max_batch_size to zero. See the model configuration docs for more info on ' +
  'max_batch_size.';

/** Errors found while normalizing a request carry the request id, as Triton's do. */
export const requestPrefix = (id: string): string => `[request id: ${id === '' ? '<id_unknown>' : id}] `;

export const messages = {
  unknownModel: (model: string) => `Request for unknown model: '${model}' is not found`,
  noAvailableVersions: (model: string) => `Request for unknown model: '${model}' has no available versions`,
  unknownVersion: (model: string, version: number) =>
    `Request for unknown model: '${model}' version ${version} is not found`,
  versionNotReady: (model: string, version: number) =>
    `Request for unknown model: '${model}' version ${version} is not at ready state`,
  unexpectedInput: (input: string, model: string) =>
    `unexpected inference input '${input}' for model '${model}'`,
  inputCount: (model: string, expected: number, given: readonly string[], missing: readonly string[]) =>
    `expected ${expected} inputs but got ${given.length} inputs for model '${model}'. Got input(s) ${quoted(
      given,
      '[]',
    )}, but missing required input(s) ${quoted(missing, ']')}. Please provide all required input(s).`,
  batchTooLarge: (model: string, max: number) =>
    `inference request batch-size must be <= ${max} for '${model}'`,
  batchMismatch: (input: string, model: string) =>
    `input '${input}' batch size does not match other inputs for '${model}'`,
  dataType: (input: string, got: string, model: string, expected: string) =>
    `inference input '${input}' data-type is '${got}', but model '${model}' expects '${expected}'`,
  shape: (
    input: string,
    model: string,
    expected: readonly number[],
    got: readonly number[],
    batched: boolean,
  ) =>
    `unexpected shape for input '${input}' for model '${model}'. Expected ${shapeText(expected)}, got ${shapeText(
      got,
    )}. ${batched ? IMPLICIT_BATCH_NOTE : ''}`,
  byteSize: (input: string, model: string, expected: number, got: number) =>
    `input byte size mismatch for input '${input}' for model '${model}'. Expected ${expected}, got ${got}`,
  bytesElementCount: (input: string, model: string, expected: number, got: number) =>
    `expected ${expected} string elements for inference input '${input}' for model '${model}', got ${got}`,
  bytesOverrun: (input: string) =>
    `element byte size indicator exceeds the end of the buffer for input '${input}'`,
  missingInputData: (input: string, model: string) =>
    `unable to find data for input tensor '${input}' for model '${model}' in request.`,
  extraRawContents: (model: string, expected: number, got: number) =>
    `expected ${expected} raw_input_contents for model '${model}', got ${got}`,
  rawAndContents: (input: string, model: string) =>
    `contents field must not be specified when using raw_input_contents for '${input}' for model '${model}'`,
  contentsType: (input: string, model: string, contentsType: string, datatype: string) =>
    `unexpected explicit tensor data for input tensor '${input}' for model '${model}' of type '${contentsType}', expected datatype '${datatype}'`,
  unexpectedOutput: (output: string, model: string) =>
    `unexpected inference output '${output}' for model '${model}'`,
  queueFull: () => 'Exceeds maximum queue size',
  queueTimeout: () => 'Request timeout expired',
  cancelled: () => 'Request was cancelled',
  sharedMemory: () => 'shared memory is not supported by this server',
  loadUnloadNotAllowed: () => 'explicit model load / unload is not allowed if polling is enabled',
  loadPollFailed: (model: string) => `failed to load '${model}', failed to poll from model repository`,
  loadFailed: (model: string, reason: string) => `load failed for model '${model}': ${reason}\n`,
  versionUnavailable: (version: number, reason: string) =>
    `version ${version} is at UNAVAILABLE state: ${reason};`,
  noVersionsUnderPolicy: (model: string) =>
    `at least one version must be available under the version policy of model '${model}'`,
  unknownLoadParameter: (name: string) => `unrecognized load parameter '${name}'.`,
  loadConfigNotString: () => "invalid value type for load parameter 'config', expected string_param.",
  repositoryNameUnsupported: () => "'repository_name' specification is not supported",
  statsModelUnavailable: (model: string) => `requested model '${model}' is not available`,
  statsVersionUnavailable: (model: string) => `requested model version is not available for model '${model}'`,
  inEnsemble: (ensemble: string, message: string) => `in ensemble '${ensemble}', ${message}`,
  shuttingDown: () => 'Server is shutting down',
};
