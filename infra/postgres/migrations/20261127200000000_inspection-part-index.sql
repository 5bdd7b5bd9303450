-- Up Migration
-- Traceability by part: GET /v1/inspections?part=SERIAL lists every decision on one part (first inspection,
-- re-inspections after rework), newest first. Forward-only.

CREATE INDEX inspections_part ON inspections (part_id, created_at) WHERE part_id IS NOT NULL;
COMMENT ON INDEX inspections_part IS 'GET /v1/inspections?part=…: the decisions on one part, by time.';
