// TypeScript shapes of the Triton messages the conformance suite sends and reads, as @grpc/proto-loader
// decodes them with { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true }.
// Only the fields the suite uses are declared; the wire format comes from Triton's own .proto files.

export interface InferParameter {
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  double_param?: number;
  uint64_param?: number;
}

export interface InferTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: number[];
  uint_contents?: number[];
  uint64_contents?: number[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

export interface InferInputTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: Record<string, InferParameter>;
  contents?: InferTensorContents;
}

export interface ModelInferRequest {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, InferParameter>;
  inputs: InferInputTensor[];
  outputs?: { name: string; parameters?: Record<string, InferParameter> }[];
  raw_input_contents?: Buffer[];
}

export interface InferOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents: InferTensorContents | null;
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: InferOutputTensor[];
  raw_output_contents: Buffer[];
}

export interface ModelStreamInferResponse {
  error_message: string;
  infer_response: ModelInferResponse | null;
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface ServerMetadataResponse {
  name: string;
  version: string;
  extensions: string[];
}

export interface ModelIndex {
  name: string;
  version: string;
  state: string;
  reason: string;
}

export interface ModelRepositoryParameter {
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  bytes_param?: Buffer;
}

export interface StatisticDuration {
  count: number;
  ns: number;
}

export interface InferStatistics {
  success: StatisticDuration;
  fail: StatisticDuration;
  queue: StatisticDuration;
  compute_input: StatisticDuration;
  compute_infer: StatisticDuration;
  compute_output: StatisticDuration;
}

export interface InferBatchStatistics {
  batch_size: number;
  compute_input: StatisticDuration;
  compute_infer: StatisticDuration;
  compute_output: StatisticDuration;
}

export interface ModelStatistics {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: InferStatistics;
  batch_stats: InferBatchStatistics[];
}

/** ModelConfig (model_config.proto); enums arrive as their names, e.g. data_type "TYPE_FP32". */
export interface ModelTensorConfig {
  name: string;
  data_type: string;
  dims: number[];
  label_filename?: string;
}

export interface ModelConfig {
  name: string;
  platform: string;
  max_batch_size: number;
  input: ModelTensorConfig[];
  output: ModelTensorConfig[];
  dynamic_batching: {
    preferred_batch_size: number[];
    max_queue_delay_microseconds: number;
    default_queue_policy: { max_queue_size: number } | null;
  } | null;
  ensemble_scheduling: { step: { model_name: string; model_version: number }[] } | null;
  parameters: Record<string, { string_value: string }>;
  version_policy: { latest?: { num_versions: number } | null; all?: object | null } | null;
}
