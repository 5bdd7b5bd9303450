// A station that lost the answer sends the same POST /v1/inspections again with the same Idempotency-Key: it gets
// the recorded decision (header Idempotent-Replayed), and the records hold one decision, one audit entry. Embedded
// defaults (PGlite, local store, model-server with the fixture models).
import {
  ROLE_KEYS,
  bearer,
  datasetImages,
  gatewayPerFile,
  postImage,
  postInspectionJson,
} from './gateway-harness';

const gateway = gatewayPerFile();
const station = bearer(ROLE_KEYS.station);
const auditor = bearer(ROLE_KEYS.auditor);

interface Decided {
  inspectionId: string;
  requestId: string;
  decision: string;
  scores: Record<string, number>;
  timings: Record<string, number>;
  batchSize: number;
}

const decidedAudit = async (inspectionId: string): Promise<number> => {
  const res = await fetch(
    `${gateway.url}/v1/audit?action=inspection.decided&entityType=inspection&entityId=${inspectionId}`,
    { headers: auditor },
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: unknown[] }).entries.length;
};

describe('Idempotency-Key on POST /v1/inspections', () => {
  const [tile, other] = datasetImages('magnetic_tile', 'Crack', 2);
  const fields = { modality: 'visual', stationId: 'line-1', lotId: 'LOT-42', partId: 'P-1001' };

  it('answers a retry with the recorded decision and records it once', async () => {
    const key = { ...station, 'idempotency-key': 'P-1001-attempt-a' };
    const first = await postImage(gateway.url, tile!.bytes, fields, key);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const a = (await first.json()) as Decided;

    const retry = await postImage(gateway.url, tile!.bytes, fields, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('x-request-id')).not.toBe(a.requestId);
    const b = (await retry.json()) as Decided;
    expect(b).toMatchObject({
      inspectionId: a.inspectionId,
      requestId: a.requestId,
      decision: a.decision,
      scores: a.scores,
      batchSize: a.batchSize,
    });
    expect(b.timings.inferMs).toBe(a.timings.inferMs);
    expect(b.timings.recordMs).toBeUndefined();

    expect(await decidedAudit(a.inspectionId)).toBe(1);
    const stored = await fetch(`${gateway.url}/v1/inspections/${a.inspectionId}`, { headers: auditor });
    expect(await stored.json()).toMatchObject({ idempotencyKey: 'P-1001-attempt-a', batchSize: a.batchSize });
  });

  it('refuses the key for another image with 422 and records nothing', async () => {
    const lotItems = async (): Promise<string[]> => {
      const list = await fetch(`${gateway.url}/v1/inspections?lot=LOT-42&limit=1000`, { headers: auditor });
      return ((await list.json()) as { items: Array<{ inspectionId: string }> }).items.map(
        (i) => i.inspectionId,
      );
    };
    const key = { ...station, 'idempotency-key': 'P-1001-attempt-b' };
    const first = (await (await postImage(gateway.url, tile!.bytes, fields, key)).json()) as Decided;
    const before = await lotItems();
    expect(before).toContain(first.inspectionId);
    const reused = await postImage(gateway.url, other!.bytes, fields, key);
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({
      error: {
        code: 'idempotency_key_reused',
        details: { inspectionId: first.inspectionId, differs: ['image'] },
      },
    });
    expect(await lotItems()).toEqual(before);
  });

  it('decides two requests sent at once with one key once, and answers both with it', async () => {
    const key = { ...station, 'idempotency-key': 'P-1001-attempt-c' };
    const both = await Promise.all([
      postImage(gateway.url, tile!.bytes, fields, key),
      postImage(gateway.url, tile!.bytes, fields, key),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const replayed = both.map((r) => r.headers.get('idempotent-replayed')).sort();
    expect(replayed).toEqual(['true', null].sort());
    const [x, y] = (await Promise.all(both.map((r) => r.json()))) as Decided[];
    expect(x!.inspectionId).toBe(y!.inspectionId);
    expect(await decidedAudit(x!.inspectionId)).toBe(1);
  });

  it('leaves the part with one decision per attempted inspection in its history', async () => {
    const res = await fetch(`${gateway.url}/v1/inspections?part=P-1001&limit=100`, { headers: auditor });
    expect(res.status).toBe(200);
    const items = ((await res.json()) as { items: Array<{ partId: string; lotId: string }> }).items;
    // Attempts a, b and c above: three keys, three decisions, whatever was resent.
    expect(items).toHaveLength(3);
    expect(items.every((i) => i.partId === 'P-1001' && i.lotId === 'LOT-42')).toBe(true);
  });

  it('records a label sent again under its key once', async () => {
    const decided = (await (
      await postImage(gateway.url, tile!.bytes, { ...fields, partId: 'P-2002' }, station)
    ).json()) as Decided;
    const send = (label: string) =>
      fetch(`${gateway.url}/v1/inspections/${decided.inspectionId}/feedback`, {
        method: 'POST',
        headers: { ...station, 'content-type': 'application/json', 'idempotency-key': 'bench-label-1' },
        body: JSON.stringify({ label, reason: 'checked under the lamp' }),
      });
    const first = await send('Crack');
    expect(first.status).toBe(201);
    const saved = (await first.json()) as { id: string };
    const again = await send('Crack');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(saved.id);
    const other = await send('pass');
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({
      error: { code: 'idempotency_key_reused', details: { feedbackId: saved.id, differs: ['label'] } },
    });
    const audit = await fetch(
      `${gateway.url}/v1/audit?action=feedback.recorded&entityId=${decided.inspectionId}`,
      { headers: auditor },
    );
    expect(((await audit.json()) as { entries: unknown[] }).entries).toHaveLength(1);
  });

  it('replays measurements too, and refuses a malformed key before reading anything', async () => {
    const body = { modality: 'electrical', stationId: 'ate-1', measurements: [1.5, null, 3, 4, 5, 6, 7, 8] };
    const key = { ...station, 'idempotency-key': 'ate-1-row-9' };
    const a = (await (await postInspectionJson(gateway.url, body, key)).json()) as Decided;
    const retry = await postInspectionJson(gateway.url, body, key);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as Decided).inspectionId).toBe(a.inspectionId);

    for (const bad of ['has space', 'x'.repeat(256), 'naïve']) {
      const res = await postInspectionJson(gateway.url, body, { ...station, 'idempotency-key': bad });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Idempotency-Key/);
    }
  });
});
