-- Plans, targets and reports. The PostgreSQL file of the same version has the same tables
-- and columns; only types differ.

-- The cell a case was in when the event happened: reports attribute events to it, so a
-- merge (which moves open cases) or a transfer does not change past numbers. Events before
-- this migration take the case's cell at the time of the migration.
ALTER TABLE case_events ADD COLUMN cell_id INTEGER REFERENCES units (id);
UPDATE case_events SET cell_id = (SELECT cases.cell_id FROM cases WHERE cases.id = case_events.case_id);
-- Reports count events of one action in a period, grouped by cell: the index covers them.
CREATE INDEX case_events_action_day ON case_events (action, occurred_on, cell_id, case_id, stage_after);
-- The funnel's days between steps and the pipeline look a case's other events up by action.
CREATE INDEX case_events_case_action ON case_events (case_id, action, occurred_on, stage_after, cell_id);
-- The funnel's first step counts cases identified in a period.
CREATE INDEX cases_identified ON cases (identified_on, cell_id);
-- Members known from the cases: ceremony held by a day.
CREATE INDEX cases_ceremony ON cases (ceremony_on, closed_on);

ALTER TABLE headcounts ADD COLUMN workforce INTEGER;
ALTER TABLE headcounts ADD COLUMN youth_union_members INTEGER;
ALTER TABLE headcounts ADD COLUMN trade_union_members INTEGER;
ALTER TABLE headcounts ADD COLUMN recorded_by TEXT;
ALTER TABLE headcounts ADD COLUMN recorded_at TEXT;

-- Yearly targets: sector '' is the unit's overall target, else a sector code; subgroup ''
-- or, for education, 'teachers' / 'students'.
CREATE TABLE targets (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    sector TEXT NOT NULL,
    subgroup TEXT NOT NULL,
    target INTEGER NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, sector, subgroup)
);

-- Term plans (kế hoạch nhiệm kỳ), e.g. 2025–2030.
CREATE TABLE term_plans (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    first_year INTEGER NOT NULL,
    last_year INTEGER NOT NULL,
    target_total INTEGER NOT NULL,
    note TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    UNIQUE (unit_id, first_year, last_year)
);
