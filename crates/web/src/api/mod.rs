//! The JSON API v1 under `/api/v1`, for a bearer token (`ketnap token create`).
//!
//! Every answer is JSON; errors carry `{error, message, field, rule, request_id}` (built by
//! `security::request_context` from a `WebError`). Something outside the token's scope is
//! "not found", never "forbidden". The document at `/api/v1/openapi.json` (`openapi.rs`)
//! describes every route, and the integration tests check the answers against it.

pub mod coordination;
pub mod nominations;
mod openapi;
mod params;
pub mod reports;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::NaiveDate;
use ketnap_domain::action::Action;
use ketnap_domain::case::{Case, Stage};
use ketnap_domain::checklist::{ChecklistLine, checklist};
use ketnap_domain::deadline::{Deadline, next_deadline};
use ketnap_domain::ids::{CaseId, PersonId, UnitId};
use ketnap_domain::person::{BirthDate, Person};
use ketnap_domain::ports::{CaseFilter, CaseRecord, CaseStore, PersonStore, RuleStore, UnitStore};
use ketnap_domain::text::NameCollator;
use ketnap_domain::unit::{Unit, UnitKind};
use ketnap_domain::workflow::{self, Actor, Event};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ctx::Ctx;
use crate::error::WebError;

pub use openapi::openapi;

/// Days ahead in which a deadline counts as "due soon".
const WARN_DAYS: i64 = 14;
/// People returned by one search.
const SEARCH_LIMIT: u32 = 50;

/// `YYYY-MM-DD`, or the year alone when only the year is known.
fn birth_text(birth: BirthDate) -> String {
    match birth {
        BirthDate::Full(day) => day.format("%Y-%m-%d").to_string(),
        BirthDate::YearOnly(year) => format!("{year:04}"),
    }
}

/// A case id from the path; anything but a positive number names no case.
fn case_id(raw: &str) -> Result<CaseId, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(CaseId)
        .ok_or_else(WebError::not_found)
}

// ---------------------------------------------------------------------------------------
// Units

#[derive(Debug, Serialize)]
struct UnitItem {
    id: UnitId,
    code: Option<String>,
    name: String,
    kind: UnitKind,
    kind_label: &'static str,
    parent: Option<UnitId>,
    sector: String,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
    successor: Option<UnitId>,
}

