-- Up Migration
-- The review queue lists decisions of `review` (or `fail`) that nobody has labelled yet, oldest first: a partial
-- index keeps that cheap however many passes the table holds. Forward-only.

CREATE INDEX inspections_to_review ON inspections (created_at, id) WHERE decision IN ('review', 'fail');
