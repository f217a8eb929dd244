//! Bulk loading of a whole dataset (the demo city, or a generated country region by region),
//! many rows per statement, with one audit row for the load.

use chrono::NaiveDate;
use ketnap_domain::case::Case;
use ketnap_domain::course::{Course, Participant};
use ketnap_domain::ids::{CaseId, MassOrgId, UnitId};
use ketnap_domain::person::{Person, PersonDetails};
use ketnap_domain::ports::{Change, StoreError, StoreResult};
use ketnap_domain::unit::Unit;
use ketnap_domain::workflow::Event;
use sqlx::{Any, Transaction};

use crate::audit::{self, Audit};
use crate::keys::{DataKeys, citizen_index_of, seal_details};
use crate::people::{name_order, person_columns};
use crate::{Backend, Store, backend_error, iso_date, to_json};

/// Rows to load, with ids chosen by the caller (they must not be in use).
#[derive(Debug, Default)]
pub struct Dataset {
    /// Parents before children.
    pub units: Vec<Unit>,
    pub headcounts: Vec<Headcount>,
    pub mass_orgs: Vec<MassOrg>,
    pub people: Vec<Person>,
    pub cases: Vec<Case>,
    pub events: Vec<(CaseId, Event)>,
    /// Classes (awareness, new-member) with their participants; certificates on the cases
    /// point at these ids.
    pub courses: Vec<(Course, Vec<Participant>)>,
}

#[derive(Debug, Clone)]
pub struct Headcount {
    pub unit: UnitId,
    pub as_of: NaiveDate,
    pub official_members: i64,
    pub probationary_members: i64,
    /// Workforce or residents, Youth Union and Trade Union members, when known.
    pub workforce: Option<i64>,
    pub youth_union_members: Option<i64>,
    pub trade_union_members: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct MassOrg {
    pub id: MassOrgId,
    pub kind: &'static str,
    pub unit: UnitId,
    pub name: String,
}

impl Dataset {
    /// Adds a headcount row. (`Headcount` and `MassOrg` are not re-exported from the crate
    /// root, so callers outside the crate add rows through these two methods.)
    pub fn push_headcount(
        &mut self,
        unit: UnitId,
        as_of: NaiveDate,
        official_members: i64,
        probationary_members: i64,
    ) {
        self.headcounts.push(Headcount {
            unit,
            as_of,
            official_members,
            probationary_members,
            workforce: None,
            youth_union_members: None,
            trade_union_members: None,
        });
    }

    /// Adds the workforce and union counts to the latest headcount row pushed for `unit`.
    pub fn set_headcount_extras(
        &mut self,
        unit: UnitId,
        workforce: Option<i64>,
        youth_union_members: Option<i64>,
        trade_union_members: Option<i64>,
    ) {
        if let Some(row) = self.headcounts.iter_mut().rev().find(|h| h.unit == unit) {
            row.workforce = workforce;
            row.youth_union_members = youth_union_members;
            row.trade_union_members = trade_union_members;
        }
    }

