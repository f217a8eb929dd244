-- A tamper-evident audit log. Each row carries the SHA-256 of its fields chained to the
-- hash of the row before it; `audit_head` holds the last hash, and every writer takes its
-- row first, so rows are chained in the order they are written. `ketnap audit verify`
-- recomputes the chain. Rows written before this migration are sealed once, in id order,
-- when the store opens (an update of a row without a hash is the only update allowed).
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, hash) VALUES (1, '');
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
