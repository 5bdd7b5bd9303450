// POST /v1/inspections with an Idempotency-Key, at the service: a repeated request gets the decision recorded
// for the first one (nothing decided or recorded again), a key reused for another request is refused, keys are
// per caller, and a repeat that was decided while the first was still being recorded answers with the first.
import { IdempotencyKeyReusedError, UnavailableError } from '../domain/errors';
import type { InspectionInput } from '../http/inspection-request';
import type { Principal } from '../http/auth';
import { DriftMonitor } from '../drift/drift-monitor';
import { FakeDriftTriton, driftContractService } from '../drift/fake-drift-contract';
import { GatewayMetrics } from '../monitoring/gateway-metrics';
import { DecisionRecorder } from '../records/decision-recorder';
import { InMemoryRecords } from '../records/fake-records';
import { FakeObjectStore } from '../storage/fake-object-store';
import type { InspectionService } from './inspection-service';
import { ModelRunner } from './model-runner';
import { RecordingSink } from './recording-sink';

/** Forgets the first lookup: as if the first request was still being recorded when the repeat looked. */
class LateSink extends RecordingSink {
  missNext = true;
  override async recordedUnderKey(principal: Principal, key: string) {
    if (this.missNext) {
      this.missNext = false;
      return undefined;
    }
    return super.recordedUnderKey(principal, key);
  }
}

const images = {
  preprocess: async (bytes: Buffer) => ({
    data: Buffer.alloc(40 * 24, bytes[0]),
    width: 24,
    height: 40,
    waitMs: 0,
    decodeMs: 0,
    preprocessMs: 0,
  }),
};

const input = (first: number, fields: Partial<InspectionInput> = {}): InspectionInput => ({
  modality: 'thermal',
  stationId: 'ir-1',
  lotId: 'lot-7',
  partId: undefined,
  model: undefined,
  version: undefined,
  image: { bytes: Buffer.from([first, 2, 3]), filename: 'x.jpg' },
  measurements: undefined,
  ...fields,
});

const line1: Principal = { name: 'line1', role: 'station' };
const line2: Principal = { name: 'line2', role: 'station' };

let triton: FakeDriftTriton;
let runner: ModelRunner;
let records: InMemoryRecords;
let sink: RecordingSink;

function service(withSink: RecordingSink): InspectionService {
  const metrics = new GatewayMetrics(new DriftMonitor({ windowSize: 50, minCount: 4 }));
  return driftContractService({ runner, images, metrics, sink: withSink });
}

beforeEach(() => {
  triton = new FakeDriftTriton();
  runner = new ModelRunner(triton, { maxQueueDepth: 100, maxWaitMs: 0, maxInFlight: 2 });
  records = new InMemoryRecords();
  sink = new RecordingSink(new FakeObjectStore(), new DecisionRecorder(records), records.inspections);
});

afterEach(() => runner.drain());

const decisions = async () =>
  (await records.audit.search({ action: 'inspection.decided' }, { order: 'asc', limit: 100 })).length;

describe('Idempotency-Key on inspections', () => {
  it('answers a repeated request with the recorded decision, deciding and recording nothing again', async () => {
    const s = service(sink);
    const first = await s.inspect(input(200), { principal: line1, requestId: 'r1', idempotencyKey: 'k-1' });
    const again = await s.inspect(input(200), { principal: line1, requestId: 'r2', idempotencyKey: 'k-1' });

    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    // The recorded timings are those before the row was written: no recordMs, and a total without it.
    const { recordMs, totalMs, ...stages } = first.result.timings;
    expect(recordMs).toBeGreaterThanOrEqual(0);
    const { timings: replayedTimings, ...replayed } = again.result;
    const { timings: _firstTimings, ...original } = first.result;
    expect(replayed).toEqual(original);
    expect(replayedTimings).toEqual({ ...stages, totalMs: expect.any(Number) });
    expect(replayedTimings.totalMs).toBeCloseTo(totalMs - recordMs!, 1);
    expect(again.result.requestId).toBe('r1');
    expect(triton.items).toBe(1);
    expect(await decisions()).toBe(1);
    const row = await records.inspections.get(first.result.inspectionId);
    expect(row).toMatchObject({ idempotencyKey: 'k-1', batchSize: 1, actor: { name: 'line1' } });
  });

  it('refuses the key for another input, lot or part, naming what differs, and records nothing', async () => {
    const s = service(sink);
    const first = await s.inspect(input(200), { principal: line1, requestId: 'r1', idempotencyKey: 'k-1' });
    const attempts: Array<[InspectionInput, string[]]> = [
      [input(10), ['image']],
      [input(200, { lotId: 'lot-8' }), ['lotId']],
      [input(10, { partId: 'p-1', stationId: 'ir-2' }), ['image', 'stationId', 'partId']],
    ];
    for (const [attempt, differs] of attempts) {
      const err = await s
        .inspect(attempt, { principal: line1, requestId: 'r2', idempotencyKey: 'k-1' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IdempotencyKeyReusedError);
      expect((err as IdempotencyKeyReusedError).details).toEqual({
        inspectionId: first.result.inspectionId,
        differs,
      });
    }
    expect(triton.items).toBe(1);
    expect(await decisions()).toBe(1);
  });

  it('keeps keys apart per caller, and decides every request that sends none', async () => {
    const s = service(sink);
    const a = await s.inspect(input(200), { principal: line1, requestId: 'r1', idempotencyKey: 'k-1' });
    const b = await s.inspect(input(200), { principal: line2, requestId: 'r2', idempotencyKey: 'k-1' });
    const c = await s.inspect(input(200), { principal: line1, requestId: 'r3' });
    const d = await s.inspect(input(200), { principal: line1, requestId: 'r4' });
    expect([a, b, c, d].map((o) => o.replayed)).toEqual([false, false, false, false]);
    expect(new Set([a, b, c, d].map((o) => o.result.inspectionId)).size).toBe(4);
    expect(await decisions()).toBe(4);
  });

  it('answers a repeat decided while the first was being recorded with the first one’s decision', async () => {
    const late = new LateSink(new FakeObjectStore(), new DecisionRecorder(records), records.inspections);
    const s = service(late);
    late.missNext = false;
    const first = await s.inspect(input(200), { principal: line1, requestId: 'r1', idempotencyKey: 'k-1' });
    late.missNext = true;
    const again = await s.inspect(input(200), { principal: line1, requestId: 'r2', idempotencyKey: 'k-1' });
    expect(again.replayed).toBe(true);
    expect(again.result.inspectionId).toBe(first.result.inspectionId);
    expect(triton.items).toBe(2); // decided twice, recorded once
    expect(await decisions()).toBe(1);

    late.missNext = true;
    const err = await s
      .inspect(input(9), { principal: line1, requestId: 'r3', idempotencyKey: 'k-1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await decisions()).toBe(1);
  });

  it('is a 503 when the record cannot be looked up, not a second decision', async () => {
    const s = service(sink);
    records.unavailable = true;
    const err = await s
      .inspect(input(200), { principal: line1, requestId: 'r1', idempotencyKey: 'k-1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(triton.items).toBe(0);
  });
});
