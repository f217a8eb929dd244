-- Spreadsheets uploaded for import, kept between the upload, the review of columns and
-- decisions, and the confirmation: in the database, so that any server process can take
-- the next step. Deleted once written, and after a day in any case.
CREATE TABLE import_uploads (
    token TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    kind TEXT NOT NULL,
    content BYTEA NOT NULL,
    -- The user's column corrections and decisions, as JSON.
    choices TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