    /// Adds a mass organisation; `kind` is a code of the `mass_org_kinds` table.
    pub fn push_mass_org(&mut self, id: MassOrgId, kind: &'static str, unit: UnitId, name: String) {
        self.mass_orgs.push(MassOrg {
            id,
            kind,
            unit,
            name,
        });
    }
}

/// One bound value of a bulk insert.
pub(crate) enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

pub(crate) fn int(value: i64) -> Cell {
    Cell::Int(Some(value))
}

pub(crate) fn text(value: impl Into<String>) -> Cell {
    Cell::Text(Some(value.into()))
}

/// The columns `person_cells` fills, in order.
pub(crate) const PEOPLE_INSERT: &str = "INSERT INTO people (id, family_name, middle_name, given_name, search_key, birth_date, sex, citizen_id_index, details, created_at, name_order, version)";

/// The columns `case_cells` fills, in order.
pub(crate) const CASES_INSERT: &str = "INSERT INTO cases (id, person_id, cell_id, stage, nominated_by, identified_on, decided_on, ceremony_on, official_on, closed_on, body, version, updated_at, name_order)";

/// A person's row of `people`, the record sealed with `keys`; `order` is the name's
/// sort key (`people::name_order`), made once for the person and their cases.
pub(crate) fn person_cells(
    keys: &DataKeys,
    id: i64,
    details: &PersonDetails,
    created: &str,
    order: Vec<u8>,
) -> StoreResult<Vec<Cell>> {
    let [family, middle, given, key, birth, sex] = person_columns(details);
    Ok(vec![
        int(id),
        text(family),
        text(middle),
        text(given),
        text(key),
        text(birth),
        text(sex),
        Cell::Text(citizen_index_of(keys, details)?),
        text(seal_details(keys, details)?),
        text(created),
        Cell::Bytes(Some(order)),
        int(1),
    ])
}

/// A case's row of `cases`, with its person's sort key when known (else a trigger copies
/// it from `people`).
pub(crate) fn case_cells(
    case: &Case,
    created: &str,
    order: Option<Vec<u8>>,
) -> StoreResult<Vec<Cell>> {
    Ok(vec![
        int(case.id.0),
        int(case.person.0),
        int(case.cell.0),
        text(case.stage.code()),
        Cell::Int(case.nominated_by.map(|m| m.0)),
        text(iso_date(case.identified_on)),
        Cell::Text(case.party_age_from().map(iso_date)),
        Cell::Text(case.ceremony_on.map(iso_date)),
        Cell::Text(case.official_on.map(iso_date)),
        Cell::Text(case.exit.as_ref().map(|e| iso_date(e.on))),
        text(to_json(case)?),
        int(1),
        text(created),
        Cell::Bytes(order),
    ])
}

/// An event's row of `case_events`: it happened in its case's cell.
pub(crate) fn event_cells(case: &Case, e: &Event) -> Vec<Cell> {
    vec![
        int(case.id.0),
        int(case.cell.0),
        text(&e.action),
        text(iso_date(e.on)),
        text(e.stage_before.code()),
        text(e.stage_after.code()),
        text(&e.summary),
        Cell::Text(e.document.as_ref().map(|d| d.number.clone())),
        Cell::Text(e.document.as_ref().map(|d| iso_date(d.dated))),
        text(&e.actor),
        text(&e.rule_set),
        text(crate::timestamp(e.recorded_at)),
    ]
}

/// Tables a dataset fills, children first: the order to empty them in. The audit log is
/// kept: the erase is itself a change, and readers of the log (the report model) follow it.
const TABLES: [&str; 21] = [
    // A reset demo is a new city: today's reminders are due again.
    "job_runs",
    "targets",
    "term_plans",
    "unit_requests",
    "transfers",
    "nominations",
    "case_events",
    "course_participants",
    "courses",
    "cases",
    "person_identity_history",
    "people",
    "mass_orgs",
    "headcounts",
    "users",
    "unit_names",
    "unit_closure",
    "units",
    "rule_sets",
    "calendar_years",
    "meta",
];

/// Bound parameters per INSERT statement: under both databases' limits (SQLite 32 766,
/// PostgreSQL 65 535).
const PARAMETERS_PER_STATEMENT: usize = 30_000;

pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    head: &str,
    rows: Vec<Vec<Cell>>,
) -> StoreResult<()> {
    let columns = rows.first().map_or(1, Vec::len).max(1);
    let per_statement = (PARAMETERS_PER_STATEMENT / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
        let mut sql = String::from(head);
        sql.push_str(" VALUES ");
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..row.len() {
                n += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                // SQLite looks numbered parameters up by name, one linear scan per parameter,
                // which made a bulk load quadratic in the statement's size: use anonymous ones.
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => sql.push_str(&format!("${n}")),
                }
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for row in chunk {
            for cell in row {
                query = match cell {
                    Cell::Int(v) => query.bind(v),
                    Cell::Text(v) => query.bind(v),
                    Cell::Bytes(v) => query.bind(v),
                };
            }
        }
        query.execute(&mut **tx).await.map_err(backend_error)?;
    }
    Ok(())
}

