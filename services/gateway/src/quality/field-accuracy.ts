/**
 * Field accuracy: how each version of a model did on the inspections people have labelled (feedback). The latest
 * label of each inspection is the truth; the recorded decision and highest-scoring class are what the model said.
 * Per version: how many labelled, good and defect items, accuracy on class-name labels, escapes (labelled defects
 * passed), false rejects and reviews of labelled good items, and the labelled share of all its decisions.
 */
import { NotFoundError } from '../domain/errors';
import { labelKind, labelledFigures, type SideFigures } from '../experiments/experiment-summary';
import type { Decision } from '../postprocess/decision-types';
import type { Queryable } from '../records/db';
import { latestLabelOf, topClassOf } from '../records/labelled-sql';
import type { ModelContract } from '../routing';
import { checkWindow, createdWithin } from '../records/time-window';

export interface VersionAccuracy extends SideFigures {
  version: string;
  /** Decisions of this version in the window. */
  decisions: number;
  /** The same, by decision. */
  decisionCounts: Record<Decision, number>;
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
    checkWindow(window);
    // Decisions per version (an index range scan), then only the labelled inspections (through the feedback
    // table), each with its latest label: the cost follows the labels, not the traffic.
    const params = [model, window.from ?? null, window.to ?? null];
    const inWindow = `n.model_name = $1 AND ${createdWithin(2, 3)}`;
    const counts = await this.db.query<{
      model_version: string;
      n: number;
      pass: number;
      review: number;
      fail: number;
    }>(
      `SELECT n.model_version, count(*)::int AS n,
              count(*) FILTER (WHERE n.decision = 'pass')::int AS pass,
              count(*) FILTER (WHERE n.decision = 'review')::int AS review,
              count(*) FILTER (WHERE n.decision = 'fail')::int AS fail
       FROM inspections n WHERE ${inWindow} GROUP BY n.model_version`,
      params,
    );
    const { rows } = await this.db.query<Row>(
      `SELECT l.model_version, l.decision, ${topClassOf('l')} AS top, ${latestLabelOf('l')} AS label
       FROM (SELECT DISTINCT n.id, n.model_version, n.decision, n.scores
             FROM feedback f JOIN inspections n ON n.id = f.inspection_id
             WHERE ${inWindow}) l`,
      params,
    );
    const labelledByVersion = new Map<string, Row[]>();
    for (const r of rows) {
      const list = labelledByVersion.get(r.model_version);
      if (list) list.push(r);
      else labelledByVersion.set(r.model_version, [r]);
    }
    if (counts.rows.length === 0) {
      // A model with no decisions in the window is fine if it exists; an unknown name is the caller's mistake.
      await this.contracts.get(model).catch((err: unknown) => {
        throw err instanceof NotFoundError
          ? err
          : new NotFoundError(`model '${model}' has no decisions and no contract`);
      });
    }
    const versions: VersionAccuracy[] = [];
    for (const { model_version: version, n, pass, review, fail } of counts.rows.sort(
      (a, b) => Number(b.model_version) - Number(a.model_version),
    )) {
      const contract = await this.contracts.get(model, version).catch(() => undefined);
      const vocabulary = { goodClass: contract?.goodClass, classes: contract?.classes ?? [] };
      const labelled = labelledByVersion.get(version) ?? [];
      const kinds = labelled.map((r) => labelKind(r.label, vocabulary));
      versions.push({
        version,
        decisions: n,
        decisionCounts: { pass, review, fail },
        labelled: labelled.length,
        good: kinds.filter((k) => k === 'good').length,
        defects: kinds.filter((k) => k === 'defect').length,
        ...labelledFigures(labelled, vocabulary),
      });
    }
    return { model, from: window.from ?? null, to: window.to ?? null, versions };
  }
}
