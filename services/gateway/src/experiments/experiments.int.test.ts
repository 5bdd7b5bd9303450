import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { ConflictError, NotFoundError, UnavailableError, UndecodableImageError } from '../domain/errors';
import { toHttpError } from '../http/error-mapping';
import type { InspectionInput } from '../http/inspection-request';
import type { DecidedInspection } from '../inspections/inspection-service';
import { fakeDecision, waitFor } from '../jobs/jobs-test-kit';
import type { Decision } from '../postprocess/decision-types';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { sampleDecision } from '../records/test-decisions';
import type { ModelContract } from '../routing';
import { LocalObjectStore } from '../storage/local-object-store';
import { AbSplits, ExperimentService, ExperimentStore, experimentRoutes } from './index';

jest.setTimeout(60_000);

/**
 * The candidate's answer, from the stored bytes: what each tag makes it decide. Inference is stood in for here so
 * that undecodable items, Triton restarts and a held-up replay can be placed exactly; the database and the object
 * store are real, and tests/e2e/experiments.test.ts runs replays and A/B splits through the real model-server.
 */
class CandidateDecider {
  calls: Array<{ input: InspectionInput; ctx: { requestId: string; observeDrift?: boolean } }> = [];
  flakyLeft = 2;
  gate: Promise<void> | undefined;

  async decide(
    input: InspectionInput,
    ctx: { requestId: string; observeDrift?: boolean },
  ): Promise<DecidedInspection> {
    this.calls.push({ input, ctx });
    if (this.gate) await this.gate;
    const text = input.image!.bytes.toString('latin1');
    if (text.includes('corrupt')) throw new UndecodableImageError('image could not be decoded: truncated');
    if (text.includes('flaky') && this.flakyLeft-- > 0) throw new UnavailableError('Triton is restarting');
    const decided = fakeDecision(input, ctx);
    const decision: Decision = text.includes('now-fails') ? 'fail' : decided.result.decision;
    const scores = decision === 'fail' ? { ok: 0.1, crack: 0.9 } : decided.result.scores;
    return { ...decided, result: { ...decided.result, decision, scores } };
  }
}

const contract = (modality: string, image: boolean) =>
  ({
    model: 'visual_ensemble',
    modality,
    goodClass: 'ok',
    classes: ['ok', 'crack'],
    ...(image ? { image: { width: 8, height: 8 } } : {}),
  }) as unknown as ModelContract;