impl From<Unit> for UnitItem {
    fn from(unit: Unit) -> UnitItem {
        UnitItem {
            id: unit.id,
            code: unit.code,
            name: unit.name,
            kind: unit.kind,
            kind_label: unit.kind.label_vi(),
            parent: unit.parent,
            sector: unit.sector.0,
            valid_from: unit.valid_from,
            valid_until: unit.valid_until,
            successor: unit.successor,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct UnitList {
    items: Vec<UnitItem>,
}

/// `GET /api/v1/units`: the scope's root and everything under it, past units included.
pub async fn units(ctx: Ctx, RawQuery(query): RawQuery) -> Result<Json<UnitList>, WebError> {
    params::Query::parse(query.as_deref(), &[])?;
    let units = ctx.state.store.units_in(ctx.scope()?).await?;
    Ok(Json(UnitList {
        items: units.into_iter().map(UnitItem::from).collect(),
    }))
}

// ---------------------------------------------------------------------------------------
// Cases

/// A deadline as the API shows it: the status flattened into a code, days and a label.
#[derive(Debug, Serialize)]
struct DeadlineItem {
    due: NaiveDate,
    what: &'static str,
    rule: String,
    status: &'static str,
    /// Days left (due soon) or days past (overdue); `None` while on time.
    days: Option<i64>,
    status_label: String,
}

impl From<Deadline> for DeadlineItem {
    fn from(deadline: Deadline) -> DeadlineItem {
        use ketnap_domain::deadline::DeadlineStatus;
        let days = match deadline.status {
            DeadlineStatus::OnTime => None,
            DeadlineStatus::DueSoon(days) | DeadlineStatus::Overdue(days) => Some(days),
        };
        DeadlineItem {
            due: deadline.due,
            what: deadline.what,
            rule: deadline.rule,
            status: deadline.status.code(),
            days,
            status_label: deadline.status.label_vi(),
        }
    }
}

#[derive(Debug, Serialize)]
struct CaseItem {
    id: CaseId,
    version: i64,
    person_id: PersonId,
    full_name: String,
    birth_date: String,
    cell_id: UnitId,
    cell_name: String,
    stage: Stage,
    stage_label: &'static str,
    identified_on: NaiveDate,
    /// The admission decision's date: party age counts from here.
    decided_on: Option<NaiveDate>,
    ceremony_on: Option<NaiveDate>,
    official_on: Option<NaiveDate>,
    next_deadline: Option<DeadlineItem>,
}

#[derive(Debug, Serialize)]
pub struct CaseList {
    total: usize,
    limit: usize,
    offset: usize,
    items: Vec<CaseItem>,
}

/// What the clock needs: the rule book, the calendar and today in Vietnam.
struct Clock {
    rules: ketnap_domain::rules::RuleBook,
    calendar: ketnap_domain::calendar::Calendar,
    today: NaiveDate,
}

impl Clock {
    async fn load(ctx: &Ctx) -> Result<Clock, WebError> {
        Ok(Clock {
            rules: ctx.state.store.rule_book().await?,
            calendar: ctx.state.store.calendar().await?,
            today: ctx.today(),
        })
    }

    fn deadline(&self, case: &Case) -> Result<Option<DeadlineItem>, WebError> {
        Ok(
            next_deadline(case, &self.rules, &self.calendar, self.today, WARN_DAYS)
                .ok()
                .flatten()
                .map(DeadlineItem::from),
        )
    }
}

fn case_item(record: CaseRecord, clock: &Clock) -> Result<CaseItem, WebError> {
    let next_deadline = clock.deadline(&record.case)?;
    let case = record.case;
    Ok(CaseItem {
        id: case.id,
        version: record.version,
        person_id: case.person,
        full_name: record.person.details.name.full(),
        birth_date: birth_text(record.person.details.birth),
        cell_id: case.cell,
        cell_name: record.cell_name,
        stage: case.stage,
        stage_label: case.stage.label_vi(),
        identified_on: case.identified_on,
        decided_on: case.party_age_from(),
        ceremony_on: case.ceremony_on,
        official_on: case.official_on,
        next_deadline,
    })
}

/// `GET /api/v1/cases?stage=&open=&limit=&offset=`: the scope's cases in Vietnamese name
/// order, one page of them, with the total.
pub async fn cases(ctx: Ctx, RawQuery(query): RawQuery) -> Result<Json<CaseList>, WebError> {
    let mut query = params::Query::parse(query.as_deref(), &["stage", "open", "limit", "offset"])?;
    let filter = CaseFilter {
        stage: query.stage("stage")?,
        open_only: query.boolean("open")?.unwrap_or(false),
    };
    let limit = query.number("limit", 0, params::MAX_LIMIT)?.unwrap_or(100);
    let offset = query.number("offset", 0, usize::MAX)?.unwrap_or(0);
    let records = ctx.state.store.cases(ctx.scope()?, &filter).await?;
    let clock = Clock::load(&ctx).await?;
    let total = records.len();
    let items = records
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|record| case_item(record, &clock))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(CaseList {
        total,
        limit,
        offset,
        items,
    }))
}

/// A person as the API shows them: the record, with the full name and the birth date as
/// text beside it.
#[derive(Debug, Serialize)]
struct PersonView {
    #[serde(flatten)]
    person: Person,
    full_name: String,
    birth_date: String,
}

impl From<Person> for PersonView {
    fn from(person: Person) -> PersonView {
        PersonView {
            full_name: person.details.name.full(),
            birth_date: birth_text(person.details.birth),
            person,
        }
    }
}

#[derive(Debug, Serialize)]
struct StageView {
    code: Stage,
    label: &'static str,
}

impl From<Stage> for StageView {
    fn from(stage: Stage) -> StageView {
        StageView {
            code: stage,
            label: stage.label_vi(),
        }
    }
}

#[derive(Debug, Serialize)]
struct CellView {
    id: UnitId,
    name: String,
}

#[derive(Debug, Serialize)]
pub struct CaseDetail {
    id: CaseId,
    /// The version the next action must name.
    version: i64,
    stage: StageView,
    cell: CellView,
    party_age_from: Option<NaiveDate>,
    next_deadline: Option<DeadlineItem>,
    case: Case,
    person: PersonView,
    events: Vec<Event>,
    checklist: Vec<ChecklistLine>,
}

/// `GET /api/v1/cases/{case_id}`: the whole case, its person (the read is audited), its
/// history, its checklist and its next deadline.
pub async fn case(ctx: Ctx, Path(raw_id): Path<String>) -> Result<Json<CaseDetail>, WebError> {
    let id = case_id(&raw_id)?;
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let record = store.case(scope, id).await?;
    let person = store
        .person(&ctx.change(), scope, record.case.person)
        .await?;
    let events = store.events(scope, id).await?;
    let clock = Clock::load(&ctx).await?;
    let next_deadline = clock.deadline(&record.case)?;
    let lines = checklist(&record.case, clock.today);
    let case = record.case;
    Ok(Json(CaseDetail {
        id: case.id,
        version: record.version,
        stage: case.stage.into(),
        cell: CellView {
            id: case.cell,
            name: record.cell_name,
        },
        party_age_from: case.party_age_from(),
        next_deadline,
        person: person.into(),
        events,
        checklist: lines,
        case,
    }))
}

// ---------------------------------------------------------------------------------------
// Actions

/// The body of `POST /api/v1/cases/{case_id}/actions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActRequest {
    version: i64,
    action: Action,
}

