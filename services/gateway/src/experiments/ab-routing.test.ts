import type { ModelResolver } from '../inspections/inspection-service';
import { AbSplits, inCandidateShare } from './ab-routing';

const router: ModelResolver = {
  resolve: (r) => ({
    model: typeof r.model === 'string' ? r.model : 'visual_ensemble',
    ...(typeof r.version === 'string' ? { version: r.version } : {}),
  }),
};

describe('A/B splits', () => {
  it('puts about the given share of keys on the candidate side, the same way every time', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `station-${i}`);
    const share = keys.filter((k) => inCandidateShare('exp-1', k, 0.3)).length / keys.length;
    expect(share).toBeGreaterThan(0.26);
    expect(share).toBeLessThan(0.34);
    expect(keys.map((k) => inCandidateShare('exp-1', k, 0.3))).toEqual(
      keys.map((k) => inCandidateShare('exp-1', k, 0.3)),
    );
    // Another experiment draws another split.
    const other = keys.filter((k) => inCandidateShare('exp-1', k, 0.3) !== inCandidateShare('exp-2', k, 0.3));
    expect(other.length).toBeGreaterThan(400);
  });

  it('routes requests that name no version by station or lot, and leaves the rest alone', () => {
    const splits = new AbSplits();
    splits.set('visual_ensemble', {
      experimentId: 'exp-1',
      candidateVersion: '6',
      by: 'station',
      fraction: 0.5,
    });
    const resolver = splits.apply(router);
    const stations = Array.from({ length: 40 }, (_, i) => `line-${i}`);
    for (const stationId of stations) {
      const expected = inCandidateShare('exp-1', stationId, 0.5) ? '6' : undefined;
      expect(resolver.resolve({ modality: 'visual', stationId }).version).toBe(expected);
      expect(resolver.resolve({ modality: 'visual', stationId, version: '4' }).version).toBe('4');
    }
    expect(
      new Set(stations.map((s) => resolver.resolve({ modality: 'visual', stationId: s }).version)),
    ).toEqual(new Set(['6', undefined]));
    expect(
      resolver.resolve({ modality: 'thermal', model: 'thermal_ensemble', stationId: 'line-1' }).version,
    ).toBe(undefined);

    splits.set('visual_ensemble', {
      experimentId: 'exp-2',
      candidateVersion: '6',
      by: 'lot',
      fraction: 0.99,
    });
    expect(splits.apply(router).resolve({ modality: 'visual', stationId: 'line-1' }).version).toBeUndefined(); // no lot
    splits.remove('visual_ensemble', 'exp-1'); // not the running one: kept
    expect(splits.get('visual_ensemble')?.experimentId).toBe('exp-2');
    splits.remove('visual_ensemble', 'exp-2');
    expect(splits.get('visual_ensemble')).toBeUndefined();
  });
});
