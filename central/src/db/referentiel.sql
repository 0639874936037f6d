-- The reference data's moves in the log (`pupitre_domain::referentiel`): a re-import's changes,
-- each at its sequence of the one log (the changes' own sequence: a cursor covers both), for
-- one audience: `etablissement` (the whole-school replicas) or `personnel:<id>` (one teacher's
-- replicas, whose view is her own).
CREATE TABLE referentiel (
    server_seq INTEGER PRIMARY KEY, audience TEXT NOT NULL, mouvement TEXT NOT NULL
);
CREATE INDEX referentiel_audience ON referentiel(audience, server_seq);