impl Store {
    /// Whether the database holds anything besides reference data.
    pub async fn is_empty(&self) -> StoreResult<bool> {
        let units: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(units == 0)
    }

    /// Empties a database that holds demonstration or generated data, and nothing else.
    /// Indexes an interrupted load set aside are built again first (their definitions are
    /// kept in `meta`, which the erase empties).
    pub async fn erase_demo(&self, change: &Change) -> StoreResult<()> {
        self.restore_indexes().await?;
        let generated = |d: &str| d == "demo" || d.starts_with("gen-");
        if !self.is_empty().await? && !self.meta("dataset").await?.is_some_and(|d| generated(&d)) {
            return Err(StoreError::Rejected(ketnap_domain::Violation::new(
                "demo.real-data",
                "database",
                "Cơ sở dữ liệu này có dữ liệu thật (không phải dữ liệu mẫu); lệnh demo --reset không xóa nó.",
            )));
        }
        let mut tx = self.begin().await?;
        for table in TABLES {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
        }
        audit::write(
            &mut tx,
            change,
            Audit::event("dataset.erase", "dataset", "demo"),
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    /// Loads `data` in one transaction and marks the database with `dataset` (e.g. `demo`).
    pub async fn load_dataset(
        &self,
        change: &Change,
        data: &Dataset,
        dataset: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        self.insert_dataset(&mut tx, change, data).await?;
        let summary = format!(
            "{} tổ chức, {} người, {} hồ sơ, {} sự kiện, {} lớp bồi dưỡng",
            data.units.len(),
            data.people.len(),
            data.cases.len(),
            data.events.len(),
            data.courses.len()
        );
        mark_dataset(&mut tx, change, dataset, summary).await?;
        tx.commit().await.map_err(backend_error)
    }

    /// Adds one part of a large dataset in a transaction of its own, with the audit rows a
    /// user's recording would have left: one per person created and one per case opened.
    /// The last part is followed by [`Store::finish_dataset`].
    pub async fn append_dataset(&self, change: &Change, data: &Dataset) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Sqlite {
            // The report indexes of a country's events take random inserts: with SQLite's
            // 2 MB page cache each one rereads pages from the file (1 GiB, this connection).
            sqlx::query("PRAGMA cache_size = -1048576")
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
        }
        self.insert_dataset(&mut tx, change, data).await?;
        let audits: Vec<Audit<'_>> = data
            .cases
            .iter()
            .flat_map(|case| {
                [
                    Audit::event("person.create", "person", case.person.0),
                    Audit {
                        after: Some(ketnap_domain::case::Stage::Source.code().to_string()),
                        ..Audit::event("case.open", "case", case.id.0)
                    },
                ]
            })
            .collect();
        audit::write_all(&mut tx, self.backend, change, &audits).await?;
        tx.commit().await.map_err(backend_error)
    }

    /// Marks the database with `dataset` after its parts were appended.
    pub async fn finish_dataset(
        &self,
        change: &Change,
        dataset: &str,
        summary: String,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        mark_dataset(&mut tx, change, dataset, summary).await?;
        tx.commit().await.map_err(backend_error)
    }

    async fn insert_dataset(
        &self,
        tx: &mut Transaction<'_, Any>,
        change: &Change,
        data: &Dataset,
    ) -> StoreResult<()> {
        let units = data
            .units
            .iter()
            .map(|u| {
                vec![
                    int(u.id.0),
                    Cell::Text(u.code.clone()),
                    text(&u.name),
                    text(u.kind.code()),
                    Cell::Int(u.parent.map(|p| p.0)),
                    text(&u.sector.0),
                    text(iso_date(u.valid_from)),
                    Cell::Text(u.valid_until.map(iso_date)),
                    Cell::Int(u.successor.map(|s| s.0)),
                ]
            })
            .collect();
        insert(tx, self.backend, "INSERT INTO units (id, code, name, kind, parent_id, sector, valid_from, valid_until, successor_id)", units).await?;
        let headcounts = data
            .headcounts
            .iter()
            .map(|h| {
                vec![
                    int(h.unit.0),
                    text(iso_date(h.as_of)),
                    int(h.official_members),
                    int(h.probationary_members),
                    Cell::Int(h.workforce),
                    Cell::Int(h.youth_union_members),
                    Cell::Int(h.trade_union_members),
                ]
            })
            .collect();
        insert(
            tx,
            self.backend,
            "INSERT INTO headcounts (unit_id, as_of, official_members, probationary_members, workforce, youth_union_members, trade_union_members)",
            headcounts,
        )
        .await?;
        let mass_orgs = data
            .mass_orgs
            .iter()
            .map(|m| vec![int(m.id.0), text(m.kind), int(m.unit.0), text(&m.name)])
            .collect();
        insert(
            tx,
            self.backend,
            "INSERT INTO mass_orgs (id, kind, unit_id, name)",
            mass_orgs,
        )
        .await?;
        let created = crate::timestamp(change.now);
        let keys = self.keys()?;
        let mut people = Vec::with_capacity(data.people.len());
        let mut orders = std::collections::HashMap::with_capacity(data.people.len());
        for p in &data.people {
            let order = name_order(&p.details.name);
            people.push(person_cells(
                keys,
                p.id.0,
                &p.details,
                &created,
                order.clone(),
            )?);
            orders.insert(p.id, order);
        }
        insert(tx, self.backend, PEOPLE_INSERT, people).await?;
        let mut cases = Vec::with_capacity(data.cases.len());
        for c in &data.cases {
            cases.push(case_cells(c, &created, orders.get(&c.person).cloned())?);
        }
        insert(tx, self.backend, CASES_INSERT, cases).await?;
        // Each event happened in its case's cell (the dataset has no moves).
        let cases: std::collections::HashMap<CaseId, &Case> =
            data.cases.iter().map(|c| (c.id, c)).collect();
        let events = data
            .events
            .iter()
            .filter_map(|(case, e)| Some(event_cells(cases.get(case)?, e)))
            .collect();
        insert(
            tx,
            self.backend,
            "INSERT INTO case_events (case_id, cell_id, action, occurred_on, stage_before, stage_after, summary, document_number, document_date, actor, rule_set, recorded_at)",
            events,
        )
        .await?;
        let courses = data
            .courses
            .iter()
            .map(|(c, _)| {
                vec![
                    int(c.id.0),
                    text(c.kind.code()),
                    text(&c.name),
                    text(&c.organiser),
                    int(c.unit.0),
                    text(iso_date(c.starts_on)),
                    text(iso_date(c.ends_on)),
                ]
            })
            .collect();
        insert(
            tx,
            self.backend,
            "INSERT INTO courses (id, kind, name, organiser, unit_id, starts_on, ends_on)",
            courses,
        )
        .await?;
        let participants = data
            .courses
            .iter()
            .flat_map(|(c, participants)| {
                participants.iter().map(|p| {
                    vec![
                        int(c.id.0),
                        int(p.person.0),
                        text(p.result.code()),
                        text(&p.certificate_number),
                    ]
                })
            })
            .collect();
        insert(
            tx,
            self.backend,
            "INSERT INTO course_participants (course_id, person_id, result, certificate_number)",
            participants,
        )
        .await?;
        if self.backend == Backend::Postgres {
            // Ids were given explicitly: move each identity past them.
            for table in ["units", "mass_orgs", "people", "cases", "courses"] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .execute(&mut **tx)
                .await
                .map_err(backend_error)?;
            }
        }
        Ok(())
    }
}

