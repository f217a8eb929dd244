//! Work between organisations, kept: nominations a mass organisation sends its party unit,
//! transfers of a file to another unit anywhere in the tree, and requests (background
//! verification, opinions) one unit sends another. Personal details travel sealed; each
//! change writes its audit row in its transaction; conditional updates let exactly one
//! decision through when two people press at once.

use std::collections::HashSet;

use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::access::NomineeScope;
use ketnap_domain::case::{Case, DocRef, Stage};
use ketnap_domain::coordination::{
    Addressee, Arrival, NewRequest, Nomination, RequestAnswer, RequestBody, RequestKind, Status,
    common_parent, reason, transfer_escalates_on,
};
use ketnap_domain::ids::{CaseId, MassOrgId, PersonId, UnitId, UserId};
use ketnap_domain::ports::{CaseStore, Change, RuleStore, StoreError, StoreResult, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::text::search_key;
use ketnap_domain::unit::Unit;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use crate::audit::{self, Audit};
use crate::keys::Purpose;
use crate::people::{birth_display, full_name};
use crate::units::UnitRow;
use crate::{
    SUBTREE, Store, backend_error, from_json, in_subtree, iso_date, parse_date, read_only, stage,
    timestamp, to_json, vietnam_today,
};

/// A nomination as lists show it: no personal details beyond the name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NominationSummary {
    pub id: i64,
    pub mass_org: MassOrgId,
    pub mass_org_name: String,
    pub unit: UnitId,
    pub unit_name: String,
    pub name: String,
    pub resolution: DocRef,
    pub status: Status,
    pub submitted_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    pub case: Option<CaseId>,
}

/// Per mass organisation, what it nominated in a year and how many it saw admitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NominationCount {
    pub mass_org: MassOrgId,
    pub mass_org_name: String,
    pub kind: String,
    pub unit_name: String,
    pub submitted: i64,
    pub accepted: i64,
    pub declined: i64,
    pub pending: i64,
    /// Admission ceremonies held in the year for people the organisation nominated.
    pub admitted: i64,
}

/// A transfer between two cells, as both sides and their common parent see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferView {
    pub id: i64,
    pub case: CaseId,
    pub person: PersonId,
    pub name: String,
    pub birth: String,
    pub stage: Stage,
    pub from_cell: UnitId,
    pub from_name: String,
    pub to_cell: UnitId,
    pub to_name: String,
    pub common_parent: Option<UnitId>,
    pub reason: String,
    pub started_on: NaiveDate,
    pub escalates_on: Option<NaiveDate>,
    pub started_by: String,
    pub status: Status,
    pub decided_by: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub decline_reason: Option<String>,
}

impl TransferView {
    /// Pending past the day it goes to the common parent.
    pub fn escalated(&self, today: NaiveDate) -> bool {
        self.status == Status::Pending && self.escalates_on.is_some_and(|on| on <= today)
    }
}

/// How many items wait on a scope's units for an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Incoming {
    pub transfers: i64,
    pub requests: i64,
}

/// What the navigation shows beside the account and its links.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Navigation {
    pub unit_name: String,
    pub waiting: Incoming,
    pub unread: i64,
}

/// A unit a transfer or a request may go to, with the name of its parent to tell apart
/// the many "Chi bộ Khu phố 1".
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub unit: Unit,
    pub parent_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DestinationRow {
    #[sqlx(flatten)]
    unit: UnitRow,
    parent_name: Option<String>,
}

/// A request between units; its body and answer are opened only where it is read whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestView {
    pub id: i64,
    pub case: CaseId,
    pub kind: RequestKind,
    pub applicant: String,
    pub applicant_birth: String,
    pub from_unit: UnitId,
    pub from_name: String,
    /// The case's cell now (after a transfer, no longer `from_unit`): it records the answer
    /// to a letter.
    pub cell: UnitId,
    pub to: Addressee,
    pub to_name: String,
    pub sent_on: NaiveDate,
    pub due_on: NaiveDate,
    pub sent_by: String,
    pub status: Status,
    pub answered_on: Option<NaiveDate>,
    pub answered_by: Option<String>,
    pub body: Option<RequestBody>,
    pub answer: Option<RequestAnswer>,
}

impl RequestView {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status == Status::Pending && self.due_on < today
    }
}

/// The sealed part of a nomination.
#[derive(Serialize, Deserialize)]
struct NominationBody {
    nomination: Nomination,
}

#[derive(sqlx::FromRow)]
struct NominationRow {
    id: i64,
    mass_org_id: i64,
    mass_org_name: String,
    unit_id: i64,
    unit_name: String,
    body: String,
    resolution_number: String,
    resolution_date: String,
    status: String,
    submitted_on: String,
    decided_at: Option<String>,
    decline_reason: Option<String>,
    case_id: Option<i64>,
    erased_at: Option<String>,
}

const NOMINATION_SELECT: &str =
    "SELECT n.id, n.mass_org_id, m.name AS mass_org_name, n.unit_id, u.name AS unit_name,
    n.body, n.resolution_number, n.resolution_date, n.status, n.submitted_on, n.decided_at,
    n.decline_reason, n.case_id, n.erased_at
    FROM nominations n JOIN mass_orgs m ON m.id = n.mass_org_id JOIN units u ON u.id = n.unit_id";

fn status(code: &str) -> StoreResult<Status> {
    Status::from_code(code).ok_or_else(|| StoreError::Backend(format!("trạng thái lạ: {code}")))
}

fn day_of(timestamp: &str) -> StoreResult<NaiveDate> {
    Ok(vietnam_today(crate::parse_timestamp(timestamp)?))
}

