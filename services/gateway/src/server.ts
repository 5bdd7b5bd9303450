import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { GatewayConfig } from './config';
import { EmbeddedModelServer } from './embedded-model-server';
import { SharedRateLimitStore } from './http/shared-rate-limit';
import { buildApp } from './http/app';
import { Authenticator } from './http/auth';
import { healthRoutes } from './http/health-routes';
import { inspectionRoutes } from './http/inspection-routes';
import { ContractImages, ContractMeasurements } from './inspections/contract-inputs';
import { InspectionService } from './inspections/inspection-service';
import { ModelRunner } from './inspections/model-runner';
import { GatewayMetrics } from './monitoring/gateway-metrics';
import { ImagePreprocessor } from './preprocess';
import { ContractRegistry, ModelRouter } from './routing';
import { TritonClient } from './triton';
import { startRecords, type RecordsRuntime } from './compose-records';
import { createJobs } from './jobs';
import { auditRoutes } from './http/audit-routes';
import { eventRoutes } from './http/event-routes';
import { inspectionRecordRoutes } from './http/inspection-record-routes';
import { RecordingSink } from './inspections/recording-sink';
import { ModelLifecycle } from './models/model-lifecycle';
import { modelRoutes } from './models/model-routes';
import { VersionPins } from './models/version-pins';
import { DriftMonitor, DriftService, PostgresRecordedScores } from './drift';
import { AbSplits, ExperimentService, ExperimentStore, experimentRoutes } from './experiments';
import { FieldAccuracy } from './quality/field-accuracy';
import { ReviewQueue } from './reviews/review-queue';
import { InspectionQuery } from './records/inspection-query';
import { RecordSummaries } from './summaries/records-summary';
import { summaryRoutes } from './summaries/summary-routes';
import { reviewRoutes } from './reviews/review-routes';
import { FieldAccuracyGauges } from './quality/field-accuracy-gauges';

export interface RunningGateway {
  readonly port: number;
  readonly tritonAddresses: readonly string[];
  /** Ordered shutdown: stop accepting, drain batches, close gRPC, stop the embedded model-server. */
  stop(): Promise<void>;
}

