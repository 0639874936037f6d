-- Causality and restores (issue 10). Each change keeps its dot (client, client sequence), the own
-- edit its author saw, and, for a change resent after the central was restored, the sequence it
-- had before (what other replicas name as their base).
ALTER TABLE changes ADD COLUMN client_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE changes ADD COLUMN base_own INTEGER;
ALTER TABLE changes ADD COLUMN base_op TEXT;
ALTER TABLE changes ADD COLUMN prior_seq INTEGER;
-- A retry is answered what the first delivery was: the outcome and its reason.
ALTER TABLE client_ops ADD COLUMN outcome TEXT;
ALTER TABLE client_ops ADD COLUMN reason TEXT;
-- The epoch in which each client last pushed: its first push in a new epoch may restart its
-- sequence where its replica still has changes (the ones in between were refused).
ALTER TABLE clients ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;
-- The log's identity: an id given at creation and an epoch that each restore moves on. Every
-- sequence given before the last restore is at most `restore_floor`; sequences after it start
-- above it, so that no number is given twice. `durable_through`: the head of the latest backup
-- (replicas keep their acknowledged changes until it covers them).
CREATE TABLE log_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1), log_id TEXT NOT NULL, epoch INTEGER NOT NULL,
    restore_floor INTEGER NOT NULL, durable_through INTEGER NOT NULL
);
INSERT INTO log_identity (id, log_id, epoch, restore_floor, durable_through)
VALUES (1, lower(hex(randomblob(16))), 1, 0, 0);
