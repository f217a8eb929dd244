//! Cases and their event history. A change names the version it was made from, so two
//! officers editing one case never overwrite each other.

use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::case::{Case, DocRef};
use ketnap_domain::ids::{CaseId, MassOrgId, PersonId, UnitId};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::{
    CaseFilter, CaseRecord, CaseStore, Change, StoreError, StoreResult, UnitStore,
};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::NameCollator;
use ketnap_domain::workflow::{Event, Transition};
use sqlx::{Any, Transaction};

use crate::audit::{self, Audit};
use crate::keys::DataKeys;
use crate::read::{FromColumns, Row};
use crate::{
    SUBTREE, Store, backend_error, from_json, iso_date, parse_date, parse_timestamp, read_only,
    stage, to_json,
};

/// The dates kept in columns beside the JSON body, for lists and reports.
struct CaseColumns {
    stage: &'static str,
    decided_on: Option<String>,
    ceremony_on: Option<String>,
    official_on: Option<String>,
    closed_on: Option<String>,
}

fn columns(case: &Case) -> CaseColumns {
    CaseColumns {
        stage: case.stage.code(),
        decided_on: case.party_age_from().map(iso_date),
        ceremony_on: case.ceremony_on.map(iso_date),
        official_on: case.official_on.map(iso_date),
        closed_on: case.exit.as_ref().map(|e| iso_date(e.on)),
    }
}

/// A whole record's row: `CASE_COLUMNS` of a case `c` with its person `p` and cell `u`.
pub(crate) struct CaseRow {
    body: String,
    version: i64,
    person_id: i64,
    person_details: String,
    cell_name: String,
}

impl FromColumns for CaseRow {
    fn from_columns(row: &Row<'_>) -> StoreResult<Self> {
        Ok(CaseRow {
            body: row.get("body")?,
            version: row.get("version")?,
            person_id: row.get("person_id")?,
            person_details: row.get("person_details")?,
            cell_name: row.get("cell_name")?,
        })
    }
}

pub(crate) const CASE_COLUMNS: &str =
    "c.body, c.version, p.id AS person_id, p.details AS person_details, u.name AS cell_name";

/// `CASE_COLUMNS` from a case, its person and its cell.
fn case_select() -> String {
    format!(
        "SELECT {CASE_COLUMNS}
        FROM cases c JOIN people p ON p.id = c.person_id JOIN units u ON u.id = c.cell_id"
    )
}

