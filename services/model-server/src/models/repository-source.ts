import { ConfigError, readModel, scanRepository } from '../repository';
import type { ModelDefinition, RepositorySource } from './model-manager';

/** The model manager's view of a Triton model repository on disk. */
export function createRepositorySource(dir: string): RepositorySource {
  return {
    async list() {
      return (await scanRepository(dir)).map((entry) => entry.name);
    },
    async read(name, configOverride): Promise<ModelDefinition> {
      const model = await readModel(dir, name, configOverride === undefined ? {} : { configOverride });
      return {
        name: model.name,
        config: model.config,
        servedVersions: [...model.servedVersions],
        labels: new Map([...model.labels].map(([k, v]) => [k, [...v]])),
        modelFile: (version) => model.modelFile(version),
      };
    },
  };
}

/** The repository has the model but no version it may serve (Triton reports this differently from a bad config). */
export function isNoServableVersion(err: unknown): boolean {
  return (
    err instanceof ConfigError &&
    (err.field === 'version_policy' || /has no available versions|at least one version/.test(err.message))
  );
}
