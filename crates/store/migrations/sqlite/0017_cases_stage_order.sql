-- A large scope's page of one stage (a city's probationary members) can walk the stage's
-- cases in name order and stop at the page's last, instead of sorting every case of the
-- scope at that stage. SQLite keeps no statistics to tell a city from a ward, so the list
-- names this index (INDEXED BY) when the report model's tally says the scope holds enough
-- of the stage. cell_id makes it covering: the scope is checked without reading the row.
CREATE INDEX cases_stage_order ON cases (stage, name_order, id, cell_id);
