-- A teacher's replica of an earlier release held its pupils' INE and birth dates: they leave it
-- (only a replica of the whole school, the vie scolaire's or the direction's, keeps them).
DELETE FROM eleve_etats_civils
WHERE COALESCE((SELECT json_extract(value, '$.type') FROM meta WHERE key = 'scope'), '')
    <> 'etablissement';