#[derive(Debug, Serialize)]
pub struct ActResult {
    id: CaseId,
    version: i64,
    stage: StageView,
    event: Event,
    next_deadline: Option<DeadlineItem>,
}

/// Refuses a body that says it is something other than JSON.
fn check_content_type(headers: &HeaderMap) -> Result<(), WebError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(WebError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "Nội dung gửi lên phải là JSON (Content-Type: application/json).".into(),
            field: Some("content-type".into()),
            rule: Some("api.content-type".into()),
        })
    }
}

/// Reads the body of an action.
fn read_body(bytes: &[u8]) -> Result<ActRequest, WebError> {
    read_json(bytes, "{\"version\": …, \"action\": {…}}", field_at_fault)
}

/// Reads a JSON body; a syntax error answers 400, a body of the wrong shape 422, both with
/// the line and column of the problem and the field `field_at_fault` names. `outline` is
/// the body's shape, for the message about an empty one.
fn read_json<T: DeserializeOwned>(
    bytes: &[u8],
    outline: &str,
    field_at_fault: fn(&[u8]) -> String,
) -> Result<T, WebError> {
    let error = match serde_json::from_slice::<T>(bytes) {
        Ok(body) => return Ok(body),
        Err(error) => error,
    };
    // `"task": 1.0` is the integer 1 to JSON Schema, so to the document too.
    if error.classify() == serde_json::error::Category::Data
        && let Some(body) = params::json_with_whole_numbers(bytes)
            .and_then(|value| serde_json::from_value::<T>(value).ok())
    {
        return Ok(body);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(WebError {
            status: StatusCode::BAD_REQUEST,
            message: format!("Thân yêu cầu trống: hãy gửi {outline}."),
            field: Some("body".into()),
            rule: Some("api.json.syntax".into()),
        });
    }
    let position = if error.line() > 0 {
        format!(" (dòng {}, cột {})", error.line(), error.column())
    } else {
        String::new()
    };
    let detail = params::json_detail_vi(&error);
    if error.is_syntax() || error.is_eof() || error.is_io() {
        return Err(WebError {
            status: StatusCode::BAD_REQUEST,
            message: format!("Nội dung gửi lên không phải JSON hợp lệ{position}: {detail}."),
            field: Some("body".into()),
            rule: Some("api.json.syntax".into()),
        });
    }
    Err(WebError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: format!("Nội dung JSON không đúng mẫu{position}: {detail}."),
        field: Some(field_at_fault(bytes)),
        rule: Some("api.json.shape".into()),
    })
}

/// Which field of a well-formed body of type `T` is wrong, as a path (`person.birth_date`),
/// by where serde stopped; a missing field is named itself, not its parent.
fn path_at_fault<T: DeserializeOwned>(bytes: &[u8]) -> String {
    let value = params::json_with_whole_numbers(bytes).unwrap_or(Value::Null);
    let Err(error) = serde_path_to_error::deserialize::<_, T>(value) else {
        return "body".into();
    };
    let mut path = error.path().to_string();
    if path == "." {
        path.clear();
    }
    let text = error.inner().to_string();
    if let Some(missing) = text
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(missing);
    }
    if path.is_empty() { "body".into() } else { path }
}

