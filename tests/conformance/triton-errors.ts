// Triton's gRPC error contract: for each failure a client can provoke, the gRPC status code and the exact
// message text that NVIDIA Triton Inference Server returns. The conformance suite asserts these against any
// server (real Triton or our model-server), and model-server implements its messages from this table.
//
// Sources (read from the public repositories, not copied): triton-inference-server/core at the 2024-2026
// sources (`src/model_repository_manager/model_lifecycle.cc`, `src/model_repository_manager/
// model_repository_manager.cc`, `src/infer_request.cc`, `src/infer_request.h`, `src/model.cc`,
// `src/scheduler_utils.cc`) and triton-inference-server/server (`src/grpc/grpc_utils.cc`,
// `src/grpc/infer_handler.cc`, `src/grpc/grpc_server.cc`).
//
// How Triton builds a gRPC status (server `src/grpc/grpc_utils.cc`, GrpcStatusUtil::CodeToStatus):
//   TRITONSERVER_ERROR_INVALID_ARG → INVALID_ARGUMENT, NOT_FOUND → NOT_FOUND, UNAVAILABLE → UNAVAILABLE,
//   INTERNAL → INTERNAL, UNSUPPORTED → UNIMPLEMENTED, ALREADY_EXISTS → ALREADY_EXISTS,
//   CANCELLED → CANCELLED, UNKNOWN → UNKNOWN. The message is the Triton error message, unchanged.
//
// The "[request id: <id>] " prefix: recent Triton (core `src/infer_request.h`, InferenceRequest::LogRequest)
// prefixes every error raised while normalising an inference request with "[request id: " + id + "] ",
// where id is ModelInferRequest.id or the literal "<id_unknown>" when the id is empty. Errors raised by the
// gRPC frontend before the request reaches the core (raw/contents handling) and by Model::GetInput /
// Model::GetOutput (unknown input/output names) carry NO prefix; model-lookup errors carry
// "Request for unknown model: " instead.
//
// Other behaviours worth knowing (not errors):
// - ModelReady of an unknown model returns OK with ready=false (server `grpc_server.cc` → core ModelIsReady).
// - RepositoryModelUnload of a model that was never loaded returns OK (core
//   `model_repository_manager.cc`, LoadUnloadModel: nothing to unload is not an error).
// - ModelStreamInfer does not end the stream on a request error: the error text goes into
//   ModelStreamInferResponse.error_message and the stream stays open (server `src/grpc/stream_infer_handler.cc`).
// - Errors from a composing model of an ensemble are reported as "in ensemble '<ensemble>', <message>".
import { status } from '@grpc/grpc-js';

export interface ExpectedGrpcError {
  /** gRPC status code (numeric, as @grpc/grpc-js reports it). */
  readonly code: status;
  /** Exact message, or a pattern where part of the text comes from a third party (ONNX Runtime). */
  readonly message: string | RegExp;
}

const NO_ID = '<id_unknown>';

/** core `src/infer_request.h` InferenceRequest::LogRequest(). */
export function requestPrefix(requestId?: string): string {
  return `[request id: ${requestId !== undefined && requestId !== '' ? requestId : NO_ID}] `;
}

