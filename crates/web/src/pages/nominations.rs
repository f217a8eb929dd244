//! Giới thiệu của đoàn thể: an officer of a mass organisation (a Youth Union branch, a trade
//! union) nominates an outstanding member to the party unit the organisation belongs to;
//! the party unit reads the nomination whole, accepts it (a source is recorded, linked to
//! the nomination) or declines it with a reason; and the yearly counts per organisation.
//! What the nominating officer sees of the outcome is on `/nominees` (`nominees.rs`).

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use ketnap_domain::Violation;
use ketnap_domain::access::{Need, NomineeScope};
use ketnap_domain::case::DocRef;
use ketnap_domain::coordination::{Nomination, Status};
use ketnap_domain::ids::{MassOrgId, UnitId};
use ketnap_domain::ports::{StoreError, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::text::{NameCollator, clean};
use ketnap_domain::unit::Unit;
use ketnap_store::lookups::Nominee;
use ketnap_store::{MassOrgRecord, NominationCount, NominationSummary};
use serde::Deserialize;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::case::doc_text;
use crate::pages::parse_id;
use crate::pages::people::{Line, detail_lines};
use crate::pages::person_form::{PersonChoices, PersonFields, details_from, person_anchor};
use crate::pages::reports::{MAX_YEAR, MIN_YEAR};
use crate::pages::sources::{Choice, DuplicateLine, FieldErrors, day_field, day_until_today};
use crate::views::{Layout, dmy, number};

// ---------------------------------------------------------------------------------------
// Shared with the API (`api::nominations`)

/// The account's own mass organisation; "not found" for every account without one.
pub(crate) async fn own_org(ctx: &Ctx) -> Result<(NomineeScope, MassOrgRecord), WebError> {
    let nominator = ctx.auth.nominees.ok_or_else(WebError::not_found)?;
    let org = ctx
        .state
        .store
        .mass_org(nominator.mass_org)
        .await?
        .ok_or_else(WebError::not_found)?;
    Ok((nominator, org))
}

/// Every nomination of the organisation, newest first, with — once accepted — how far its
/// nominee has come (stage and the dates of the main steps).
pub(crate) async fn outcomes(
    ctx: &Ctx,
    nominator: NomineeScope,
) -> Result<Vec<(NominationSummary, Option<Nominee>)>, WebError> {
    let store = &ctx.state.store;
    let mut nominees = store.nominees(nominator).await?;
    Ok(store
        .nominations_of(nominator)
        .await?
        .into_iter()
        .map(|n| {
            let nominee = n
                .case
                .and_then(|case| nominees.iter().position(|c| c.case == case))
                .map(|at| nominees.swap_remove(at));
            (n, nominee)
        })
        .collect())
}

/// The organisation's counts for `year`: what it nominated and how many it saw admitted.
pub(crate) async fn org_counts(
    ctx: &Ctx,
    org: &MassOrgRecord,
    year: i32,
) -> Result<NominationCount, WebError> {
    // The counts are kept per organisation under a unit; only this one's row is kept.
    let under_org = Scope::subtree(UnitId(org.unit_id), Access::Read);
    let row = ctx
        .state
        .store
        .nomination_counts(&under_org, year)
        .await?
        .into_iter()
        .find(|c| c.mass_org == MassOrgId(org.id));
    Ok(row.unwrap_or_else(|| NominationCount {
        mass_org: MassOrgId(org.id),
        mass_org_name: org.name.clone(),
        kind: String::new(),
        unit_name: String::new(),
        submitted: 0,
        accepted: 0,
        declined: 0,
        pending: 0,
        admitted: 0,
    }))
}

/// The badge class of a status (app.css).
fn status_class(status: Status) -> &'static str {
    match status {
        Status::Pending => "due_soon",
        Status::Accepted | Status::Answered => "on_time",
        Status::Declined | Status::Cancelled => "closed",
    }
}

/// A nomination as the lists show it, to the party unit and to the nominator.
pub struct SummaryRow {
    pub id: i64,
    pub name: String,
    pub org: String,
    pub unit: String,
    pub resolution: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub submitted_on: String,
    pub decided_on: String,
    pub decline_reason: String,
    pub case: Option<i64>,
}

impl SummaryRow {
    pub fn from(n: &NominationSummary) -> SummaryRow {
        SummaryRow {
            id: n.id,
            name: n.name.clone(),
            org: n.mass_org_name.clone(),
            unit: n.unit_name.clone(),
            resolution: doc_text(&n.resolution),
            status: n.status.label_vi(),
            status_class: status_class(n.status),
            submitted_on: dmy(n.submitted_on),
            decided_on: n.decided_on.map(dmy).unwrap_or_else(|| "—".into()),
            decline_reason: n.decline_reason.clone().unwrap_or_default(),
            case: n.case.map(|c| c.0),
        }
    }
}

