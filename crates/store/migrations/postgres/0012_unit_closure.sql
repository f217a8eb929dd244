-- Every unit with each unit above it (and itself): a subtree is one index range
-- (`ancestor_id = root`) instead of a recursive walk down the tree on every query. Kept by
-- triggers, so every way a unit is added or moved (forms, imports, merges, bulk loads)
-- keeps it. (See the SQLite migration of the same number.)
CREATE TABLE unit_closure (
    ancestor_id BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    PRIMARY KEY (ancestor_id, unit_id)
);
CREATE INDEX unit_closure_unit ON unit_closure (unit_id);

INSERT INTO unit_closure (ancestor_id, unit_id)
WITH RECURSIVE up (unit_id, ancestor_id) AS (
    SELECT id, id FROM units
    UNION
    SELECT up.unit_id, u.parent_id FROM up JOIN units u ON u.id = up.ancestor_id
    WHERE u.parent_id IS NOT NULL
)
SELECT ancestor_id, unit_id FROM up;

CREATE FUNCTION unit_closure_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_closure (ancestor_id, unit_id)
    SELECT ancestor_id, NEW.id FROM unit_closure WHERE unit_id = NEW.parent_id
    UNION SELECT NEW.id, NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER unit_closure_insert AFTER INSERT ON units
FOR EACH ROW EXECUTE FUNCTION unit_closure_insert();

-- A unit moved under another parent takes its subtree along.
CREATE FUNCTION unit_closure_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM unit_closure
    WHERE unit_id IN (SELECT unit_id FROM unit_closure WHERE ancestor_id = NEW.id)
      AND ancestor_id NOT IN (SELECT unit_id FROM unit_closure WHERE ancestor_id = NEW.id);
    INSERT INTO unit_closure (ancestor_id, unit_id)
    SELECT a.ancestor_id, d.unit_id FROM unit_closure a, unit_closure d
    WHERE a.unit_id = NEW.parent_id AND d.ancestor_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER unit_closure_move AFTER UPDATE OF parent_id ON units
FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
EXECUTE FUNCTION unit_closure_move();
