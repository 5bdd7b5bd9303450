/**
 * Stable names for the generated message types (src/generated, produced by `npm run gen:types`).
 *
 * Naming rule, for every message:
 *  - `Name` and `Name__Output`: the form a receiver gets from the loader, with defaults filled in, 64-bit
 *    integers as numbers and enums as names (a server's request, a client's response, a parsed config).
 *  - `Name__Input`: the permissive form a sender may pass (fields optional, longs as number | string | Long).
 * Exceptions asked for by name: `ModelConfigInput` (= `ModelConfig__Input`) and `ModelInferRequestInput`
 * (one input tensor of a received request, = `InferInputTensor`).
 */

// ------------------------------------------------------------------ enums (name unions)
import type { DataType__Output } from './generated/inference/DataType';
import type { _inference_ModelInput_Format__Output } from './generated/inference/ModelInput';
import type { _inference_ModelInstanceGroup_Kind__Output } from './generated/inference/ModelInstanceGroup';
import type { _inference_ModelQueuePolicy_TimeoutAction__Output } from './generated/inference/ModelQueuePolicy';
import type { _grpc_health_v1_HealthCheckResponse_ServingStatus__Output } from './generated/grpc/health/v1/HealthCheckResponse';

/** Tensor element type in a model config, e.g. 'TYPE_FP32'. */
export type DataType = DataType__Output;
export type InputFormat = _inference_ModelInput_Format__Output;
export type InstanceGroupKind = _inference_ModelInstanceGroup_Kind__Output;
export type TimeoutAction = _inference_ModelQueuePolicy_TimeoutAction__Output;
export type ServingStatus = _grpc_health_v1_HealthCheckResponse_ServingStatus__Output;

// ------------------------------------------------------------------ services
export type {
  GRPCInferenceServiceClient,
  GRPCInferenceServiceDefinition,
  GRPCInferenceServiceHandlers,
} from './generated/inference/GRPCInferenceService';
export type { HealthClient, HealthDefinition, HealthHandlers } from './generated/grpc/health/v1/Health';

// ------------------------------------------------------------------ health
export type {
  HealthCheckRequest as HealthCheckRequest__Input,
  HealthCheckRequest__Output,
  HealthCheckRequest__Output as HealthCheckRequest,
} from './generated/grpc/health/v1/HealthCheckRequest';
export type {
  HealthCheckResponse as HealthCheckResponse__Input,
  HealthCheckResponse__Output,
  HealthCheckResponse__Output as HealthCheckResponse,
} from './generated/grpc/health/v1/HealthCheckResponse';

// ------------------------------------------------------------------ liveness, readiness, metadata
export type {
  ServerLiveResponse as ServerLiveResponse__Input,
  ServerLiveResponse__Output,
  ServerLiveResponse__Output as ServerLiveResponse,
} from './generated/inference/ServerLiveResponse';
export type {
  ServerReadyResponse as ServerReadyResponse__Input,
  ServerReadyResponse__Output,
  ServerReadyResponse__Output as ServerReadyResponse,
} from './generated/inference/ServerReadyResponse';
export type {
  ModelReadyRequest as ModelReadyRequest__Input,
  ModelReadyRequest__Output,
  ModelReadyRequest__Output as ModelReadyRequest,
} from './generated/inference/ModelReadyRequest';
export type {
  ModelReadyResponse as ModelReadyResponse__Input,
  ModelReadyResponse__Output,
  ModelReadyResponse__Output as ModelReadyResponse,
} from './generated/inference/ModelReadyResponse';
export type {
  ServerMetadataResponse as ServerMetadataResponse__Input,
  ServerMetadataResponse__Output,
  ServerMetadataResponse__Output as ServerMetadataResponse,
} from './generated/inference/ServerMetadataResponse';
export type {
  ModelMetadataRequest as ModelMetadataRequest__Input,
  ModelMetadataRequest__Output,
  ModelMetadataRequest__Output as ModelMetadataRequest,
} from './generated/inference/ModelMetadataRequest';
export type {
  ModelMetadataResponse as ModelMetadataResponse__Input,
  ModelMetadataResponse__Output,
  ModelMetadataResponse__Output as ModelMetadataResponse,
  _inference_ModelMetadataResponse_TensorMetadata as TensorMetadata__Input,
  _inference_ModelMetadataResponse_TensorMetadata__Output as TensorMetadata__Output,
  _inference_ModelMetadataResponse_TensorMetadata__Output as TensorMetadata,
} from './generated/inference/ModelMetadataResponse';

