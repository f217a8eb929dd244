-- Failed sign-ins, wrong codes and wrong current passwords counted per key (an account,
-- a client address), in the database so every server process counts the same tries.
-- The key is a SHA-256 digest: no user name or address is kept in clear.
CREATE TABLE login_failures (
    key_hash TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    since TEXT NOT NULL
);
