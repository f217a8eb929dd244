//! Thẩm tra lý lịch, lấy ý kiến nhận xét: a case's unit asks another unit — on ketnap, or
//! by a printed letter when that unit is not — with a due date; the answer, and who gave
//! it, is recorded once. `/requests` is the inbox (requests to the scope's units) and the
//! outbox (requests the scope's cases wait on), overdue ones marked.
//!
//! The bodies name relatives, so they are sealed in the store and opened only where a
//! request is read whole (`/requests/{id}`, an audited read) or on its case's page. A
//! unit not on ketnap sends its answer on paper; the case's unit records it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::access::Need;
use ketnap_domain::case::DocRef;
use ketnap_domain::coordination::{
    Addressee, NewRequest, RequestAnswer, RequestBody, RequestKind, Status, request_due_on,
};
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::ports::{CaseStore, RuleStore, StoreError, StoreResult};
use ketnap_domain::scope::Scope;
use ketnap_papers::{Letterhead, RequestLetter, Signature};
use ketnap_store::{RequestView, Store};

use super::case::{Choice, Values, doc_text, parse_case_id, read_form};
use super::parse_id;
use super::sources::{FieldErrors, day_field, required_text};
use super::transfers::{UnitSearch, chosen_unit, log_outside, query_value, search_units};
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy};

/// The most answered requests a box of `/requests` shows, newest first.
const HISTORY_SHOWS: usize = 300;

/// The answer date a request sent on `sent_on` gets by default (the rule set's working days).
pub(crate) async fn default_due(
    store: &Store,
    sent_on: NaiveDate,
) -> StoreResult<Option<NaiveDate>> {
    let rules = store.rule_book().await?;
    let calendar = store.calendar().await?;
    Ok(rules
        .in_force_on(sent_on)
        .ok()
        .and_then(|set| request_due_on(sent_on, set, &calendar)))
}

/// The answer as pages show it.
pub struct AnswerView {
    pub on: String,
    pub answerer: String,
    pub conclusion: String,
    pub document: String,
    /// The account that recorded it.
    pub recorded_by: String,
}

/// A request as a line of a list, and (with `about`, `questions` and the answer) whole.
pub struct RequestLine {
    pub id: i64,
    pub case_id: i64,
    pub kind: &'static str,
    pub applicant: String,
    pub applicant_birth: String,
    pub from_name: String,
    pub to_name: String,
    pub to_address: String,
    pub by_letter: bool,
    pub sent_on: String,
    pub sent_by: String,
    pub due_on: String,
    pub status: &'static str,
    /// The badge's class: overdue, waiting or answered.
    pub badge: &'static str,
    pub status_label: &'static str,
    pub answered_on: String,
    pub about: String,
    pub questions: String,
    pub answer: Option<AnswerView>,
}

/// A case's request, as its page lists it.
pub type CaseRequest = RequestLine;

impl RequestLine {
    fn from_view(view: RequestView, today: NaiveDate) -> RequestLine {
        let overdue = view.overdue(today);
        let (by_letter, to_address) = match &view.to {
            Addressee::Letter { address, .. } => (true, address.clone()),
            Addressee::Unit { .. } => (false, String::new()),
        };
        let (about, questions) = view
            .body
            .map(|b| (b.about, b.questions))
            .unwrap_or_default();
        let recorded_by = view.answered_by.unwrap_or_default();
        RequestLine {
            id: view.id,
            case_id: view.case.0,
            kind: view.kind.label_vi(),
            applicant: view.applicant,
            applicant_birth: view.applicant_birth,
            from_name: view.from_name,
            to_name: view.to_name,
            to_address,
            by_letter,
            sent_on: dmy(view.sent_on),
            sent_by: view.sent_by,
            due_on: dmy(view.due_on),
            status: view.status.code(),
            badge: match view.status {
                _ if overdue => "overdue",
                Status::Pending => "due_soon",
                _ => "on_time",
            },
            status_label: if overdue {
                "Quá hạn trả lời"
            } else {
                view.status.label_vi()
            },
            answered_on: view.answered_on.map(dmy).unwrap_or_default(),
            about,
            questions,
            answer: view.answer.map(|a| AnswerView {
                on: dmy(a.answered_on),
                answerer: a.answerer,
                conclusion: a.conclusion,
                document: a.document.as_ref().map(doc_text).unwrap_or_default(),
                recorded_by,
            }),
        }
    }
}

