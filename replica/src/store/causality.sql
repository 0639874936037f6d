-- Schema 3 (issue 10). What an edit overwrites: the central's version it saw (`base_version`)
-- and this PC's own unacknowledged edit of the field (`base_own`). After a restore of the
-- central, a resent change says at which sequence it had been acknowledged (`acked_as`).
ALTER TABLE outbox ADD COLUMN base_own INTEGER;
ALTER TABLE outbox ADD COLUMN base_op TEXT;
ALTER TABLE outbox ADD COLUMN acked_as INTEGER;
-- An unsent edit of a class the user lost: already listed as refused here, but still sent, so
-- that the central's sequence of this client has no gap (it refuses it in turn).
ALTER TABLE outbox ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
-- A refused edit sent again after the central was restored, only for its sequence number.
ALTER TABLE outbox ADD COLUMN void INTEGER NOT NULL DEFAULT 0;
-- Acknowledged changes, kept until a backup of the central holds them (`durable_through`):
-- if the central is restored from an older backup, they are resent.
CREATE TABLE acked (
    client_seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    base_version INTEGER NOT NULL, base_own INTEGER, base_op TEXT, hlc_wall INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL, resolves INTEGER, server_seq INTEGER NOT NULL
);
CREATE INDEX acked_server_seq ON acked(server_seq);
-- What became of this replica's entries when the central did not simply apply them, in French
-- for their author ("n'a pas été retenue : ...").
CREATE TABLE notices (
    client_seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, entity_id TEXT NOT NULL,
    field TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL, seance TEXT NOT NULL,
    eleve TEXT
);
-- The change the central's value comes from: what an edit names as the value it overwrites.
ALTER TABLE fields ADD COLUMN server_op TEXT;
