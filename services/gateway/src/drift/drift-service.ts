import { NotFoundError } from '../domain/errors';
import type { ModelContract } from '../routing';
import type { DriftMonitor } from './drift-monitor';
import { buildDriftReport, recordedDriftReport, type DriftReport } from './drift-report';
import type { RecordedScores } from './recorded-scores';

/** The models in the repository (ModelLifecycle.list). */
export interface ModelCatalog {
  list(): Promise<Array<{ name: string }>>;
}

/** The contract of the version a request naming no version gets (the pin, else Triton's default). */
export interface ServedContracts {
  get(model: string): Promise<ModelContract>;
}

/**
 * Answers `GET /v1/models/:name/drift` from the in-memory windows and the served contract, and, given the records,
 * from the defect probabilities and pixel moments every replica recorded for the served version.
 */
export class DriftService {
  constructor(
    private readonly monitor: DriftMonitor,
    private readonly catalog: ModelCatalog,
    private readonly contracts: ServedContracts,
    private readonly recorded?: RecordedScores,
  ) {}

  /** The model's drift report; NotFoundError when the model is neither observed nor in the repository. */
  async report(model: string): Promise<DriftReport> {
    if (this.monitor.windows(model).length === 0) {
      const known = (await this.catalog.list()).some((m) => m.name === model);
      if (!known) throw new NotFoundError(`model '${model}' is not in the repository`);
    }
    const contract = await this.contracts
      .get(model)
      .catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    if (typeof contract === 'string') return buildDriftReport(this.monitor, model, { unreadable: contract });
    const signals = this.monitor.signalsOf(contract);
    const report = buildDriftReport(this.monitor, model, { signals });
    if (this.recorded && signals.monitored && contract.version !== undefined) {
      const window = await this.recorded.latest(model, contract.version, this.monitor.windowSize);
      report.recorded = recordedDriftReport(this.monitor, contract.version, signals.signals, window);
    }
    return report;
  }
}