/// The case page's list of the case's requests, oldest first, with what was answered.
pub(crate) async fn of_case(
    ctx: &Ctx,
    scope: &Scope,
    case: CaseId,
) -> Result<Vec<CaseRequest>, WebError> {
    let today = ctx.today();
    Ok(ctx
        .state
        .store
        .requests_of_case(scope, case)
        .await?
        .into_iter()
        .map(|view| RequestLine::from_view(view, today))
        .collect())
}

// ---------------------------------------------------------------------------------------
// Sending a request.

/// What was typed into the request form, kept through the search for a unit and shown
/// back after a refusal.
#[derive(Debug, Default)]
pub struct RequestForm {
    pub kind: String,
    /// `unit` or `letter`.
    pub to: String,
    pub to_unit: Option<UnitId>,
    pub to_name: String,
    pub to_address: String,
    pub about: String,
    pub questions: String,
    pub sent_on: String,
    pub due_on: String,
}

impl RequestForm {
    fn typed(values: &Values<'_>) -> RequestForm {
        RequestForm {
            kind: values.text("kind"),
            to: values.text("to"),
            to_unit: chosen_unit(values, "to_unit", "").ok(),
            to_name: values.text("to_name"),
            to_address: values.text("to_address"),
            about: values.text("about"),
            questions: values.text("questions"),
            sent_on: values.text("sent_on"),
            due_on: values.text("due_on"),
        }
    }
}

#[derive(Template)]
#[template(path = "request_new.html")]
struct RequestFormPage {
    layout: Layout,
    case_id: i64,
    name: String,
    cell: String,
    kinds: Vec<Choice>,
    search: UnitSearch,
    form: RequestForm,
    errors: FieldErrors,
    /// How the due date is found when left blank (the rule set's working days).
    due_hint: String,
}

/// The input a refusal of the request form belongs beside; the summary for the rest.
fn anchor_of(field: &str) -> &str {
    match field {
        "kind" | "to_unit" | "to_name" | "about" | "sent_on" | "due_on" => field,
        _ => "form-errors",
    }
}

