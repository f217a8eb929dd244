//! Nominations over the API: a mass organisation's own system (a Youth Union's, with the
//! token of its officer's account) submits nominations and reads their outcome; the party
//! unit's system lists those addressed to it and accepts or declines them. The checks are
//! the pages' own (`pages::nominations`, `pages::person_form`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::case::{DocRef, Stage};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::coordination::{Nomination, Status};
use ketnap_domain::ids::{CaseId, MassOrgId, PersonId, UnitId};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::StoreError;
use ketnap_store::NominationSummary;
use ketnap_store::lookups::Nominee;
use serde::{Deserialize, Serialize};

use super::coordination::body_of;
use super::{birth_text, params};
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::nominations::{outcomes, own_org};
use crate::pages::parse_id;
use crate::pages::person_form::{PersonFields, details_from, sex_code};
use crate::pages::sources::FieldErrors;

// ---------------------------------------------------------------------------------------
// Submitting (a mass organisation's system)

/// The person as a partner system sends them: typed JSON, read by the form's own checks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonBody {
    family_name: String,
    #[serde(default)]
    middle_name: String,
    given_name: String,
    birth_date: String,
    sex: Sex,
    #[serde(default)]
    citizen_id: Option<String>,
    ethnicity: u8,
    #[serde(default)]
    religion: String,
    #[serde(default)]
    education_general: String,
    #[serde(default)]
    education_professional: String,
    #[serde(default)]
    education_political: String,
    #[serde(default)]
    occupation: String,
    #[serde(default)]
    workplace: String,
    #[serde(default)]
    residence: String,
    #[serde(default)]
    youth_union_member: bool,
    #[serde(default)]
    trade_union_member: bool,
    #[serde(default)]
    phone: String,
}

