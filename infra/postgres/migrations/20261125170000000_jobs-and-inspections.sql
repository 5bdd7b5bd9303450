-- Up Migration
-- Jobs, inspections, the items of batch jobs and human feedback. Forward-only: no down migration (records are
-- never dropped by a rollback). Never edit this file after it has landed; add a new migration instead.

CREATE TABLE jobs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status      text NOT NULL DEFAULT 'queued'
              CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  total       integer NOT NULL CHECK (total >= 0),
  done        integer NOT NULL DEFAULT 0 CHECK (done >= 0),
  failed      integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at  timestamptz,
  finished_at timestamptz,
  options     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(options) = 'object'),
  cancelled   boolean NOT NULL DEFAULT false,
  CONSTRAINT jobs_counts_within_total CHECK (done + failed <= total)
);
COMMENT ON TABLE jobs IS 'One batch inspection job (POST /v1/jobs): its progress counters and lifecycle timestamps.';
COMMENT ON COLUMN jobs.id IS 'Job id returned to the client (202 {jobId}).';
COMMENT ON COLUMN jobs.status IS 'queued → running → completed | failed | cancelled.';
COMMENT ON COLUMN jobs.total IS 'Number of items (images) in the job.';
COMMENT ON COLUMN jobs.done IS 'Items with a recorded decision.';
COMMENT ON COLUMN jobs.failed IS 'Items that failed for good (after their retries).';
COMMENT ON COLUMN jobs.created_by IS 'Principal (API key name) that submitted the job.';
COMMENT ON COLUMN jobs.created_at IS 'Submission time, database clock.';
COMMENT ON COLUMN jobs.started_at IS 'When the first item started, database clock; null while queued.';
COMMENT ON COLUMN jobs.finished_at IS 'When the job reached a final status, database clock.';
COMMENT ON COLUMN jobs.options IS 'Submission options as given: modality, station, lot, model/version override.';
COMMENT ON COLUMN jobs.cancelled IS 'Set by DELETE /v1/jobs/:id; workers skip the items not yet started.';

