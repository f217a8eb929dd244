//! Chuyển sinh hoạt: a case moves to a cell anywhere in the tree. The sending unit asks
//! (`/cases/{case_id}/transfer`), the receiving unit accepts or declines (`/transfers`);
//! until then both see it pending, and past the rule set's working days it is marked for
//! their common parent, whose officers may decide it too. On acceptance the store moves the
//! whole case; the sender keeps the transfer as the record of who left and where to.
//!
//! The store checks who may do what; pages ask it (`receivable`) before reading a form,
//! so an account outside the receiving side hears "not found" whatever it posted.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::access::Need;
use ketnap_domain::coordination::{self, Status};
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::ports::{CaseStore, RuleStore, StoreError, UnitStore};
use ketnap_domain::rules::RuleBook;
use ketnap_domain::scope::Scope;
use ketnap_domain::text::{NameCollator, clean};
use ketnap_store::TransferView;

use super::case::{Choice, Values, parse_case_id, read_form};
use super::parse_id;
use super::sources::{FieldErrors, day_field};
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy};

/// Up to this many units, an empty search lists them all.
const LIST_ALL_UP_TO: usize = 300;
/// The most units a search shows.
const SEARCH_SHOWS: usize = 100;
/// The most transfers a history section of `/transfers` shows, newest first.
const HISTORY_SHOWS: usize = 300;

// ---------------------------------------------------------------------------------------
// What transfers and requests share: a unit chosen anywhere in the tree, and the audit of
// lists that name people outside the scope.

/// The units a search found, as options of a select.
#[derive(Default)]
pub struct UnitSearch {
    pub q: String,
    pub choices: Vec<Choice>,
    /// More matched than are shown.
    pub more: bool,
    /// What to do when nothing is offered.
    pub prompt: Option<String>,
}

/// "Chi bộ Khu phố 1 — Đảng bộ Phường Phú Lợi (mã 25750)".
fn unit_label(name: &str, parent: Option<&str>, code: Option<&str>) -> String {
    let mut label = name.to_string();
    if let Some(parent) = parent {
        label.push_str(&format!(" — {parent}"));
    }
    if let Some(code) = code.filter(|c| !c.is_empty()) {
        label.push_str(&format!(" (mã {code})"));
    }
    label
}

/// Active units anywhere in the tree matching `q` (all of them when `q` is empty and they
/// are few), without `exclude`; `selected` (from a form sent back) is always offered.
pub(crate) async fn search_units(
    ctx: &Ctx,
    q: &str,
    cells_only: bool,
    exclude: UnitId,
    selected: Option<UnitId>,
) -> Result<UnitSearch, WebError> {
    let store = &ctx.state.store;
    let q = clean(q);
    let mut found = store.destinations(&q, ctx.today(), cells_only).await?;
    found.retain(|d| d.unit.id != exclude);
    let collator = NameCollator::new();
    found.sort_by(|a, b| {
        super::units::natural_cmp(&collator, &a.unit.name, &b.unit.name).then_with(|| {
            let (pa, pb) = (a.parent_name.as_deref(), b.parent_name.as_deref());
            super::units::natural_cmp(&collator, pa.unwrap_or(""), pb.unwrap_or(""))
        })
    });
    let what = if cells_only {
        "chi bộ"
    } else {
        "tổ chức đảng"
    };
    let mut search = UnitSearch {
        q: q.clone(),
        ..UnitSearch::default()
    };
    let shown = if q.is_empty() && found.len() > LIST_ALL_UP_TO {
        search.prompt = Some(format!(
            "Có {} {what} đang hoạt động: hãy gõ tên, mã hoặc tên đảng bộ cấp trên để tìm.",
            found.len()
        ));
        &found[..0]
    } else if found.is_empty() {
        search.prompt = Some(format!(
            "Không tìm thấy {what} đang hoạt động nào khớp với “{q}”."
        ));
        &found[..]
    } else {
        search.more = found.len() > SEARCH_SHOWS;
        &found[..found.len().min(SEARCH_SHOWS)]
    };
    search.choices = shown
        .iter()
        .map(|d| Choice {
            value: d.unit.id.0.to_string(),
            label: unit_label(
                &d.unit.name,
                d.parent_name.as_deref(),
                d.unit.code.as_deref(),
            ),
            selected: Some(d.unit.id) == selected,
        })
        .collect();
    if let Some(id) = selected
        && !search.choices.iter().any(|c| c.selected)
        && let Some(unit) = store.unit(id).await?
    {
        let parent = match unit.parent {
            Some(parent) => store.unit(parent).await?.map(|p| p.name),
            None => None,
        };
        search.choices.insert(
            0,
            Choice {
                value: id.0.to_string(),
                label: unit_label(&unit.name, parent.as_deref(), unit.code.as_deref()),
                selected: true,
            },
        );
    }
    Ok(search)
}

