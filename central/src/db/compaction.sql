-- Compaction (GUIDE §3, issue 3 §8). Each change records when it arrived (what the retention
-- goes by) and whether it erases its field (a tombstone: kept until it expires, so that no
-- replica still holding the old value can bring it back). Changes from before this migration
-- count as old and as non-erasing: an unflagged erasure is simply kept for good.
ALTER TABLE changes ADD COLUMN received_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE changes ADD COLUMN erases INTEGER NOT NULL DEFAULT 0;
-- The log holds every change after `compacted_through`; at or before it, only the changes that
-- still stand (current values, conflicts and their resolutions). A replica whose cursor is
-- below it rebases on a snapshot.
CREATE TABLE log_horizon (
    id INTEGER PRIMARY KEY CHECK (id = 1), compacted_through INTEGER NOT NULL
);
INSERT INTO log_horizon (id, compacted_through) VALUES (1, 0);
