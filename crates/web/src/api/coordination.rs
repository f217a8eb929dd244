//! Transfers and requests between units over the API, for partner systems (a province's
//! own system, a school's): the same store calls as the pages (`pages::transfers`,
//! `pages::requests`), so the same scope and rules. A record the token's scope cannot act
//! on answers 404 before its body is read.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::HeaderMap;
use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::case::{DocRef, Stage};
use ketnap_domain::coordination::{
    Addressee, NewRequest, RequestAnswer, RequestBody, RequestKind, Status,
};
use ketnap_domain::ids::{CaseId, PersonId, UnitId};
use ketnap_domain::ports::CaseStore;
use ketnap_domain::scope::Scope;
use ketnap_store::{RequestView, TransferView};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{case_id, check_content_type, params, path_at_fault, read_json};
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::case::optional_doc;
use crate::pages::parse_id;
use crate::pages::requests::{default_due, log_applicants};
use crate::pages::transfers::{case_in_scope, log_outside};

/// A birth as the store lists it (`dd/mm/yyyy`, or a year) as the API writes dates.
fn birth_iso(text: &str) -> String {
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| text.to_string())
}

/// The body of a POST, read once the path's record is known to be the scope's.
pub(super) fn body_of<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
    outline: &str,
) -> Result<T, WebError> {
    check_content_type(headers)?;
    read_json(body, outline, path_at_fault::<T>)
}

#[derive(Debug, Serialize)]
struct UnitName {
    id: UnitId,
    name: String,
}

// ---------------------------------------------------------------------------------------
// Transfers

#[derive(Debug, Serialize)]
pub struct TransferItem {
    id: i64,
    case_id: CaseId,
    person_id: PersonId,
    full_name: String,
    birth_date: String,
    /// The stage when the transfer was asked.
    stage: Stage,
    stage_label: &'static str,
    from_cell: UnitName,
    to_cell: UnitName,
    common_parent: Option<UnitId>,
    reason: String,
    started_on: NaiveDate,
    started_by: String,
    escalates_on: Option<NaiveDate>,
    escalated: bool,
    status: Status,
    status_label: &'static str,
    decided_on: Option<NaiveDate>,
    decided_by: Option<String>,
    decline_reason: Option<String>,
    /// The token's scope covers the sending cell (it may cancel while pending).
    sending: bool,
    /// The token's scope covers the receiving cell (it may accept or decline).
    receiving: bool,
}

fn transfer_item(
    t: TransferView,
    today: NaiveDate,
    sending: bool,
    receiving: bool,
) -> TransferItem {
    TransferItem {
        escalated: t.escalated(today),
        id: t.id,
        case_id: t.case,
        person_id: t.person,
        full_name: t.name,
        birth_date: birth_iso(&t.birth),
        stage: t.stage,
        stage_label: t.stage.label_vi(),
        from_cell: UnitName {
            id: t.from_cell,
            name: t.from_name,
        },
        to_cell: UnitName {
            id: t.to_cell,
            name: t.to_name,
        },
        common_parent: t.common_parent,
        reason: t.reason,
        started_on: t.started_on,
        started_by: t.started_by,
        escalates_on: t.escalates_on,
        status: t.status,
        status_label: t.status.label_vi(),
        decided_on: t.decided_on,
        decided_by: t.decided_by,
        decline_reason: t.decline_reason,
        sending,
        receiving,
    }
}

/// Transfers as the scope sees them, each told which of its ends the scope covers.
async fn transfer_items(
    ctx: &Ctx,
    scope: &Scope,
    transfers: Vec<TransferView>,
) -> Result<Vec<TransferItem>, WebError> {
    let ends: Vec<UnitId> = transfers
        .iter()
        .flat_map(|t| [t.from_cell, t.to_cell])
        .collect();
    let covered = ctx.state.store.units_covered(scope, &ends).await?;
    let today = ctx.today();
    Ok(transfers
        .into_iter()
        .map(|t| {
            let (sending, receiving) =
                (covered.contains(&t.from_cell), covered.contains(&t.to_cell));
            transfer_item(t, today, sending, receiving)
        })
        .collect())
}

