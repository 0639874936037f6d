-- Who this replica belongs to and where its sync stands (client id, cursor, clock, sequence).
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