impl CaseRow {
    pub(crate) fn into_record(self, keys: &DataKeys) -> StoreResult<CaseRecord> {
        Ok(CaseRecord {
            case: from_json(&self.body)?,
            person: crate::people::PersonRow {
                id: self.person_id,
                details: self.person_details,
            }
            .into_person(keys)?,
            cell_name: self.cell_name,
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    action: String,
    occurred_on: String,
    stage_before: String,
    stage_after: String,
    summary: String,
    document_number: Option<String>,
    document_date: Option<String>,
    actor: String,
    rule_set: String,
    recorded_at: String,
}

impl EventRow {
    fn into_event(self) -> StoreResult<Event> {
        let document = match (self.document_number, self.document_date) {
            (Some(number), Some(dated)) => Some(DocRef {
                number,
                dated: parse_date(&dated)?,
            }),
            _ => None,
        };
        Ok(Event {
            action: self.action,
            on: parse_date(&self.occurred_on)?,
            summary: self.summary,
            document,
            stage_before: stage(&self.stage_before)?,
            stage_after: stage(&self.stage_after)?,
            actor: self.actor,
            rule_set: self.rule_set,
            recorded_at: parse_timestamp(&self.recorded_at)?,
        })
    }
}

impl Store {
    /// Whether `unit` is inside the scope's subtree.
    pub(crate) async fn in_scope(&self, scope: &Scope, unit: UnitId) -> StoreResult<bool> {
        // Up from the unit (a few rows) rather than down from the scope (the whole city).
        let found: Option<i64> = sqlx::query_scalar(
            "WITH RECURSIVE up (id, parent_id) AS (
                SELECT id, parent_id FROM units WHERE id = $2
                UNION
                SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id
            ) SELECT id FROM up WHERE id = $1",
        )
        .bind(scope.root().0)
        .bind(unit.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(found.is_some())
    }

    /// Refuses to write cases outside the scope or with a read-only scope.
    pub(crate) async fn check_transitions(&self, scope: &Scope, cases: &[Case]) -> StoreResult<()> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        for case in cases {
            if !self.in_scope(scope, case.cell).await? {
                return Err(StoreError::NotFound("hồ sơ"));
            }
            // A transfer goes to an active cell the account can see; whether a unit exists
            // elsewhere is not told.
            if let Some(to_unit) = case.exit.as_ref().and_then(|e| e.to_unit) {
                let on = case
                    .exit
                    .as_ref()
                    .map(|e| e.on)
                    .unwrap_or(case.identified_on);
                let target = match self.unit(to_unit).await? {
                    Some(unit) if self.in_scope(scope, to_unit).await? => Some(unit),
                    _ => None,
                };
                if !target.is_some_and(|u| u.kind.holds_cases() && u.is_active_on(on)) {
                    return Err(Violation::new(
                        "transfer.unit",
                        "to_unit",
                        "Không có chi bộ đang hoạt động này trong phạm vi của tài khoản.",
                    )
                    .into());
                }
            }
        }
        Ok(())
    }

    /// Checks a new case's cell and returns whether it sits under a base committee.
    pub(crate) async fn check_cell(
        &self,
        scope: &Scope,
        cell: UnitId,
        on: NaiveDate,
    ) -> StoreResult<bool> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        let unit = match self.unit(cell).await? {
            Some(unit) if self.in_scope(scope, cell).await? => unit,
            _ => {
                return Err(Violation::new(
                    "unit.unknown",
                    "cell",
                    "Không có chi bộ này trong phạm vi của tài khoản.",
                )
                .into());
            }
        };
        if !unit.kind.holds_cases() || !unit.is_active_on(on) {
            return Err(Violation::new(
                "case.cell",
                "cell",
                format!(
                    "\"{}\" không phải chi bộ đang hoạt động vào ngày {}.",
                    unit.name,
                    ketnap_domain::workflow::dmy(on)
                ),
            )
            .into());
        }
        Ok(unit.kind.needs_base_resolution())
    }

    pub(crate) async fn insert_case(
        tx: &mut Transaction<'_, Any>,
        change: &Change,
        mut case: Case,
    ) -> StoreResult<CaseId> {
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE person_id = $1 AND closed_on IS NULL AND official_on IS NULL",
        )
        .bind(case.person.0)
        .fetch_one(&mut **tx)
        .await
        .map_err(backend_error)?;
        if open > 0 {
            return Err(Violation::new(
                "case.already-open",
                "person",
                "Người này đang có một hồ sơ phát triển đảng viên chưa kết thúc.",
            )
            .into());
        }
        let c = columns(&case);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (person_id, cell_id, stage, nominated_by, identified_on, body, version, updated_at)
             VALUES ($1, $2, $3, $4, $5, '{}', 1, $6) RETURNING id",
        )
        .bind(case.person.0)
        .bind(case.cell.0)
        .bind(c.stage)
        .bind(case.nominated_by.map(|m| m.0))
        .bind(iso_date(case.identified_on))
        .bind(crate::timestamp(change.now))
        .fetch_one(&mut **tx)
        .await
        .map_err(backend_error)?;
        case.id = CaseId(id);
        sqlx::query("UPDATE cases SET body = $1 WHERE id = $2")
            .bind(to_json(&case)?)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(backend_error)?;
        audit::write(
            tx,
            change,
            Audit {
                action: "case.open",
                entity: "case",
                entity_id: id.to_string(),
                before: None,
                after: Some(c.stage.to_string()),
            },
        )
        .await?;
        Ok(case.id)
    }
}

impl CaseStore for Store {
    async fn create_source(
        &self,
        change: &Change,
        scope: &Scope,
        details: &PersonDetails,
        cell: UnitId,
        identified_on: NaiveDate,
        nomination: Option<(MassOrgId, DocRef)>,
    ) -> StoreResult<(PersonId, CaseId)> {
        let under_base = self.check_cell(scope, cell, identified_on).await?;
        let mut tx = self.begin().await?;
        let person = Store::insert_person(&mut tx, self.keys()?, change, details).await?;
        let case = Case::new_source(
            CaseId(0),
            person,
            cell,
            under_base,
            identified_on,
            nomination,
        );
        let id = Store::insert_case(&mut tx, change, case).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok((person, id))
    }

    async fn open_case(
        &self,
        change: &Change,
        scope: &Scope,
        person: PersonId,
        cell: UnitId,
        identified_on: NaiveDate,
        nomination: Option<(MassOrgId, DocRef)>,
    ) -> StoreResult<CaseId> {
        let under_base = self.check_cell(scope, cell, identified_on).await?;
        let mut tx = self.begin().await?;
        let case = Case::new_source(
            CaseId(0),
            person,
            cell,
            under_base,
            identified_on,
            nomination,
        );
        let id = Store::insert_case(&mut tx, change, case).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(id)
    }

