//! What the domain needs from storage. The store crate implements these traits on SQLite
//! and PostgreSQL; every change takes a `Change` so its audit row can be written in the
//! same transaction, and every read of people takes a `Scope`.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::Violation;
use crate::calendar::Calendar;
use crate::case::{Case, DocRef, Stage};
use crate::course::{Course, Participant};
use crate::ids::{CaseId, CourseId, MassOrgId, PersonId, UnitId};
use crate::person::{IdentityChange, Person, PersonDetails};
use crate::rules::{RuleBook, RuleSet};
use crate::scope::Scope;
use crate::unit::{SectorCode, Unit, UnitKind};
use crate::workflow::{Event, Transition};

/// Who changes something, in which request or command, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub actor: String,
    /// The request id (web) or command id (CLI) that users can quote.
    pub request_id: String,
    pub now: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input breaks a rule; nothing was written.
    #[error("{0}")]
    Rejected(#[from] Violation),
    /// Not there, or not in the caller's scope (the two are not told apart).
    #[error("Không tìm thấy {0}.")]
    NotFound(&'static str),
    /// Someone else changed the record first; reload and try again.
    #[error("Hồ sơ vừa được người khác cập nhật; hãy tải lại rồi thử lại.")]
    Conflict,
    /// The disk holding the database is full; nothing was written, what was is intact.
    #[error(
        "Máy chủ hết dung lượng đĩa nên chưa lưu được thay đổi này; dữ liệu đã lưu vẫn nguyên vẹn. Hãy báo quản trị viên giải phóng dung lượng rồi thử lại."
    )]
    Full,
    /// The database failed; the detail is for the log, not the user.
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq)]
pub struct NewUnit {
    pub code: Option<String>,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    pub sector: SectorCode,
    pub valid_from: NaiveDate,
}

/// A case with its person, its cell and the version its next change must name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRecord {
    pub case: Case,
    pub person: Person,
    pub cell_name: String,
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    pub stage: Option<Stage>,
    /// Only cases that have not left the pipeline or become official.
    pub open_only: bool,
}

/// One row of the audit trail (nhật ký truy cập và thay đổi).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: String,
}

pub trait UnitStore {
    fn create_unit(
        &self,
        change: &Change,
        unit: NewUnit,
    ) -> impl Future<Output = StoreResult<UnitId>> + Send;
    fn unit(&self, id: UnitId) -> impl Future<Output = StoreResult<Option<Unit>>> + Send;
    fn unit_by_code(&self, code: &str) -> impl Future<Output = StoreResult<Option<Unit>>> + Send;
    /// The scope's root and everything under it, past units included.
    fn units_in(&self, scope: &Scope) -> impl Future<Output = StoreResult<Vec<Unit>>> + Send;
    fn rename_unit(
        &self,
        change: &Change,
        id: UnitId,
        name: &str,
        on: NaiveDate,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Closes `from` the day before `on`; its sub-units and open cases move to `into`.
    fn merge_unit(
        &self,
        change: &Change,
        from: UnitId,
        into: UnitId,
        on: NaiveDate,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Closes a unit the day before `on`; refused while it has active sub-units or open cases.
    fn dissolve_unit(
        &self,
        change: &Change,
        id: UnitId,
        on: NaiveDate,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

pub trait PersonStore {
    fn create_person(
        &self,
        change: &Change,
        details: &PersonDetails,
    ) -> impl Future<Output = StoreResult<PersonId>> + Send;
    /// Reads a person's record and writes the read to the audit trail.
    fn person(
        &self,
        change: &Change,
        scope: &Scope,
        id: PersonId,
    ) -> impl Future<Output = StoreResult<Person>> + Send;
    /// By citizen id, or by name with or without diacritics.
    fn find_people(
        &self,
        scope: &Scope,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Person>>> + Send;
    fn change_identity(
        &self,
        change: &Change,
        scope: &Scope,
        id: PersonId,
        identity: &IdentityChange,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Names and dates of birth the person had before official changes, oldest first.
    fn identity_history(
        &self,
        scope: &Scope,
        id: PersonId,
    ) -> impl Future<Output = StoreResult<Vec<PastIdentity>>> + Send;
}

/// A name and date of birth a person had until an official change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PastIdentity {
    pub name: crate::text::PersonName,
    /// `YYYY-MM-DD`, or the year alone.
    pub birth: String,
    pub changed_on: NaiveDate,
    pub reason: String,
}

pub trait CaseStore {
    /// Records a new source: the person and their case, in one transaction.
    fn create_source(
        &self,
        change: &Change,
        scope: &Scope,
        details: &PersonDetails,
        cell: UnitId,
        identified_on: NaiveDate,
        nomination: Option<(MassOrgId, DocRef)>,
    ) -> impl Future<Output = StoreResult<(PersonId, CaseId)>> + Send;
    /// Opens a new case for a person already on file (a second attempt, say).
    fn open_case(
        &self,
        change: &Change,
        scope: &Scope,
        person: PersonId,
        cell: UnitId,
        identified_on: NaiveDate,
        nomination: Option<(MassOrgId, DocRef)>,
    ) -> impl Future<Output = StoreResult<CaseId>> + Send;
    fn case(
        &self,
        scope: &Scope,
        id: CaseId,
    ) -> impl Future<Output = StoreResult<CaseRecord>> + Send;
    /// Saves the outcome of `workflow::apply` if the case is still at `version`.
    fn record_transition(
        &self,
        change: &Change,
        scope: &Scope,
        version: i64,
        transition: &Transition,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    fn cases(
        &self,
        scope: &Scope,
        filter: &CaseFilter,
    ) -> impl Future<Output = StoreResult<Vec<CaseRecord>>> + Send;
    fn events(
        &self,
        scope: &Scope,
        id: CaseId,
    ) -> impl Future<Output = StoreResult<Vec<Event>>> + Send;
}

pub trait RuleStore {
    /// The shipped rule sets overlaid with those an administrator loaded.
    fn rule_book(&self) -> impl Future<Output = StoreResult<RuleBook>> + Send;
    fn load_rule_set(
        &self,
        change: &Change,
        text: &str,
    ) -> impl Future<Output = StoreResult<RuleSet>> + Send;
    fn calendar(&self) -> impl Future<Output = StoreResult<Calendar>> + Send;
    /// Loads one year's announced holidays (replacing an earlier load); returns the year.
    fn load_calendar_year(
        &self,
        change: &Change,
        text: &str,
    ) -> impl Future<Output = StoreResult<i32>> + Send;
}

pub trait CourseStore {
    /// Records a class whose unit and participants are all in `scope`, with the
    /// transitions its certificates make on their cases (`Course::certificate_transitions`),
    /// all in one transaction.
    fn record_course(
        &self,
        change: &Change,
        scope: &Scope,
        course: &Course,
        participants: &[Participant],
        certificates: &[(i64, Transition)],
    ) -> impl Future<Output = StoreResult<CourseId>> + Send;
}

pub trait AuditStore {
    fn audit_trail(
        &self,
        scope: &Scope,
        entity: &str,
        entity_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<AuditEntry>>> + Send;
}
