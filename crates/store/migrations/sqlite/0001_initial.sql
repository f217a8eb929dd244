-- ketnap schema, SQLite flavour. The PostgreSQL file of the same version has the same
-- tables and columns; only types differ. Dates are ISO text (YYYY-MM-DD), times RFC 3339 UTC.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sectors (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);

INSERT INTO sectors (code, name, position) VALUES
    ('education', 'Giáo dục (trường học, đại học)', 1),
    ('health', 'Y tế', 2),
    ('press', 'Báo chí, truyền thông', 3),
    ('state_enterprise', 'Doanh nghiệp nhà nước', 4),
    ('non_state_enterprise', 'Doanh nghiệp ngoài khu vực nhà nước', 5),
    ('public_administration', 'Cơ quan hành chính, đơn vị sự nghiệp', 6),
    ('armed_forces', 'Lực lượng vũ trang', 7),
    ('residential', 'Khu dân cư', 8),
    ('other', 'Khác', 9);

CREATE TABLE mass_org_kinds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);

INSERT INTO mass_org_kinds (code, name, position) VALUES
    ('youth_union', 'Đoàn TNCS Hồ Chí Minh', 1),
    ('trade_union', 'Công đoàn', 2),
    ('womens_union', 'Hội Liên hiệp Phụ nữ', 3),
    ('veterans', 'Hội Cựu chiến binh', 4),
    ('farmers', 'Hội Nông dân', 5),
    ('fatherland_front', 'Mặt trận Tổ quốc', 6);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES units (id),
    sector TEXT NOT NULL REFERENCES sectors (code),
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    successor_id INTEGER REFERENCES units (id)
);
CREATE UNIQUE INDEX units_active_code ON units (code) WHERE code IS NOT NULL AND valid_until IS NULL;
CREATE INDEX units_parent ON units (parent_id);

-- Earlier names of a unit, each with the day it stopped being used.
CREATE TABLE unit_names (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    name TEXT NOT NULL,
    used_until TEXT NOT NULL,
    PRIMARY KEY (unit_id, used_until)
);

CREATE TABLE headcounts (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    as_of TEXT NOT NULL,
    official_members INTEGER NOT NULL,
    probationary_members INTEGER NOT NULL,
    PRIMARY KEY (unit_id, as_of)
);

CREATE TABLE mass_orgs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL REFERENCES mass_org_kinds (code),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    name TEXT NOT NULL
);
CREATE INDEX mass_orgs_unit ON mass_orgs (unit_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    family_name TEXT NOT NULL,
    middle_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    search_key TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    citizen_id TEXT,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX people_citizen_id ON people (citizen_id) WHERE citizen_id IS NOT NULL;
CREATE INDEX people_search_key ON people (search_key);

-- Names and dates of birth a person had before an official change.
CREATE TABLE person_identity_history (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    family_name TEXT NOT NULL,
    middle_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    changed_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX person_identity_history_person ON person_identity_history (person_id);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    cell_id INTEGER NOT NULL REFERENCES units (id),
    stage TEXT NOT NULL,
    nominated_by INTEGER REFERENCES mass_orgs (id),
    identified_on TEXT NOT NULL,
    decided_on TEXT,
    ceremony_on TEXT,
    official_on TEXT,
    closed_on TEXT,
    body TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_cell_stage ON cases (cell_id, stage);
CREATE INDEX cases_person ON cases (person_id);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    action TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    stage_before TEXT NOT NULL,
    stage_after TEXT NOT NULL,
    summary TEXT NOT NULL,
    document_number TEXT,
    document_date TEXT,
    actor TEXT NOT NULL,
    rule_set TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    organiser TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL
);

CREATE TABLE course_participants (
    course_id INTEGER NOT NULL REFERENCES courses (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    result TEXT NOT NULL,
    certificate_number TEXT NOT NULL,
    PRIMARY KEY (course_id, person_id)
);

-- Rule sets an administrator loaded; the shipped ones live in the binary.
CREATE TABLE rule_sets (
    id INTEGER PRIMARY KEY,
    rule_set_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    UNIQUE (rule_set_id, version)
);

-- The government's announced holidays and swapped working days, one TOML body a year.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    -- 0 or 1: one integer type decodes the same on both backends.
    disabled INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    request_id TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
