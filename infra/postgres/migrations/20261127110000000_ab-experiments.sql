-- Up Migration
-- A/B experiments: while one runs, requests for the model that name no version are split between the candidate
-- and the current version, deterministically by station or lot. Forward-only.

ALTER TABLE experiments
  ADD COLUMN kind text NOT NULL DEFAULT 'replay' CHECK (kind IN ('replay', 'ab')),
  ADD COLUMN split jsonb CHECK (split IS NULL OR jsonb_typeof(split) = 'object');
COMMENT ON COLUMN experiments.kind IS 'replay: the candidate re-decides recorded inspections; ab: live requests are split between the candidate and the current version.';
COMMENT ON COLUMN experiments.split IS 'For ab: {by: station | lot, fraction}: the share of stations (or lots) whose requests go to the candidate.';
