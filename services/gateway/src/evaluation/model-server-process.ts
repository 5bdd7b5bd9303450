/**
 * The evaluation's own model-server (the gateway's embedded one, loading only the evaluated model) and the check
 * that the model is in the repository at all.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import pino from 'pino';
import { EmbeddedModelServer } from '../embedded-model-server';

export class ModelNotInRepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotInRepositoryError';
  }
}

/** Checks that `repository/model/config.pbtxt` exists; the error lists the models that are there. */
export async function assertModelInRepository(repository: string, model: string): Promise<void> {
  const config = path.join(repository, model, 'config.pbtxt');
  if (await isFile(config)) return;
  const entries = await fs.readdir(repository, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined)
    throw new ModelNotInRepositoryError(`model repository ${repository} does not exist`);
  const models: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await isFile(path.join(repository, e.name, 'config.pbtxt')))) models.push(e.name);
  }
  const present = models.length === 0 ? 'it holds no models yet' : `it holds: ${models.sort().join(', ')}`;
  throw new ModelNotInRepositoryError(`model '${model}' is not in ${repository} (${present})`);
}

/** A private model-server for one evaluation: only the evaluated model (and its ensemble steps) loaded. */
export async function startEvaluationServer(repository: string, model: string): Promise<EmbeddedModelServer> {
  return EmbeddedModelServer.start(repository, pino({ level: 'silent' }), {
    loadModels: [model],
    startTimeoutMs: 300_000,
  });
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
