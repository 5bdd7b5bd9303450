import { NotFoundError } from '../domain/errors';
import type { ModelContract } from '../routing';
import type { DriftMonitor } from './drift-monitor';
import { buildDriftReport, type DriftReport, type ServedReference } from './drift-report';

/** The models in the repository (ModelLifecycle.list). */
export interface ModelCatalog {
  list(): Promise<Array<{ name: string }>>;
}

/** The contract of the version a request naming no version gets (the pin, else Triton's default). */
export interface ServedContracts {
  get(model: string): Promise<ModelContract>;
}

/** Answers `GET /v1/models/:name/drift` from the in-memory windows and the served contract. */
export class DriftService {
  constructor(
    private readonly monitor: DriftMonitor,
    private readonly catalog: ModelCatalog,
    private readonly contracts: ServedContracts,
  ) {}

  /** The model's drift report; NotFoundError when the model is neither observed nor in the repository. */
  async report(model: string): Promise<DriftReport> {
    if (this.monitor.windows(model).length === 0) {
      const known = (await this.catalog.list()).some((m) => m.name === model);
      if (!known) throw new NotFoundError(`model '${model}' is not in the repository`);
    }
    const served: ServedReference = await this.contracts.get(model).then(
      (contract) => ({ signals: this.monitor.signalsOf(contract) }),
      (err: unknown) => ({ unreadable: err instanceof Error ? err.message : String(err) }),
    );
    return buildDriftReport(this.monitor, model, served);
  }
}