/// Tables a load of many parts fills: their secondary indexes are set aside during the load.
const BULK_TABLES: &str =
    "'people', 'cases', 'case_events', 'course_participants', 'courses', 'audit_log'";

/// The `meta` key that keeps the definitions of the indexes set aside.
const BULK_INDEXES: &str = "bulk.indexes";

impl Store {
    /// Before a load of many parts: keeps the definitions of the secondary indexes of the
    /// tables it fills in `meta`, then drops them, so that rows go in at the end of each
    /// table instead of into random pages of every index; building an index once at the end
    /// sorts instead. [`Store::restore_indexes`] builds them again (and every start does,
    /// should the load be cut short).
    pub async fn set_indexes_aside(&self) -> StoreResult<()> {
        let sql = match self.backend {
            Backend::Sqlite => format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({BULK_TABLES}) ORDER BY name"
            ),
            // Primary keys and unique constraints stay: they are constraints, not indexes.
            Backend::Postgres => format!(
                "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ({BULK_TABLES}) AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
            ),
        };
        let found: Vec<(String, String)> = sqlx::query_as(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)?;
        let mut kept = self.indexes_set_aside().await?.unwrap_or_default();
        for (_, definition) in &found {
            if !kept.contains(definition) {
                kept.push(definition.clone());
            }
        }
        let mut tx = self.begin().await?;
        crate::put_meta(&mut tx, BULK_INDEXES, &to_json(&kept)?).await?;
        for (name, _) in &found {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
        }
        tx.commit().await.map_err(backend_error)
    }

    /// Builds again the indexes [`Store::set_indexes_aside`] dropped, if any.
    pub async fn restore_indexes(&self) -> StoreResult<()> {
        let Some(kept) = self.indexes_set_aside().await? else {
            return Ok(());
        };
        let mut tx = self.begin().await?;
        for definition in kept {
            let definition = definition
                .replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                .replacen(
                    "CREATE UNIQUE INDEX ",
                    "CREATE UNIQUE INDEX IF NOT EXISTS ",
                    1,
                );
            sqlx::query(&definition)
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
        }
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(BULK_INDEXES)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        tx.commit().await.map_err(backend_error)?;
        // PostgreSQL plans by its statistics: without them, right after a load, a ward's
        // case list was planned as a sort of every person (190 ms instead of 2 ms) until
        // autovacuum came by. VACUUM also marks the pages all-visible, so that counts read
        // the indexes alone (a city's 17,813 probationary members: 66 → 16 ms). (SQLite
        // plans without statistics; none are kept there.)
        if self.backend == Backend::Postgres {
            sqlx::query("VACUUM (ANALYZE)")
                .execute(&self.pool)
                .await
                .map_err(backend_error)?;
        }
        Ok(())
    }
}

impl Store {
    /// The definitions of the indexes a load set aside, if one did.
    async fn indexes_set_aside(&self) -> StoreResult<Option<Vec<String>>> {
        self.meta(BULK_INDEXES)
            .await?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| StoreError::Backend(format!("{BULK_INDEXES}: {e}")))
            })
            .transpose()
    }
}

/// The database's mark (`meta.dataset`) and the load's audit row.
async fn mark_dataset(
    tx: &mut Transaction<'_, Any>,
    change: &Change,
    dataset: &str,
    summary: String,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ('dataset', $1)")
        .bind(dataset)
        .execute(&mut **tx)
        .await
        .map_err(backend_error)?;
    // The load wrote every sort key; an erase emptied `meta`: without this the next start
    // would make them all again.
    crate::put_meta(
        tx,
        crate::people::NAME_ORDER_VERSION,
        crate::people::COLLATOR.sort_key_version(),
    )
    .await?;
    audit::write(
        tx,
        change,
        Audit {
            after: Some(summary),
            ..Audit::event("dataset.load", "dataset", dataset)
        },
    )
    .await
}
