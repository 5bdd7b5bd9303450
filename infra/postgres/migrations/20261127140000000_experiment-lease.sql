-- Up Migration
-- A replay is held by the gateway running it through a lease that it renews while it runs. A gateway that stops
-- hands its replays back; one that dies lets the lease run out. Either way another gateway (or the same one,
-- restarted) takes the replay over and goes on with the items not yet compared. Forward-only.

ALTER TABLE experiments ADD COLUMN runner text, ADD COLUMN lease_until timestamptz;
COMMENT ON COLUMN experiments.runner IS 'Replays: the gateway process running it (host, pid and a random tag); null once handed back.';
COMMENT ON COLUMN experiments.lease_until IS 'Replays: until when the runner holds it (database clock); past or null on a running replay means any gateway may take it over.';

CREATE INDEX experiments_running_replays ON experiments (lease_until) WHERE kind = 'replay' AND status = 'running';
