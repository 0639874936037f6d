-- SIECLE's DATE_ENTREE and DATE_SORTIE: a pupil who arrived during the year, or left it.
-- NULL: there all year (what every earlier file held).
ALTER TABLE eleves ADD COLUMN date_entree TEXT;
ALTER TABLE eleves ADD COLUMN date_sortie TEXT;
