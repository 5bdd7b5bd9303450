-- Up Migration
-- Per-key publish order that holds whatever order concurrent writers commit in. The relay publishes in id
-- order; before this migration an id was drawn when the row was built, so two transactions writing events of
-- one key could draw ids 100 and 101 and commit 101 first, and the relay would publish 101 before 100 was
-- visible. Now every insert first takes a transaction-level advisory lock on its key (class 7346913, the key's
-- hashtext) and only then draws its id: a second writer of the same key waits for the first one's COMMIT or
-- ROLLBACK, so within a key id order is commit order. Writers of different keys do not wait for each other
-- (two keys with the same hash merely share a lock). The column loses its default (a default is evaluated
-- before BEFORE triggers run, too early); the trigger assigns every id, whatever the INSERT supplied, and a row
-- that reached the table without it would fail NOT NULL. Forward-only. Never edit this file after it has landed.

CREATE FUNCTION outbox_key_order() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7346913, hashtext(NEW.key));
  NEW.id := nextval('outbox_id_seq');
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION outbox_key_order() IS 'BEFORE INSERT on outbox: takes the key''s lock (class 7346913, hashtext(key)) until the end of the transaction, then draws the id, so per key id order is commit order.';

CREATE TRIGGER outbox_key_order BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_key_order();

ALTER TABLE outbox ALTER COLUMN id DROP DEFAULT;
COMMENT ON COLUMN outbox.id IS 'Publish order: drawn from outbox_id_seq by trigger outbox_key_order after the key''s lock is taken.';
