-- A large scope's page of one stage (a city's probationary members) can walk the stage's
-- cases in name order and stop at the page's last, instead of sorting every case of the
-- scope at that stage. SQLite keeps no statistics to tell a city from a ward, and would
-- take a plain (stage, …) index for a ward too and walk the country's cases at that stage.
-- So the index is on an expression that no other query writes: only the list's walk,
-- chosen when the report model's tally says the scope holds enough of the stage, writes
-- `(c.stage || '') = …` and names the index. cell_id and stage make it covering.
CREATE INDEX cases_stage_order ON cases ((stage || ''), name_order, id, cell_id, stage);
