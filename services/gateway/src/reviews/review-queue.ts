/**
 * The review queue: inspections decided `review` (by default; `fail` too on request) that no person has labelled
 * yet, oldest first, so the people at the rework bench work through them in order. Labelling one through
 * `POST /v1/inspections/:id/feedback` takes it off the queue.
 */
import type { Decision } from '../postprocess/decision-types';
import type { Queryable } from '../records/db';
import { InspectionQuery, type InspectionFilter, type InspectionSummary } from '../records/inspection-query';

/** Station, lot, model and time as the inspections list; the decisions queued are review and / or fail. */
export type ReviewFilter = Omit<InspectionFilter, 'decisions' | 'unlabelledOnly'> & {
  decisions: Array<Extract<Decision, 'review' | 'fail'>>;
};

export interface ReviewPage {
  /** Open items matching the filter (all pages). */
  open: number;
  items: InspectionSummary[];
  nextCursor: string | null;
}

export class ReviewQueue {
  private readonly query: InspectionQuery;

  constructor(db: Queryable) {
    this.query = new InspectionQuery(db);
  }

  /** Open `review` decisions of one model (the review-backlog gauge). */
  openCount(model: string): Promise<number> {
    return this.query.count({ decisions: ['review'], model, unlabelledOnly: true });
  }

  async page(filter: ReviewFilter, cursor: string | undefined, limit: number): Promise<ReviewPage> {
    const f = { ...filter, unlabelledOnly: true };
    const [open, page] = await Promise.all([
      this.query.count(f),
      this.query.page(f, cursor, limit, 'oldest'),
    ]);
    return { open, ...page };
  }
}
