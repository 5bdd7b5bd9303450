-- Up Migration
-- Traceability by part in the audit trail: GET /v1/audit?part=SERIAL lists the decisions on one part, the labels
-- people gave them and any corrections, in chain order. Decision entries carry partId since the start; feedback
-- and correction entries carry it from this change on. Forward-only.

CREATE INDEX audit_trail_part ON audit_trail ((payload ->> 'partId'), seq);
COMMENT ON INDEX audit_trail_part IS 'GET /v1/audit?part=…: the entries about one part, in chain order.';
