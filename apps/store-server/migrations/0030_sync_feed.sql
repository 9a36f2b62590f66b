-- Up Migration

-- The change feed reads `events` by seq. A bigserial hands out numbers before commit, so
-- seq 10 can commit after seq 11: a reader that moved past 11 would miss 10 forever. The
-- feed reader (src/sync/feed-reader.ts) therefore treats a missing number as "maybe still
-- being committed" until every transaction that was running when it saw the gap has ended.
-- That is only sound if a transaction holds its transaction id before it takes a number,
-- which this default guarantees (a transaction whose first write is the event would
-- otherwise take the number first).
CREATE FUNCTION till_next_event_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_current_xact_id();
  RETURN nextval('events_seq_seq'::regclass);
END;
$$;
ALTER TABLE events ALTER COLUMN seq SET DEFAULT till_next_event_seq();

-- Wakes the feed publisher at commit. NOTIFY serializes committing transactions on a
-- global lock (measured: about half the commit rate of small event-writing transactions
-- under 8 writers), so high-rate types do not notify: the publisher finds them by polling
-- every SYNC_POLL_MS, and they are coalesced to a few pushes a second anyway.
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('till_events', '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER events_notify
  AFTER INSERT ON events
  FOR EACH ROW
  WHEN (NEW.type !~ '^(stock|hold|sale|order|return|cash)\.')
  EXECUTE FUNCTION events_notify();

-- How far back catch-up by sequence can go: events up to pruned_through were deleted by
-- retention; a client behind that point gets a snapshot instead.
CREATE TABLE sync_retention (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  pruned_through  bigint NOT NULL DEFAULT 0 CHECK (pruned_through >= 0)
);
INSERT INTO sync_retention DEFAULT VALUES;

-- Down Migration
DROP TABLE sync_retention;
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify();
ALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('events_seq_seq'::regclass);
DROP FUNCTION till_next_event_seq();