// ------------------------------------------------------------------ inference
export type {
  InferParameter as InferParameter__Input,
  InferParameter__Output,
  InferParameter__Output as InferParameter,
} from './generated/inference/InferParameter';
export type {
  InferTensorContents as InferTensorContents__Input,
  InferTensorContents__Output,
  InferTensorContents__Output as InferTensorContents,
} from './generated/inference/InferTensorContents';
export type {
  ModelInferRequest as ModelInferRequest__Input,
  ModelInferRequest__Output,
  ModelInferRequest__Output as ModelInferRequest,
  _inference_ModelInferRequest_InferInputTensor as InferInputTensor__Input,
  _inference_ModelInferRequest_InferInputTensor__Output as InferInputTensor__Output,
  _inference_ModelInferRequest_InferInputTensor__Output as InferInputTensor,
  _inference_ModelInferRequest_InferInputTensor__Output as ModelInferRequestInput,
  _inference_ModelInferRequest_InferRequestedOutputTensor as InferRequestedOutputTensor__Input,
  _inference_ModelInferRequest_InferRequestedOutputTensor__Output as InferRequestedOutputTensor__Output,
  _inference_ModelInferRequest_InferRequestedOutputTensor__Output as InferRequestedOutputTensor,
} from './generated/inference/ModelInferRequest';
export type {
  ModelInferResponse as ModelInferResponse__Input,
  ModelInferResponse__Output,
  ModelInferResponse__Output as ModelInferResponse,
  _inference_ModelInferResponse_InferOutputTensor as InferOutputTensor__Input,
  _inference_ModelInferResponse_InferOutputTensor__Output as InferOutputTensor__Output,
  _inference_ModelInferResponse_InferOutputTensor__Output as InferOutputTensor,
} from './generated/inference/ModelInferResponse';
export type {
  ModelStreamInferResponse as ModelStreamInferResponse__Input,
  ModelStreamInferResponse__Output,
  ModelStreamInferResponse__Output as ModelStreamInferResponse,
} from './generated/inference/ModelStreamInferResponse';

// ------------------------------------------------------------------ configuration
export type {
  ModelConfigRequest as ModelConfigRequest__Input,
  ModelConfigRequest__Output,
  ModelConfigRequest__Output as ModelConfigRequest,
} from './generated/inference/ModelConfigRequest';
export type {
  ModelConfigResponse as ModelConfigResponse__Input,
  ModelConfigResponse__Output,
  ModelConfigResponse__Output as ModelConfigResponse,
} from './generated/inference/ModelConfigResponse';
export type {
  ModelConfig as ModelConfig__Input,
  ModelConfig as ModelConfigInput,
  ModelConfig__Output,
  ModelConfig__Output as ModelConfig,
} from './generated/inference/ModelConfig';
export type {
  ModelInput as ModelInput__Input,
  ModelInput__Output,
  ModelInput__Output as ModelInput,
} from './generated/inference/ModelInput';
export type {
  ModelOutput as ModelOutput__Input,
  ModelOutput__Output,
  ModelOutput__Output as ModelOutput,
} from './generated/inference/ModelOutput';
export type {
  ModelInstanceGroup as ModelInstanceGroup__Input,
  ModelInstanceGroup__Output,
  ModelInstanceGroup__Output as ModelInstanceGroup,
} from './generated/inference/ModelInstanceGroup';
export type {
  ModelDynamicBatching as ModelDynamicBatching__Input,
  ModelDynamicBatching__Output,
  ModelDynamicBatching__Output as ModelDynamicBatching,
} from './generated/inference/ModelDynamicBatching';
export type {
  ModelQueuePolicy as ModelQueuePolicy__Input,
  ModelQueuePolicy__Output,
  ModelQueuePolicy__Output as ModelQueuePolicy,
} from './generated/inference/ModelQueuePolicy';
export type {
  ModelVersionPolicy as ModelVersionPolicy__Input,
  ModelVersionPolicy__Output,
  ModelVersionPolicy__Output as ModelVersionPolicy,
} from './generated/inference/ModelVersionPolicy';
export type {
  ModelEnsembling as ModelEnsembling__Input,
  ModelEnsembling__Output,
  ModelEnsembling__Output as ModelEnsembling,
  _inference_ModelEnsembling_Step as EnsembleStep__Input,
  _inference_ModelEnsembling_Step__Output as EnsembleStep__Output,
  _inference_ModelEnsembling_Step__Output as EnsembleStep,
} from './generated/inference/ModelEnsembling';
export type {
  ModelParameter as ModelParameter__Input,
  ModelParameter__Output,
  ModelParameter__Output as ModelParameter,
} from './generated/inference/ModelParameter';
export type {
  ModelWarmup as ModelWarmup__Input,
  ModelWarmup__Output,
  ModelWarmup__Output as ModelWarmup,
} from './generated/inference/ModelWarmup';
export type {
  ModelTensorReshape as ModelTensorReshape__Input,
  ModelTensorReshape__Output,
  ModelTensorReshape__Output as ModelTensorReshape,
} from './generated/inference/ModelTensorReshape';

