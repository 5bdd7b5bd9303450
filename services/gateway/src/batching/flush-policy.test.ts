import { decideFlush, type FlushFacts } from './flush-policy';

const base: FlushFacts = {
  now: 1000,
  draining: false,
  queued: 2,
  inFlight: 1,
  maxBatchSize: 8,
  maxWaitMs: 5,
  oldestEnqueuedAt: 999,
  earliestDeadline: 2000,
  predictMs: (n) => n + 2,
  marginMs: 1,
  arrivalGapMs: 0.5,
};

describe('decideFlush', () => {
  it('waits for company while a slot is free, another batch runs and requests keep arriving', () => {
    expect(decideFlush(base)).toEqual({ flush: false, wakeAt: 1004 });
  });

  it('flushes a full batch, an idle executor and anything while draining', () => {
    expect(decideFlush({ ...base, queued: 8 })).toEqual({ flush: true, reason: 'full' });
    expect(decideFlush({ ...base, inFlight: 0 })).toEqual({ flush: true, reason: 'idle' });
    expect(decideFlush({ ...base, draining: true })).toEqual({ flush: true, reason: 'drain' });
  });

  it('flushes once the oldest request has waited maxWaitMs', () => {
    expect(decideFlush({ ...base, now: 1004 })).toEqual({ flush: true, reason: 'max-wait' });
    expect(decideFlush({ ...base, maxWaitMs: 0 })).toEqual({ flush: true, reason: 'max-wait' });
  });

  it('flushes when waiting for one more request would make the earliest deadline unreachable', () => {
    // predict(3) = 5, margin 1: the latest safe start is 1006 - 6 = 1000.
    expect(decideFlush({ ...base, earliestDeadline: 1006 })).toEqual({ flush: true, reason: 'deadline' });
    expect(decideFlush({ ...base, earliestDeadline: 1008 })).toEqual({ flush: false, wakeAt: 1002 });
  });

  it('does not wait when fewer than one more request is expected before the wait ends', () => {
    expect(decideFlush({ ...base, arrivalGapMs: 10 })).toEqual({ flush: true, reason: 'no-company' });
    expect(decideFlush({ ...base, arrivalGapMs: Infinity })).toEqual({ flush: true, reason: 'no-company' });
  });
});
