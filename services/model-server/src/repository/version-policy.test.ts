import { parseVersionDirectory, selectServedVersions } from './version-policy';

describe('parseVersionDirectory', () => {
  it.each([
    ['1', 1],
    ['20', 20],
    ['0', undefined],
    ['01', undefined],
    ['-1', undefined],
    ['v1', undefined],
    ['1.0', undefined],
    ['99999999999999999999', undefined],
  ])('%s -> %s', (name, version) => {
    expect(parseVersionDirectory(name)).toBe(version);
  });
});

describe('selectServedVersions', () => {
  const available = [3, 1, 10, 2];

  it('serves the highest N for latest, everything for all, the listed ones for specific', () => {
    expect(selectServedVersions({ latest: { num_versions: 2 }, policy_choice: 'latest' }, available)).toEqual(
      [3, 10],
    );
    expect(selectServedVersions({ all: {}, policy_choice: 'all' }, available)).toEqual([1, 2, 3, 10]);
    const specific = { specific: { versions: [10, 4, 1] }, policy_choice: 'specific' as const };
    expect(selectServedVersions(specific, available)).toEqual([1, 10]);
  });

  it('serves the latest version without a policy, and nothing when nothing is on disk', () => {
    expect(selectServedVersions(null, available)).toEqual([10]);
    expect(selectServedVersions({ latest: { num_versions: 3 }, policy_choice: 'latest' }, [])).toEqual([]);
  });
});