/// Which top-level field of a well-formed body is wrong: `version`, `action` or `body`.
fn field_at_fault(bytes: &[u8]) -> String {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return "body".into();
    };
    if map.keys().any(|k| k != "version" && k != "action") {
        return "body".into();
    }
    match map.get("version") {
        Some(v) if v.as_i64().is_some() => {}
        _ => return "version".into(),
    }
    match map.get("action") {
        Some(action) if serde_json::from_value::<Action>(action.clone()).is_ok() => "body".into(),
        _ => "action".into(),
    }
}

/// `POST /api/v1/cases/{case_id}/actions`: applies one action to the case at `version`.
pub async fn act(
    ctx: Ctx,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ActResult>, WebError> {
    let id = case_id(&raw_id)?;
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    // Out of scope answers 404 whatever the body holds: nothing is confirmed.
    let record = store.case(scope, id).await?;
    check_content_type(&headers)?;
    let request = read_body(&body)?;
    if request.version != record.version {
        return Err(ketnap_domain::ports::StoreError::Conflict.into());
    }
    let clock = Clock::load(&ctx).await?;
    let change = ctx.change();
    let transition = workflow::apply(
        &record.case,
        &record.person.details,
        &request.action,
        &Actor(ctx.auth.username.clone()),
        change.now,
        &clock.rules,
        &clock.calendar,
    )?;
    let version = store
        .record_transition(&change, scope, record.version, &transition)
        .await?;
    Ok(Json(ActResult {
        id,
        version,
        stage: transition.case.stage.into(),
        next_deadline: clock.deadline(&transition.case)?,
        event: transition.event,
    }))
}

// ---------------------------------------------------------------------------------------
// People

#[derive(Debug, Serialize)]
struct PersonCase {
    id: CaseId,
    stage: Stage,
    stage_label: &'static str,
    cell_id: UnitId,
    cell_name: String,
}

#[derive(Debug, Serialize)]
struct PersonHit {
    id: PersonId,
    full_name: String,
    birth_date: String,
    /// The person's cases in the scope, with their cells.
    cases: Vec<PersonCase>,
}

#[derive(Debug, Serialize)]
pub struct PeopleList {
    items: Vec<PersonHit>,
}

/// The body of `POST /api/v1/people/search`: the text travels in the body, never in the
/// URL, so no log or proxy sees a name or a citizen id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchRequest {
    q: String,
    #[serde(default)]
    limit: Option<u32>,
}

/// `POST /api/v1/people/search` `{q, limit}`: people of the scope by name (with or without
/// diacritics) or citizen id, in Vietnamese name order.
pub async fn people_search(
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PeopleList>, WebError> {
    let scope = ctx.scope()?;
    check_content_type(&headers)?;
    let request: SearchRequest = read_json(
        &body,
        "{\"q\": \"họ tên hoặc số CCCD\"}",
        path_at_fault::<SearchRequest>,
    )?;
    let q = params::search_text("q", &request.q)?;
    let limit = params::within("limit", request.limit, 1, SEARCH_LIMIT)?.unwrap_or(SEARCH_LIMIT);
    let store = &ctx.state.store;
    let mut people = store.find_people(scope, &q, limit).await?;
    store
        .log_read(&ctx.change(), scope, "person.search", people.len(), None)
        .await?;
    let collator = NameCollator::new();
    people.sort_by(|a, b| {
        collator
            .compare_names(&a.details.name, &b.details.name)
            .then(a.id.cmp(&b.id))
    });
    let records = if people.is_empty() {
        Vec::new()
    } else {
        store.cases(scope, &CaseFilter::default()).await?
    };
    let items = people
        .into_iter()
        .map(|person| PersonHit {
            id: person.id,
            full_name: person.details.name.full(),
            birth_date: birth_text(person.details.birth),
            cases: records
                .iter()
                .filter(|r| r.case.person == person.id)
                .map(|r| PersonCase {
                    id: r.case.id,
                    stage: r.case.stage,
                    stage_label: r.case.stage.label_vi(),
                    cell_id: r.case.cell,
                    cell_name: r.cell_name.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(PeopleList { items }))
}