/// The `q` of a query string, if any.
pub(crate) fn query_value(raw: Option<&str>, name: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or_default())
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(n, _)| n == name).map(|(_, v)| v))
        .unwrap_or_default()
}

/// A unit chosen in a select: its id, or a refusal naming `field`.
pub(crate) fn chosen_unit(
    values: &Values<'_>,
    field: &str,
    what: &str,
) -> Result<UnitId, Violation> {
    values
        .text(field)
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(UnitId)
        .ok_or_else(|| Violation::new("input.required", field, format!("Hãy chọn {what}.")))
}

/// Lists of transfers and requests name people by name and birth date; those whose case is
/// outside the scope (not yet, or no longer, the account's) are a read like a search's:
/// one audit row per list, with their count and no names. A list that shows none writes
/// nothing.
pub(crate) async fn log_outside<T: Eq + std::hash::Hash>(
    ctx: &Ctx,
    scope: &Scope,
    action: &'static str,
    outside: impl IntoIterator<Item = T>,
) -> Result<(), WebError> {
    let people = outside.into_iter().collect::<HashSet<T>>().len();
    if people > 0 {
        ctx.state
            .store
            .log_read(&ctx.change(), scope, action, people, None)
            .await?;
    }
    Ok(())
}

/// Whether a transfer's case is in a scope covering its sending and/or receiving cell: it
/// stays with the sender until it is accepted.
pub(crate) fn case_in_scope(status: Status, sending: bool, receiving: bool) -> bool {
    if status == Status::Accepted {
        receiving
    } else {
        sending
    }
}

/// The working days after which a transfer started on `on` goes to the common parent.
pub(crate) fn escalation_days(rules: &RuleBook, on: NaiveDate) -> Option<u32> {
    rules
        .in_force_on(on)
        .ok()
        .and_then(|set| set.coordination.as_ref())
        .map(|c| c.transfer_escalation_working_days)
}

// ---------------------------------------------------------------------------------------
// The case page's note, and the form that starts a transfer.

/// A transfer waiting for the receiving unit, as the case page tells it.
pub struct PendingNote {
    pub to_name: String,
    pub started_on: String,
    pub escalated: bool,
}

pub(crate) async fn pending_of_case(
    ctx: &Ctx,
    scope: &Scope,
    case: CaseId,
) -> Result<Option<PendingNote>, WebError> {
    let today = ctx.today();
    Ok(ctx
        .state
        .store
        .transfers_of_case(scope, case)
        .await?
        .into_iter()
        .find(|t| t.status == Status::Pending)
        .map(|t| PendingNote {
            escalated: t.escalated(today),
            to_name: t.to_name,
            started_on: dmy(t.started_on),
        }))
}

/// What was typed into the transfer form, kept through the search for a cell and shown
/// back after a refusal.
#[derive(Debug, Default)]
pub struct TransferForm {
    pub to_unit: Option<UnitId>,
    pub reason: String,
    pub on: String,
}

impl TransferForm {
    fn typed(values: &Values<'_>) -> TransferForm {
        TransferForm {
            to_unit: chosen_unit(values, "to_unit", "").ok(),
            reason: values.text("reason"),
            on: values.text("on"),
        }
    }
}