/// One transfer as it is now.
async fn transfer_now(ctx: &Ctx, scope: &Scope, id: i64) -> Result<Json<TransferItem>, WebError> {
    let transfer = ctx.state.store.transfer(scope, id).await?;
    let mut items = transfer_items(ctx, scope, vec![transfer]).await?;
    items.pop().map(Json).ok_or_else(WebError::not_found)
}

#[derive(Debug, Serialize)]
pub struct TransferList {
    items: Vec<TransferItem>,
}

/// `GET /api/v1/transfers?status=`: transfers leaving, arriving in or escalated to the
/// scope, newest first.
pub async fn transfers(
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Json<TransferList>, WebError> {
    let mut query = params::Query::parse(query.as_deref(), &["status"])?;
    let status = query.code("status", &TRANSFER_STATUSES, Status::code)?;
    let scope = ctx.scope()?;
    let mut transfers = ctx.state.store.transfers(scope).await?;
    if let Some(status) = status {
        transfers.retain(|t| t.status == status);
    }
    let items = transfer_items(&ctx, scope, transfers).await?;
    let outside = items
        .iter()
        .filter(|t| !case_in_scope(t.status, t.sending, t.receiving))
        .map(|t| t.person_id);
    log_outside(&ctx, scope, "transfer.list", outside).await?;
    Ok(Json(TransferList { items }))
}

/// The statuses a transfer goes through.
pub(crate) const TRANSFER_STATUSES: [Status; 4] = [
    Status::Pending,
    Status::Accepted,
    Status::Declined,
    Status::Cancelled,
];

/// The body of `POST /api/v1/cases/{case_id}/transfers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartTransfer {
    to_unit: i64,
    reason: String,
    on: NaiveDate,
}

/// `POST /api/v1/cases/{case_id}/transfers` `{to_unit, reason, on}`: asks a cell anywhere
/// in the tree to take the case.
pub async fn start_transfer(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TransferItem>, WebError> {
    let id = case_id(&raw)?;
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    store.case(scope, id).await?;
    let request: StartTransfer = body_of(
        &headers,
        &body,
        "{\"to_unit\": …, \"reason\": …, \"on\": \"YYYY-MM-DD\"}",
    )?;
    let transfer = store
        .start_transfer(
            &ctx.change(),
            scope,
            id,
            UnitId(request.to_unit),
            &request.reason,
            request.on,
        )
        .await?;
    transfer_now(&ctx, scope, transfer).await
}

/// The id of a transfer the scope may decide, and the body sent: who may not answers 404
/// (or why not) whatever the body says.
async fn decision<T: DeserializeOwned>(
    ctx: &Ctx,
    raw: &str,
    headers: &HeaderMap,
    body: &[u8],
    outline: &str,
) -> Result<(i64, T), WebError> {
    let id = parse_id(raw)?;
    ctx.state.store.receivable(ctx.scope()?, id).await?;
    Ok((id, body_of(headers, body, outline)?))
}

/// The body of `POST /api/v1/transfers/{transfer_id}/accept`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptTransfer {
    on: NaiveDate,
}

/// `POST /api/v1/transfers/{transfer_id}/accept` `{on}`: the case moves to the receiving
/// cell with its whole file.
pub async fn accept_transfer(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TransferItem>, WebError> {
    let (id, request): (i64, AcceptTransfer) =
        decision(&ctx, &raw, &headers, &body, "{\"on\": \"YYYY-MM-DD\"}").await?;
    let scope = ctx.scope()?;
    ctx.state
        .store
        .accept_transfer(&ctx.change(), scope, id, request.on)
        .await?;
    transfer_now(&ctx, scope, id).await
}

/// The body of `POST /api/v1/transfers/{transfer_id}/decline`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclineTransfer {
    reason: String,
}

