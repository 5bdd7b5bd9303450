-- Up Migration
-- The audit trail (21 CFR Part 11 style, see docs/adr/0004-audit-trail.md): append-only, enforced here by
-- triggers (and by grants, next migration); each row hash-chained to the previous one by a BEFORE INSERT trigger
-- that also assigns the gapless seq and the database-clock timestamp. Forward-only. Never edit this file after
-- it has landed.

CREATE TABLE audit_trail (
  seq         bigint PRIMARY KEY,
  id          uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  actor_id    text NOT NULL CHECK (length(actor_id) BETWEEN 1 AND 200),
  actor_role  text NOT NULL CHECK (length(actor_role) BETWEEN 1 AND 50),
  action      text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  entity_type text NOT NULL CHECK (entity_type ~ '^[a-z][a-z0-9_]*$'),
  entity_id   text NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 200),
  reason      text,
  corrects_id uuid REFERENCES audit_trail (id),
  payload     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  row_hash    text NOT NULL CHECK (row_hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT audit_trail_reason_required
    CHECK (action = 'inspection.decided' OR (reason IS NOT NULL AND btrim(reason) <> '')),
  CONSTRAINT audit_trail_correction_link CHECK ((action = 'audit.correction') = (corrects_id IS NOT NULL))
);
CREATE INDEX audit_trail_recorded_at ON audit_trail (recorded_at);
CREATE INDEX audit_trail_actor ON audit_trail (actor_id, seq);
CREATE INDEX audit_trail_action ON audit_trail (action, seq);
CREATE INDEX audit_trail_entity ON audit_trail (entity_type, entity_id, seq);
CREATE INDEX audit_trail_station ON audit_trail ((payload ->> 'stationId'), seq);
CREATE INDEX audit_trail_lot ON audit_trail ((payload ->> 'lotId'), seq);
CREATE INDEX audit_trail_model ON audit_trail ((payload -> 'model' ->> 'name'), seq);
CREATE INDEX audit_trail_corrects ON audit_trail (corrects_id) WHERE corrects_id IS NOT NULL;
COMMENT ON TABLE audit_trail IS 'Append-only, hash-chained audit trail of every decision and every model change (21 CFR Part 11 style). UPDATE, DELETE and TRUNCATE are refused by triggers; the application role has INSERT and SELECT only. Corrections are new rows (action audit.correction) linked by corrects_id.';
COMMENT ON COLUMN audit_trail.seq IS 'Position in the chain: 1, 2, 3… with no gaps, assigned by the insert trigger under a transaction lock (not a sequence, whose values rolled-back transactions would skip).';
COMMENT ON COLUMN audit_trail.id IS 'Entry id (uuid), what corrections reference.';
COMMENT ON COLUMN audit_trail.actor_id IS 'Who did it: the principal (API key name) or a system component (e.g. gateway:startup).';
COMMENT ON COLUMN audit_trail.actor_role IS 'Role of the actor at the time: station, mlops, auditor, admin or system.';
COMMENT ON COLUMN audit_trail.action IS 'What happened, dotted: inspection.decided, model.loaded, model.unloaded, model.pinned, feedback.recorded, audit.correction…';
COMMENT ON COLUMN audit_trail.entity_type IS 'Kind of thing acted on: inspection, model, feedback, job, audit_entry.';
COMMENT ON COLUMN audit_trail.entity_id IS 'Id of the thing acted on (inspection id, model name[:version]…).';
COMMENT ON COLUMN audit_trail.reason IS 'Why; required (non-blank) for every action except inspection.decided.';
COMMENT ON COLUMN audit_trail.corrects_id IS 'For audit.correction: the entry this one corrects. The corrected entry itself is never changed.';
COMMENT ON COLUMN audit_trail.payload IS 'Facts of the action. For decisions: input SHA-256, object key, model name + version + config hash, preprocessing spec, raw scores, thresholds, decision.';
COMMENT ON COLUMN audit_trail.recorded_at IS 'Database clock (clock_timestamp()) when the entry was chained; set by the insert trigger, never by the application.';
COMMENT ON COLUMN audit_trail.prev_hash IS 'row_hash of the entry at seq - 1 (64 zeros for seq 1).';
COMMENT ON COLUMN audit_trail.row_hash IS 'SHA-256 (hex) of audit_row_canonical(...) of this row: seq, id, actor, role, action, entity, reason, corrects_id, canonical payload, recorded_at (UTC, microseconds), prev_hash.';