impl NominationRow {
    /// The summary, and the nomination itself when the caller may open it.
    fn into_parts(
        self,
        store: &Store,
        open: bool,
    ) -> StoreResult<(NominationSummary, Option<Nomination>)> {
        let nomination = match self.erased_at {
            None => Some(store.open_sealed::<NominationBody>(&self.body)?.nomination),
            Some(_) => None,
        };
        let name = nomination
            .as_ref()
            .map(|n| n.details.name.full())
            .unwrap_or_else(|| ketnap_domain::person::ERASED_NAME.to_string());
        let summary = NominationSummary {
            id: self.id,
            mass_org: MassOrgId(self.mass_org_id),
            mass_org_name: self.mass_org_name,
            unit: UnitId(self.unit_id),
            unit_name: self.unit_name,
            name,
            resolution: DocRef {
                number: self.resolution_number,
                dated: parse_date(&self.resolution_date)?,
            },
            status: status(&self.status)?,
            submitted_on: parse_date(&self.submitted_on)?,
            decided_on: self.decided_at.as_deref().map(day_of).transpose()?,
            decline_reason: self.decline_reason,
            case: self.case_id.map(CaseId),
        };
        Ok((summary, nomination.filter(|_| open)))
    }
}

/// Declined nominations not erased yet, decided before `$1` (a UTC time).
const DECLINED_BY: &str = "status = 'declined' AND erased_at IS NULL AND decided_at < $1";

/// The UTC time at which `day` ends in Vietnam (UTC+7): decisions are kept in UTC.
fn end_of_vietnam_day(day: NaiveDate) -> String {
    let end = day.and_time(chrono::NaiveTime::MIN).and_utc() + chrono::Duration::hours(17);
    timestamp(end)
}

/// Erases what a nomination says of its person (details, reasons, the decline's reason),
/// keeping the row the yearly counts read; audited.
pub(crate) async fn erase_nomination(
    tx: &mut Transaction<'_, Any>,
    change: &Change,
    id: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE nominations SET body = '', decline_reason = NULL, erased_at = $1 WHERE id = $2",
    )
    .bind(timestamp(change.now))
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    audit::write(
        tx,
        change,
        Audit::event("nomination.erase", "nomination", id),
    )
    .await
}

/// Erases what travels between units about a person erased by retention: their
/// nominations, and the requests of their cases (whom to verify, what was asked and
/// answered), keeping dates and statuses.
pub(crate) async fn erase_person_coordination(
    tx: &mut Transaction<'_, Any>,
    change: &Change,
    person: i64,
) -> StoreResult<()> {
    let nominations: Vec<i64> = sqlx::query_scalar(
        "SELECT n.id FROM nominations n JOIN cases c ON c.id = n.case_id
         WHERE c.person_id = $1 AND n.erased_at IS NULL",
    )
    .bind(person)
    .fetch_all(&mut **tx)
    .await
    .map_err(backend_error)?;
    for id in nominations {
        erase_nomination(tx, change, id).await?;
    }
    sqlx::query(
        "UPDATE unit_requests SET body = '', answer = NULL
         WHERE case_id IN (SELECT id FROM cases WHERE person_id = $1)",
    )
    .bind(person)
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    Ok(())
}

/// A decision's conditional update: no row changed means someone decided first.
fn decided_once(done: sqlx::any::AnyQueryResult, what: &str) -> StoreResult<()> {
    if done.rows_affected() == 0 {
        return Err(already_decided(what));
    }
    Ok(())
}

/// The open cases only: a case that closed takes no transfer or request any more.
const CASE_OPEN: &str = "c.closed_on IS NULL AND c.official_on IS NULL";

fn already_decided(what: &str) -> StoreError {
    Violation::new(
        "coordination.decided",
        "status",
        format!("{what} này đã được xử lý; hãy tải lại trang để xem kết quả."),
    )
    .into()
}

impl Store {
    fn seal_value<T: Serialize>(&self, value: &T) -> StoreResult<String> {
        self.keys()?
            .seal(Purpose::Coordination, to_json(value)?.as_bytes())
    }

    fn open_sealed<T: for<'de> Deserialize<'de>>(&self, sealed: &str) -> StoreResult<T> {
        from_json(&self.keys()?.open_text(Purpose::Coordination, sealed)?)
    }

