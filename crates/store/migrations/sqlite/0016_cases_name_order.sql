-- Each case keeps its person's sort key (people.name_order), so that a list of cases is
-- sorted and paged from one index of `cases` without reading a person row per case (a
-- city's 17,840 probationary members took 23 ms of people rows for one page of 50).
-- Bulk loads write it with the case; the triggers fill it for any other insert and follow
-- the person's key when it changes.
ALTER TABLE cases ADD COLUMN name_order BLOB;
UPDATE cases SET name_order = (SELECT name_order FROM people WHERE people.id = cases.person_id);

CREATE TRIGGER cases_name_order_insert AFTER INSERT ON cases WHEN NEW.name_order IS NULL
BEGIN
    UPDATE cases SET name_order = (SELECT name_order FROM people WHERE id = NEW.person_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER people_name_order_update AFTER UPDATE OF name_order ON people
WHEN NEW.name_order IS NOT OLD.name_order
BEGIN
    UPDATE cases SET name_order = NEW.name_order WHERE person_id = NEW.id;
END;

-- Covers the list's filters by cell and stage, its count and its order.
-- IF EXISTS: a load cut short leaves it set aside until the start after migrating.
DROP INDEX IF EXISTS cases_cell_stage;
CREATE INDEX cases_cell_stage_order ON cases (cell_id, stage, name_order);