/** The composition root: config → clients → services → HTTP app; owns start-up and shutdown order. */
export async function startGateway(
  config: GatewayConfig,
  log: Logger = pino({ level: config.logLevel }),
): Promise<RunningGateway> {
  let embedded: EmbeddedModelServer | undefined;
  let addresses = config.tritonUrls;
  if (!addresses) {
    embedded = await EmbeddedModelServer.start(config.modelRepository, log);
    addresses = [embedded.address];
    log.info(
      { repository: config.modelRepository, address: embedded.address },
      'embedded model-server started',
    );
  }
  const triton = new TritonClient({ endpoints: addresses, log: log.child({ component: 'triton' }) });
  try {
    await triton.connect();
  } catch (err) {
    await embedded?.stop();
    throw err;
  }

  let records: RecordsRuntime;
  try {
    records = await startRecords(config, log);
  } catch (err) {
    await triton.close();
    await embedded?.stop();
    throw err;
  }
  log.info(records.mode, 'records ready');

  const drift = new DriftMonitor({
    windowSize: config.driftWindow,
    minCount: config.driftMinItems,
    log: log.child({ component: 'drift' }),
  });
  const router = new ModelRouter(config.routes);
  const contracts = new ContractRegistry(async (model, version) => {
    const [cfg, metadata] = await Promise.all([
      triton.modelConfig(model, version),
      triton.modelMetadata(model, version),
    ]);
    // Without a pinned version Triton serves its highest ready version.
    const highest = metadata.versions.map(Number).sort((a, b) => b - a)[0];
    return { config: cfg, metadata, version: version ?? (highest === undefined ? '' : String(highest)) };
  });
  const fieldAccuracy = new FieldAccuracy(records.db, contracts);
  const reviewQueue = new ReviewQueue(records.db);
  const fieldGauges = new FieldAccuracyGauges({
    accuracy: fieldAccuracy,
    reviews: reviewQueue,
    models: () => router.routedModels().map((r) => r.model),
    windowDays: config.fieldAccuracy.windowDays,
    refreshSeconds: config.fieldAccuracy.refreshSeconds,
    log: log.child({ component: 'field-accuracy' }),
  });
  const metrics = new GatewayMetrics(drift, fieldGauges);
  const runner = new ModelRunner(triton, {
    maxQueueDepth: config.batch.maxQueue,
    maxWaitMs: config.batch.maxWaitMs,
    maxInFlight: config.batch.maxInFlight,
    onBatch: (model, size) => metrics.batchSize.observe({ model }, size),
  });
  const preprocessor = new ImagePreprocessor({
    maxInputBytes: config.maxUploadBytes,
    maxInputPixels: config.maxInputPixels,
    maxQueuedDecodes: config.preprocessMaxQueue,
  });
  const pins = new VersionPins({
    load: () => records.records.pins.all(),
    refreshSeconds: 10,
    log: log.child({ component: 'pins' }),
  });
  await pins.start();
  const experimentStore = new ExperimentStore(records.db);
  // Running A/B experiments split requests that name no version; a pin then applies to the rest.
  const abSplits = new AbSplits({
    active: () => experimentStore.activeAb(),
    refreshSeconds: 10,
    log: log.child({ component: 'ab-splits' }),
  });
  await abSplits.start();
  const service = new InspectionService({
    resolver: pins.apply(abSplits.apply(router)),
    contracts,
    images: new ContractImages(preprocessor),
    measurements: new ContractMeasurements(),
    runner,
    metrics,
    log,
    requestTimeoutMs: config.requestTimeoutMs,
    sink: new RecordingSink(records.objects, records.recorder, records.records.inspections),
    drift,
  });

  // Contracts of the routed models are read once at start-up so a broken config fails loudly and early.
  for (const { model } of router.routedModels()) {
    await contracts.get(model).then(
      (c) => log.info({ model, modality: c.modality, classes: c.classes }, 'model contract loaded'),
      (err: unknown) => log.warn({ model, err }, 'routed model has no usable contract yet'),
    );
  }

  const jobs = createJobs({
    database: records.db,
    recorder: records.recorder,
    auditOptions: { checkpointEvery: config.auditCheckpointEvery },
    objects: records.objects,
    inspections: service,
    availability: triton,
    log: log.child({ component: 'jobs' }),
    limits: { maxItems: 10_000, maxFileBytes: config.maxUploadBytes },
  });
  await jobs.start();

  const lifecycle = new ModelLifecycle(
    triton,
    contracts,
    pins,
    () => router.routedModels(),
    records.recorder,
    (model) => runner.retireModel(model),
  );
  // The drift report tells whether the version requests get by default (pinned or Triton's) is monitored.
  const served = { get: (model: string) => contracts.get(model, pins.get(model)) };
  const models = modelRoutes(lifecycle, {
    drift: new DriftService(drift, lifecycle, served, new PostgresRecordedScores(records.db)),
    accuracy: fieldAccuracy,
  });
  const experiments = new ExperimentService({
    database: records.db,
    store: experimentStore,
    objects: records.objects,
    inspections: service,
    contracts,
    log: log.child({ component: 'experiments' }),
    auditOptions: { checkpointEvery: config.auditCheckpointEvery },
    ab: { splits: abSplits, accuracy: fieldAccuracy },
    leaseMs: config.experimentLeaseSeconds * 1000,
    checkSeconds: Math.min(10, config.experimentLeaseSeconds / 3),
  });
  const experimentRouters = experimentRoutes(experiments);
  const summaries = summaryRoutes(new RecordSummaries(records.db));

  let accepting = true;
  const auth = new Authenticator(config.apiKeys);
  // Counts shared with every replica through Postgres, so a key's limit holds across the deployment.
  const rateLimitStore = new SharedRateLimitStore({
    db: records.db,
    log: log.child({ component: 'rate-limit' }),
  });
  const app = buildApp({
    log,
    auth,
    metrics,
    rateLimitPerMinute: config.rateLimitPerMinute,
    rateLimitStore,
    health: healthRoutes(
      {
        serverReady: () => triton.serverReady(),
        modelsReady: async () => {
          const entries = await Promise.all(
            router
              .routedModels()
              .map(async ({ model }) => [model, await triton.modelReady(model).catch(() => false)] as const),
          );
          return Object.fromEntries(entries);
        },
        endpoints: () => triton.endpoints(),
        dependencies: async () => ({
          database: await records.db.ping().then(
            () => true,
            () => false,
          ),
          objectStore: await records.objects.ready(),
        }),
      },
      metrics,
      () => accepting,
    ),
    // Mounts sharing a path are tried in order, each behind its own role check: the broader one comes first so
    // that a request it does not route falls through to the narrower one.
    routers: [
      {
        path: '/inspections',
        roles: ['station', 'mlops', 'auditor'],
        router: inspectionRecordRoutes(
          records.records.inspections,
          records.recorder,
          records.objects,
          new InspectionQuery(records.db),
          records.records.feedback,
        ),
      },
      { path: '/inspections', roles: ['station'], router: inspectionRoutes(service, config.maxUploadBytes) },
      // Jobs: `read` first; a request it does not route falls through to `create` (stations only).
      { path: '/jobs', roles: ['station', 'auditor'], router: jobs.routes.read },
      { path: '/jobs', roles: ['station'], router: jobs.routes.create },
      { path: '/audit', roles: ['auditor'], router: auditRoutes(records.auditQuery, records.auditVerifier) },
      { path: '/events', roles: ['auditor', 'mlops'], router: eventRoutes(records.outboxReader) },
      { path: '/models', roles: ['mlops', 'auditor'], router: models.read },
      { path: '/models', roles: ['mlops'], router: models.write },
      {
        path: '/reviews',
        roles: ['station', 'mlops', 'auditor'],
        router: reviewRoutes(reviewQueue),
      },
      { path: '/lots', roles: ['station', 'mlops', 'auditor'], router: summaries.lots },
      { path: '/stations', roles: ['station', 'mlops', 'auditor'], router: summaries.stations },
      { path: '/experiments', roles: ['mlops', 'auditor'], router: experimentRouters.read },
      { path: '/experiments', roles: ['mlops'], router: experimentRouters.write },
    ],
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  fieldGauges.start();
  await experiments.startRunner(); // replays another gateway left (or this one, before a restart) go on here
  if (auth.open) {
    log.warn('no API_KEYS configured: accepting requests from loopback callers only (embedded default)');
  }
  log.info(
    { port, host: config.host, triton: addresses, embedded: embedded !== undefined },
    'gateway listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    port,
    tritonAddresses: addresses,
    stop() {
      stopping ??= (async () => {
        accepting = false;
        log.info('shutting down: closing HTTP, draining batches');
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Replays first (they only hand themselves back), alongside the jobs' drain.
        await Promise.all([experiments.stop(), jobs.stop()]);
        await fieldGauges.stop();
        abSplits.stop();
        pins.stop();
        await runner.drain();
        await closed;
        await rateLimitStore.shutdown();
        await records.stop();
        await triton.close();
        if (embedded) await embedded.stop();
        log.info('shutdown complete');
      })();
      return stopping;
    },
  };
}
