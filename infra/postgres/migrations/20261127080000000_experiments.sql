-- Up Migration
-- Experiments: a candidate model version replayed on recorded inspections and compared with what was decided.
-- Forward-only, like every migration here.

CREATE TABLE experiments (
  id                uuid PRIMARY KEY,
  model_name        text NOT NULL,
  candidate_version text NOT NULL,
  baseline_version  text,
  filters           jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(filters) = 'object'),
  status            text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  total             integer NOT NULL CHECK (total >= 0),
  done              integer NOT NULL DEFAULT 0 CHECK (done >= 0),
  failed            integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
  created_by        text NOT NULL,
  reason            text NOT NULL CHECK (btrim(reason) <> ''),
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at       timestamptz,
  summary           jsonb,
  error             text,
  CONSTRAINT experiments_counts_within_total CHECK (done + failed <= total)
);
CREATE INDEX experiments_created_at ON experiments (created_at);
COMMENT ON TABLE experiments IS 'A candidate model version replayed on recorded inspections (their stored inputs) and compared with the decisions recorded for them.';
COMMENT ON COLUMN experiments.id IS 'Experiment id (uuid).';
COMMENT ON COLUMN experiments.model_name IS 'Model whose recorded inspections are replayed, and which the candidate is a version of.';
COMMENT ON COLUMN experiments.candidate_version IS 'Version every selected input is run through.';
COMMENT ON COLUMN experiments.baseline_version IS 'Only inspections decided by this version were selected; null: any version but the candidate.';
COMMENT ON COLUMN experiments.filters IS 'Selection of the recorded inspections: station, lot, from, to, limit.';
COMMENT ON COLUMN experiments.status IS 'running, completed or failed (see error).';
COMMENT ON COLUMN experiments.total IS 'Inspections selected for replay.';
COMMENT ON COLUMN experiments.done IS 'Items the candidate decided.';
COMMENT ON COLUMN experiments.failed IS 'Items the candidate could not decide (see experiment_items.error).';
COMMENT ON COLUMN experiments.created_by IS 'Principal that started the experiment.';
COMMENT ON COLUMN experiments.reason IS 'Why it was started (also in the audit trail).';
COMMENT ON COLUMN experiments.created_at IS 'When it was started (database clock).';
COMMENT ON COLUMN experiments.updated_at IS 'Last progress written by the gateway running it; a running experiment whose updated_at is old was interrupted.';
COMMENT ON COLUMN experiments.finished_at IS 'When it completed or failed.';
COMMENT ON COLUMN experiments.summary IS 'The comparison (agreement, decision transitions, figures on labelled items), written when it completes.';
COMMENT ON COLUMN experiments.error IS 'Why a failed experiment stopped.';

CREATE TABLE experiment_items (
  experiment_id      uuid NOT NULL REFERENCES experiments (id),
  item_index         integer NOT NULL CHECK (item_index >= 0),
  inspection_id      uuid NOT NULL REFERENCES inspections (id),
  baseline_version   text NOT NULL,
  baseline_decision  text NOT NULL CHECK (baseline_decision IN ('pass', 'review', 'fail')),
  baseline_top       text,
  candidate_decision text CHECK (candidate_decision IN ('pass', 'review', 'fail')),
  candidate_top      text,
  candidate_scores   jsonb,
  label              text,
  error              text,
  PRIMARY KEY (experiment_id, item_index)
);
COMMENT ON TABLE experiment_items IS 'One recorded inspection of an experiment: what was decided and what the candidate decided on the same stored input.';
COMMENT ON COLUMN experiment_items.experiment_id IS 'Experiment the item belongs to.';
COMMENT ON COLUMN experiment_items.item_index IS 'Position in the experiment, newest inspection first.';
COMMENT ON COLUMN experiment_items.inspection_id IS 'Recorded inspection whose stored input was replayed.';
COMMENT ON COLUMN experiment_items.baseline_version IS 'Model version that decided the recorded inspection.';
COMMENT ON COLUMN experiment_items.baseline_decision IS 'Decision recorded for the inspection.';
COMMENT ON COLUMN experiment_items.baseline_top IS 'Highest-scoring class recorded for the inspection.';
COMMENT ON COLUMN experiment_items.candidate_decision IS 'Decision of the candidate version; null while pending or when it failed.';
COMMENT ON COLUMN experiment_items.candidate_top IS 'Highest-scoring class of the candidate version.';
COMMENT ON COLUMN experiment_items.candidate_scores IS 'Calibrated class scores of the candidate version.';
COMMENT ON COLUMN experiment_items.label IS 'Latest human label (feedback) of the inspection when the experiment started, if any.';
COMMENT ON COLUMN experiment_items.error IS 'Why the candidate could not decide this item.';

REVOKE ALL ON experiments, experiment_items FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON experiments, experiment_items TO gateway_app;
