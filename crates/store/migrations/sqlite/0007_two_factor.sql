-- Second factor (TOTP, RFC 6238), half-sessions, re-authentication and sessions an
-- administrator can name.

-- An account's enrolled TOTP secret (base32) and the last time step a code was accepted
-- for: a code of that step or an earlier one is refused (no replay).
CREATE TABLE two_factor (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    last_step INTEGER NOT NULL
);

-- Sessions get a row id an administrator's page can name instead of the token, and a
-- stage. Every session open before this ends: none of them proved a second factor.
DROP TABLE sessions;
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- NULL once signed in; 'code' (password right, the code awaited) or 'enrol' (password
    -- right, a second factor must be set up first): such a half-session opens no page.
    pending TEXT,
    -- A secret shown on an enrolment page, kept for the account only once a code from it
    -- is right.
    totp_candidate TEXT,
    -- When the password (and the code) were last entered again, for bulk exports.
    reauth_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
