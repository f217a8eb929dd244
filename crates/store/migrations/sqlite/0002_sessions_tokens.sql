-- Server-side sessions and API tokens: only a SHA-256 hash of each token is stored.

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- A mass-organisation officer's organisation.
ALTER TABLE users ADD COLUMN mass_org_id INTEGER REFERENCES mass_orgs (id);

-- Merges look units up by successor (and erasing demo data checks it).
CREATE INDEX units_successor ON units (successor_id);