    /// The unit and its ancestors, nearest first.
    pub(crate) async fn ancestors(&self, unit: UnitId) -> StoreResult<Vec<UnitId>> {
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "WITH RECURSIVE up (id, parent_id) AS (
                SELECT id, parent_id FROM units WHERE id = $1
                UNION
                SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id
            ) SELECT id, parent_id FROM up",
        )
        .bind(unit.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut chain = Vec::with_capacity(rows.len());
        let mut next = Some(unit.0);
        while let Some(id) = next {
            if chain.contains(&UnitId(id)) {
                break;
            }
            let Some((_, parent)) = rows.iter().find(|(row, _)| *row == id) else {
                break;
            };
            chain.push(UnitId(id));
            next = *parent;
        }
        Ok(chain)
    }

    // ---- Nominations (giới thiệu của đoàn thể) ----

    /// A mass-organisation officer nominates someone to `unit`: the organisation's own
    /// party unit or a cell under it, nothing else.
    pub async fn submit_nomination(
        &self,
        change: &Change,
        nominator: NomineeScope,
        unit: UnitId,
        nomination: Nomination,
    ) -> StoreResult<i64> {
        let today = vietnam_today(change.now);
        let nomination = nomination.checked(today)?;
        let org_unit: Option<i64> =
            sqlx::query_scalar("SELECT unit_id FROM mass_orgs WHERE id = $1")
                .bind(nominator.mass_org.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        let org_unit = org_unit.ok_or(StoreError::NotFound("đoàn thể"))?;
        let under_org = Scope::subtree(UnitId(org_unit), Access::Read);
        let target = self.unit(unit).await?;
        if !(target.is_some_and(|u| u.is_active_on(today))
            && self.in_scope(&under_org, unit).await?)
        {
            return Err(Violation::new(
                "nomination.unit",
                "unit",
                "Đoàn thể chỉ giới thiệu được lên tổ chức đảng mà đoàn thể trực thuộc (hoặc chi bộ của tổ chức đó).",
            )
            .into());
        }
        let body = self.seal_value(&NominationBody {
            nomination: nomination.clone(),
        })?;
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO nominations (mass_org_id, unit_id, body, resolution_number, resolution_date, status,
             submitted_on, submitted_by, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(nominator.mass_org.0)
        .bind(unit.0)
        .bind(body)
        .bind(&nomination.resolution.number)
        .bind(iso_date(nomination.resolution.dated))
        .bind(Status::Pending.code())
        .bind(iso_date(today))
        .bind(&change.actor)
        .bind(timestamp(change.now))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit::event("nomination.submit", "nomination", id),
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(id)
    }

    /// What the nominating organisation sees of its nominations: name, status, dates.
    pub async fn nominations_of(
        &self,
        nominator: NomineeScope,
    ) -> StoreResult<Vec<NominationSummary>> {
        let rows: Vec<NominationRow> = sqlx::query_as(&format!(
            "{NOMINATION_SELECT} WHERE n.mass_org_id = $1 ORDER BY n.submitted_at DESC, n.id DESC"
        ))
        .bind(nominator.mass_org.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|row| Ok(row.into_parts(self, false)?.0))
            .collect()
    }

    /// Nominations addressed to units of the scope, newest first; `pending_only` for the inbox.
    pub async fn nominations_to(
        &self,
        scope: &Scope,
        pending_only: bool,
    ) -> StoreResult<Vec<NominationSummary>> {
        let status = if pending_only {
            " AND n.status = 'pending'"
        } else {
            ""
        };
        let rows: Vec<NominationRow> = sqlx::query_as(&format!(
            "{SUBTREE} {NOMINATION_SELECT} WHERE n.unit_id IN (SELECT id FROM subtree){status}
             ORDER BY n.submitted_at DESC, n.id DESC"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|row| Ok(row.into_parts(self, false)?.0))
            .collect()
    }

    /// One nomination whole, for the party unit it is addressed to; the read is audited.
    pub async fn nomination(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
    ) -> StoreResult<(NominationSummary, Option<Nomination>)> {
        let row = self.nomination_row(scope, id).await?;
        let parts = row.into_parts(self, true)?;
        self.audit_alone(change, Audit::event("nomination.read", "nomination", id))
            .await?;
        Ok(parts)
    }

    /// One nomination as lists show it (the name, no details), for the party unit it is
    /// addressed to: not found outside the scope, so a decision on it can be refused first.
    pub async fn nomination_summary(
        &self,
        scope: &Scope,
        id: i64,
    ) -> StoreResult<NominationSummary> {
        Ok(self
            .nomination_row(scope, id)
            .await?
            .into_parts(self, false)?
            .0)
    }

    async fn nomination_row(&self, scope: &Scope, id: i64) -> StoreResult<NominationRow> {
        let row: Option<NominationRow> = sqlx::query_as(&format!(
            "{NOMINATION_SELECT} WHERE n.id = $2 AND {}",
            in_subtree("n.unit_id")
        ))
        .bind(scope.root().0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        row.ok_or(StoreError::NotFound("giới thiệu"))
    }

    /// The party unit accepts: the person becomes a source in `cell`, the case linked to
    /// the nomination and carrying the organisation's resolution, in one transaction.
    pub async fn accept_nomination(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
        cell: UnitId,
        identified_on: NaiveDate,
    ) -> StoreResult<(PersonId, CaseId)> {
        let row = self.nomination_row(scope, id).await?;
        let mass_org = MassOrgId(row.mass_org_id);
        let (summary, nomination) = row.into_parts(self, true)?;
        if summary.status != Status::Pending {
            return Err(already_decided("Giới thiệu"));
        }
        let nomination = nomination.ok_or_else(|| already_decided("Giới thiệu"))?;
        if identified_on < summary.resolution.dated {
            return Err(Violation::new(
                "nomination.identified-on",
                "identified_on",
                "Ngày đưa vào danh sách nguồn không thể trước ngày nghị quyết giới thiệu.",
            )
            .into());
        }
        // Into a cell of the unit it was addressed to, which the account can edit.
        if !self
            .in_scope(&Scope::subtree(summary.unit, Access::Read), cell)
            .await?
        {
            return Err(Violation::new(
                "nomination.cell",
                "cell",
                format!(
                    "Chi bộ phải thuộc {}, nơi đoàn thể gửi giới thiệu.",
                    summary.unit_name
                ),
            )
            .into());
        }
        let under_base = self.check_cell(scope, cell, identified_on).await?;
        // Someone already on file by CCCD (a source withdrawn years ago, say) gets a new
        // case on their record rather than a second record.
        let known = match crate::keys::citizen_index_of(self.keys()?, &nomination.details)? {
            Some(index) => {
                sqlx::query_scalar::<_, i64>("SELECT id FROM people WHERE citizen_id_index = $1")
                    .bind(index)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend_error)?
            }
            None => None,
        };
        let mut tx = self.begin().await?;
        // The decision first: of two officers pressing at once, the second stops here.
        let decided = sqlx::query(
            "UPDATE nominations SET status = $1, decided_by = $2, decided_at = $3
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(Status::Accepted.code())
        .bind(&change.actor)
        .bind(timestamp(change.now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        decided_once(decided, "Giới thiệu")?;
        let person = match known {
            Some(id) => PersonId(id),
            None => {
                Store::insert_person(&mut tx, self.keys()?, change, &nomination.details).await?
            }
        };
        let case = Case::new_source(
            CaseId(0),
            person,
            cell,
            under_base,
            identified_on,
            Some((mass_org, nomination.resolution.clone())),
        );
        let case = Store::insert_case(&mut tx, change, case).await?;
        sqlx::query("UPDATE nominations SET case_id = $1 WHERE id = $2")
            .bind(case.0)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                after: Some(format!("case {case}")),
                ..Audit::event("nomination.accept", "nomination", id)
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok((person, case))
    }

    pub async fn decline_nomination(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
        why: &str,
    ) -> StoreResult<()> {
        // Out of scope is "not found" whatever the reason says.
        self.nomination_row(scope, id).await?;
        if !scope.can_edit() {
            return Err(read_only());
        }
        let why = reason(why, "reason")?;
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE nominations SET status = $1, decided_by = $2, decided_at = $3, decline_reason = $4
             WHERE id = $5 AND status = 'pending'",
        )
        .bind(Status::Declined.code())
        .bind(&change.actor)
        .bind(timestamp(change.now))
        .bind(&why)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        decided_once(updated, "Giới thiệu")?;
        audit::write(
            &mut tx,
            change,
            Audit::event("nomination.decline", "nomination", id),
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    /// Per mass organisation of the scope: nominations in `year` and admissions of its nominees.
    pub async fn nomination_counts(
        &self,
        scope: &Scope,
        year: i32,
    ) -> StoreResult<Vec<NominationCount>> {
        type Row = (i64, String, String, String, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SUBTREE}, counted (mass_org_id, status, n) AS (
                SELECT mass_org_id, status, COUNT(*) FROM nominations
                WHERE submitted_on >= $2 AND submitted_on <= $3 GROUP BY mass_org_id, status
            ), admitted (mass_org_id, n) AS (
                SELECT nominated_by, COUNT(*) FROM cases
                WHERE nominated_by IS NOT NULL AND ceremony_on >= $2 AND ceremony_on <= $3
                GROUP BY nominated_by
            )
            SELECT m.id, m.name, k.name, u.name,
                (SELECT COUNT(*) FROM nominations n WHERE n.mass_org_id = m.id
                    AND n.submitted_on >= $2 AND n.submitted_on <= $3),
                COALESCE((SELECT n FROM counted c WHERE c.mass_org_id = m.id AND c.status = 'accepted'), 0),
                COALESCE((SELECT n FROM counted c WHERE c.mass_org_id = m.id AND c.status = 'declined'), 0),
                COALESCE((SELECT n FROM counted c WHERE c.mass_org_id = m.id AND c.status = 'pending'), 0),
                COALESCE((SELECT n FROM admitted a WHERE a.mass_org_id = m.id), 0)
            FROM mass_orgs m JOIN units u ON u.id = m.unit_id JOIN mass_org_kinds k ON k.code = m.kind
            WHERE m.unit_id IN (SELECT id FROM subtree)
            ORDER BY u.name, k.position, m.name"
        ))
        .bind(scope.root().0)
        .bind(format!("{year:04}-01-01"))
        .bind(format!("{year:04}-12-31"))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, kind, unit_name, submitted, accepted, declined, pending, admitted)| {
                    NominationCount {
                        mass_org: MassOrgId(id),
                        mass_org_name: name,
                        kind,
                        unit_name,
                        submitted,
                        accepted,
                        declined,
                        pending,
                        admitted,
                    }
                },
            )
            .collect())
    }

    /// Erases the details and the decline's reason of nominations declined on or before
    /// `declined_by` (a Vietnam day); returns how many.
    pub(crate) async fn erase_declined_nominations(
        &self,
        tx: &mut Transaction<'_, Any>,
        change: &Change,
        declined_by: NaiveDate,
    ) -> StoreResult<u64> {
        let ids: Vec<i64> =
            sqlx::query_scalar(&format!("SELECT id FROM nominations WHERE {DECLINED_BY}"))
                .bind(end_of_vietnam_day(declined_by))
                .fetch_all(&mut **tx)
                .await
                .map_err(backend_error)?;
        for id in &ids {
            erase_nomination(tx, change, *id).await?;
        }
        Ok(ids.len() as u64)
    }

    /// How many declined nominations `erase_declined_nominations` would erase.
    pub(crate) async fn count_declined_nominations(
        &self,
        declined_by: NaiveDate,
    ) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM nominations WHERE {DECLINED_BY}"
        ))
        .bind(end_of_vietnam_day(declined_by))
        .fetch_one(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    // ---- Transfers (chuyển sinh hoạt) ----

    /// The sending unit starts a transfer of an open case to any active cell.
    pub async fn start_transfer(
        &self,
        change: &Change,
        scope: &Scope,
        case: CaseId,
        to_cell: UnitId,
        why: &str,
        on: NaiveDate,
    ) -> StoreResult<i64> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        let record = self.case(scope, case).await?;
        let why = reason(why, "reason")?;
        if record.case.stage.is_closed() {
            return Err(Violation::new(
                "transfer.closed",
                "case",
                "Hồ sơ đã kết thúc nên không chuyển được.",
            )
            .into());
        }
        if to_cell == record.case.cell {
            return Err(Violation::new(
                "transfer.same-unit",
                "to_unit",
                "Đơn vị chuyển đến trùng đơn vị hiện tại.",
            )
            .into());
        }
        if on > vietnam_today(change.now) || on < record.case.identified_on {
            return Err(Violation::new(
                "transfer.date",
                "on",
                "Ngày chuyển phải từ ngày đưa vào danh sách nguồn đến hôm nay.",
            )
            .into());
        }
        let target = self.unit(to_cell).await?;
        if !target.is_some_and(|u| u.kind.holds_cases() && u.is_active_on(on)) {
            return Err(Violation::new(
                "transfer.unit",
                "to_unit",
                "Đơn vị chuyển đến phải là một chi bộ đang hoạt động.",
            )
            .into());
        }
        let parent = common_parent(
            &self.ancestors(record.case.cell).await?,
            &self.ancestors(to_cell).await?,
        );
        let rules = self.rule_book().await?;
        let escalates_on =
            transfer_escalates_on(on, rules.in_force_on(on)?, &self.calendar().await?);
        let mut tx = self.begin().await?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO transfers (case_id, from_cell, to_cell, common_parent, stage, reason, started_on,
             escalates_on, started_by, started_at, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending') RETURNING id",
        )
        .bind(case.0)
        .bind(record.case.cell.0)
        .bind(to_cell.0)
        .bind(parent.map(|p| p.0))
        .bind(record.case.stage.code())
        .bind(&why)
        .bind(iso_date(on))
        .bind(escalates_on.map(iso_date))
        .bind(&change.actor)
        .bind(timestamp(change.now))
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            // The partial unique index: one pending transfer per case.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(Violation::new(
                    "transfer.pending",
                    "case",
                    "Hồ sơ này đang chờ đơn vị khác tiếp nhận; hãy rút lại yêu cầu cũ trước.",
                )
                .into());
            }
            Err(e) => return Err(backend_error(e)),
        };
        audit::write(
            &mut tx,
            change,
            Audit {
                after: Some(format!("case {case}: {} → {}", record.case.cell, to_cell)),
                ..Audit::event("transfer.start", "transfer", id)
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(id)
    }

    /// Transfers that touch the scope: leaving it, arriving in it, or escalated to a parent
    /// inside it. Newest first.
    pub async fn transfers(&self, scope: &Scope) -> StoreResult<Vec<TransferView>> {
        let rows: Vec<TransferRow> = sqlx::query_as(&format!(
            "{SUBTREE} {TRANSFER_SELECT} WHERE t.from_cell IN (SELECT id FROM subtree)
             OR t.to_cell IN (SELECT id FROM subtree) OR t.common_parent IN (SELECT id FROM subtree)
             ORDER BY t.started_at DESC, t.id DESC"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(TransferRow::into_view).collect()
    }

    /// Every pending transfer, for the daily reminders.
    pub async fn pending_transfers(&self) -> StoreResult<Vec<TransferView>> {
        let rows: Vec<TransferRow> = sqlx::query_as(&format!(
            "{TRANSFER_SELECT} WHERE t.status = 'pending' AND {CASE_OPEN} ORDER BY t.id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(TransferRow::into_view).collect()
    }

    pub async fn transfer(&self, scope: &Scope, id: i64) -> StoreResult<TransferView> {
        let row: Option<TransferRow> = sqlx::query_as(&format!(
            "{TRANSFER_SELECT} WHERE t.id = $2 AND ({} OR {} OR {})",
            in_subtree("t.from_cell"),
            in_subtree("t.to_cell"),
            in_subtree("t.common_parent")
        ))
        .bind(scope.root().0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        row.ok_or(StoreError::NotFound("yêu cầu chuyển sinh hoạt"))?
            .into_view()
    }

    /// A case's transfers, newest first, for its page (the case is read in the scope first).
    pub async fn transfers_of_case(
        &self,
        scope: &Scope,
        case: CaseId,
    ) -> StoreResult<Vec<TransferView>> {
        self.case(scope, case).await?;
        let rows: Vec<TransferRow> = sqlx::query_as(&format!(
            "{TRANSFER_SELECT} WHERE t.case_id = $1 ORDER BY t.started_at DESC, t.id DESC"
        ))
        .bind(case.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(TransferRow::into_view).collect()
    }

    /// Which of `units` the scope covers, in one query per few hundred units: lists of
    /// transfers ask it to tell the sending side from the receiving one.
    pub async fn units_covered(
        &self,
        scope: &Scope,
        units: &[UnitId],
    ) -> StoreResult<HashSet<UnitId>> {
        let mut wanted: Vec<i64> = units.iter().map(|u| u.0).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut covered = HashSet::new();
        for chunk in wanted.chunks(500) {
            let params: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "{SUBTREE} SELECT id FROM subtree WHERE id IN ({})",
                params.join(", ")
            );
            let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(scope.root().0);
            for id in chunk {
                query = query.bind(*id);
            }
            let found = query.fetch_all(&self.pool).await.map_err(backend_error)?;
            covered.extend(found.into_iter().map(UnitId));
        }
        Ok(covered)
    }

    /// What the navigation shows on every page, in one query: the account's unit's name,
    /// the pending transfers to and requests addressed to the scope's units (none without
    /// a scope), and the account's unread notifications. The pending ones are read through
    /// their partial indexes and each checked against the scope: listing the scope's units
    /// first took a national account 55 ms a page.
    pub async fn navigation(
        &self,
        user: UserId,
        unit: UnitId,
        scope: Option<&Scope>,
    ) -> StoreResult<Navigation> {
        let (unit_name, unread, transfers, requests): (Option<String>, i64, i64, i64) = self
            .read(format!(
                "SELECT
                    (SELECT name FROM units WHERE id = $2),
                    (SELECT COUNT(*) FROM notifications WHERE user_id = $3 AND read_at IS NULL),
                    (SELECT COUNT(*) FROM transfers t WHERE t.status = 'pending' AND {}),
                    (SELECT COUNT(*) FROM unit_requests r WHERE r.status = 'pending' AND {})",
                in_subtree("t.to_cell"),
                in_subtree("r.to_unit"),
            ))
            // No scope: NULL is no unit's ancestor.
            .bind(scope.map(|s| s.root().0))
            .bind(unit.0)
            .bind(user.0)
            .one()
            .await?;
        Ok(Navigation {
            unit_name: unit_name.unwrap_or_default(),
            waiting: Incoming {
                transfers,
                requests,
            },
            unread,
        })
    }

    /// Units active on `on` anywhere in the tree whose name, code or parent's name holds
    /// every word of `text` (with or without diacritics); only those that hold cases when
    /// `cells_only`. Units are not personal data: a transfer or a request may go anywhere.
    pub async fn destinations(
        &self,
        text: &str,
        on: NaiveDate,
        cells_only: bool,
    ) -> StoreResult<Vec<Destination>> {
        let words: Vec<String> = search_key(text)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let rows: Vec<DestinationRow> = sqlx::query_as(
            "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.sector, u.valid_from, u.valid_until,
             u.successor_id, p.name AS parent_name
             FROM units u LEFT JOIN units p ON p.id = u.parent_id
             WHERE u.valid_from <= $1 AND (u.valid_until IS NULL OR u.valid_until >= $1)",
        )
        .bind(iso_date(on))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut found = Vec::new();
        for row in rows {
            let unit = row.unit.into_unit()?;
            if cells_only && !unit.kind.holds_cases() {
                continue;
            }
            let haystack = search_key(&format!(
                "{} {} {}",
                unit.name,
                unit.code.as_deref().unwrap_or_default(),
                row.parent_name.as_deref().unwrap_or_default()
            ));
            if words.iter().all(|w| haystack.contains(w.as_str())) {
                found.push(Destination {
                    unit,
                    parent_name: row.parent_name,
                });
            }
        }
        Ok(found)
    }

    /// A pending transfer the scope may decide: it covers the receiving cell, with edit rights.
    /// Pages and the API ask it before reading what was sent, so an account outside the
    /// receiving side hears "not found" whatever its form or body holds.
    pub async fn receivable(&self, scope: &Scope, id: i64) -> StoreResult<TransferView> {
        let transfer = self.transfer(scope, id).await?;
        if !self.in_scope(scope, transfer.to_cell).await? {
            return Err(StoreError::NotFound("yêu cầu chuyển sinh hoạt"));
        }
        if !scope.can_edit() {
            return Err(read_only());
        }
        if transfer.status != Status::Pending {
            return Err(already_decided("Yêu cầu chuyển sinh hoạt"));
        }
        Ok(transfer)
    }

    /// The receiving unit accepts: the case moves to its cell with its whole history, and
    /// the sender keeps the transfer row as the record that the person left and where to.
    pub async fn accept_transfer(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
        on: NaiveDate,
    ) -> StoreResult<()> {
        let transfer = self.receivable(scope, id).await?;
        if on < transfer.started_on || on > vietnam_today(change.now) {
            return Err(Violation::new(
                "transfer.accept-date",
                "on",
                "Ngày tiếp nhận phải từ ngày chuyển đến hôm nay.",
            )
            .into());
        }
        let to_unit = self
            .unit(transfer.to_cell)
            .await?
            .ok_or(StoreError::NotFound("chi bộ"))?;
        if !to_unit.is_active_on(on) {
            return Err(Violation::new(
                "transfer.unit",
                "to_unit",
                "Chi bộ nhận không còn hoạt động.",
            )
            .into());
        }
        let rules = self.rule_book().await?;
        let mut tx = self.begin().await?;
        let (body, version, cell): (String, i64, i64) =
            sqlx::query_as("SELECT body, version, cell_id FROM cases WHERE id = $1")
                .bind(transfer.case.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend_error)?;
        let case: Case = from_json(&body)?;
        if cell != transfer.from_cell.0 {
            return Err(StoreError::Conflict);
        }
        let arrival = Arrival {
            to_cell: transfer.to_cell,
            to_cell_under_base_committee: to_unit.kind.needs_base_resolution(),
            from_name: &transfer.from_name,
            to_name: &transfer.to_name,
            reason: &transfer.reason,
            on,
        };
        let transition = arrival.apply(&case, &change.actor, rules.in_force_on(on)?, change.now)?;
        let decided = sqlx::query(
            "UPDATE transfers SET status = 'accepted', decided_by = $1, decided_on = $2 WHERE id = $3 AND status = 'pending'",
        )
        .bind(&change.actor)
        .bind(iso_date(on))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        decided_once(decided, "Yêu cầu chuyển sinh hoạt")?;
        let moved = sqlx::query(
            "UPDATE cases SET cell_id = $1, body = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5",
        )
        .bind(transfer.to_cell.0)
        .bind(to_json(&transition.case)?)
        .bind(timestamp(change.now))
        .bind(transfer.case.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        if moved.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        crate::cases::insert_event(&mut tx, transfer.case, transfer.to_cell, &transition.event)
            .await?;
        audit::write(
            &mut tx,
            change,
            Audit {
                before: Some(transfer.from_cell.to_string()),
                after: Some(transfer.to_cell.to_string()),
                ..Audit::event("transfer.accept", "case", transfer.case)
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    pub async fn decline_transfer(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
        why: &str,
    ) -> StoreResult<()> {
        let why = reason(why, "reason")?;
        self.receivable(scope, id).await?;
        self.close_transfer(change, id, Status::Declined, Some(&why))
            .await
    }

    /// The sending unit takes back a transfer nobody has decided yet.
    pub async fn cancel_transfer(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
    ) -> StoreResult<()> {
        let transfer = self.transfer(scope, id).await?;
        if !self.in_scope(scope, transfer.from_cell).await? {
            return Err(StoreError::NotFound("yêu cầu chuyển sinh hoạt"));
        }
        if !scope.can_edit() {
            return Err(read_only());
        }
        self.close_transfer(change, id, Status::Cancelled, None)
            .await
    }

    async fn close_transfer(
        &self,
        change: &Change,
        id: i64,
        to: Status,
        why: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE transfers SET status = $1, decided_by = $2, decided_on = $3, decline_reason = $4
             WHERE id = $5 AND status = 'pending'",
        )
        .bind(to.code())
        .bind(&change.actor)
        .bind(iso_date(vietnam_today(change.now)))
        .bind(why)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        decided_once(updated, "Yêu cầu chuyển sinh hoạt")?;
        let action = if to == Status::Declined {
            "transfer.decline"
        } else {
            "transfer.cancel"
        };
        audit::write(&mut tx, change, Audit::event(action, "transfer", id)).await?;
        tx.commit().await.map_err(backend_error)
    }

    // ---- Requests between units (thẩm tra lý lịch, lấy ý kiến nhận xét) ----

    /// The case's unit asks another unit (or, by letter, one not on ketnap).
    pub async fn send_request(
        &self,
        change: &Change,
        scope: &Scope,
        case: CaseId,
        request: NewRequest,
    ) -> StoreResult<i64> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        let record = self.case(scope, case).await?;
        if record.case.stage.is_closed() {
            return Err(Violation::new(
                "request.closed",
                "case",
                "Hồ sơ đã kết thúc nên không gửi yêu cầu được nữa.",
            )
            .into());
        }
        let request = request.checked(vietnam_today(change.now))?;
        let (to_unit, letter_to) = match &request.to {
            Addressee::Unit { unit } => {
                let active = self
                    .unit(*unit)
                    .await?
                    .is_some_and(|u| u.is_active_on(request.sent_on));
                if !active || *unit == record.case.cell {
                    return Err(Violation::new(
                        "request.unit",
                        "to_unit",
                        "Đơn vị nhận phải là một tổ chức đảng khác đang hoạt động.",
                    )
                    .into());
                }
                (Some(unit.0), None)
            }
            Addressee::Letter { .. } => (None, Some(to_json(&request.to)?)),
        };
        let body = self.seal_value(&request.body)?;
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO unit_requests (case_id, kind, from_unit, to_unit, letter_to, body, sent_on, due_on,
             sent_by, sent_at, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending') RETURNING id",
        )
        .bind(case.0)
        .bind(request.kind.code())
        .bind(record.case.cell.0)
        .bind(to_unit)
        .bind(letter_to)
        .bind(body)
        .bind(iso_date(request.sent_on))
        .bind(iso_date(request.due_on))
        .bind(&change.actor)
        .bind(timestamp(change.now))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend_error)?;
        audit::write(&mut tx, change, Audit::event("request.send", "request", id)).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(id)
    }

    /// Requests the scope's units are asked to answer (the inbox), newest first.
    pub async fn requests_to(&self, scope: &Scope) -> StoreResult<Vec<RequestView>> {
        self.request_list(scope, "r.to_unit IN (SELECT id FROM subtree)")
            .await
    }

    /// Requests the scope's cases are waiting on (the outbox), newest first.
    pub async fn requests_from(&self, scope: &Scope) -> StoreResult<Vec<RequestView>> {
        self.request_list(scope, "c.cell_id IN (SELECT id FROM subtree)")
            .await
    }

    async fn request_list(&self, scope: &Scope, which: &str) -> StoreResult<Vec<RequestView>> {
        let rows: Vec<RequestRow> = sqlx::query_as(&format!(
            "{SUBTREE} {REQUEST_SELECT} WHERE {which} ORDER BY r.sent_at DESC, r.id DESC"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|row| row.into_view(self, false))
            .collect()
    }

    /// Every open request, for the daily reminders.
    pub async fn pending_requests(&self) -> StoreResult<Vec<RequestView>> {
        let rows: Vec<RequestRow> = sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE r.status = 'pending' AND {CASE_OPEN} ORDER BY r.id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|row| row.into_view(self, false))
            .collect()
    }

    /// A case's requests with what was asked and answered (the case page has read the case).
    pub async fn requests_of_case(
        &self,
        scope: &Scope,
        case: CaseId,
    ) -> StoreResult<Vec<RequestView>> {
        self.case(scope, case).await?;
        let rows: Vec<RequestRow> = sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE r.case_id = $1 ORDER BY r.sent_at, r.id"
        ))
        .bind(case.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|row| row.into_view(self, true))
            .collect()
    }

    /// One request whole, for the unit asked or the case's unit; the read is audited.
    pub async fn request(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
    ) -> StoreResult<RequestView> {
        let view = self.request_row(scope, id).await?.into_view(self, true)?;
        self.audit_alone(change, Audit::event("request.read", "request", id))
            .await?;
        Ok(view)
    }

    async fn request_row(&self, scope: &Scope, id: i64) -> StoreResult<RequestRow> {
        let row: Option<RequestRow> = sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE r.id = $2 AND ({} OR {})",
            in_subtree("r.to_unit"),
            in_subtree("c.cell_id")
        ))
        .bind(scope.root().0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        row.ok_or(StoreError::NotFound("yêu cầu"))
    }

    /// A pending request the scope may answer: the unit asked, or for a letter the case's
    /// unit, with edit rights. Like `receivable`, asked before a form or body is read.
    pub async fn answerable_request(&self, scope: &Scope, id: i64) -> StoreResult<RequestView> {
        let view = self.request_row(scope, id).await?.into_view(self, false)?;
        let answering_unit = match view.to {
            Addressee::Unit { unit } => unit,
            Addressee::Letter { .. } => view.cell,
        };
        if !self.in_scope(scope, answering_unit).await? {
            return Err(StoreError::NotFound("yêu cầu"));
        }
        if !scope.can_edit() {
            return Err(read_only());
        }
        if view.status != Status::Pending {
            return Err(answered_twice(view.answered_on));
        }
        Ok(view)
    }

    /// Records the answer: by the unit asked, or for a letter by the case's unit. Once.
    pub async fn answer_request(
        &self,
        change: &Change,
        scope: &Scope,
        id: i64,
        answer: RequestAnswer,
    ) -> StoreResult<()> {
        let view = self.answerable_request(scope, id).await?;
        let answer = answer.checked(view.sent_on, vietnam_today(change.now))?;
        let sealed = self.seal_value(&answer)?;
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE unit_requests SET status = 'answered', answer = $1, answered_on = $2, answered_by = $3
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(sealed)
        .bind(iso_date(answer.answered_on))
        .bind(&change.actor)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        if updated.rows_affected() == 0 {
            return Err(answered_twice(None));
        }
        audit::write(
            &mut tx,
            change,
            Audit::event("request.answer", "request", id),
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }
}

fn answered_twice(on: Option<NaiveDate>) -> StoreError {
    let when = on
        .map(|d| format!(" ngày {}", ketnap_domain::workflow::dmy(d)))
        .unwrap_or_default();
    Violation::new(
        "request.answered",
        "status",
        format!("Yêu cầu này đã được trả lời{when}; không ghi câu trả lời thứ hai."),
    )
    .into()
}

const TRANSFER_SELECT: &str = "SELECT t.id, t.case_id, c.person_id, p.family_name, p.middle_name, p.given_name,
    p.birth_date, t.stage, t.from_cell, fu.name AS from_name, t.to_cell, tu.name AS to_name, t.common_parent,
    t.reason, t.started_on, t.escalates_on, t.started_by, t.status, t.decided_by, t.decided_on, t.decline_reason
    FROM transfers t JOIN cases c ON c.id = t.case_id JOIN people p ON p.id = c.person_id
    JOIN units fu ON fu.id = t.from_cell JOIN units tu ON tu.id = t.to_cell";

#[derive(sqlx::FromRow)]
struct TransferRow {
    id: i64,
    case_id: i64,
    person_id: i64,
    family_name: String,
    middle_name: String,
    given_name: String,
    birth_date: String,
    stage: String,
    from_cell: i64,
    from_name: String,
    to_cell: i64,
    to_name: String,
    common_parent: Option<i64>,
    reason: String,
    started_on: String,
    escalates_on: Option<String>,
    started_by: String,
    status: String,
    decided_by: Option<String>,
    decided_on: Option<String>,
    decline_reason: Option<String>,
}

impl TransferRow {
    fn into_view(self) -> StoreResult<TransferView> {
        Ok(TransferView {
            id: self.id,
            case: CaseId(self.case_id),
            person: PersonId(self.person_id),
            name: full_name(self.family_name, self.middle_name, self.given_name),
            birth: birth_display(&self.birth_date),
            stage: stage(&self.stage)?,
            from_cell: UnitId(self.from_cell),
            from_name: self.from_name,
            to_cell: UnitId(self.to_cell),
            to_name: self.to_name,
            common_parent: self.common_parent.map(UnitId),
            reason: self.reason,
            started_on: parse_date(&self.started_on)?,
            escalates_on: self.escalates_on.as_deref().map(parse_date).transpose()?,
            started_by: self.started_by,
            status: status(&self.status)?,
            decided_by: self.decided_by,
            decided_on: self.decided_on.as_deref().map(parse_date).transpose()?,
            decline_reason: self.decline_reason,
        })
    }
}

const REQUEST_SELECT: &str =
    "SELECT r.id, r.case_id, r.kind, p.family_name, p.middle_name, p.given_name, p.birth_date,
    r.from_unit, fu.name AS from_name, c.cell_id, r.to_unit, tu.name AS to_name, r.letter_to, r.body, r.answer,
    r.sent_on, r.due_on, r.sent_by, r.status, r.answered_on, r.answered_by
    FROM unit_requests r JOIN cases c ON c.id = r.case_id JOIN people p ON p.id = c.person_id
    JOIN units fu ON fu.id = r.from_unit LEFT JOIN units tu ON tu.id = r.to_unit";

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    case_id: i64,
    kind: String,
    family_name: String,
    middle_name: String,
    given_name: String,
    birth_date: String,
    from_unit: i64,
    from_name: String,
    cell_id: i64,
    to_unit: Option<i64>,
    to_name: Option<String>,
    letter_to: Option<String>,
    body: String,
    answer: Option<String>,
    sent_on: String,
    due_on: String,
    sent_by: String,
    status: String,
    answered_on: Option<String>,
    answered_by: Option<String>,
}

impl RequestRow {
    fn into_view(self, store: &Store, open: bool) -> StoreResult<RequestView> {
        let to = match (self.to_unit, &self.letter_to) {
            (Some(unit), _) => Addressee::Unit { unit: UnitId(unit) },
            (None, Some(letter)) => from_json(letter)?,
            (None, None) => {
                return Err(StoreError::Backend(format!(
                    "yêu cầu {} không có nơi nhận",
                    self.id
                )));
            }
        };
        let to_name = match (&to, self.to_name) {
            (Addressee::Letter { name, .. }, _) => name.clone(),
            (Addressee::Unit { .. }, name) => name.unwrap_or_default(),
        };
        let (body, answer) = if open {
            // An erased request (its person erased by retention) keeps no text.
            let body = if self.body.is_empty() {
                RequestBody {
                    about: ketnap_domain::person::ERASED_NAME.to_string(),
                    questions: String::new(),
                }
            } else {
                store.open_sealed(&self.body)?
            };
            (
                Some(body),
                self.answer
                    .as_deref()
                    .map(|a| store.open_sealed(a))
                    .transpose()?,
            )
        } else {
            (None, None)
        };
        Ok(RequestView {
            id: self.id,
            case: CaseId(self.case_id),
            kind: RequestKind::from_code(&self.kind)
                .ok_or_else(|| StoreError::Backend(format!("loại yêu cầu lạ: {}", self.kind)))?,
            applicant: full_name(self.family_name, self.middle_name, self.given_name),
            applicant_birth: birth_display(&self.birth_date),
            from_unit: UnitId(self.from_unit),
            from_name: self.from_name,
            cell: UnitId(self.cell_id),
            to,
            to_name,
            sent_on: parse_date(&self.sent_on)?,
            due_on: parse_date(&self.due_on)?,
            sent_by: self.sent_by,
            status: status(&self.status)?,
            answered_on: self.answered_on.as_deref().map(parse_date).transpose()?,
            answered_by: self.answered_by,
            body,
            answer,
        })
    }
}