/// `POST /api/v1/transfers/{transfer_id}/decline` `{reason}`.
pub async fn decline_transfer(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TransferItem>, WebError> {
    let (id, request): (i64, DeclineTransfer) =
        decision(&ctx, &raw, &headers, &body, "{\"reason\": …}").await?;
    let scope = ctx.scope()?;
    ctx.state
        .store
        .decline_transfer(&ctx.change(), scope, id, &request.reason)
        .await?;
    transfer_now(&ctx, scope, id).await
}

/// The body of `POST /api/v1/transfers/{transfer_id}/cancel`: nothing, or `{}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelTransfer {}

/// `POST /api/v1/transfers/{transfer_id}/cancel`: the sending side takes it back.
pub async fn cancel_transfer(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TransferItem>, WebError> {
    let id = parse_id(&raw)?;
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    store.transfer(scope, id).await?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let _: CancelTransfer = body_of(&headers, &body, "{}")?;
    }
    store.cancel_transfer(&ctx.change(), scope, id).await?;
    transfer_now(&ctx, scope, id).await
}

// ---------------------------------------------------------------------------------------
// Requests

#[derive(Debug, Serialize)]
struct AnswerItem {
    answered_on: NaiveDate,
    answerer: String,
    conclusion: String,
    document: Option<DocRef>,
}

#[derive(Debug, Serialize)]
pub struct RequestItem {
    id: i64,
    case_id: CaseId,
    kind: RequestKind,
    kind_label: &'static str,
    applicant: String,
    applicant_birth_date: String,
    from_unit: UnitName,
    /// The unit asked, when it is on ketnap.
    to_unit: Option<UnitId>,
    to_name: String,
    /// The address of a unit sent a letter.
    to_address: Option<String>,
    sent_on: NaiveDate,
    sent_by: String,
    due_on: NaiveDate,
    overdue: bool,
    status: Status,
    status_label: &'static str,
    answered_on: Option<NaiveDate>,
    answered_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RequestDetail {
    #[serde(flatten)]
    item: RequestItem,
    about: String,
    questions: String,
    answer: Option<AnswerItem>,
}

fn request_item(view: &RequestView, today: NaiveDate) -> RequestItem {
    let (to_unit, to_address) = match &view.to {
        Addressee::Unit { unit } => (Some(*unit), None),
        Addressee::Letter { address, .. } => (None, Some(address.clone())),
    };
    RequestItem {
        id: view.id,
        case_id: view.case,
        kind: view.kind,
        kind_label: view.kind.label_vi(),
        applicant: view.applicant.clone(),
        applicant_birth_date: birth_iso(&view.applicant_birth),
        from_unit: UnitName {
            id: view.from_unit,
            name: view.from_name.clone(),
        },
        to_unit,
        to_name: view.to_name.clone(),
        to_address,
        sent_on: view.sent_on,
        sent_by: view.sent_by.clone(),
        due_on: view.due_on,
        overdue: view.overdue(today),
        status: view.status,
        status_label: view.status.label_vi(),
        answered_on: view.answered_on,
        answered_by: view.answered_by.clone(),
    }
}

fn request_detail(view: RequestView, today: NaiveDate) -> RequestDetail {
    let item = request_item(&view, today);
    let (about, questions) = view
        .body
        .map(|b| (b.about, b.questions))
        .unwrap_or_default();
    RequestDetail {
        item,
        about,
        questions,
        answer: view.answer.map(|a| AnswerItem {
            answered_on: a.answered_on,
            answerer: a.answerer,
            conclusion: a.conclusion,
            document: a.document,
        }),
    }
}

#[derive(Debug, Serialize)]
pub struct RequestList {
    items: Vec<RequestItem>,
}

/// `GET /api/v1/requests?box=in|out`: the requests the scope's units are asked to answer
/// (`in`), or those the scope's cases wait on (`out`), newest first.
pub async fn requests(ctx: Ctx, RawQuery(query): RawQuery) -> Result<Json<RequestList>, WebError> {
    let mut query = params::Query::parse(query.as_deref(), &["box"])?;
    let which = query.code("box", &["in", "out"], |b| b)?.ok_or_else(|| {
        Violation::new(
            "api.query.required",
            "box",
            "Phải ghi tham số \"box\": in (yêu cầu cần trả lời) hoặc out (yêu cầu đã gửi).",
        )
    })?;
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let views = if which == "in" {
        store.requests_to(scope).await?
    } else {
        store.requests_from(scope).await?
    };
    log_applicants(&ctx, scope, &views.iter().collect::<Vec<_>>()).await?;
    let today = ctx.today();
    Ok(Json(RequestList {
        items: views.iter().map(|v| request_item(v, today)).collect(),
    }))
}

/// The body of `POST /api/v1/cases/{case_id}/requests`: to a unit on ketnap (`to_unit`),
/// or by letter (`to_name`, `to_address`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendRequest {
    kind: RequestKind,
    #[serde(default)]
    to_unit: Option<i64>,
    #[serde(default)]
    to_name: Option<String>,
    #[serde(default)]
    to_address: Option<String>,
    about: String,
    #[serde(default)]
    questions: String,
    sent_on: NaiveDate,
    #[serde(default)]
    due_on: Option<NaiveDate>,
}

/// `POST /api/v1/cases/{case_id}/requests`: sends a request; `due_on` defaults to the
/// rule set's working days after `sent_on`.
pub async fn send_request(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RequestDetail>, WebError> {
    let id = case_id(&raw)?;
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    store.case(scope, id).await?;
    let request: SendRequest = body_of(
        &headers,
        &body,
        "{\"kind\": …, \"to_unit\": … (hoặc \"to_name\", \"to_address\"), \"about\": …, \"sent_on\": \"YYYY-MM-DD\"}",
    )?;
    let to = match (request.to_unit, request.to_name) {
        (Some(unit), None) => Addressee::Unit { unit: UnitId(unit) },
        (None, Some(name)) => Addressee::Letter {
            name,
            address: request.to_address.unwrap_or_default(),
        },
        _ => {
            return Err(Violation::new(
                "api.request.addressee",
                "to_unit",
                "Ghi đúng một nơi nhận: to_unit (đơn vị trên ketnap) hoặc to_name (đơn vị nhận công văn).",
            )
            .into());
        }
    };
    let due_on = match request.due_on {
        Some(due) => due,
        None => default_due(store, request.sent_on).await?.ok_or_else(|| {
            Violation::new("input.required", "due_on", "Phải ghi hạn trả lời (due_on).")
        })?,
    };
    let sent = store
        .send_request(
            &ctx.change(),
            scope,
            id,
            NewRequest {
                kind: request.kind,
                to,
                body: RequestBody {
                    about: request.about,
                    questions: request.questions,
                },
                sent_on: request.sent_on,
                due_on,
            },
        )
        .await?;
    // The case's own list: the sender reads back what it wrote without another audited read.
    let view = store
        .requests_of_case(scope, id)
        .await?
        .into_iter()
        .find(|r| r.id == sent)
        .ok_or_else(WebError::not_found)?;
    Ok(Json(request_detail(view, ctx.today())))
}

/// `GET /api/v1/requests/{request_id}`: the request whole, with its answer; the read is
/// audited.
pub async fn request(ctx: Ctx, Path(raw): Path<String>) -> Result<Json<RequestDetail>, WebError> {
    let id = parse_id(&raw)?;
    let view = ctx
        .state
        .store
        .request(&ctx.change(), ctx.scope()?, id)
        .await?;
    Ok(Json(request_detail(view, ctx.today())))
}

/// The body of `POST /api/v1/requests/{request_id}/answer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerRequest {
    answered_on: NaiveDate,
    answerer: String,
    conclusion: String,
    #[serde(default)]
    document_number: Option<String>,
    #[serde(default)]
    document_dated: Option<NaiveDate>,
}

/// `POST /api/v1/requests/{request_id}/answer`: records the answer, once.
pub async fn answer_request(
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RequestDetail>, WebError> {
    let id = parse_id(&raw)?;
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    store.answerable_request(scope, id).await?;
    let request: AnswerRequest = body_of(
        &headers,
        &body,
        "{\"answered_on\": \"YYYY-MM-DD\", \"answerer\": …, \"conclusion\": …}",
    )?;
    // The reply letter: its number and its date, both or neither, as on the page.
    let document = optional_doc(
        (
            "document_number",
            request.document_number.unwrap_or_default(),
        ),
        ("document_dated", request.document_dated),
    )?;
    let change = ctx.change();
    store
        .answer_request(
            &change,
            scope,
            id,
            RequestAnswer {
                answered_on: request.answered_on,
                answerer: request.answerer,
                conclusion: request.conclusion,
                document,
            },
        )
        .await?;
    let view = store.request(&change, scope, id).await?;
    Ok(Json(request_detail(view, ctx.today())))
}
