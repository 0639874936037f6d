-- A school's averages read every mark of the year: this index covers that read (kind, field, id
-- and value), so that it never reaches the table's rows.
CREATE INDEX fields_values ON fields(kind, field, entity_id, value);