CREATE TABLE audit_checkpoints (
  seq        bigint PRIMARY KEY REFERENCES audit_trail (seq),
  row_hash   text NOT NULL CHECK (row_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE audit_checkpoints IS 'Periodic checkpoints of the audit chain (every N entries): the seq and row_hash at that point, for export to a place the database administrator cannot rewrite. Append-only like audit_trail.';
COMMENT ON COLUMN audit_checkpoints.seq IS 'The audit_trail.seq the checkpoint covers (the chain up to and including it).';
COMMENT ON COLUMN audit_checkpoints.row_hash IS 'audit_trail.row_hash at that seq when the checkpoint was written.';
COMMENT ON COLUMN audit_checkpoints.created_at IS 'When the checkpoint was written, database clock.';

-- Canonical JSON of a jsonb value: object keys sorted by code point (COLLATE "C" on UTF-8), no whitespace,
-- strings escaped as JSON, numbers exactly as jsonb prints them. Mirrored in services/gateway/src/records/
-- audit-canonical.ts, which the verifier uses to recompute hashes independently of these functions.
CREATE FUNCTION audit_canonical_json(value jsonb) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
  CASE jsonb_typeof(value)
    WHEN 'object' THEN
      RETURN '{' || coalesce((
        SELECT string_agg(to_json(k)::text || ':' || audit_canonical_json(value -> k), ',' ORDER BY k COLLATE "C")
        FROM jsonb_object_keys(value) AS k), '') || '}';
    WHEN 'array' THEN
      RETURN '[' || coalesce((
        SELECT string_agg(audit_canonical_json(e), ',' ORDER BY i)
        FROM jsonb_array_elements(value) WITH ORDINALITY AS t (e, i)), '') || ']';
    ELSE
      RETURN value::text;
  END CASE;
END
$$;
COMMENT ON FUNCTION audit_canonical_json(jsonb) IS 'Canonical JSON text of a jsonb value (sorted keys, no whitespace), for the audit hash.';

-- The canonical encoding of one audit row: a JSON array, versioned by its first element.
CREATE FUNCTION audit_row_canonical(
  seq bigint, id uuid, actor_id text, actor_role text, action text, entity_type text, entity_id text,
  reason text, corrects_id uuid, payload jsonb, recorded_at timestamptz, prev_hash text
) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT '[' || concat_ws(',',
    '"audit-v1"',
    seq::text,
    to_json(id::text)::text,
    to_json(actor_id)::text,
    to_json(actor_role)::text,
    to_json(action)::text,
    to_json(entity_type)::text,
    to_json(entity_id)::text,
    coalesce(to_json(reason)::text, 'null'),
    coalesce(to_json(corrects_id::text)::text, 'null'),
    audit_canonical_json(payload),
    to_json(to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text,
    to_json(prev_hash)::text
  ) || ']'
$$;
COMMENT ON FUNCTION audit_row_canonical(bigint, uuid, text, text, text, text, text, text, uuid, jsonb, timestamptz, text) IS 'Canonical encoding (audit-v1) of an audit row; row_hash is the SHA-256 of its UTF-8 bytes.';

-- Chains a new row: takes the chain lock (held to the end of the transaction, so writers queue and the head
-- cannot move underneath), reads the head, and sets seq, prev_hash, recorded_at and row_hash, whatever the
-- INSERT supplied for them. Needs READ COMMITTED (the default) so that it sees the head committed while it waited.
CREATE FUNCTION audit_trail_chain() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  head_seq  bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7346913311584001201);
  SELECT a.seq, a.row_hash INTO head_seq, head_hash FROM audit_trail a ORDER BY a.seq DESC LIMIT 1;
  NEW.seq := coalesce(head_seq, 0) + 1;
  NEW.prev_hash := coalesce(head_hash, repeat('0', 64));
  NEW.recorded_at := clock_timestamp();
  NEW.row_hash := encode(sha256(convert_to(audit_row_canonical(
    NEW.seq, NEW.id, NEW.actor_id, NEW.actor_role, NEW.action, NEW.entity_type, NEW.entity_id,
    NEW.reason, NEW.corrects_id, NEW.payload, NEW.recorded_at, NEW.prev_hash), 'UTF8')), 'hex');
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION audit_trail_chain() IS 'BEFORE INSERT on audit_trail: assigns seq (gapless), prev_hash, recorded_at (database clock) and row_hash under chain lock 7346913311584001201.';

CREATE FUNCTION audit_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING HINT = 'Corrections are new rows with action audit.correction, corrects_id and a reason.';
END
$$;
COMMENT ON FUNCTION audit_refuse_change() IS 'Raises on UPDATE, DELETE and TRUNCATE of the audit tables, whoever the user is.';

CREATE TRIGGER audit_trail_chain BEFORE INSERT ON audit_trail
  FOR EACH ROW EXECUTE FUNCTION audit_trail_chain();
CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON audit_trail
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