describe('experiments: a candidate version replayed on recorded inspections (real Postgres)', () => {
  let database: TestDatabase;
  let db: Database;
  let sql: Client;
  let objects: LocalObjectStore;
  let storeDir: string;
  let recorder: DecisionRecorder;
  let decider: CandidateDecider;
  let service: ExperimentService;
  let api: { url: string; close(): Promise<void> };

  const build = (extra: Partial<ConstructorParameters<typeof ExperimentService>[0]> = {}) =>
    new ExperimentService({
      database: db,
      store: new ExperimentStore(db),
      objects,
      inspections: decider,
      contracts: {
        get: (model: string) =>
          model === 'visual_ensemble'
            ? Promise.resolve(contract('visual', true))
            : Promise.resolve(contract('electrical', false)),
      },
      log: pino({ level: 'silent' }),
      retryBaseMs: 5,
      ...extra,
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 8 });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    storeDir = mkdtempSync(path.join(tmpdir(), 'experiments-store-'));
    objects = await LocalObjectStore.open(storeDir);
    recorder = new DecisionRecorder(new PostgresRecords(db));
    decider = new CandidateDecider();
    service = build();
    const app = express();
    app.use((req: Request, _res: Response, next: NextFunction) => {
      req.requestId = randomUUID();
      req.principal = { name: 'mlops-ana', role: 'mlops' };
      next();
    });
    const routes = experimentRoutes(service);
    app.use('/v1/experiments', routes.read, routes.write);
    app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
      const mapped = toHttpError(err, req.requestId);
      res.status(mapped.status).set(mapped.headers).json(mapped.body);
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  });
  afterAll(async () => {
    await api.close();
    await service.stop();
    await sql.end();
    await db.close();
    await database.drop();
    rmSync(storeDir, { recursive: true, force: true });
  });

  /** Records an inspection decided by `version`, its image stored; `label` adds a person's feedback. */
  const recordInspection = async (
    tag: string,
    o: {
      version: string;
      decision: Decision;
      station?: string;
      lot?: string;
      label?: string;
      model?: string;
    },
  ): Promise<string> => {
    const { key } = await objects.put(Buffer.from(`img-${tag}-${randomUUID()}`), 'image/png');
    const scores = o.decision === 'pass' ? { ok: 0.95, crack: 0.05 } : { ok: 0.1, crack: 0.9 };
    const recorded = await recorder.recordDecision(
      sampleDecision({
        model: { name: o.model ?? 'visual_ensemble', version: o.version, configHash: 'c'.repeat(64) },
        objectKey: key,
        decision: o.decision,
        scores,
        stationId: o.station ?? 'line-1',
        lotId: o.lot ?? 'LOT-A',
      }),
    );
    const id = recorded.inspection.id;
    if (o.label) {
      await recorder.recordFeedback({
        inspectionId: id,
        label: o.label,
        actor: { name: 'qa-1', role: 'station' },
        reason: 'checked by hand',
      });
    }
    return id;
  };

  const start = async (body: Record<string, unknown>) => {
    const res = await fetch(`${api.url}/v1/experiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'visual_ensemble', reason: 'try version 6 on line 1', ...body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const get = async (id: string) =>
    (await (await fetch(`${api.url}/v1/experiments/${id}`)).json()) as Record<string, unknown>;
  const finished = (id: string) =>
    waitFor(`experiment ${id} to finish`, async () => {
      const e = await get(id);
      return e.status === 'running' ? undefined : e;
    });

  it('replays the selected inspections through the candidate and summarizes against the recorded decisions', async () => {
    // Oldest first: the replay takes the newest of line-9's lot L-9 first.
    await recordInspection('old-pass', { version: '5', decision: 'pass', station: 'line-9', lot: 'L-9' });
    await recordInspection('ok-now-fails', {
      version: '5',
      decision: 'pass',
      station: 'line-9',
      lot: 'L-9',
      label: 'ok',
    });
    await recordInspection('defect-kept', {
      version: '5',
      decision: 'fail',
      station: 'line-9',
      lot: 'L-9',
      label: 'crack',
    });
    await recordInspection('escaped-defect', {
      version: '5',
      decision: 'pass',
      station: 'line-9',
      lot: 'L-9',
      label: 'crack',
    });
    await recordInspection('ok-flaky', {
      version: '5',
      decision: 'pass',
      station: 'line-9',
      lot: 'L-9',
      label: 'ok',
    });
    await recordInspection('corrupt', { version: '5', decision: 'review', station: 'line-9', lot: 'L-9' });
    await recordInspection('ok-6', { version: '6', decision: 'pass', station: 'line-9', lot: 'L-9' }); // the candidate's own
    await recordInspection('ok-elsewhere', { version: '5', decision: 'pass', station: 'line-2', lot: 'L-9' });
    const before = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM inspections');
    decider.calls = [];

    const started = await start({ candidateVersion: 6, stationId: 'line-9', limit: 5 });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ experimentId: expect.any(String), total: 5 });
    const id = started.body.experimentId as string;
    const done = await finished(id);

    expect(done).toMatchObject({
      status: 'completed',
      model: 'visual_ensemble',
      candidateVersion: '6',
      baselineVersion: null,
      total: 5,
      done: 4,
      failed: 1,
      progress: 1,
      createdBy: 'mlops-ana',
      error: null,
      filters: { stationId: 'line-9', limit: 5 },
    });
    // The five newest of line-9 other than version 6: corrupt, ok-flaky, escaped-defect, defect-kept, ok-now-fails.
    expect(done.summary).toEqual({
      compared: 4,
      agreement: 0.5,
      topClassAgreement: 0.5,
      decisions: { baseline: { pass: 3, review: 0, fail: 1 }, candidate: { pass: 1, review: 0, fail: 3 } },
      transitions: { 'pass→fail': 2 },
      topClassChanges: { 'ok→crack': 2 },
      labelled: {
        n: 4,
        defects: 2,
        good: 2,
        baseline: { accuracy: 0.75, escapeRate: 0.5, falseRejectRate: 0, reviewOrFailRate: 0 },
        candidate: { accuracy: 0.75, escapeRate: 0, falseRejectRate: 0.5, reviewOrFailRate: 0.5 },
      },
    });
    // Every call pinned the candidate, kept out of the drift window; the flaky item was retried twice.
    expect(new Set(decider.calls.map((c) => c.input.version))).toEqual(new Set(['6']));
    expect(decider.calls.every((c) => c.ctx.observeDrift === false)).toBe(true);
    expect(decider.calls).toHaveLength(5 + 2);
    // Nothing was recorded as an inspection.
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM inspections')).rows[0]!.n).toBe(
      before.rows[0]!.n,
    );

    const items = (await (await fetch(`${api.url}/v1/experiments/${id}/items?limit=2`)).json()) as {
      items: Array<Record<string, unknown>>;
      nextCursor: string;
    };
    expect(items.items.map((i) => i.index)).toEqual([0, 1]);
    expect(items.items[0]).toMatchObject({
      candidateDecision: null,
      error: expect.stringContaining('decoded'),
    });
    expect(items.nextCursor).toBe('2');
    const differ = (await (
      await fetch(`${api.url}/v1/experiments/${id}/items?disagreements=true`)
    ).json()) as {
      items: Array<Record<string, unknown>>;
      nextCursor: string | null;
    };
    expect(differ.items.map((i) => i.index)).toEqual([2, 4]);
    expect(differ.items[1]).toMatchObject({
      baselineDecision: 'pass',
      candidateDecision: 'fail',
      candidateTop: 'crack',
      baselineTop: 'ok',
      label: 'ok',
      baselineVersion: '5',
    });
    expect(differ.nextCursor).toBeNull();

    const audit = await sql.query<{ action: string; reason: string; actor_id: string }>(
      `SELECT action, reason, actor_id FROM audit_trail WHERE entity_type = 'experiment' AND entity_id = $1 ORDER BY seq`,
      [id],
    );
    expect(audit.rows).toEqual([
      { action: 'experiment.started', reason: 'try version 6 on line 1', actor_id: 'mlops-ana' },
      { action: 'experiment.completed', reason: 'try version 6 on line 1', actor_id: 'mlops-ana' },
    ]);
    const list = (await (await fetch(`${api.url}/v1/experiments`)).json()) as {
      experiments: Array<{ experimentId: string }>;
    };
    expect(list.experiments[0]?.experimentId).toBe(id);
  });

  it('selects by baseline version, lot and time, and refuses what cannot be compared', async () => {
    const t0 = new Date(Date.now() - 1000).toISOString();
    await recordInspection('ok-b', { version: '4', decision: 'pass', station: 'line-5', lot: 'L-5' });
    await recordInspection('ok-c', { version: '5', decision: 'pass', station: 'line-5', lot: 'L-5' });
    const started = await start({ candidateVersion: '6', baselineVersion: '4', lotId: 'L-5', from: t0 });
    expect(started.body.total).toBe(1);
    const done = await finished(started.body.experimentId as string);
    expect(done).toMatchObject({ status: 'completed', baselineVersion: '4', done: 1 });
    expect((done.summary as { agreement: number }).agreement).toBe(1);

    const countExperiments = async () =>
      (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM experiments')).rows[0]!.n;
    const n = await countExperiments();
    const none = await start({ candidateVersion: '6', lotId: 'no-such-lot' });
    expect(none.status).toBe(400);
    expect((none.body.error as { message: string }).message).toMatch(
      /^no recorded inspections .* any version but 6 have a stored input \(lot no-such-lot\)$/,
    );
    expect(await countExperiments()).toBe(n); // nothing half-created
    expect((await start({ candidateVersion: '6', baselineVersion: 6 })).status).toBe(400);
    const bad = await start({ candidateVersion: '6', limit: 0, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/limit/);
    expect((await start({ candidateVersion: '6', reason: '' })).status).toBe(400);
    expect((await fetch(`${api.url}/v1/experiments/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${api.url}/v1/experiments/nope`)).status).toBe(400);
  });

  it('starts one experiment per Idempotency-Key: a resent start gets it back, another request 422', async () => {
    for (let i = 0; i < 2; i++)
      await recordInspection(`ok-key-${i}`, { version: '5', decision: 'pass', lot: 'L-key' });
    const send = (lotId: string) =>
      fetch(`${api.url}/v1/experiments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'ana-2026-11-27-1' },
        body: JSON.stringify({
          model: 'visual_ensemble',
          candidateVersion: '6',
          lotId,
          reason: 'one replay',
        }),
      });
    const first = await send('L-key');
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const started = (await first.json()) as { experimentId: string; total: number };
    expect(started.total).toBe(2);
    const again = await send('L-key');
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(started);
    const other = await send('L-other');
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({
      error: { code: 'idempotency_key_reused', details: { experimentId: started.experimentId } },
    });
    await finished(started.experimentId);
    expect(callsOf(started.experimentId)).toHaveLength(2); // replayed once, not twice
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM experiments WHERE idempotency_key = 'ana-2026-11-27-1'`,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('cancels a running experiment, here or from another gateway, keeping what it compared', async () => {
    for (let i = 0; i < 6; i++)
      await recordInspection(`ok-cancel-${i}`, { version: '5', decision: 'pass', lot: 'L-x' });
    const items = async (id: string) =>
      (
        await sql.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM experiment_items WHERE experiment_id = $1 AND candidate_decision IS NOT NULL',
          [id],
        )
      ).rows[0]!.n;

    // Here: the replay is held inside its first two items when the cancel arrives.
    let release!: () => void;
    decider.gate = new Promise<void>((resolve) => (release = resolve));
    const a = (await start({ candidateVersion: '6', lotId: 'L-x' })).body.experimentId as string;
    const cancelled = await fetch(`${api.url}/v1/experiments/${a}?reason=wrong%20lot`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({
      status: 'failed',
      error: 'cancelled: wrong lot',
      summary: { compared: 0 },
    });
    release();
    decider.gate = undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await items(a)).toBe(0); // the items in flight were not recorded after the cancel
    expect((await fetch(`${api.url}/v1/experiments/${a}`, { method: 'DELETE' })).status).toBe(409);

    // From another gateway (a second service on the same database): this one stops at its next item.
    decider.gate = new Promise<void>((resolve) => (release = resolve));
    const b = (await start({ candidateVersion: '6', lotId: 'L-x' })).body.experimentId as string;
    const elsewhere = build();
    expect(await elsewhere.cancel(b, { name: 'mlops-bo', role: 'mlops' }, undefined)).toMatchObject({
      status: 'failed',
      error: 'cancelled: cancelled by mlops-bo',
    });
    release();
    decider.gate = undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await items(b)).toBe(0);
    expect(await get(b)).toMatchObject({ status: 'failed', error: 'cancelled: cancelled by mlops-bo' });
    const audit = await sql.query<{ action: string; actor_id: string }>(
      'SELECT action, actor_id FROM audit_trail WHERE entity_id = $1 ORDER BY seq',
      [b],
    );
    expect(audit.rows).toEqual([
      { action: 'experiment.started', actor_id: 'mlops-ana' },
      { action: 'experiment.cancelled', actor_id: 'mlops-bo' },
    ]);
  });

  it('keeps A/B splits in the database, so another or a restarted gateway routes the same way', async () => {
    const store = new ExperimentStore(db);
    const splits = new AbSplits({ active: () => store.activeAb() });
    const report = { model: 'visual_ensemble', from: null, to: null, versions: [] };
    /** A gateway's experiment service with its own view of the splits. */
    const gatewayWith = (own: AbSplits) =>
      new ExperimentService({
        database: db,
        store,
        objects,
        inspections: decider,
        contracts: { get: () => Promise.resolve(contract('visual', true)) },
        log: pino({ level: 'silent' }),
        ab: { splits: own, accuracy: { report: () => Promise.resolve(report) } },
      });
    const ab = gatewayWith(splits);
    const actor = { name: 'mlops-ana', role: 'mlops' };
    const split = { by: 'lot' as const, fraction: 0.25 };
    const { experimentId } = await ab.start(
      {
        model: 'visual_ensemble',
        candidateVersion: '6',
        filters: { limit: 1 },
        split,
        reason: 'a quarter of lots',
      },
      actor,
    );
    const elsewhere = new AbSplits({ active: () => store.activeAb() });
    await elsewhere.reload();
    expect(elsewhere.get('visual_ensemble')).toEqual({ ...split, experimentId, candidateVersion: '6' });
    await expect(
      ab.start(
        { model: 'visual_ensemble', candidateVersion: '7', filters: { limit: 1 }, split, reason: 'twice' },
        actor,
      ),
    ).rejects.toThrow(/already has a running A\/B experiment/);

    // A replica that has not seen it yet (its splits never loaded) is stopped by the database's one-per-model rule.
    const unaware = gatewayWith(new AbSplits());
    await expect(
      unaware.start(
        { model: 'visual_ensemble', candidateVersion: '8', filters: { limit: 1 }, split, reason: 'racing' },
        actor,
      ),
    ).rejects.toBeInstanceOf(ConflictError);

    const stopped = await ab.cancel(experimentId, actor, 'seen enough');
    expect(stopped).toMatchObject({
      kind: 'ab',
      status: 'completed',
      summary: { candidate: null, others: [] },
    });
    expect(splits.get('visual_ensemble')).toBeUndefined();
    await elsewhere.reload();
    expect(elsewhere.get('visual_ensemble')).toBeUndefined();
    const audit = await sql.query<{ action: string; reason: string }>(
      'SELECT action, reason FROM audit_trail WHERE entity_id = $1 ORDER BY seq',
      [experimentId],
    );
    expect(audit.rows).toEqual([
      { action: 'experiment.started', reason: 'a quarter of lots' },
      { action: 'experiment.stopped', reason: 'seen enough' },
    ]);
  });

  /** The candidate's calls for one experiment, by item index. */
  const callsOf = (id: string) =>
    decider.calls
      .map((c) => c.ctx.requestId)
      .filter((r) => r.startsWith(`experiment-${id}-`))
      .map((r) => Number(r.slice(`experiment-${id}-`.length)))
      .sort((a, b) => a - b);
  const auditOf = async (id: string) =>
    (
      await sql.query<{ action: string; actor: string; reason: string }>(
        `SELECT action, actor_id AS actor, reason FROM audit_trail WHERE entity_id = $1 ORDER BY seq`,
        [id],
      )
    ).rows;
  const completed = (s: ExperimentService, id: string) =>
    waitFor(`experiment ${id} to complete`, async () => {
      const e = await s.get(id);
      return e.status === 'completed' ? e : undefined;
    });

  it('a replay left by a gateway that stops is taken over by another and goes on from where it stopped', async () => {
    for (let i = 0; i < 4; i++)
      await recordInspection(`ok-stop-${i}`, { version: '5', decision: 'pass', lot: 'L-stop' });
    let release!: () => void;
    decider.gate = new Promise<void>((resolve) => (release = resolve));
    const { body } = await start({ candidateVersion: '6', lotId: 'L-stop' });
    const id = body.experimentId as string;
    await waitFor('two items in flight', async () => (callsOf(id).length === 2 ? true : undefined));
    const stopped = service.stop();
    release();
    await stopped;
    decider.gate = undefined;
    const left = await get(id);
    expect(left).toMatchObject({
      status: 'interrupted',
      runner: null,
      done: 2, // the two items in flight when it stopped; the others stay pending
      failed: 0,
      error: expect.stringContaining('takes it over within 10 s and goes on from item 2'),
    });
    expect(callsOf(id)).toEqual([0, 1]);

    const other = build();
    await other.startRunner();
    const e = await completed(other, id);
    await other.stop();
    expect(e).toMatchObject({ total: 4, done: 4, failed: 0, summary: { compared: 4 } });
    expect(callsOf(id)).toEqual([0, 1, 2, 3]); // each item decided once, whoever ran it
    const audit = await auditOf(id);
    expect(audit.map((r) => r.action)).toEqual([
      'experiment.started',
      'experiment.resumed',
      'experiment.completed',
    ]);
    expect(audit[1]).toEqual({
      action: 'experiment.resumed',
      actor: 'experiment-runner',
      reason: 'taken over from a gateway that stopped',
    });
    service = build(); // afterAll stops this one
  });

  it('a live gateway keeps its replay by renewing the lease; one that died loses it when the lease runs out', async () => {
    for (let i = 0; i < 3; i++)
      await recordInspection(`ok-lease-${i}`, { version: '5', decision: 'pass', lot: 'L-lease' });
    const actor = { name: 'mlops-ana', role: 'mlops' };
    const request = {
      model: 'visual_ensemble',
      candidateVersion: '6',
      filters: { lotId: 'L-lease', limit: 100 },
      reason: 'lease',
    };
    let release!: () => void;
    decider.gate = new Promise<void>((resolve) => (release = resolve));
    const alive = build({ leaseMs: 300, checkSeconds: 0.05 });
    await alive.startRunner();
    const { experimentId } = await alive.start(request, actor);
    const other = build({ leaseMs: 300, checkSeconds: 3600 });
    await new Promise((r) => setTimeout(r, 700)); // more than two leases: renewed meanwhile
    await other.check();
    expect(await other.get(experimentId)).toMatchObject({ status: 'running', runner: alive.runner });
    release();
    expect(await completed(alive, experimentId)).toMatchObject({ done: 3, failed: 0 });
    await alive.stop();
    expect((await auditOf(experimentId)).map((r) => r.action)).toEqual([
      'experiment.started',
      'experiment.completed',
    ]);

    // Same again, but this gateway never renews (as if it had died with items in flight).
    decider.gate = new Promise<void>((resolve) => (release = resolve));
    const dead = build({ leaseMs: 300, checkSeconds: 3600 });
    const second = await dead.start({ ...request, reason: 'dies' }, actor);
    await other.check();
    expect((await other.get(second.experimentId)).status).toBe('running'); // still held
    await new Promise((r) => setTimeout(r, 400));
    expect((await other.get(second.experimentId)).status).toBe('interrupted');
    await other.check();
    const audit = await auditOf(second.experimentId);
    expect(audit.map((r) => r.action)).toEqual(['experiment.started', 'experiment.resumed']);
    expect(audit[1]!.reason).toBe(`taken over from ${dead.runner}`);
    expect((await dead.get(second.experimentId)).runner).toBe(other.runner);
    release();
    decider.gate = undefined;
    // Both gateways ran its items for a while: each item still counts once.
    expect(await completed(other, second.experimentId)).toMatchObject({
      done: 3,
      failed: 0,
      summary: { compared: 3 },
    });
    await dead.check(); // it finds out that it no longer holds the replay
    await Promise.all([other.stop(), dead.stop()]);
  });
  it('leaves a replay for later while its candidate cannot be served, until it can or someone cancels it', async () => {
    for (let i = 0; i < 3; i++)
      await recordInspection(`ok-gone-${i}`, { version: '5', decision: 'pass', lot: 'L-gone' });
    const actor = { name: 'mlops-ana', role: 'mlops' };
    let release!: () => void;
    decider.gate = new Promise<void>((resolve) => (release = resolve));
    const dead = build({ leaseMs: 100, checkSeconds: 3600 });
    const { experimentId } = await dead.start(
      {
        model: 'visual_ensemble',
        candidateVersion: '6',
        filters: { lotId: 'L-gone', limit: 100 },
        reason: 'gone',
      },
      actor,
    );
    await new Promise((r) => setTimeout(r, 200)); // its lease runs out

    // Triton unreachable, or the version not (or no longer) loaded: not taken, nothing audited.
    for (const err of [
      new UnavailableError('Triton is restarting'),
      new NotFoundError("model 'visual_ensemble' version 6 is not loaded"),
    ]) {
      const cannot = build({ contracts: { get: () => Promise.reject(err) } });
      await cannot.check();
      expect(await cannot.get(experimentId)).toMatchObject({
        status: 'interrupted',
        runner: null,
        error: expect.stringContaining(
          'no gateway can serve version 6 now: load it, or cancel the experiment',
        ),
      });
      await cannot.stop();
    }
    expect((await auditOf(experimentId)).map((r) => r.action)).toEqual(['experiment.started']);

    const cancelled = await build().cancel(experimentId, actor, 'version 6 was withdrawn');
    expect(cancelled).toMatchObject({ status: 'failed', error: 'cancelled: version 6 was withdrawn' });
    expect((await auditOf(experimentId)).map((r) => r.action)).toEqual([
      'experiment.started',
      'experiment.cancelled',
    ]);
    release();
    decider.gate = undefined;
    await dead.stop();
    expect((await service.get(experimentId)).status).toBe('failed'); // the first gateway's items change nothing
  });
});
