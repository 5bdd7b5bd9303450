-- Up Migration
-- The application role. The migrations run as the schema owner; the gateway's requests run as a LOGIN role
-- that is a member of gateway_app (see docs/adr/0004-audit-trail.md), which cannot UPDATE, DELETE or TRUNCATE
-- the audit tables nor alter or disable their triggers. Creating the role needs CREATEROLE; where the migrating
-- user lacks it, a DBA creates gateway_app (NOLOGIN) first. Forward-only. Never edit this file after it has landed.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gateway_app') THEN
    CREATE ROLE gateway_app NOLOGIN;
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO gateway_app', current_schema());
END
$$;

REVOKE ALL ON audit_trail, audit_checkpoints, inspections, inspection_items, jobs, outbox, feedback FROM PUBLIC;
GRANT SELECT, INSERT ON audit_trail, audit_checkpoints TO gateway_app;
GRANT SELECT, INSERT ON inspections, feedback TO gateway_app;
GRANT SELECT, INSERT, UPDATE ON jobs, inspection_items TO gateway_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO gateway_app;
GRANT USAGE, SELECT ON SEQUENCE outbox_id_seq TO gateway_app;
