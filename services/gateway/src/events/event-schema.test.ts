import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_TOPICS, createEvent, parseEvent, toOutboxRecord } from './event-schema';

const DOC = path.resolve(__dirname, '../../../../docs/events.md');

/** The JSON examples of docs/events.md, in page order. */
function documentedExamples(): unknown[] {
  const text = readFileSync(DOC, 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
}

describe('event schema', () => {
  it('accepts the example of every topic in docs/events.md', () => {
    const examples = documentedExamples();
    expect(examples.map((e) => parseEvent(e).type)).toEqual([...EVENT_TOPICS]);
  });

  it('builds envelopes with a fresh id and time, and outbox rows that carry the whole envelope', () => {
    const event = createEvent('job.completed', 'lot-1', {
      jobId: 'job-1',
      lotId: 'lot-1',
      status: 'completed',
      total: 3,
      done: 3,
      failed: 0,
      decisions: { pass: 2, review: 1, fail: 0 },
      createdAt: '2026-11-25T10:00:00.000Z',
      finishedAt: '2026-11-25T10:01:00.000Z',
    });
    expect(event).toMatchObject({ schemaVersion: 1, type: 'job.completed', key: 'lot-1' });
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(event.occurredAt)).not.toBeNaN();
    expect(toOutboxRecord(event)).toEqual({
      eventId: event.eventId,
      topic: 'job.completed',
      key: 'lot-1',
      payload: event,
    });
  });

  it('refuses an event whose data does not match its topic', () => {
    expect(() =>
      parseEvent({
        schemaVersion: 1,
        eventId: '5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170',
        type: 'inspection.defect',
        occurredAt: '2026-11-25T08:00:00.000Z',
        key: 'station-1',
        data: { decision: 'pass' },
      }),
    ).toThrow(/decision|inspectionId/);
    expect(() => parseEvent({ schemaVersion: 2, type: 'job.completed' })).toThrow();
  });

  it('ignores fields it does not know, so producers may add fields within a schema version', () => {
    const [example] = documentedExamples() as [Record<string, unknown>];
    expect(() => parseEvent({ ...example, addedLater: true })).not.toThrow();
  });
});
