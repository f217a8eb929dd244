-- Encryption at rest (crates/store/src/keys.rs): people.details now holds the record sealed
-- with a data key kept outside the database, and the CCCD column holds only its keyed blind
-- index. Rows written before this are sealed by the application when it next migrates
-- (it needs the key, which SQL does not have).
ALTER TABLE people RENAME COLUMN citizen_id TO citizen_id_index;
-- Uploads waiting for review are kept sealed from now on; the few in flight (a day at most)
-- are dropped rather than kept in clear.
DELETE FROM import_uploads;

-- What a user typed into a search (a name, a CCCD), kept sealed under a random token for a
-- day, so that result pages, their pages and their exports are linked by the token and no
-- personal data ever stands in a URL.
CREATE TABLE saved_searches (
    token TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX saved_searches_created ON saved_searches (created_at);