/// One organisation's counts, formatted.
pub struct CountRow {
    pub org: String,
    pub kind: String,
    pub unit: String,
    pub submitted: String,
    pub accepted: String,
    pub declined: String,
    pub pending: String,
    pub admitted: String,
}

impl CountRow {
    pub fn from(c: &NominationCount) -> CountRow {
        CountRow {
            org: c.mass_org_name.clone(),
            kind: c.kind.clone(),
            unit: c.unit_name.clone(),
            submitted: number(c.submitted),
            accepted: number(c.accepted),
            declined: number(c.declined),
            pending: number(c.pending),
            admitted: number(c.admitted),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The nomination form (mass-organisation officers)

/// What the form sends; every field text, so any input can be shown back as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NominationForm {
    #[serde(flatten)]
    pub person: PersonFields,
    pub unit: String,
    pub resolution_number: String,
    pub resolution_date: String,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "nomination_new.html")]
struct NominationNewPage {
    layout: Layout,
    org: String,
    form: NominationForm,
    errors: FieldErrors,
    choices: PersonChoices,
    live_check: bool,
    units: Vec<Choice>,
}

/// Where the organisation may nominate to: its own party unit, then the cells under it
/// that are active today, in name order.
async fn target_units(
    ctx: &Ctx,
    org: &MassOrgRecord,
    today: NaiveDate,
) -> Result<Vec<Unit>, WebError> {
    let own = UnitId(org.unit_id);
    let mut units: Vec<Unit> = ctx
        .state
        .store
        .units_in(&Scope::subtree(own, Access::Read))
        .await?
        .into_iter()
        .filter(|u| u.is_active_on(today) && (u.id == own || u.kind.holds_cases()))
        .collect();
    let collator = NameCollator::new();
    units.sort_by(|a, b| {
        (a.id != own)
            .cmp(&(b.id != own))
            .then_with(|| collator.compare(&a.name, &b.name))
    });
    Ok(units)
}

/// The input a violation of the nomination belongs beside.
fn anchor_of(field: &str) -> &str {
    match field {
        "unit" | "resolution_number" | "reasons" => field,
        "resolution_dated" | "resolution_date" => "resolution_date",
        _ => person_anchor(field).unwrap_or("form"),
    }
}

async fn render_form(
    ctx: &Ctx,
    org: &MassOrgRecord,
    form: NominationForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let units = target_units(ctx, org, ctx.today()).await?;
    let current = match units.as_slice() {
        [only] if form.unit.is_empty() => only.id.0.to_string(),
        _ => form.unit.clone(),
    };
    let page = NominationNewPage {
        layout: ctx.layout("Giới thiệu người mới").await?,
        org: org.name.clone(),
        choices: PersonChoices::new(&form.person, &errors),
        live_check: false,
        units: units
            .iter()
            .map(|u| Choice::new(u.id.0, u.name.clone(), &current))
            .collect(),
        form,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /nominations/new`.
pub async fn form(ctx: Ctx) -> Result<Response, WebError> {
    let (_, org) = own_org(&ctx).await?;
    render_form(
        &ctx,
        &org,
        NominationForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn required(errors: &mut FieldErrors, field: &str, message: &str) {
    errors.push(Violation::new("input.required", field, message), field);
}

/// `POST /nominations/new`: the nomination is written, or the form comes back with every
/// mistake beside its input and what was typed kept.
pub async fn submit(
    ctx: Ctx,
    form: Result<Form<NominationForm>, FormRejection>,
) -> Result<Response, WebError> {
    let (nominator, org) = own_org(&ctx).await?;
    let Form(form) = form.map_err(|_| WebError::bad_request("Dữ liệu biểu mẫu không hợp lệ."))?;
    let today = ctx.today();
    let mut errors = FieldErrors::default();
    let details = details_from(&form.person, today, &mut errors);
    let unit = form.unit.trim().parse::<i64>().ok().map(UnitId);
    if unit.is_none() {
        required(
            &mut errors,
            "unit",
            "Phải chọn tổ chức đảng nhận giới thiệu.",
        );
    }
    let number = clean(&form.resolution_number);
    if number.is_empty() {
        required(
            &mut errors,
            "resolution_number",
            "Phải ghi số nghị quyết giới thiệu của đoàn thể.",
        );
    }
    let dated = if form.resolution_date.trim().is_empty() {
        required(
            &mut errors,
            "resolution_date",
            "Phải ghi ngày của nghị quyết giới thiệu, dạng 15/03/2026.",
        );
        None
    } else {
        day_until_today(
            &form.resolution_date,
            "resolution_date",
            "Ngày nghị quyết",
            today,
            &mut errors,
        )
    };
    if clean(&form.reasons).is_empty() {
        required(
            &mut errors,
            "reasons",
            "Phải ghi lý do giới thiệu: những điểm ưu tú của người được giới thiệu.",
        );
    }
    let (Some(details), Some(unit), Some(dated), true) = (details, unit, dated, errors.is_empty())
    else {
        return render_form(&ctx, &org, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let nomination = Nomination {
        details,
        resolution: DocRef { number, dated },
        reasons: form.reasons.clone(),
    };
    match ctx
        .state
        .store
        .submit_nomination(&ctx.change(), nominator, unit, nomination)
        .await
    {
        Ok(_) => Ok(Redirect::to("/nominees").into_response()),
        Err(StoreError::Rejected(v)) => {
            let anchor = anchor_of(&v.field).to_string();
            errors.push(v, anchor);
            render_form(&ctx, &org, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The party unit's inbox and decisions

#[derive(Template)]
#[template(path = "nominations.html")]
struct InboxPage {
    layout: Layout,
    rows: Vec<SummaryRow>,
    pending: usize,
}

/// `GET /nominations`: nominations to units of the scope, the pending ones first.
pub async fn inbox(ctx: Ctx) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let mut list = ctx.state.store.nominations_to(scope, false).await?;
    // Newest first within each group (the store's order); a stable sort keeps it.
    list.sort_by_key(|n| n.status != Status::Pending);
    let page = InboxPage {
        layout: ctx.layout("Giới thiệu của đoàn thể").await?,
        pending: list.iter().filter(|n| n.status == Status::Pending).count(),
        rows: list.iter().map(SummaryRow::from).collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// What the accept and decline forms send.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub cell: String,
    pub identified_on: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "nomination.html")]
struct NominationPage {
    layout: Layout,
    n: SummaryRow,
    /// The person's record; empty once erased after a decline.
    lines: Vec<Line>,
    reasons: String,
    can_decide: bool,
    /// People of the scope who may be the nominee: the same CCCD, or name and birth date.
    duplicates: Vec<DuplicateLine>,
    cells: Vec<Choice>,
    form: DecisionForm,
    errors: FieldErrors,
}

/// The nomination page, read whole (the store audits the read), with the decision forms
/// while it is pending and the account may decide.
async fn render_page(
    ctx: &Ctx,
    id: i64,
    form: DecisionForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let today = ctx.today();
    let (summary, nomination) = store.nomination(&ctx.change(), scope, id).await?;
    let can_decide =
        summary.status == Status::Pending && ctx.auth.role.grants(Need::Edit) && scope.can_edit();
    let cells = if can_decide {
        // The cells of the unit it is addressed to (inside the scope, since the unit is).
        let mut cells: Vec<Unit> = store
            .units_in(&Scope::subtree(summary.unit, Access::Read))
            .await?
            .into_iter()
            .filter(|u| u.kind.holds_cases() && u.is_active_on(today))
            .collect();
        let collator = NameCollator::new();
        cells.sort_by(|a, b| collator.compare(&a.name, &b.name));
        let current = match cells.as_slice() {
            [only] if form.cell.is_empty() => only.id.0.to_string(),
            _ => form.cell.clone(),
        };
        cells
            .iter()
            .map(|u| Choice::new(u.id.0, u.name.clone(), &current))
            .collect()
    } else {
        Vec::new()
    };
    let duplicates = match (&nomination, can_decide) {
        (Some(n), true) => store
            .possible_duplicates(
                scope,
                n.details.citizen_id.as_ref().map(|c| c.as_str()),
                Some((&n.details.name, n.details.birth)),
            )
            .await?
            .iter()
            .map(DuplicateLine::from)
            .collect(),
        _ => Vec::new(),
    };
    // A blank date means today: the date input shows it.
    let form = DecisionForm {
        identified_on: if form.identified_on.trim().is_empty() {
            today.to_string()
        } else {
            form.identified_on
        },
        ..form
    };
    let page = NominationPage {
        layout: ctx
            .layout(&format!("Giới thiệu của {}", summary.mass_org_name))
            .await?,
        n: SummaryRow::from(&summary),
        lines: nomination
            .as_ref()
            .map(|n| detail_lines(&n.details))
            .unwrap_or_default(),
        reasons: nomination.map(|n| n.reasons).unwrap_or_default(),
        can_decide,
        duplicates,
        cells,
        form,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /nominations/{nomination_id}`.
pub async fn page(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    render_page(
        &ctx,
        id,
        DecisionForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Where a violation of a decision is shown: beside its input, or above the forms.
fn decision_anchor(field: &str) -> &str {
    match field {
        "cell" | "identified_on" | "reason" => field,
        _ => "decision",
    }
}

/// The form of a decision on a nomination the scope holds: out of scope answers 404
/// whatever the form says.
async fn decision_form(
    ctx: &Ctx,
    raw: &str,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<(i64, Scope, DecisionForm), WebError> {
    let id = parse_id(raw)?;
    let scope = ctx.scope()?.clone();
    ctx.state.store.nomination_summary(&scope, id).await?;
    let Form(form) = form.map_err(|_| WebError::bad_request("Dữ liệu biểu mẫu không hợp lệ."))?;
    Ok((id, scope, form))
}

/// `POST /nominations/{nomination_id}/accept`: the source is recorded in the chosen cell
/// and the browser goes to its case.
pub async fn accept(
    ctx: Ctx,
    Path(raw): Path<String>,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response, WebError> {
    let (id, scope, form) = decision_form(&ctx, &raw, form).await?;
    let today = ctx.today();
    let mut errors = FieldErrors::default();
    let cell = form.cell.trim().parse::<i64>().ok().map(UnitId);
    if cell.is_none() {
        required(&mut errors, "cell", "Phải chọn chi bộ phụ trách người này.");
    }
    let identified_on = day_field(
        &form.identified_on,
        "identified_on",
        "Ngày đưa vào danh sách nguồn",
        today,
        Some(today),
        &mut errors,
    );
    if let (Some(cell), Some(on), true) = (cell, identified_on, errors.is_empty()) {
        match ctx
            .state
            .store
            .accept_nomination(&ctx.change(), &scope, id, cell, on)
            .await
        {
            Ok((_, case)) => return Ok(Redirect::to(&format!("/cases/{}", case.0)).into_response()),
            Err(StoreError::Rejected(v)) => {
                let anchor = decision_anchor(&v.field).to_string();
                errors.push(v, anchor);
            }
            Err(other) => return Err(other.into()),
        }
    }
    render_page(&ctx, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /nominations/{nomination_id}/decline`: with the reason the organisation will see.
pub async fn decline(
    ctx: Ctx,
    Path(raw): Path<String>,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response, WebError> {
    let (id, scope, form) = decision_form(&ctx, &raw, form).await?;
    let mut errors = FieldErrors::default();
    match ctx
        .state
        .store
        .decline_nomination(&ctx.change(), &scope, id, &form.reason)
        .await
    {
        Ok(()) => return Ok(Redirect::to("/nominations").into_response()),
        Err(StoreError::Rejected(v)) => {
            let anchor = decision_anchor(&v.field).to_string();
            errors.push(v, anchor);
        }
        Err(other) => return Err(other.into()),
    }
    render_page(&ctx, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

// ---------------------------------------------------------------------------------------
// The yearly report

pub struct YearChoice {
    pub value: i32,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "nomination_report.html")]
struct ReportPage {
    layout: Layout,
    year: i32,
    years: Vec<YearChoice>,
    rows: Vec<CountRow>,
    total: CountRow,
}

/// `?year=`: this year when absent or blank; a year the reports cover, else 400.
fn year_param(raw: Option<&str>, today: NaiveDate) -> Result<i32, WebError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|_| WebError::bad_request("Chuỗi tham số không đọc được."))?;
    let Some((_, text)) = pairs
        .iter()
        .find(|(k, v)| k == "year" && !v.trim().is_empty())
    else {
        return Ok(today.year());
    };
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
        .ok_or_else(|| {
            let mut e =
                WebError::bad_request(format!("Năm phải là số từ {MIN_YEAR} đến {MAX_YEAR}."));
            e.field = Some("year".into());
            e
        })
}

/// `GET /reports/nominations?year=`: per organisation of the scope, what it nominated in
/// the year and how many of its nominees were admitted, with the totals.
pub async fn report(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let today = ctx.today();
    let year = year_param(raw.as_deref(), today)?;
    let scope = ctx.scope()?;
    let counts = ctx.state.store.nomination_counts(scope, year).await?;
    let sum = |f: fn(&NominationCount) -> i64| counts.iter().map(f).sum::<i64>();
    let total = NominationCount {
        mass_org: MassOrgId(0),
        mass_org_name: "Tổng cộng".into(),
        kind: String::new(),
        unit_name: String::new(),
        submitted: sum(|c| c.submitted),
        accepted: sum(|c| c.accepted),
        declined: sum(|c| c.declined),
        pending: sum(|c| c.pending),
        admitted: sum(|c| c.admitted),
    };
    let page = ReportPage {
        layout: ctx
            .layout(&format!("Giới thiệu của đoàn thể, năm {year}"))
            .await?,
        year,
        years: (MIN_YEAR.max(2020)..=today.year().max(year))
            .rev()
            .map(|value| YearChoice {
                value,
                selected: value == year,
            })
            .collect(),
        rows: counts.iter().map(CountRow::from).collect(),
        total: CountRow::from(&total),
    };
    Ok(Html(page.render()?).into_response())
}