    async fn case(&self, scope: &Scope, id: CaseId) -> StoreResult<CaseRecord> {
        let row: Option<CaseRow> = self
            .read(format!(
                "{} WHERE c.id = $2 AND {}",
                case_select(),
                crate::in_subtree("c.cell_id")
            ))
            .bind(scope.root().0)
            .bind(id.0)
            .optional()
            .await?;
        row.ok_or(StoreError::NotFound("hồ sơ"))?
            .into_record(self.keys()?)
    }

    async fn record_transition(
        &self,
        change: &Change,
        scope: &Scope,
        version: i64,
        transition: &Transition,
    ) -> StoreResult<i64> {
        self.check_transitions(scope, std::slice::from_ref(&transition.case))
            .await?;
        let mut tx = self.begin().await?;
        let next = write_transition(&mut tx, change, version, transition).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(next)
    }

    async fn cases(&self, scope: &Scope, filter: &CaseFilter) -> StoreResult<Vec<CaseRecord>> {
        let mut sql = format!(
            "{SUBTREE} {} WHERE c.cell_id IN (SELECT id FROM subtree)",
            case_select()
        );
        if filter.stage.is_some() {
            sql.push_str(" AND c.stage = $2");
        }
        if filter.open_only {
            sql.push_str(" AND c.closed_on IS NULL AND c.official_on IS NULL");
        }
        let mut read = self.read(sql).long(true).bind(scope.root().0);
        if let Some(stage) = filter.stage {
            read = read.bind(stage.code());
        }
        let rows: Vec<CaseRow> = read.all().await?;
        let keys = self.keys()?;
        let mut records = rows
            .into_iter()
            .map(|row| row.into_record(keys))
            .collect::<StoreResult<Vec<_>>>()?;
        let collator = NameCollator::new();
        records.sort_by(|a, b| {
            collator
                .compare_names(&a.person.details.name, &b.person.details.name)
                .then(a.case.id.cmp(&b.case.id))
        });
        Ok(records)
    }

    async fn events(&self, scope: &Scope, id: CaseId) -> StoreResult<Vec<Event>> {
        self.case(scope, id).await?;
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT action, occurred_on, stage_before, stage_after, summary, document_number, document_date, actor, rule_set, recorded_at
             FROM case_events WHERE case_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(EventRow::into_event).collect()
    }
}

/// Writes one transition inside `tx`: the case (if still at `version` and in the same
/// cell), its event and its audit row. Returns the new version.
pub(crate) async fn write_transition(
    tx: &mut Transaction<'_, Any>,
    change: &Change,
    version: i64,
    transition: &Transition,
) -> StoreResult<i64> {
    let case = &transition.case;
    let event = &transition.event;
    let c = columns(case);
    let updated = sqlx::query(
        "UPDATE cases SET stage = $1, decided_on = $2, ceremony_on = $3, official_on = $4, closed_on = $5,
         body = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9 AND cell_id = $10",
    )
    .bind(c.stage)
    .bind(c.decided_on)
    .bind(c.ceremony_on)
    .bind(c.official_on)
    .bind(c.closed_on)
    .bind(to_json(case)?)
    .bind(crate::timestamp(change.now))
    .bind(case.id.0)
    .bind(version)
    .bind(case.cell.0)
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    insert_event(tx, case.id, case.cell, event).await?;
    audit::write(
        tx,
        change,
        Audit {
            action: "case.transition",
            entity: "case",
            entity_id: case.id.to_string(),
            before: Some(event.stage_before.code().to_string()),
            after: Some(format!("{} → {}", event.action, event.stage_after.code())),
        },
    )
    .await?;
    Ok(version + 1)
}

/// Records an event in the cell the case is in when it happens (reports count it there).
pub(crate) async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    case: CaseId,
    cell: UnitId,
    event: &Event,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO case_events (case_id, action, occurred_on, stage_before, stage_after, summary, document_number, document_date, actor, rule_set, recorded_at, cell_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(case.0)
    .bind(&event.action)
    .bind(iso_date(event.on))
    .bind(event.stage_before.code())
    .bind(event.stage_after.code())
    .bind(&event.summary)
    .bind(event.document.as_ref().map(|d| d.number.clone()))
    .bind(event.document.as_ref().map(|d| iso_date(d.dated)))
    .bind(&event.actor)
    .bind(&event.rule_set)
    .bind(crate::timestamp(event.recorded_at))
    .bind(cell.0)
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    Ok(())
}
