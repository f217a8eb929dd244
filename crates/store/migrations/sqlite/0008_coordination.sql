-- Work between organisations: nominations from mass organisations, transfers of a file to
-- another unit, and requests between units. Personal details travel sealed (store::keys).

CREATE TABLE nominations (
    id INTEGER PRIMARY KEY,
    mass_org_id INTEGER NOT NULL REFERENCES mass_orgs (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    -- Sealed JSON: the person's details and the reasons; erased after a decline's retention.
    body TEXT NOT NULL,
    resolution_number TEXT NOT NULL,
    resolution_date TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decline_reason TEXT,
    case_id INTEGER REFERENCES cases (id),
    erased_at TEXT
);
CREATE INDEX nominations_org ON nominations (mass_org_id, submitted_at);
CREATE INDEX nominations_unit ON nominations (unit_id, status);

CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    from_cell INTEGER NOT NULL REFERENCES units (id),
    to_cell INTEGER NOT NULL REFERENCES units (id),
    common_parent INTEGER REFERENCES units (id),
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    started_on TEXT NOT NULL,
    escalates_on TEXT,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_on TEXT,
    decline_reason TEXT
);
CREATE UNIQUE INDEX transfers_one_pending ON transfers (case_id) WHERE status = 'pending';
CREATE INDEX transfers_from ON transfers (from_cell, status);
CREATE INDEX transfers_to ON transfers (to_cell, status);

CREATE TABLE unit_requests (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    from_unit INTEGER NOT NULL REFERENCES units (id),
    -- NULL when the unit is not on ketnap and gets a printed letter (letter_to).
    to_unit INTEGER REFERENCES units (id),
    letter_to TEXT,
    -- Sealed JSON: whom to verify and what is asked; later the answer and who gave it.
    body TEXT NOT NULL,
    answer TEXT,
    sent_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    sent_by TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    status TEXT NOT NULL,
    answered_on TEXT,
    answered_by TEXT
);
CREATE INDEX unit_requests_case ON unit_requests (case_id);
CREATE INDEX unit_requests_to ON unit_requests (to_unit, status);
CREATE INDEX unit_requests_from ON unit_requests (from_unit, status);
