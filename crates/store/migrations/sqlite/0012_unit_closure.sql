-- Every unit with each unit above it (and itself): a subtree is one index range
-- (`ancestor_id = root`) instead of a recursive walk down the tree on every query, which
-- took 218 ms for the whole country's 150,671 units. Kept by triggers, so every way a unit
-- is added or moved (forms, imports, merges, bulk loads) keeps it.
CREATE TABLE unit_closure (
    ancestor_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    PRIMARY KEY (ancestor_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX unit_closure_unit ON unit_closure (unit_id);

INSERT INTO unit_closure (ancestor_id, unit_id)
WITH RECURSIVE up (unit_id, ancestor_id) AS (
    SELECT id, id FROM units
    UNION
    SELECT up.unit_id, u.parent_id FROM up JOIN units u ON u.id = up.ancestor_id
    WHERE u.parent_id IS NOT NULL
)
SELECT ancestor_id, unit_id FROM up;

CREATE TRIGGER unit_closure_insert AFTER INSERT ON units
BEGIN
    INSERT INTO unit_closure (ancestor_id, unit_id)
    SELECT ancestor_id, NEW.id FROM unit_closure WHERE unit_id = NEW.parent_id
    UNION SELECT NEW.id, NEW.id;
END;

-- A unit moved under another parent takes its subtree along: the links from the subtree to
-- the old ancestors go, the links to the new ones come.
CREATE TRIGGER unit_closure_move AFTER UPDATE OF parent_id ON units
WHEN OLD.parent_id IS NOT NEW.parent_id
BEGIN
    DELETE FROM unit_closure
    WHERE unit_id IN (SELECT unit_id FROM unit_closure WHERE ancestor_id = NEW.id)
      AND ancestor_id NOT IN (SELECT unit_id FROM unit_closure WHERE ancestor_id = NEW.id);
    INSERT INTO unit_closure (ancestor_id, unit_id)
    SELECT a.ancestor_id, d.unit_id FROM unit_closure a, unit_closure d
    WHERE a.unit_id = NEW.parent_id AND d.ancestor_id = NEW.id;
END;
