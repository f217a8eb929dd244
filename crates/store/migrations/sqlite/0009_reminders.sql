-- The daily reminder (crates/store/src/reminders.rs, docs/OPERATIONS.md).

-- A day's run of a job: the process whose INSERT succeeds runs it; one that died (not
-- finished, started longer ago than the lease) may be taken over by a conditional UPDATE.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    day TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (job, day)
);

-- The in-application inbox: one row per account, day and item; a repeated run inserts
-- nothing twice. The body names cases by number, never a person.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    item_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- 0 or 1: overdue long enough to be put before the unit above.
    escalated INTEGER NOT NULL,
    -- No foreign key: a demo reset empties cases before the accounts (and their notices).
    case_id INTEGER,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    UNIQUE (user_id, day, item_key)
);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

-- One digest mail per account and day. Sent at most once: claimed (claimed_at) before it
-- is handed to the SMTP server, marked sent after; a claim never followed by sent_at (a
-- crash in between) is not sent again but shown as unsent. An SMTP refusal that is known
-- not to have delivered releases the claim with the error, for the next run to retry.
CREATE TABLE mail_outbox (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    error TEXT,
    PRIMARY KEY (user_id, day)
);

-- Where an account's digest is mailed; none: the inbox only.
ALTER TABLE users ADD COLUMN email TEXT;