#[derive(Template)]
#[template(path = "transfer_new.html")]
struct TransferPage {
    layout: Layout,
    case_id: i64,
    name: String,
    stage: &'static str,
    cell: String,
    closed: bool,
    pending: Option<PendingNote>,
    search: UnitSearch,
    form: TransferForm,
    errors: FieldErrors,
    days: Option<u32>,
}

/// The input a refusal of the transfer form belongs beside; the summary for the rest.
fn anchor_of(field: &str) -> &str {
    match field {
        "to_unit" | "reason" | "on" => field,
        _ => "form-errors",
    }
}

async fn transfer_page(
    ctx: &Ctx,
    case_id: CaseId,
    q: &str,
    form: TransferForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let record = store.case(scope, case_id).await?;
    let pending = pending_of_case(ctx, scope, case_id).await?;
    let closed = record.case.stage.is_closed();
    let search = if pending.is_none() && !closed {
        search_units(ctx, q, true, record.case.cell, form.to_unit).await?
    } else {
        UnitSearch::default()
    };
    let page = TransferPage {
        // No name in the title: browser history keeps titles.
        layout: ctx
            .layout(&format!("Chuyển sinh hoạt: hồ sơ số {}", case_id.0))
            .await?,
        case_id: case_id.0,
        name: record.person.details.name.full(),
        stage: record.case.stage.label_vi(),
        cell: record.cell_name,
        closed,
        pending,
        search,
        days: escalation_days(&store.rule_book().await?, ctx.today()),
        form,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /cases/{case_id}/transfer?q=`: the form, with the cells the search found.
pub async fn form(
    ctx: Ctx,
    Path(case_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let id = parse_case_id(&case_id)?;
    let q = query_value(query.as_deref(), "q");
    let form = TransferForm {
        on: ctx.today().to_string(),
        ..TransferForm::default()
    };
    transfer_page(&ctx, id, &q, form, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /cases/{case_id}/transfer`: asks the chosen cell to take the case, or the form
/// comes back with every mistake beside its input. With `step=search` (the search button
/// of the same form) it only looks cells up, keeping what was typed: the reason may be
/// personal, so it travels in the body, never in a URL.
pub async fn start(
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
    let form = TransferForm::typed(&v);
    let q = v.text("q");
    if v.text("step") == "search" {
        return transfer_page(&ctx, id, &q, form, FieldErrors::default(), StatusCode::OK).await;
    }
    let mut errors = FieldErrors::default();
    let to = errors.take(chosen_unit(&v, "to_unit", "chi bộ nhận"));
    let reason = errors.take(coordination::reason(&form.reason, "reason"));
    let on = day_field(
        &form.on,
        "on",
        "Ngày chuyển",
        ctx.today(),
        None,
        &mut errors,
    );
    if let (Some(to), Some(reason), Some(on), true) = (to, reason, on, errors.is_empty()) {
        match store
            .start_transfer(&ctx.change(), scope, id, to, &reason, on)
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/cases/{}", id.0)).into_response()),
            Err(StoreError::Rejected(violation)) => {
                let anchor = anchor_of(&violation.field).to_string();
                errors.push(violation, anchor);
            }
            Err(other) => return Err(other.into()),
        }
    }
    transfer_page(&ctx, id, &q, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

// ---------------------------------------------------------------------------------------
// The list: incoming, outgoing, and the record of who left and who arrived.

/// One transfer as a line of `/transfers`.
pub struct Row {
    pub id: i64,
    pub case_id: i64,
    pub name: String,
    pub birth: String,
    pub stage: &'static str,
    pub from_name: String,
    pub to_name: String,
    pub reason: String,
    pub started_on: String,
    pub started_by: String,
    /// The mark of a transfer past its working days, naming the common parent.
    pub escalated: Option<String>,
    pub status_label: &'static str,
    pub decided_on: String,
    pub decided_by: String,
    pub decline_reason: String,
    pub can_decide: bool,
    pub can_cancel: bool,
    /// The case is in the scope now, so its page opens.
    pub case_here: bool,
    /// The acceptance form's date and the decline form's reason: today and nothing, or
    /// what was typed into a refused decision on this transfer.
    pub accept_on: String,
    pub decline_typed: String,
    /// A refusal of this transfer's acceptance date or decline reason, beside its input.
    pub accept_error: Option<String>,
    pub decline_error: Option<String>,
}

/// What was typed into a refused decision on one transfer of `/transfers`.
#[derive(Debug, Default)]
struct Typed {
    id: i64,
    on: Option<String>,
    reason: String,
}

impl Typed {
    fn of(id: i64) -> Typed {
        Typed {
            id,
            ..Typed::default()
        }
    }
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct TransfersPage {
    layout: Layout,
    incoming: Vec<Row>,
    outgoing: Vec<Row>,
    left: Vec<Row>,
    arrived: Vec<Row>,
    closed: Vec<Row>,
    errors: FieldErrors,
    history_shows: usize,
}

async fn list_page(
    ctx: &Ctx,
    errors: FieldErrors,
    typed: Typed,
    status: StatusCode,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let today = ctx.today();
    let transfers = store.transfers(scope).await?;
    let ends: Vec<UnitId> = transfers
        .iter()
        .flat_map(|t| [t.from_cell, t.to_cell])
        .collect();
    let covered = store.units_covered(scope, &ends).await?;
    let rules = store.rule_book().await?;
    let mut parents: HashMap<UnitId, String> = HashMap::new();
    for parent in transfers
        .iter()
        .filter(|t| t.escalated(today))
        .filter_map(|t| t.common_parent)
    {
        if !parents.contains_key(&parent)
            && let Some(unit) = store.unit(parent).await?
        {
            parents.insert(parent, unit.name);
        }
    }
    let can_edit = ctx.auth.role.grants(Need::Edit) && scope.can_edit();
    let mut page = TransfersPage {
        layout: ctx.layout("Chuyển sinh hoạt").await?,
        incoming: Vec::new(),
        outgoing: Vec::new(),
        left: Vec::new(),
        arrived: Vec::new(),
        closed: Vec::new(),
        errors,
        history_shows: HISTORY_SHOWS,
    };
    let mut outside = Vec::new();
    for t in transfers {
        let sending = covered.contains(&t.from_cell);
        let receiving = covered.contains(&t.to_cell);
        let mut row = row(&t, today, &rules, &parents, sending, receiving, can_edit);
        if t.id == typed.id {
            row.accept_on = typed.on.clone().unwrap_or(row.accept_on);
            row.decline_typed = typed.reason.clone();
        }
        row.accept_error = page
            .errors
            .get(format!("accept-{}", t.id))
            .map(|e| e.message.clone());
        row.decline_error = page
            .errors
            .get(format!("decline-{}", t.id))
            .map(|e| e.message.clone());
        let list = match t.status {
            Status::Pending if receiving => &mut page.incoming,
            Status::Pending => &mut page.outgoing,
            Status::Accepted if receiving => &mut page.arrived,
            Status::Accepted => &mut page.left,
            _ => &mut page.closed,
        };
        if t.status == Status::Pending || list.len() < HISTORY_SHOWS {
            if !row.case_here {
                outside.push(t.person);
            }
            list.push(row);
        }
    }
    log_outside(ctx, scope, "transfer.list", outside).await?;
    Ok((status, Html(page.render()?)).into_response())
}

fn row(
    t: &TransferView,
    today: NaiveDate,
    rules: &RuleBook,
    parents: &HashMap<UnitId, String>,
    sending: bool,
    receiving: bool,
    can_edit: bool,
) -> Row {
    let escalated = t.escalated(today).then(|| {
        let days = escalation_days(rules, t.started_on)
            .map(|n| format!("{n} ngày làm việc"))
            .unwrap_or_else(|| "thời hạn".into());
        let parent = t
            .common_parent
            .and_then(|p| parents.get(&p))
            .map(|name| format!(" ({name})"))
            .unwrap_or_default();
        format!("Đã quá {days} — chuyển lên cấp ủy cấp trên chung{parent}")
    });
    let pending = t.status == Status::Pending;
    Row {
        id: t.id,
        case_id: t.case.0,
        name: t.name.clone(),
        birth: t.birth.clone(),
        stage: t.stage.label_vi(),
        from_name: t.from_name.clone(),
        to_name: t.to_name.clone(),
        reason: t.reason.clone(),
        started_on: dmy(t.started_on),
        started_by: t.started_by.clone(),
        escalated,
        status_label: t.status.label_vi(),
        decided_on: t.decided_on.map(dmy).unwrap_or_default(),
        decided_by: t.decided_by.clone().unwrap_or_default(),
        decline_reason: t.decline_reason.clone().unwrap_or_default(),
        can_decide: pending && receiving && can_edit,
        can_cancel: pending && sending && can_edit,
        case_here: case_in_scope(t.status, sending, receiving),
        accept_on: today.to_string(),
        decline_typed: String::new(),
        accept_error: None,
        decline_error: None,
    }
}

/// `GET /transfers`.
pub async fn list(ctx: Ctx) -> Result<Response, WebError> {
    list_page(
        &ctx,
        FieldErrors::default(),
        Typed::default(),
        StatusCode::OK,
    )
    .await
}

/// Runs a decision on a transfer; a refusal comes back on the list, beside the input of
/// that transfer it concerns, with what was typed kept.
async fn decide(
    ctx: &Ctx,
    typed: Typed,
    outcome: Result<String, StoreError>,
) -> Result<Response, WebError> {
    match outcome {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(StoreError::Rejected(violation)) => {
            let anchor = match violation.field.as_str() {
                "on" => format!("accept-{}", typed.id),
                "reason" => format!("decline-{}", typed.id),
                _ => format!("transfer-{}", typed.id),
            };
            let mut errors = FieldErrors::default();
            errors.push(violation, anchor);
            list_page(ctx, errors, typed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The transfer a decision is about, if the scope may decide it, and the decision's form:
/// who may not hears "not found" (or why not) before the form is read.
async fn receivable_form(
    ctx: &Ctx,
    scope: &Scope,
    id: i64,
    body: &Bytes,
) -> Result<(TransferView, HashMap<String, String>), StoreError> {
    let transfer = ctx.state.store.receivable(scope, id).await?;
    let values = read_form(body).map_err(|_| bad_form())?;
    Ok((transfer, values))
}

/// `POST /transfers/{transfer_id}/accept`: the case moves here; its page opens.
pub async fn accept(
    ctx: Ctx,
    Path(transfer_id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_id(&transfer_id)?;
    let mut typed = Typed::of(id);
    let outcome = async {
        let (transfer, values) = receivable_form(&ctx, scope, id, &body).await?;
        let v = Values(&values);
        typed.on = Some(v.text("on"));
        ctx.state
            .store
            .accept_transfer(&ctx.change(), scope, id, v.date("on")?)
            .await?;
        Ok(format!("/cases/{}", transfer.case.0))
    }
    .await;
    decide(&ctx, typed, outcome).await
}

/// `POST /transfers/{transfer_id}/decline`, with the reason.
pub async fn decline(
    ctx: Ctx,
    Path(transfer_id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_id(&transfer_id)?;
    let mut typed = Typed::of(id);
    let outcome = async {
        let (_, values) = receivable_form(&ctx, scope, id, &body).await?;
        typed.reason = Values(&values).text("reason");
        ctx.state
            .store
            .decline_transfer(&ctx.change(), scope, id, &typed.reason)
            .await?;
        Ok("/transfers".to_string())
    }
    .await;
    decide(&ctx, typed, outcome).await
}

/// `POST /transfers/{transfer_id}/cancel`: the sending unit takes it back.
pub async fn cancel(ctx: Ctx, Path(transfer_id): Path<String>) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_id(&transfer_id)?;
    let outcome = async {
        ctx.state
            .store
            .cancel_transfer(&ctx.change(), scope, id)
            .await?;
        Ok("/transfers".to_string())
    }
    .await;
    decide(&ctx, Typed::of(id), outcome).await
}

/// A form body that does not decode, told as a refusal of the form.
fn bad_form() -> StoreError {
    Violation::new(
        "input.form",
        "form",
        "Không đọc được dữ liệu biểu mẫu; hãy tải lại trang rồi gửi lại.",
    )
    .into()
}
