/**
 * Batch inspection jobs (`/v1/jobs`), queued in Postgres with pg-boss and recorded exactly once per item.
 *
 * Wiring, in the composition root (server.ts), after the database is migrated and the inspection service,
 * object store and recorder exist:
 *
 *   const jobs = createJobs({
 *     database: records.db,              // the gateway's Database (pg pool; PGlite's single connection works too)
 *     recorder: records.recorder,        // DecisionRecorder: its recordDecisionIn() joins the item transaction
 *     auditOptions: { checkpointEvery: config.auditCheckpointEvery }, // same as PostgresRecords'
 *     objects: records.objects,          // ObjectStore (local directory or S3)
 *     inspections: service,              // InspectionService: its decide() runs one item
 *     availability: triton,              // TritonClient: available() + onBreakerChange()
 *     log: log.child({ component: 'jobs' }),
 *     limits: { maxItems: 10_000, maxFileBytes: config.maxUploadBytes },
 *   });
 *   await jobs.start();                  // installs/migrates pg-boss's schema `pgboss`, starts the worker
 *   routers: [
 *     // `read` first: a request that is not a GET falls through it to `create`. The read roles must
 *     // include every create role, because a role refused by the first mount never reaches the second.
 *     { path: '/jobs', roles: ['station', 'auditor'], router: jobs.routes.read },
 *     { path: '/jobs', roles: ['station'], router: jobs.routes.create },
 *   ]
 *   // shutdown: after HTTP stops accepting, BEFORE runner.drain() / triton.close() (items in flight still need
 *   // inference; it waits for them up to 10 s, then leaves them to pg-boss's expiry) and before records.stop():
 *   await jobs.stop();
 *
 * Routes: POST /v1/jobs (multipart `images` files + fields, or JSON `{…fields, objectKeys}`) → 202
 * `{jobId, total}`; GET /v1/jobs/:id; GET /v1/jobs/:id/results?cursor=&limit=; DELETE /v1/jobs/:id (409 when
 * the job already finished). Several replicas may run workers on one database: pg-boss hands each item to one
 * of them at a time, and the item transaction (item-processor.ts) makes a repeated delivery record nothing.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { AuditStoreOptions } from '../records/audit-store';
import type { Actor } from '../records/audit-types';
import type { Database } from '../records/db';
import type { DecisionRecorder } from '../records/decision-recorder';
import type { ObjectStore } from '../storage/object-store';
import { ItemProcessor, type ItemDecider } from './item-processor';
import { JobCompletion } from './job-completion';
import { JobQueue, type JobQueueOptions } from './job-queue';
import type { JobRequestLimits } from './job-request';
import { jobRoutes } from './job-routes';
import { JobService } from './job-service';
import { JobStore } from './job-store';
import { JobWorker, type InferenceAvailability, type JobWorkerOptions } from './job-worker';

export interface JobsDeps {
  database: Database;
  recorder: Pick<DecisionRecorder, 'recordDecisionIn'>;
  auditOptions?: AuditStoreOptions;
  objects: ObjectStore;
  inspections: ItemDecider;
  availability: InferenceAvailability;
  log: Logger;
  /** Actor of the `job.completed` audit entries. Default `{ name: 'job-worker', role: 'system' }`. */
  systemActor?: Actor;
  limits?: Partial<JobRequestLimits>;
  queue?: JobQueueOptions;
  /** Worker tuning; `enabled: false` runs the API only (a replica that does not process items). */
  worker?: JobWorkerOptions & { enabled?: boolean; retryBaseSeconds?: number; retryMaxSeconds?: number };
}

export interface Jobs {
  routes: { create: Router; read: Router };
  service: JobService;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Expires overdue active items now (pg-boss maintenance); normally periodic. */
  maintain(): Promise<void>;
  /** True while the worker is paused because inference is unavailable. */
  readonly paused: boolean;
}

export function createJobs(deps: JobsDeps): Jobs {
  const store = new JobStore(deps.database);
  const queue = new JobQueue(deps.database, {
    ...deps.queue,
    onError: deps.queue?.onError ?? ((err) => deps.log.warn({ err }, 'pg-boss error')),
  });
  const completion = new JobCompletion(store, deps.systemActor ?? { name: 'job-worker', role: 'system' });
  const service = new JobService({
    database: deps.database,
    store,
    queue,
    completion,
    auditOptions: deps.auditOptions,
  });
  const processor = new ItemProcessor({
    database: deps.database,
    store,
    recorder: deps.recorder,
    auditOptions: deps.auditOptions,
    objects: deps.objects,
    inspections: deps.inspections,
    completion,
    log: deps.log,
    retryBaseSeconds: deps.worker?.retryBaseSeconds,
    retryMaxSeconds: deps.worker?.retryMaxSeconds,
  });
  const worker = new JobWorker(queue, processor, deps.availability, deps.log, deps.worker);
  const limits: JobRequestLimits = {
    maxItems: deps.limits?.maxItems ?? 10_000,
    maxFileBytes: deps.limits?.maxFileBytes ?? 20 * 1024 * 1024,
    maxPendingPuts: deps.limits?.maxPendingPuts,
  };
  let started = false;
  return {
    routes: jobRoutes(service, deps.objects, limits),
    service,
    async start() {
      if (started) return;
      await queue.start();
      started = true;
      if (deps.worker?.enabled !== false) worker.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      await worker.stop();
      await queue.stop();
    },
    maintain: () => queue.maintain(),
    get paused() {
      return worker.isPaused;
    },
  };
}

export type { InferenceAvailability, JobWorkerOptions } from './job-worker';
export type { JobQueueOptions } from './job-queue';
export type { ItemDecider } from './item-processor';
export type { JobView, ResultsPage } from './job-service';
