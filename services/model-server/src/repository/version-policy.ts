import type { ModelConfig } from '@defect-gateway/proto';

/**
 * The versions a policy serves out of those on disk, ascending: `latest { num_versions: N }` the N highest,
 * `all` every one, `specific { versions }` the listed ones that exist. No policy means `latest` with N = 1.
 */
export function selectServedVersions(
  policy: ModelConfig['version_policy'],
  available: readonly number[],
): number[] {
  const sorted = [...new Set(available)].sort((a, b) => a - b);
  switch (policy?.policy_choice) {
    case 'all':
      return sorted;
    case 'specific': {
      const wanted = new Set(policy.specific?.versions ?? []);
      return sorted.filter((version) => wanted.has(version));
    }
    case 'latest':
      return sorted.slice(-Math.max(1, policy.latest?.num_versions ?? 1));
    case undefined:
      return sorted.slice(-1);
  }
}

/**
 * Triton's rule for version directories: a positive decimal number with no leading zero (`1`, `20`);
 * anything else (`0`, `01`, `v1`, `latest`) is not a version and is ignored.
 */
export function parseVersionDirectory(name: string): number | undefined {
  if (!/^[1-9][0-9]*$/.test(name)) return undefined;
  const version = Number(name);
  return Number.isSafeInteger(version) ? version : undefined;
}
