/**
 * Field accuracy: how each version of a model did on the inspections people have labelled (feedback). The latest
 * label of each inspection is the truth; the recorded decision and highest-scoring class are what the model said.
 * Per version: how many labelled, good and defect items, accuracy on class-name labels, escapes (labelled defects
 * passed), false rejects and reviews of labelled good items, and the labelled share of all its decisions.
 */
import { InputError, NotFoundError } from '../domain/errors';
import { labelKind, labelledFigures, type SideFigures } from '../experiments/experiment-summary';
import type { Decision } from '../postprocess/decision-types';
import type { Queryable } from '../records/db';
import { LATEST_LABEL_OF_N, TOP_CLASS_OF_N } from '../records/labelled-sql';
import type { ModelContract } from '../routing';

export interface VersionAccuracy extends SideFigures {
  version: string;
  /** Decisions of this version in the window. */
  decisions: number;
  labelled: number;
  good: number;
  defects: number;
}

export interface FieldAccuracyReport {
  model: string;
  from: string | null;
  to: string | null;
  versions: VersionAccuracy[];
}

interface Row {
  model_version: string;
  decision: Decision;
  top: string | null;
  label: string | null;
}

export class FieldAccuracy {
  constructor(
    private readonly db: Queryable,
    private readonly contracts: { get(model: string, version?: string): Promise<ModelContract> },
  ) {}

  async report(model: string, window: { from?: string; to?: string }): Promise<FieldAccuracyReport> {
    for (const [name, value] of Object.entries(window)) {
      if (value !== undefined && Number.isNaN(Date.parse(value)))
        throw new InputError(`'${name}' must be an ISO 8601 timestamp`);
    }
    const { rows } = await this.db.query<Row>(
      `SELECT n.model_version, n.decision, ${TOP_CLASS_OF_N} AS top, ${LATEST_LABEL_OF_N} AS label
       FROM inspections n
       WHERE n.model_name = $1
         AND ($2::timestamptz IS NULL OR n.created_at >= $2)
         AND ($3::timestamptz IS NULL OR n.created_at < $3)`,
      [model, window.from ?? null, window.to ?? null],
    );
    const byVersion = new Map<string, Row[]>();
    for (const r of rows) byVersion.set(r.model_version, [...(byVersion.get(r.model_version) ?? []), r]);
    if (byVersion.size === 0) {
      // A model with no decisions in the window is fine if it exists; an unknown name is the caller's mistake.
      await this.contracts.get(model).catch((err: unknown) => {
        throw err instanceof NotFoundError
          ? err
          : new NotFoundError(`model '${model}' has no decisions and no contract`);
      });
    }
    const versions: VersionAccuracy[] = [];
    for (const [version, all] of [...byVersion].sort((a, b) => Number(b[0]) - Number(a[0]))) {
      const contract = await this.contracts.get(model, version).catch(() => undefined);
      const vocabulary = { goodClass: contract?.goodClass, classes: contract?.classes ?? [] };
      const labelled = all.filter((r) => r.label !== null);
      const kinds = labelled.map((r) => labelKind(r.label, vocabulary));
      versions.push({
        version,
        decisions: all.length,
        labelled: labelled.length,
        good: kinds.filter((k) => k === 'good').length,
        defects: kinds.filter((k) => k === 'defect').length,
        ...labelledFigures(labelled, vocabulary),
      });
    }
    return { model, from: window.from ?? null, to: window.to ?? null, versions };
  }
}