// ------------------------------------------------------------------ statistics
export type {
  ModelStatisticsRequest as ModelStatisticsRequest__Input,
  ModelStatisticsRequest__Output,
  ModelStatisticsRequest__Output as ModelStatisticsRequest,
} from './generated/inference/ModelStatisticsRequest';
export type {
  ModelStatisticsResponse as ModelStatisticsResponse__Input,
  ModelStatisticsResponse__Output,
  ModelStatisticsResponse__Output as ModelStatisticsResponse,
} from './generated/inference/ModelStatisticsResponse';
export type {
  ModelStatistics as ModelStatistics__Input,
  ModelStatistics__Output,
  ModelStatistics__Output as ModelStatistics,
} from './generated/inference/ModelStatistics';
export type {
  InferStatistics as InferStatistics__Input,
  InferStatistics__Output,
  InferStatistics__Output as InferStatistics,
} from './generated/inference/InferStatistics';
export type {
  InferBatchStatistics as InferBatchStatistics__Input,
  InferBatchStatistics__Output,
  InferBatchStatistics__Output as InferBatchStatistics,
} from './generated/inference/InferBatchStatistics';
export type {
  StatisticDuration as StatisticDuration__Input,
  StatisticDuration__Output,
  StatisticDuration__Output as StatisticDuration,
} from './generated/inference/StatisticDuration';
export type {
  MemoryUsage as MemoryUsage__Input,
  MemoryUsage__Output,
  MemoryUsage__Output as MemoryUsage,
} from './generated/inference/MemoryUsage';

// ------------------------------------------------------------------ repository
export type {
  RepositoryIndexRequest as RepositoryIndexRequest__Input,
  RepositoryIndexRequest__Output,
  RepositoryIndexRequest__Output as RepositoryIndexRequest,
} from './generated/inference/RepositoryIndexRequest';
export type {
  RepositoryIndexResponse as RepositoryIndexResponse__Input,
  RepositoryIndexResponse__Output,
  RepositoryIndexResponse__Output as RepositoryIndexResponse,
  _inference_RepositoryIndexResponse_ModelIndex as ModelIndex__Input,
  _inference_RepositoryIndexResponse_ModelIndex__Output as ModelIndex__Output,
  _inference_RepositoryIndexResponse_ModelIndex__Output as ModelIndex,
} from './generated/inference/RepositoryIndexResponse';
export type {
  RepositoryModelLoadRequest as RepositoryModelLoadRequest__Input,
  RepositoryModelLoadRequest__Output,
  RepositoryModelLoadRequest__Output as RepositoryModelLoadRequest,
} from './generated/inference/RepositoryModelLoadRequest';
export type {
  RepositoryModelUnloadRequest as RepositoryModelUnloadRequest__Input,
  RepositoryModelUnloadRequest__Output,
  RepositoryModelUnloadRequest__Output as RepositoryModelUnloadRequest,
} from './generated/inference/RepositoryModelUnloadRequest';
export type {
  ModelRepositoryParameter as ModelRepositoryParameter__Input,
  ModelRepositoryParameter__Output,
  ModelRepositoryParameter__Output as ModelRepositoryParameter,
} from './generated/inference/ModelRepositoryParameter';
