/** Builds realistic decisions for the records tests. Test infrastructure only. */
import { createHash, randomUUID } from 'node:crypto';
import type { DecisionToRecord } from './decision-recorder';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function sampleDecision(overrides: Partial<DecisionToRecord> = {}): DecisionToRecord {
  const id = randomUUID();
  const inputSha256 = sha256(`image ${id}`);
  return {
    id,
    requestId: `req-${id.slice(0, 8)}`,
    stationId: 'station-7',
    lotId: 'LOT-2026-11-25',
    partId: `part-${id.slice(0, 4)}`,
    modality: 'visual',
    model: { name: 'visual_ensemble', version: '3', configHash: sha256('config v3') },
    inputSha256,
    objectKey: `sha256/${inputSha256}`,
    decision: 'fail',
    scores: { ok: 0.05, scratch: 0.9, dent: 0.05 },
    defects: [
      { class: 'scratch', confidence: 0.9, severity: 'major', region: { x: 3, y: 4, width: 10, height: 2 } },
    ],
    thresholds: { scratch: 0.5, dent: 0.6, reviewBand: [0.3, 0.7] },
    preprocessing: { width: 128, height: 128, layout: 'NCHW', colour: 'gray', mean: [0.5], std: [0.25] },
    timings: { decodeMs: 1.2, preprocessMs: 0.8, queueMs: 2, inferMs: 3.4, postprocessMs: 0.1, totalMs: 7.5 },
    actor: { name: 'line-3-camera', role: 'station' },
    jobId: null,
    receivedAt: new Date().toISOString(),
    rawScores: { logits: [-2.1, 3.3, -1.9], temperature: 1.5 },
    ...overrides,
  };
}
