-- A séance taught by a substitute (remplaçant): who teaches it, when not the service's teacher.
-- She takes its roll call; the service's teacher does not.
ALTER TABLE seances ADD COLUMN remplacant_id TEXT REFERENCES personnels(id);
CREATE INDEX seances_remplacant ON seances(remplacant_id);