CREATE TABLE inspections (
  id                uuid PRIMARY KEY,
  request_id        text NOT NULL,
  station_id        text NOT NULL,
  lot_id            text,
  part_id           text,
  modality          text NOT NULL,
  model_name        text NOT NULL,
  model_version     text NOT NULL,
  model_config_hash text NOT NULL CHECK (model_config_hash ~ '^[0-9a-f]{64}$'),
  input_sha256      text NOT NULL CHECK (input_sha256 ~ '^[0-9a-f]{64}$'),
  object_key        text,
  decision          text NOT NULL CHECK (decision IN ('pass', 'review', 'fail')),
  scores            jsonb NOT NULL,
  defects           jsonb NOT NULL CHECK (jsonb_typeof(defects) = 'array'),
  thresholds        jsonb NOT NULL,
  preprocessing     jsonb NOT NULL,
  timings           jsonb NOT NULL,
  actor_id          text NOT NULL,
  actor_role        text NOT NULL,
  received_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  job_id            uuid REFERENCES jobs (id)
);
CREATE INDEX inspections_created_at ON inspections (created_at);
CREATE INDEX inspections_station_created_at ON inspections (station_id, created_at);
CREATE INDEX inspections_lot ON inspections (lot_id) WHERE lot_id IS NOT NULL;
CREATE INDEX inspections_job ON inspections (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX inspections_model ON inspections (model_name, model_version, created_at);
COMMENT ON TABLE inspections IS 'One row per decision returned (online) or recorded (batch item). Immutable: the application role may only INSERT and SELECT.';
COMMENT ON COLUMN inspections.id IS 'Inspection id returned to the client.';
COMMENT ON COLUMN inspections.request_id IS 'Id of the HTTP request (or job item) that asked for it; also in the logs.';
COMMENT ON COLUMN inspections.station_id IS 'Inspection station that sent the input.';
COMMENT ON COLUMN inspections.lot_id IS 'Production lot, when given.';
COMMENT ON COLUMN inspections.part_id IS 'Part (serial) id, when given.';
COMMENT ON COLUMN inspections.modality IS 'visual, thermal or electrical.';
COMMENT ON COLUMN inspections.model_name IS 'Model that actually ran (after routing and A/B split).';
COMMENT ON COLUMN inspections.model_version IS 'Model version that actually ran, as Triton reported it.';
COMMENT ON COLUMN inspections.model_config_hash IS 'SHA-256 (hex) of the canonical JSON of the model config the decision used.';
COMMENT ON COLUMN inspections.input_sha256 IS 'SHA-256 (hex) of the exact input bytes (image, or canonical measurements JSON).';
COMMENT ON COLUMN inspections.object_key IS 'Object-store key of the stored input bytes; null when the input is not stored (measurements).';
COMMENT ON COLUMN inspections.decision IS 'pass, review or fail.';
COMMENT ON COLUMN inspections.scores IS 'Calibrated class probabilities by class name, as returned to the client.';
COMMENT ON COLUMN inspections.defects IS 'Defects as returned: class, confidence, severity, region.';
COMMENT ON COLUMN inspections.thresholds IS 'Per-class thresholds and review band in force for this decision (from the model config).';
COMMENT ON COLUMN inspections.preprocessing IS 'Preprocessing spec applied to the input (size, layout, normalization…).';
COMMENT ON COLUMN inspections.timings IS 'Stage timings in milliseconds (decode, preprocess, queue, infer, postprocess, total).';
COMMENT ON COLUMN inspections.actor_id IS 'Principal (API key name) that asked for the inspection.';
COMMENT ON COLUMN inspections.actor_role IS 'Role of that principal (station, admin…).';
COMMENT ON COLUMN inspections.received_at IS 'When the gateway received the request, gateway clock (informational; created_at is authoritative).';
COMMENT ON COLUMN inspections.created_at IS 'When the decision was recorded, database clock.';
COMMENT ON COLUMN inspections.job_id IS 'Batch job this inspection belongs to; null for online inspections.';

CREATE TABLE inspection_items (
  job_id        uuid NOT NULL REFERENCES jobs (id),
  item_index    integer NOT NULL CHECK (item_index >= 0),
  source        text NOT NULL,
  object_key    text,
  status        text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  inspection_id uuid UNIQUE REFERENCES inspections (id),
  error         text,
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (job_id, item_index),
  CONSTRAINT inspection_items_succeeded_has_inspection CHECK (status <> 'succeeded' OR inspection_id IS NOT NULL)
);
CREATE INDEX inspection_items_job_status ON inspection_items (job_id, status);
COMMENT ON TABLE inspection_items IS 'One row per image of a batch job; (job_id, item_index) is unique, so an item is recorded once even if a worker is killed and the item retried.';
COMMENT ON COLUMN inspection_items.job_id IS 'Job the item belongs to.';
COMMENT ON COLUMN inspection_items.item_index IS 'Position of the item in the submission, from 0.';
COMMENT ON COLUMN inspection_items.source IS 'Where the item came from: the uploaded file name or the object key given by the client.';
COMMENT ON COLUMN inspection_items.object_key IS 'Object-store key of the item''s bytes (content-addressed by SHA-256).';
COMMENT ON COLUMN inspection_items.status IS 'queued → running → succeeded | failed | cancelled.';
COMMENT ON COLUMN inspection_items.inspection_id IS 'The recorded decision for this item; unique, so one item never has two decisions.';
COMMENT ON COLUMN inspection_items.error IS 'Last error message for a failed attempt (client-safe text).';
COMMENT ON COLUMN inspection_items.attempts IS 'Number of processing attempts so far.';
COMMENT ON COLUMN inspection_items.created_at IS 'When the item was queued, database clock.';
COMMENT ON COLUMN inspection_items.updated_at IS 'Last status change, database clock.';

CREATE TABLE feedback (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  inspection_id uuid NOT NULL REFERENCES inspections (id),
  label         text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
  actor_id      text NOT NULL,
  actor_role    text NOT NULL,
  reason        text,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX feedback_inspection ON feedback (inspection_id);
CREATE INDEX feedback_created_at ON feedback (created_at);
COMMENT ON TABLE feedback IS 'Human ground-truth labels for inspections (POST /v1/inspections/:id/feedback); feeds accuracy monitoring. Append-only: a new label supersedes an older one.';
COMMENT ON COLUMN feedback.id IS 'Feedback id.';
COMMENT ON COLUMN feedback.inspection_id IS 'Inspection the label is about.';
COMMENT ON COLUMN feedback.label IS 'The true outcome according to the reviewer: pass, fail, or a defect class name.';
COMMENT ON COLUMN feedback.actor_id IS 'Principal (API key name) that gave the label.';
COMMENT ON COLUMN feedback.actor_role IS 'Role of that principal.';
COMMENT ON COLUMN feedback.reason IS 'Free-text note from the reviewer.';
COMMENT ON COLUMN feedback.created_at IS 'When the label was recorded, database clock.';