/** triton-inference-server/common DimsListToString: "[d0,d1,...]" without spaces. */
export function dimsToString(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

/** Quoted name list as built by InferenceRequest::ValidateRequestInputs (core `src/infer_request.cc`). */
function quotedList(names: readonly string[], emptyText: string): string {
  return names.length === 0 ? emptyText : `[${names.map((n) => `'${n}'`).join(',')}]`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const IMPLICIT_BATCH_NOTE =
  'NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended ' +
  'to each input shape. If you want to specify the full shape including the batch dim in your input dims ' +
  'config, try setting max_batch_size to zero. See the model configuration docs for more info on ' +
  'max_batch_size.';

export const tritonErrors = {
  // ---- Model lookup (ModelInfer, ModelMetadata, ModelConfig; NOT ModelStatistics, see below) ------------
  // core model_lifecycle.cc ModelLifeCycle::GetModel (NOT_FOUND "'m' is not found"), wrapped by
  // model_repository_manager.cc ModelRepositoryManager::GetModel with "Request for unknown model: ".
  unknownModel: (model: string): ExpectedGrpcError => ({
    code: status.NOT_FOUND,
    message: `Request for unknown model: '${model}' is not found`,
  }),

  // core model_lifecycle.cc GetModel: no version requested (model_version "") and no version is READY,
  // e.g. after RepositoryModelUnload.
  noAvailableVersions: (model: string): ExpectedGrpcError => ({
    code: status.NOT_FOUND,
    message: `Request for unknown model: '${model}' has no available versions`,
  }),

  // core model_lifecycle.cc GetModel: a specific version that the server never loaded (for example a
  // version on disk that the version_policy excludes).
  unknownVersion: (model: string, version: number): ExpectedGrpcError => ({
    code: status.NOT_FOUND,
    message: `Request for unknown model: '${model}' version ${version} is not found`,
  }),

  // core model_lifecycle.cc GetModel: the version is known but not READY (LOADING, UNLOADING, UNAVAILABLE,
  // e.g. after unload when a specific version is requested).
  versionNotReady: (model: string, version: number): ExpectedGrpcError => ({
    code: status.UNAVAILABLE,
    message: `Request for unknown model: '${model}' version ${version} is not at ready state`,
  }),

  // ---- ModelStatistics (core src/tritonserver.cc TRITONSERVER_ServerModelStatistics) -------------------
  // Statistics do not go through GetModel: they look at the READY versions of the name.
  // A name with no READY version (unknown, never loaded, or unloaded):
  statisticsModelNotAvailable: (model: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `requested model '${model}' is not available`,
  }),

  // A version that is not READY while another version of the model is:
  statisticsVersionNotAvailable: (model: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `requested model version is not available for model '${model}'`,
  }),

  // ---- Request normalisation (core infer_request.cc InferenceRequest::Normalize) ------------------------
  // Order of checks: requested outputs exist → input count → batch dim per input → batch size ≤ max →
  // per input (unordered): datatype, shape, byte size.

  // core model.cc Model::GetOutput (no request-id prefix).
  unknownOutput: (model: string, output: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `unexpected inference output '${output}' for model '${model}'`,
  }),

  // core infer_request.cc ValidateRequestInputs: too few or too many inputs. `got` and `missing` keep
  // Triton's formatting quirks: names are quoted and comma-joined without spaces; an empty `got` prints
  // "[]" and an empty `missing` prints "]" (Triton pops the opening bracket). With more than one name in
  // `got`, Triton's order is that of an unordered_map, so only single-name lists are deterministic.
  wrongInputCount: (args: {
    model: string;
    expected: number;
    got: readonly string[];
    missing: readonly string[];
    requestId?: string;
  }): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message:
      `${requestPrefix(args.requestId)}expected ${args.expected} inputs but got ${args.got.length} inputs ` +
      `for model '${args.model}'. Got input(s) ${quotedList(args.got, '[]')}, but missing required ` +
      `input(s) ${quotedList(args.missing, ']')}. Please provide all required input(s).`,
  }),

  // core model.cc Model::GetInput (no request-id prefix): an input name the model does not have, when the
  // input count itself is acceptable (e.g. INPUT0 + EXTRA for a two-input model).
  unexpectedInput: (model: string, input: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `unexpected inference input '${input}' for model '${model}'`,
  }),

  // core infer_request.cc Normalize: first dimension larger than max_batch_size.
  batchTooLarge: (model: string, maxBatchSize: number, requestId?: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `${requestPrefix(requestId)}inference request batch-size must be <= ${maxBatchSize} for '${model}'`,
  }),

  // core infer_request.cc Normalize: datatype names are protocol strings ("FP32", "INT32", "BYTES", ...).
  wrongDatatype: (args: {
    model: string;
    input: string;
    got: string;
    expected: string;
    requestId?: string;
  }): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message:
      `${requestPrefix(args.requestId)}inference input '${args.input}' data-type is '${args.got}', ` +
      `but model '${args.model}' expects '${args.expected}'`,
  }),

  // core infer_request.cc Normalize: shape does not match config dims. Expected is the config dims with
  // -1 prepended when max_batch_size > 0; got is the shape exactly as sent. The text after "got [...]. "
  // is the implicit-batch NOTE when max_batch_size > 0, and empty otherwise (the message then ends in
  // ". " with a trailing space).
  wrongShape: (args: {
    model: string;
    input: string;
    configDims: readonly number[];
    maxBatchSize: number;
    got: readonly number[];
    requestId?: string;
  }): ExpectedGrpcError => {
    const full = args.maxBatchSize > 0 ? [-1, ...args.configDims] : [...args.configDims];
    const note = args.maxBatchSize > 0 ? IMPLICIT_BATCH_NOTE : '';
    return {
      code: status.INVALID_ARGUMENT,
      message:
        `${requestPrefix(args.requestId)}unexpected shape for input '${args.input}' for model ` +
        `'${args.model}'. Expected ${dimsToString(full)}, got ${dimsToString(args.got)}. ${note}`,
    };
  },

  // core infer_request.cc Normalize: byte size of the data (raw_input_contents entry or typed contents)
  // differs from element count × element size of the request's shape (non-BYTES types).
  byteSizeMismatch: (args: {
    model: string;
    input: string;
    expected: number;
    got: number;
    requestId?: string;
  }): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message:
      `${requestPrefix(args.requestId)}input byte size mismatch for input '${args.input}' for model ` +
      `'${args.model}'. Expected ${args.expected}, got ${args.got}`,
  }),

  // core infer_request.cc ValidateBytesInputs: BYTES element count differs from the shape.
  bytesElementCount: (args: {
    model: string;
    input: string;
    expected: number;
    got: number;
    requestId?: string;
  }): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message:
      `${requestPrefix(args.requestId)}expected ${args.expected} string elements for inference input ` +
      `'${args.input}' for model '${args.model}', got ${args.got}`,
  }),

  // ---- gRPC frontend (server src/grpc/infer_handler.cc InferGRPCToInput; no request-id prefix) ---------
  // An input carries `contents` while the request also has raw_input_contents. Reported for the first
  // input (in request order) that has contents.
  rawAndContents: (model: string, input: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `contents field must not be specified when using raw_input_contents for '${input}' for model '${model}'`,
  }),

  // Fewer raw_input_contents entries than inputs without contents.
  missingInputData: (model: string, input: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `unable to find data for input tensor '${input}' for model '${model}' in request.`,
  }),

  // Typed contents field that does not match the declared datatype (e.g. int_contents for "FP32").
  // Type names are TRITONSERVER_DataTypeString ("FP32", "INT32", "BYTES", ...).
  contentsTypeMismatch: (args: {
    model: string;
    input: string;
    contentsType: string;
    datatype: string;
  }): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message:
      `unexpected explicit tensor data for input tensor '${args.input}' for model '${args.model}' of type ` +
      `'${args.contentsType}', expected datatype '${args.datatype}'`,
  }),

  // ---- Scheduling (core src/scheduler_utils.cc PriorityQueue::PolicyQueue::Enqueue) --------------------
  queueFull: (requestId?: string): ExpectedGrpcError => ({
    code: status.UNAVAILABLE,
    message: `${requestPrefix(requestId)}Exceeds maximum queue size`,
  }),

  // ---- Repository (core model_repository_manager.cc, model_lifecycle.cc; server grpc_server.cc) ---------
  // RepositoryModelLoad/Unload when model control mode is not EXPLICIT (both "none" and "poll";
  // ModelRepositoryManager::LoadUnloadModel checks model_control_enabled_).
  loadUnloadNotAllowed: (): ExpectedGrpcError => ({
    code: status.UNAVAILABLE,
    message: 'explicit model load / unload is not allowed if polling is enabled',
  }),

  // Load of a model whose directory is missing from the repository, whose config.pbtxt cannot be parsed,
  // or whose `config` override is not valid JSON for ModelConfig: polling the model fails, the details go
  // only to the server log (LoadUnloadModel → "failed to poll from model repository").
  loadPollFailed: (model: string): ExpectedGrpcError => ({
    code: status.INTERNAL,
    message: `failed to load '${model}', failed to poll from model repository`,
  }),

  // Valid config but no version directory selected by the version policy (ModelLifeCycle::AsyncLoad), as
  // reported by LoadUnloadModels: "load failed for model '<m>': <reason>\n" (note the trailing newline).
  loadNoVersions: (model: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message:
      `load failed for model '${model}': at least one version must be available under the version ` +
      `policy of model '${model}'\n`,
  }),

  // A version failed to initialise (e.g. model.onnx is not an ONNX file). ModelLifeCycle::OnLoadComplete
  // builds "version <v> is at UNAVAILABLE state: <Status::AsString()>;" where AsString is
  // "<code name>: <backend message>" (e.g. "Internal: onnx runtime error ..."); LoadUnloadModels wraps it.
  // The backend text is ONNX Runtime's own, so only the shape is fixed: pass `reason` to get the exact
  // string, or omit it for a pattern.
  loadVersionFailed: (model: string, version: number, reason?: string): ExpectedGrpcError => {
    const head = `load failed for model '${model}': version ${version} is at UNAVAILABLE state: `;
    return {
      code: status.INVALID_ARGUMENT,
      message:
        reason !== undefined ? `${head}${reason};\n` : new RegExp(`^${escapeRegExp(head)}[\\s\\S]+;\\n$`),
    };
  },

  // server grpc_server.cc RepositoryModelLoad: parameter other than "config" or "file:<path>".
  unknownLoadParameter: (name: string): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: `unrecognized load parameter '${name}'.`,
  }),

  // server grpc_server.cc RepositoryModelLoad: "config" given as something other than string_param.
  loadConfigNotString: (): ExpectedGrpcError => ({
    code: status.INVALID_ARGUMENT,
    message: "invalid value type for load parameter 'config', expected string_param.",
  }),

  // server grpc_server.cc RepositoryIndex/Load/Unload with a non-empty repository_name.
  repositoryNameUnsupported: (): ExpectedGrpcError => ({
    code: status.UNIMPLEMENTED,
    message: "'repository_name' specification is not supported",
  }),
} as const;

export type TritonErrorCase = keyof typeof tritonErrors;

/**
 * The error for a version the server does not serve. Triton keeps a record of every version it ever
 * loaded: a version never loaded is "not found", one loaded before and since unloaded (for example by a
 * later load with a narrower version policy) is "not at ready state". RepositoryIndex tells them apart.
 */
export async function unservedVersionError(
  client: { repositoryIndex(): Promise<{ name: string; version: string }[]> },
  model: string,
  version: number,
): Promise<ExpectedGrpcError> {
  const index = await client.repositoryIndex();
  const known = index.some((m) => m.name === model && m.version === String(version));
  return known ? tritonErrors.versionNotReady(model, version) : tritonErrors.unknownVersion(model, version);
}