impl From<PersonBody> for PersonFields {
    fn from(p: PersonBody) -> PersonFields {
        let ticked = |yes: bool| if yes { "1" } else { "" }.to_string();
        PersonFields {
            family_name: p.family_name,
            middle_name: p.middle_name,
            given_name: p.given_name,
            birth_date: p.birth_date,
            sex: sex_code(p.sex).to_string(),
            citizen_id: p.citizen_id.unwrap_or_default(),
            ethnicity: p.ethnicity.to_string(),
            religion: p.religion,
            education_general: p.education_general,
            education_professional: p.education_professional,
            education_political: p.education_political,
            occupation: p.occupation,
            workplace: p.workplace,
            residence: p.residence,
            youth_union: ticked(p.youth_union_member),
            trade_union: ticked(p.trade_union_member),
            phone: p.phone,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionBody {
    number: String,
    dated: NaiveDate,
}

/// The body of `POST /api/v1/nominations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NominationRequest {
    unit: i64,
    person: PersonBody,
    resolution: ResolutionBody,
    reasons: String,
}

#[derive(Debug, Serialize)]
pub struct NominationCreated {
    id: i64,
    status: Status,
    status_label: &'static str,
}

/// The body's field a violation of the domain or the store names.
fn body_field(field: &str, person: &PersonFields) -> String {
    match field {
        "resolution_number" => "resolution.number".into(),
        "resolution_dated" => "resolution.dated".into(),
        "unit" | "reasons" => field.into(),
        // The person's name is one check over two fields: name the one that is empty.
        "name" | "person" if person.family_name.trim().is_empty() => "person.family_name".into(),
        "name" | "person" => "person.given_name".into(),
        other => format!("person.{other}"),
    }
}

fn refusal(violation: Violation, person: &PersonFields) -> WebError {
    let field = body_field(&violation.field, person);
    WebError {
        field: Some(field),
        ..violation.into()
    }
}

/// `POST /api/v1/nominations`: the officer's organisation nominates someone to its party
/// unit (or a cell under it); 201 with the nomination's id.
pub async fn submit(
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<NominationCreated>), WebError> {
    let (nominator, _) = own_org(&ctx).await?;
    let request: NominationRequest = body_of(
        &headers,
        &body,
        "{\"unit\": …, \"person\": {…}, \"resolution\": {…}, \"reasons\": …}",
    )?;
    let person = PersonFields::from(request.person);
    let mut errors = FieldErrors::default();
    let details = details_from(&person, ctx.today(), &mut errors);
    let details = match (details, errors.all().first()) {
        (Some(details), None) => details,
        (_, first) => {
            let violation = first.map_or_else(
                || {
                    Violation::new(
                        "person.invalid",
                        "person",
                        "Thông tin người được giới thiệu chưa đúng.",
                    )
                },
                |e| Violation::new(e.rule.clone(), e.field.clone(), e.message.clone()),
            );
            return Err(refusal(violation, &person));
        }
    };
    let nomination = Nomination {
        details,
        resolution: DocRef {
            number: request.resolution.number,
            dated: request.resolution.dated,
        },
        reasons: request.reasons,
    };
    match ctx
        .state
        .store
        .submit_nomination(&ctx.change(), nominator, UnitId(request.unit), nomination)
        .await
    {
        Ok(id) => Ok((
            StatusCode::CREATED,
            Json(NominationCreated {
                id,
                status: Status::Pending,
                status_label: Status::Pending.label_vi(),
            }),
        )),
        Err(StoreError::Rejected(v)) => Err(refusal(v, &person)),
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Reading the outcome (a mass organisation's system)

#[derive(Debug, Serialize)]
struct UnitName {
    id: UnitId,
    name: String,
}

/// What a nomination's organisation and its party unit both see of it.
#[derive(Debug, Serialize)]
struct NominationBase {
    id: i64,
    name: String,
    unit: UnitName,
    resolution: DocRef,
    status: Status,
    status_label: &'static str,
    submitted_on: NaiveDate,
    decided_on: Option<NaiveDate>,
    decline_reason: Option<String>,
}

impl From<&NominationSummary> for NominationBase {
    fn from(n: &NominationSummary) -> NominationBase {
        NominationBase {
            id: n.id,
            name: n.name.clone(),
            unit: UnitName {
                id: n.unit,
                name: n.unit_name.clone(),
            },
            resolution: n.resolution.clone(),
            status: n.status,
            status_label: n.status.label_vi(),
            submitted_on: n.submitted_on,
            decided_on: n.decided_on,
            decline_reason: n.decline_reason.clone(),
        }
    }
}

/// How far an accepted nominee has come: the stage and the dates of the main steps.
#[derive(Debug, Serialize)]
struct Progress {
    stage: Stage,
    stage_label: &'static str,
    identified_on: NaiveDate,
    sympathiser_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    ceremony_on: Option<NaiveDate>,
    official_on: Option<NaiveDate>,
}

impl From<Nominee> for Progress {
    fn from(n: Nominee) -> Progress {
        Progress {
            stage: n.stage,
            stage_label: n.stage.label_vi(),
            identified_on: n.identified_on,
            sympathiser_on: n.sympathiser_on,
            decided_on: n.decided_on,
            ceremony_on: n.ceremony_on,
            official_on: n.official_on,
        }
    }
}

/// One nomination as its organisation sees it: nothing about the person but the name.
#[derive(Debug, Serialize)]
struct OwnNomination {
    #[serde(flatten)]
    base: NominationBase,
    progress: Option<Progress>,
}

#[derive(Debug, Serialize)]
pub struct OwnNominationList {
    items: Vec<OwnNomination>,
}

/// `GET /api/v1/nominations`: the organisation's nominations, newest first, with their
/// status and, once accepted, the stage and dates their nominee has reached.
pub async fn list(
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Json<OwnNominationList>, WebError> {
    params::Query::parse(query.as_deref(), &[])?;
    let (nominator, _) = own_org(&ctx).await?;
    let items = outcomes(&ctx, nominator)
        .await?
        .into_iter()
        .map(|(n, nominee)| OwnNomination {
            base: NominationBase::from(&n),
            progress: nominee.map(Progress::from),
        })
        .collect();
    Ok(Json(OwnNominationList { items }))
}

// ---------------------------------------------------------------------------------------
// The party unit's side

#[derive(Debug, Serialize)]
struct OrgName {
    id: MassOrgId,
    name: String,
}

/// One nomination as the party unit it is addressed to lists it.
#[derive(Debug, Serialize)]
struct IncomingNomination {
    #[serde(flatten)]
    base: NominationBase,
    mass_org: OrgName,
    case_id: Option<CaseId>,
}

impl From<NominationSummary> for IncomingNomination {
    fn from(n: NominationSummary) -> IncomingNomination {
        IncomingNomination {
            base: NominationBase::from(&n),
            mass_org: OrgName {
                id: n.mass_org,
                name: n.mass_org_name,
            },
            case_id: n.case,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct IncomingList {
    items: Vec<IncomingNomination>,
}

/// `GET /api/v1/nominations/incoming?pending=`: nominations addressed to units of the
/// scope, newest first; `pending=true` for those waiting for a decision only.
pub async fn incoming(ctx: Ctx, RawQuery(query): RawQuery) -> Result<Json<IncomingList>, WebError> {
    let mut query = params::Query::parse(query.as_deref(), &["pending"])?;
    let pending = query.boolean("pending")?.unwrap_or(false);
    let list = ctx
        .state
        .store
        .nominations_to(ctx.scope()?, pending)
        .await?;
    Ok(Json(IncomingList {
        items: list.into_iter().map(IncomingNomination::from).collect(),
    }))
}

/// The person a nomination names, as the party unit reads them before deciding.
#[derive(Debug, Serialize)]
struct NomineeDetails {
    #[serde(flatten)]
    details: PersonDetails,
    full_name: String,
    birth_date: String,
}

/// A nomination whole: the person and the organisation's reasons, `null` once erased after
/// a decline.
#[derive(Debug, Serialize)]
pub struct NominationDetail {
    #[serde(flatten)]
    nomination: IncomingNomination,
    person: Option<NomineeDetails>,
    reasons: Option<String>,
}

/// `GET /api/v1/nominations/{nomination_id}`: the nomination whole, for the party unit it
/// is addressed to, so a partner system sees whom it accepts; the read is audited.
pub async fn nomination(
    ctx: Ctx,
    Path(raw): Path<String>,
) -> Result<Json<NominationDetail>, WebError> {
    let id = parse_id(&raw)?;
    let (summary, nomination) = ctx
        .state
        .store
        .nomination(&ctx.change(), ctx.scope()?, id)
        .await?;
    let (person, reasons) = match nomination {
        Some(n) => (
            Some(NomineeDetails {
                full_name: n.details.name.full(),
                birth_date: birth_text(n.details.birth),
                details: n.details,
            }),
            Some(n.reasons),
        ),
        None => (None, None),
    };
    Ok(Json(NominationDetail {
        nomination: summary.into(),
        person,
        reasons,
    }))
}

/// The body of `POST /api/v1/nominations/{nomination_id}/accept`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptRequest {
    cell: i64,
    #[serde(default)]
    identified_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct Accepted {
    id: i64,
    status: Status,
    status_label: &'static str,
    case_id: CaseId,
    person_id: PersonId,
}

/// The id of a nomination the scope holds, and the body sent: out of scope answers 404
/// whatever the body says.
async fn decision<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    raw: &str,
    headers: &HeaderMap,
    body: &[u8],
    outline: &str,
) -> Result<(i64, T), WebError> {
    let id = parse_id(raw)?;
    ctx.state.store.nomination_summary(ctx.scope()?, id).await?;
    Ok((id, body_of(headers, body, outline)?))
}

/// `POST /api/v1/nominations/{nomination_id}/accept` `{cell, identified_on}`: the person
/// becomes a source in the cell (from `identified_on`, today when absent), linked to the
/// nomination; a nomination is decided once.
pub async fn accept(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Accepted>, WebError> {
    let (id, request): (i64, AcceptRequest) = decision(
        &ctx,
        &raw,
        &headers,
        &body,
        "{\"cell\": …, \"identified_on\": \"YYYY-MM-DD\"}",
    )
    .await?;
    let on = request.identified_on.unwrap_or_else(|| ctx.today());
    if on > ctx.today() {
        return Err(Violation::new(
            "date.future",
            "identified_on",
            "Ngày đưa vào danh sách nguồn không thể sau hôm nay.",
        )
        .into());
    }
    let (person, case) = ctx
        .state
        .store
        .accept_nomination(&ctx.change(), ctx.scope()?, id, UnitId(request.cell), on)
        .await?;
    Ok(Json(Accepted {
        id,
        status: Status::Accepted,
        status_label: Status::Accepted.label_vi(),
        case_id: case,
        person_id: person,
    }))
}

/// The body of `POST /api/v1/nominations/{nomination_id}/decline`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclineRequest {
    reason: String,
}

#[derive(Debug, Serialize)]
pub struct Declined {
    id: i64,
    status: Status,
    status_label: &'static str,
}

/// `POST /api/v1/nominations/{nomination_id}/decline` `{reason}`: the organisation sees
/// the reason.
pub async fn decline(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Declined>, WebError> {
    let (id, request): (i64, DeclineRequest) =
        decision(&ctx, &raw, &headers, &body, "{\"reason\": …}").await?;
    ctx.state
        .store
        .decline_nomination(&ctx.change(), ctx.scope()?, id, &request.reason)
        .await?;
    Ok(Json(Declined {
        id,
        status: Status::Declined,
        status_label: Status::Declined.label_vi(),
    }))
}
