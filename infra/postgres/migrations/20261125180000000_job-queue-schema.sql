-- Up Migration
-- The schema of the batch-job queue (pg-boss; see services/gateway/src/jobs/job-queue.ts). pg-boss creates and
-- migrates its own tables in it when the gateway starts, under its own advisory lock; this migration only makes
-- sure the schema exists and that the application role may create and use those tables, so the gateway can run
-- as a member of gateway_app. Forward-only. Never edit this file after it has landed.

CREATE SCHEMA IF NOT EXISTS pgboss;
COMMENT ON SCHEMA pgboss IS 'pg-boss work queue of batch jobs (one message per job item); managed by pg-boss itself. Queue state only: the records of a job are in jobs and inspection_items.';
GRANT USAGE, CREATE ON SCHEMA pgboss TO gateway_app;