async fn form_page(
    ctx: &Ctx,
    case_id: CaseId,
    q: &str,
    form: RequestForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let record = store.case(scope, case_id).await?;
    let today = ctx.today();
    let search = search_units(ctx, q, false, record.case.cell, form.to_unit).await?;
    let kinds = RequestKind::ALL
        .into_iter()
        .map(|k| Choice {
            value: k.code().into(),
            label: k.label_vi().into(),
            selected: form.kind == k.code(),
        })
        .collect();
    let due_hint = store
        .rule_book()
        .await?
        .in_force_on(today)
        .ok()
        .and_then(|set| set.coordination.as_ref())
        .map(|c| {
            format!(
                "Mặc định {} ngày làm việc kể từ ngày gửi (để trống thì hệ thống tính).",
                c.request_due_working_days
            )
        })
        .unwrap_or_default();
    let page = RequestFormPage {
        layout: ctx
            .layout(&format!(
                "Thẩm tra lý lịch, lấy ý kiến: hồ sơ số {}",
                case_id.0
            ))
            .await?,
        case_id: case_id.0,
        name: record.person.details.name.full(),
        cell: record.cell_name,
        kinds,
        search,
        form,
        errors,
        due_hint,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /cases/{case_id}/requests/new?q=&to=letter`: the form, with the units the search
/// found, today's date and the rule set's due date.
pub async fn form(
    ctx: Ctx,
    Path(case_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let id = parse_case_id(&case_id)?;
    let today = ctx.today();
    let due = default_due(&ctx.state.store, today).await?;
    let form = RequestForm {
        to: query_value(query.as_deref(), "to"),
        sent_on: today.to_string(),
        due_on: due.map(|d| d.to_string()).unwrap_or_default(),
        ..RequestForm::default()
    };
    let q = query_value(query.as_deref(), "q");
    form_page(&ctx, id, &q, form, FieldErrors::default(), StatusCode::OK).await
}

/// The request the form describes, every mistake in `errors` beside its input.
async fn new_request(
    store: &Store,
    v: &Values<'_>,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> StoreResult<Option<NewRequest>> {
    let kind = errors.take(
        RequestKind::from_code(&v.text("kind"))
            .ok_or_else(|| Violation::new("input.required", "kind", "Hãy chọn loại yêu cầu.")),
    );
    let to = if v.text("to") == "letter" {
        required_text(
            &v.text("to_name"),
            "to_name",
            "tên đơn vị nhận công văn",
            errors,
        )
        .map(|name| Addressee::Letter {
            name,
            address: v.text("to_address"),
        })
    } else {
        errors
            .take(chosen_unit(v, "to_unit", "đơn vị được hỏi"))
            .map(|unit| Addressee::Unit { unit })
    };
    let about = required_text(
        &v.text("about"),
        "about",
        "người hoặc nội dung cần thẩm tra, nhận xét",
        errors,
    );
    let sent_on = day_field(
        &v.text("sent_on"),
        "sent_on",
        "Ngày gửi",
        today,
        None,
        errors,
    );
    let due_on = errors.take(v.opt_date("due_on"));
    let (Some(kind), Some(to), Some(about), Some(sent_on), Some(due_on)) =
        (kind, to, about, sent_on, due_on)
    else {
        return Ok(None);
    };
    let due_on = match due_on {
        Some(due) => due,
        None => match default_due(store, sent_on).await? {
            Some(due) => due,
            None => {
                errors.push(
                    Violation::new("input.required", "due_on", "Phải ghi hạn trả lời."),
                    "due_on",
                );
                return Ok(None);
            }
        },
    };
    Ok(Some(NewRequest {
        kind,
        to,
        body: RequestBody {
            about,
            questions: v.text("questions"),
        },
        sent_on,
        due_on,
    }))
}

/// `POST /cases/{case_id}/requests`: sends the request (the case page lists it), or the
/// form comes back with every mistake beside its input. With `step=search` (the search
/// button of the same form) it only looks units up, keeping what was typed: the body names
/// relatives, so it travels in the body, never in a URL.
pub async fn send(
    ctx: Ctx,
    Path(case_id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_case_id(&case_id)?;
    let store = &ctx.state.store;
    // Out of scope is "not found" whatever was posted.
    store.case(scope, id).await?;
    let values = read_form(&body)?;
    let v = Values(&values);
    let q = v.text("q");
    if v.text("step") == "search" {
        return form_page(
            &ctx,
            id,
            &q,
            RequestForm::typed(&v),
            FieldErrors::default(),
            StatusCode::OK,
        )
        .await;
    }
    let mut errors = FieldErrors::default();
    if let Some(request) = new_request(store, &v, ctx.today(), &mut errors).await?
        && errors.is_empty()
    {
        match store.send_request(&ctx.change(), scope, id, request).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/cases/{}#h-requests", id.0)).into_response());
            }
            Err(StoreError::Rejected(violation)) => {
                let anchor = anchor_of(&violation.field).to_string();
                errors.push(violation, anchor);
            }
            Err(other) => return Err(other.into()),
        }
    }
    form_page(
        &ctx,
        id,
        &q,
        RequestForm::typed(&v),
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The inbox and the outbox.

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    layout: Layout,
    inbox: Vec<RequestLine>,
    outbox: Vec<RequestLine>,
    history_shows: usize,
}

/// Pending first (overdue before the rest), then the answered, newest first, at most
/// `HISTORY_SHOWS` of them.
fn boxed(views: Vec<RequestView>, today: NaiveDate) -> Vec<RequestView> {
    let (mut pending, answered): (Vec<RequestView>, Vec<RequestView>) =
        views.into_iter().partition(|r| r.status == Status::Pending);
    pending.sort_by_key(|r| (!r.overdue(today), r.due_on));
    pending
        .into_iter()
        .chain(answered.into_iter().take(HISTORY_SHOWS))
        .collect()
}

/// The audit row of a list of requests that names applicants whose case is outside the
/// scope (asked of the scope's units by others): their count, no names.
pub(crate) async fn log_applicants(
    ctx: &Ctx,
    scope: &Scope,
    views: &[&RequestView],
) -> Result<(), WebError> {
    let cells: Vec<UnitId> = views.iter().map(|v| v.cell).collect();
    let covered = ctx.state.store.units_covered(scope, &cells).await?;
    let outside = views
        .iter()
        .filter(|v| !covered.contains(&v.cell))
        .map(|v| v.case);
    log_outside(ctx, scope, "request.list", outside).await
}

/// `GET /requests`.
pub async fn list(ctx: Ctx) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let today = ctx.today();
    let inbox = boxed(store.requests_to(scope).await?, today);
    let outbox = boxed(store.requests_from(scope).await?, today);
    log_applicants(
        &ctx,
        scope,
        &inbox.iter().chain(&outbox).collect::<Vec<_>>(),
    )
    .await?;
    let lines = |views: Vec<RequestView>| -> Vec<RequestLine> {
        views
            .into_iter()
            .map(|view| RequestLine::from_view(view, today))
            .collect()
    };
    let page = RequestsPage {
        layout: ctx.layout("Thẩm tra lý lịch, lấy ý kiến nhận xét").await?,
        inbox: lines(inbox),
        outbox: lines(outbox),
        history_shows: HISTORY_SHOWS,
    };
    Ok(Html(page.render()?).into_response())
}

// ---------------------------------------------------------------------------------------
// One request, its answer, its letter.

/// What was typed into the answer form.
#[derive(Debug, Default)]
pub struct AnswerForm {
    pub answered_on: String,
    pub answerer: String,
    pub conclusion: String,
    pub document_number: String,
    pub document_dated: String,
}

impl AnswerForm {
    fn typed(values: &Values<'_>) -> AnswerForm {
        AnswerForm {
            answered_on: values.text("answered_on"),
            answerer: values.text("answerer"),
            conclusion: values.text("conclusion"),
            document_number: values.text("document_number"),
            document_dated: values.text("document_dated"),
        }
    }
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    layout: Layout,
    r: RequestLine,
    can_answer: bool,
    /// The case is in the scope, so its page opens.
    case_here: bool,
    form: AnswerForm,
    errors: FieldErrors,
}

async fn request_page(
    ctx: &Ctx,
    id: i64,
    form: AnswerForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    // The read of the whole request is audited by the store.
    let view = store.request(&ctx.change(), scope, id).await?;
    let can_answer = ctx.auth.role.grants(Need::Edit)
        && match store.answerable_request(scope, id).await {
            Ok(_) => true,
            Err(StoreError::NotFound(_) | StoreError::Rejected(_)) => false,
            Err(other) => return Err(other.into()),
        };
    let case_here = match store.case(scope, view.case).await {
        Ok(_) => true,
        Err(StoreError::NotFound(_)) => false,
        Err(other) => return Err(other.into()),
    };
    let page = RequestPage {
        layout: ctx.layout(&format!("Yêu cầu số {id}")).await?,
        r: RequestLine::from_view(view, ctx.today()),
        can_answer,
        case_here,
        form,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /requests/{request_id}`: the request whole, with the answer form where the account
/// may answer it.
pub async fn page(ctx: Ctx, Path(request_id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&request_id)?;
    let form = AnswerForm {
        answered_on: ctx.today().to_string(),
        ..AnswerForm::default()
    };
    request_page(&ctx, id, form, FieldErrors::default(), StatusCode::OK).await
}

/// The answer the form describes, every mistake in `errors` beside its input.
fn answer_of(v: &Values<'_>, today: NaiveDate, errors: &mut FieldErrors) -> Option<RequestAnswer> {
    let answered_on = day_field(
        &v.text("answered_on"),
        "answered_on",
        "Ngày trả lời",
        today,
        None,
        errors,
    );
    let answerer = required_text(
        &v.text("answerer"),
        "answerer",
        "người trả lời (họ tên, chức vụ)",
        errors,
    );
    let conclusion = required_text(
        &v.text("conclusion"),
        "conclusion",
        "nội dung trả lời",
        errors,
    );
    let document = errors.take(v.opt_doc("document_number", "document_dated"));
    Some(RequestAnswer {
        answered_on: answered_on?,
        answerer: answerer?,
        conclusion: conclusion?,
        document: document?,
    })
}

/// `POST /requests/{request_id}/answer`: records the answer, once; or the page comes back
/// with every mistake beside its input.
pub async fn answer(
    ctx: Ctx,
    Path(request_id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_id(&request_id)?;
    let store = &ctx.state.store;
    let mut typed = AnswerForm::default();
    let mut errors = FieldErrors::default();
    let outcome: Result<(), StoreError> = async {
        // Who may not answer hears "not found" (or why not) before the form is read.
        store.answerable_request(scope, id).await?;
        let values = read_form(&body).map_err(|_| {
            Violation::new("input.form", "form", "Không đọc được dữ liệu biểu mẫu.")
        })?;
        let v = Values(&values);
        typed = AnswerForm::typed(&v);
        match answer_of(&v, ctx.today(), &mut errors) {
            Some(answer) if errors.is_empty() => {
                store.answer_request(&ctx.change(), scope, id, answer).await
            }
            _ => Ok(()),
        }
    }
    .await;
    match outcome {
        Ok(()) if errors.is_empty() => {
            return Ok(Redirect::to(&format!("/requests/{id}")).into_response());
        }
        Ok(()) => {}
        Err(StoreError::Rejected(violation)) => {
            let anchor = match violation.field.as_str() {
                "answered_on" | "answerer" | "conclusion" | "document_number"
                | "document_dated" => violation.field.clone(),
                _ => "form-errors".to_string(),
            };
            errors.push(violation, anchor);
        }
        Err(other) => return Err(other.into()),
    }
    request_page(&ctx, id, typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The letter's file name: the kind and the request's number, ASCII, no one's name.
fn letter_file_name(kind: RequestKind, id: i64) -> String {
    let stem = match kind {
        RequestKind::Verification => "cong-van-de-nghi-tham-tra-ly-lich",
        RequestKind::ResidenceOpinion => "cong-van-lay-y-kien-noi-cu-tru",
        RequestKind::WorkplaceOpinion => "cong-van-lay-y-kien-noi-lam-viec",
    };
    format!("{stem}-yeu-cau-{id}.docx")
}

/// `GET /requests/{request_id}/letter`: the request as a letter (.docx) to print and sign,
/// from the unit that sent it; the read is audited like the page's.
pub async fn letter(ctx: Ctx, Path(request_id): Path<String>) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_id(&request_id)?;
    let view = ctx.state.store.request(&ctx.change(), scope, id).await?;
    let chain = super::papers::chain(&ctx, view.from_unit).await?;
    let place = super::papers::place_of(&chain);
    let letterhead = match chain.as_slice() {
        [cell, above, ..] => Letterhead::for_cell(above, cell, place),
        _ => Letterhead::new("", view.from_name.clone(), place),
    };
    let to_address = match &view.to {
        Addressee::Letter { address, .. } => address.clone(),
        Addressee::Unit { .. } => String::new(),
    };
    let (about, questions) = view
        .body
        .clone()
        .map(|b| (b.about, b.questions))
        .unwrap_or_default();
    let paper = RequestLetter {
        letterhead,
        document: DocRef {
            number: String::new(),
            dated: view.sent_on,
        },
        kind: view.kind,
        from: view.from_name.clone(),
        to: view.to_name.clone(),
        to_address,
        applicant: view.applicant.clone(),
        applicant_birth: view.applicant_birth.clone(),
        about,
        questions,
        due_on: view.due_on,
        recipients: vec!["Như trên".into(), "Lưu chi bộ".into()],
        signature: Signature::cell_secretary(""),
    };
    let label = "Công văn đề nghị thẩm tra lý lịch, lấy ý kiến nhận xét";
    let bytes =
        ketnap_papers::request_letter(&paper).map_err(|e| super::papers::refusal(label, e))?;
    Ok(super::papers::docx_response(
        bytes,
        &letter_file_name(view.kind, id),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_names_carry_no_personal_data() {
        for kind in RequestKind::ALL {
            let name = letter_file_name(kind, 42);
            assert!(name.ends_with("-yeu-cau-42.docx"), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
                "{name}"
            );
        }
    }
}
