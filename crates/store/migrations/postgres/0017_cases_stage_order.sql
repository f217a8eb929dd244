-- The stage-first index of 0016, covering as on SQLite: a large scope's page of one stage
-- checks each case's cell against the scope without reading the row.
DROP INDEX IF EXISTS cases_stage_order;
CREATE INDEX cases_stage_order ON cases (stage, name_order, id, cell_id);
