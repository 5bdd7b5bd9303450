// InspectionService.decide: which contract errors are the caller's (a model it named that cannot serve
// inspections: 400) and which stay the deployment's (the modality's own route).
import pino from 'pino';
import { InputError } from '../domain/errors';
import type { InspectionInput } from '../http/inspection-request';
import { GatewayMetrics } from '../monitoring/gateway-metrics';
import { DriftMonitor } from '../drift/drift-monitor';
import { ModelContractError } from '../routing/model-contract-error';
import { InspectionService } from './inspection-service';
import { ModelRunner } from './model-runner';

const componentError = (model: string) =>
  new ModelContractError(model, [
    { key: 'probabilities_calibrated', message: 'is required' },
    { key: 'review_threshold', message: 'is required but missing' },
  ]);

function service(): InspectionService {
  const runner = new ModelRunner(
    {
      infer: async () => {
        throw new Error('no inference expected');
      },
    },
    { maxQueueDepth: 1, maxWaitMs: 0, maxInFlight: 1 },
  );
  const monitor = new DriftMonitor({ windowSize: 10, minCount: 2 });
  return new InspectionService({
    resolver: {
      resolve: (r) => ({
        model: typeof r.model === 'string' && r.model !== '' ? r.model : 'thermal_ensemble',
      }),
    },
    contracts: {
      get: async (model: string) => {
        throw componentError(model);
      },
    },
    images: {
      preprocess: async () => {
        throw new Error('no preprocessing expected');
      },
    },
    measurements: { toInput: () => Buffer.alloc(0) },
    runner,
    metrics: new GatewayMetrics(monitor),
    log: pino({ level: 'silent' }),
    requestTimeoutMs: 1000,
    drift: monitor,
  });
}

const input = (model: string | undefined): InspectionInput => ({
  modality: 'thermal',
  stationId: 'ir-1',
  lotId: undefined,
  partId: undefined,
  model,
  version: undefined,
  image: { bytes: Buffer.from([1, 2]), filename: 'x.jpg' },
  measurements: undefined,
});

describe('contract errors at routing', () => {
  it('answers a named model that is no inspection contract as the caller’s error, naming the missing keys', async () => {
    const err = await service()
      .decide(input('thermal_members'), { requestId: 'r1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/model 'thermal_members' cannot serve inspections/);
    expect((err as InputError).details).toEqual({
      model: 'thermal_members',
      contractKeys: ['probabilities_calibrated', 'review_threshold'],
    });
  });

  it('keeps a broken contract on the modality’s own route a configuration error', async () => {
    for (const model of [undefined, '']) {
      const err = await service()
        .decide(input(model), { requestId: 'r2' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelContractError);
      expect(err).not.toBeInstanceOf(InputError);
    }
  });
});
