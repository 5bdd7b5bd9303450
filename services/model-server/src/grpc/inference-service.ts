import { setMaxListeners } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type {
  GRPCInferenceServiceHandlers,
  ModelInferRequest__Output,
  ModelStreamInferResponse__Input,
} from '@defect-gateway/proto';
import type { Logger } from 'pino';
import { InputError, UnavailableError, UnsupportedError } from '../errors';
import { messages } from '../messages';
import type { ModelManager } from '../models/model-manager';
import { configToWireName } from '../tensor/datatypes';
import { fullShape } from '../tensor/signature';
import { runInference } from './infer-handler';
import { modelStatistics } from './statistics';
import { logError, unary } from './unary';

export interface ServerInfo {
  name: string;
  version: string;
  extensions: string[];
}

export interface ServiceState {
  /** False once shutdown has begun: ServerReady turns false and new inferences are refused. */
  accepting(): boolean;
}

/** The KServe v2 `GRPCInferenceService` handlers, backed by the model manager. */
export function inferenceHandlers(
  manager: ModelManager,
  info: ServerInfo,
  state: ServiceState,
  log: Logger,
): GRPCInferenceServiceHandlers {
  return {
    ServerLive: unary(log, 'ServerLive', async () => ({ live: true })),
    ServerReady: unary(log, 'ServerReady', async () => ({ ready: state.accepting() })),
    ModelReady: unary(log, 'ModelReady', async (req) => ({
      ready: state.accepting() && manager.isReady(req.name, req.version),
    })),
    ServerMetadata: unary(log, 'ServerMetadata', async () => info),
    ModelMetadata: unary(log, 'ModelMetadata', async (req) => {
      const servable = manager.resolve(req.name, req.version);
      const sig = servable.signature;
      const tensor = (t: (typeof sig.inputs)[number]) => ({
        name: t.name,
        datatype: configToWireName(t.type.config),
        shape: fullShape(sig, t),
      });
      return {
        name: servable.name,
        versions: manager.readyVersions(req.name).map(String),
        platform: servable.config.platform,
        inputs: sig.inputs.map(tensor),
        outputs: sig.outputs.map(tensor),
      };
    }),
    ModelConfig: unary(log, 'ModelConfig', async (req) => ({
      config: manager.resolve(req.name, req.version).config,
    })),
    ModelStatistics: unary(log, 'ModelStatistics', async (req) => ({
      model_stats: modelStatistics(manager, req.name, req.version),
    })),
    RepositoryIndex: unary(log, 'RepositoryIndex', async (req) => {
      requireDefaultRepository(req.repository_name);
      return { models: await manager.index(req.ready) };
    }),
    RepositoryModelLoad: unary(log, 'RepositoryModelLoad', async (req) => {
      requireDefaultRepository(req.repository_name);
      let override: string | undefined;
      for (const [key, value] of Object.entries(req.parameters)) {
        if (key === 'config') {
          if (value.string_param === undefined) throw new InputError(messages.loadConfigNotString());
          override = value.string_param;
        } else if (key.startsWith('file:')) {
          throw new UnsupportedError(
            'model files sent with the load request are not supported by this server',
          );
        } else throw new InputError(messages.unknownLoadParameter(key));
      }
      await manager.loadRequested(req.model_name, override);
      return {};
    }),
    RepositoryModelUnload: unary(log, 'RepositoryModelUnload', async (req) => {
      requireDefaultRepository(req.repository_name);
      const dependents = req.parameters['unload_dependents']?.bool_param === true;
      await manager.unloadRequested(req.model_name, dependents);
      return {};
    }),
    ModelInfer: unary(log, 'ModelInfer', async (req: ModelInferRequest__Output, call) => {
      if (!state.accepting()) throw shuttingDown();
      return runInference(manager, req, cancellationOf(call));
    }),
    ModelStreamInfer: (call) => streamInfer(manager, state, log, call),
  };
}

function streamInfer(
  manager: ModelManager,
  state: ServiceState,
  log: Logger,
  call: grpc.ServerDuplexStream<ModelInferRequest__Output, ModelStreamInferResponse__Input>,
): void {
  let pending = 0;
  let ended = false;
  const signal = cancellationOf(call);
  const finishIfDone = () => {
    if (ended && pending === 0) call.end();
  };
  call.on('data', (req: ModelInferRequest__Output) => {
    pending += 1;
    const work = state.accepting() ? runInference(manager, req, signal) : Promise.reject(shuttingDown());
    work
      .then(
        (response) => call.write({ error_message: '', infer_response: response }),
        (err: unknown) => {
          logError(log, 'ModelStreamInfer', err);
          call.write({
            error_message: err instanceof Error ? err.message : String(err),
            infer_response: null,
          });
        },
      )
      .finally(() => {
        pending -= 1;
        finishIfDone();
      });
  });
  call.on('end', () => {
    ended = true;
    finishIfDone();
  });
  call.on('error', (err) => log.debug({ err }, 'stream error'));
}

function requireDefaultRepository(repositoryName: string): void {
  if (repositoryName !== '') throw new UnsupportedError(messages.repositoryNameUnsupported());
}

function shuttingDown(): Error {
  return new UnavailableError(messages.shuttingDown());
}

/**
 * Aborted when grpc-js reports the call cancelled: the client cancelled it or its deadline passed. Every queued
 * request (of a stream, or each step of an ensemble) listens on it, so the listener count is not capped.
 */
function cancellationOf(call: { on(event: 'cancelled', listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  call.on('cancelled', () => controller.abort());
  return controller.signal;
}
