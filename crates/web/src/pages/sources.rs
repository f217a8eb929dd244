//! Thêm quần chúng ưu tú: the form that records a new source (the person and their case),
//! the as-you-type check of the citizen id and of possible duplicates, and the POST that
//! does the same checks without JavaScript.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::case::DocRef;
use ketnap_domain::citizen_id::{CitizenId, Sex};
use ketnap_domain::ids::{MassOrgId, UnitId};
use ketnap_domain::person::BirthDate;
use ketnap_domain::ports::{CaseStore, StoreError, UnitStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::{NameCollator, PersonName, clean};
use ketnap_store::lookups::PossibleDuplicate;
use serde::{Deserialize, Serialize};

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::person_form::{
    PersonChoices, PersonFields, details_from, parse_sex, person_anchor,
};
use crate::views::{Layout, dmy};

/// A violation as a form shows it: beside the input `anchor`, and in the summary.
#[derive(Debug, Clone)]
pub struct ShownError {
    pub field: String,
    /// The id of the input (or group) the message belongs to.
    pub anchor: String,
    pub message: String,
    pub rule: String,
}

/// The violations of one submitted form, looked up by input id in the templates.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(Vec<ShownError>);

impl FieldErrors {
    /// Adds `violation`, shown beside the input `anchor`.
    pub fn push(&mut self, violation: Violation, anchor: impl Into<String>) {
        self.0.push(ShownError {
            field: violation.field,
            anchor: anchor.into(),
            message: violation.message,
            rule: violation.rule,
        });
    }

    /// The value, or `None` with the violation kept beside the input its field names.
    pub fn take<T>(&mut self, result: Result<T, Violation>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(violation) => {
                let anchor = violation.field.clone();
                self.push(violation, anchor);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn all(&self) -> &[ShownError] {
        &self.0
    }

    /// The first message for the input `anchor`.
    pub fn get(&self, anchor: impl AsRef<str>) -> Option<&ShownError> {
        self.0.iter().find(|e| e.anchor == anchor.as_ref())
    }

    pub fn has(&self, anchor: impl AsRef<str>) -> bool {
        self.get(anchor).is_some()
    }

    /// The `aria-describedby` value of the input `anchor`: its hint and its error, if any.
    pub fn describe(&self, anchor: impl AsRef<str>, hint: bool) -> String {
        let anchor = anchor.as_ref();
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{anchor}-hint"));
        }
        if self.has(anchor) {
            ids.push(format!("{anchor}-error"));
        }
        ids.join(" ")
    }
}

/// Reads `dd/mm/yyyy` (or `yyyy-mm-dd`, as a date input sends it).
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

/// A day typed into `field` that cannot be after today; `None`, with the violation in
/// `errors`, when it does not read or is in the future. `label` names it in the messages
/// ("Ngày xác định"). A blank input is the caller's to judge.
pub fn day_until_today(
    text: &str,
    field: &str,
    label: &str,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let refused = match parse_day(text) {
        Some(day) if day <= today => return Some(day),
        Some(day) => Violation::new(
            "date.future",
            field,
            format!("{label} {} ở sau ngày hôm nay ({}).", dmy(day), dmy(today)),
        ),
        None => Violation::new(
            "date.format",
            field,
            format!("{label} không đọc được; hãy ghi dạng 15/03/2026."),
        ),
    };
    errors.push(refused, field);
    None
}

/// A day typed into `field` (`day_until_today`), or `blank` when nothing is typed; with
/// no `blank` the day is required ("Phải ghi ngày chuyển." for the label "Ngày chuyển").
pub fn day_field(
    text: &str,
    field: &str,
    label: &str,
    today: NaiveDate,
    blank: Option<NaiveDate>,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    if !text.trim().is_empty() {
        return day_until_today(text, field, label, today, errors);
    }
    if blank.is_none() {
        let mut chars = label.chars();
        let what: String = chars
            .next()
            .into_iter()
            .flat_map(char::to_lowercase)
            .chain(chars)
            .collect();
        errors.push(
            Violation::new("input.required", field, format!("Phải ghi {what}.")),
            field,
        );
    }
    blank
}

/// Text that must not be blank, cleaned; or `None` with "Phải ghi {what}." beside `field`.
pub fn required_text(
    text: &str,
    field: &str,
    what: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    let cleaned = clean(text);
    if cleaned.is_empty() {
        errors.push(
            Violation::new("input.required", field, format!("Phải ghi {what}.")),
            field,
        );
        return None;
    }
    Some(cleaned)
}

/// An `<option>` of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>, current: &str) -> Choice {
        let value = value.to_string();
        Choice {
            selected: value == current,
            value,
            label: label.into(),
        }
    }
}

/// What the form sends; every field text, so any input can be shown back as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SourceForm {
    #[serde(flatten)]
    pub person: PersonFields,
    pub cell: String,
    pub identified_on: String,
    pub mass_org: String,
    pub nomination_number: String,
    pub nomination_date: String,
    pub confirm_new: String,
}

/// An existing person the new record may duplicate.
#[derive(Debug, Clone)]
pub struct DuplicateLine {
    pub id: i64,
    pub name: String,
    pub birth: String,
    pub same_citizen_id: bool,
}

impl DuplicateLine {
    pub(crate) fn from(d: &PossibleDuplicate) -> DuplicateLine {
        DuplicateLine {
            id: d.person.id.0,
            name: d.person.details.name.full(),
            birth: d.person.details.birth.display(),
            same_citizen_id: d.same_citizen_id,
        }
    }
}

#[derive(Template)]
#[template(path = "source_new.html")]
struct SourcePage {
    layout: Layout,
    form: SourceForm,
    errors: FieldErrors,
    duplicates: Vec<DuplicateLine>,
    /// Some duplicate has the same citizen id: a second record cannot be made.
    citizen_id_taken: bool,
    choices: PersonChoices,
    /// The citizen id and duplicates are checked as the officer types (app.js).
    live_check: bool,
    cells: Vec<Choice>,
    mass_orgs: Vec<Choice>,
}

/// The input a violation's field belongs beside.
fn anchor_of(field: &str) -> &str {
    match field {
        "cell" | "identified_on" | "mass_org" | "nomination_number" | "nomination_date" => field,
        _ => person_anchor(field).unwrap_or("form"),
    }
}

async fn render(
    ctx: &Ctx,
    scope: &Scope,
    form: SourceForm,
    errors: FieldErrors,
    duplicates: Vec<DuplicateLine>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let store = &ctx.state.store;
    let today = ctx.today();
    let collator = NameCollator::new();
    let mut units: Vec<_> = store
        .units_in(scope)
        .await?
        .into_iter()
        .filter(|u| u.kind.holds_cases() && u.is_active_on(today))
        .collect();
    units.sort_by(|a, b| collator.compare(&a.name, &b.name));
    let only_cell = (units.len() == 1)
        .then(|| units.first().map(|u| u.id.0.to_string()))
        .flatten();
    let current_cell = if form.cell.is_empty() {
        only_cell.unwrap_or_default()
    } else {
        form.cell.clone()
    };
    let cells = units
        .iter()
        .map(|u| Choice::new(u.id.0, u.name.clone(), &current_cell))
        .collect();
    let mass_orgs = store
        .mass_orgs_in(scope)
        .await?
        .into_iter()
        .map(|m| Choice::new(m.id, m.name, &form.mass_org))
        .collect();
    let page = SourcePage {
        layout: ctx.layout("Thêm quần chúng ưu tú").await?,
        citizen_id_taken: duplicates.iter().any(|d| d.same_citizen_id),
        choices: PersonChoices::new(&form.person, &errors),
        live_check: true,
        form,
        errors,
        duplicates,
        cells,
        mass_orgs,
    };
    let mut response = Html(page.render()?).into_response();
    *response.status_mut() = status;
    Ok(response)
}

pub async fn form(ctx: Ctx) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let form = SourceForm {
        identified_on: dmy(ctx.today()),
        ..SourceForm::default()
    };
    render(
        &ctx,
        &scope,
        form,
        FieldErrors::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// What `/sources/check` answers about the citizen id.
#[derive(Debug, Serialize)]
struct CitizenIdVerdict {
    /// `empty`, `ok` or `invalid`.
    status: &'static str,
    message: String,
    rule: Option<String>,
}

#[derive(Debug, Serialize)]
struct DuplicateAnswer {
    id: i64,
    href: String,
    name: String,
    birth: String,
    same_citizen_id: bool,
}

#[derive(Debug, Serialize)]
struct CheckAnswer {
    citizen_id: CitizenIdVerdict,
    duplicates: Vec<DuplicateAnswer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckQuery {
    citizen_id: String,
    sex: String,
    birth_date: String,
    family_name: String,
    middle_name: String,
    given_name: String,
}

/// The citizen id's verdict and its parsed value, given the sex and year typed so far.
fn judge_citizen_id(
    text: &str,
    sex: Option<Sex>,
    birth: Option<BirthDate>,
) -> (CitizenIdVerdict, Option<CitizenId>) {
    if text.trim().is_empty() {
        let verdict = CitizenIdVerdict {
            status: "empty",
            message: String::new(),
            rule: None,
        };
        return (verdict, None);
    }
    let id = match CitizenId::parse(text) {
        Ok(id) => id,
        Err(v) => {
            let verdict = CitizenIdVerdict {
                status: "invalid",
                message: v.message,
                rule: Some(v.rule),
            };
            return (verdict, None);
        }
    };
    let verdict = if id.is_legacy() {
        CitizenIdVerdict {
            status: "ok",
            message: "Số CMND 9 chữ số cũ: hãy cập nhật số CCCD 12 chữ số khi có.".into(),
            rule: None,
        }
    } else {
        let province = id
            .province_name()
            .map(|p| format!(" Nơi đăng ký khai sinh: {p}."))
            .unwrap_or_default();
        match (sex, birth) {
            (Some(sex), Some(birth)) => match id.check_against(sex, birth.year()) {
                Ok(()) => CitizenIdVerdict {
                    status: "ok",
                    message: format!("Số CCCD khớp giới tính và năm sinh.{province}"),
                    rule: None,
                },
                Err(v) => CitizenIdVerdict {
                    status: "invalid",
                    message: v.message,
                    rule: Some(v.rule),
                },
            },
            _ => CitizenIdVerdict {
                status: "ok",
                message: format!(
                    "Số CCCD đúng dạng; ghi giới tính và ngày sinh để đối chiếu.{province}"
                ),
                rule: None,
            },
        }
    };
    (verdict, Some(id))
}

/// As the officer types: is the citizen id right, and is this person already on file?
pub async fn check(
    ctx: Ctx,
    form: Result<Form<CheckQuery>, FormRejection>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let Form(q) = form.map_err(|_| WebError::bad_request("Tham số kiểm tra không hợp lệ."))?;
    let sex = parse_sex(&q.sex);
    let birth = BirthDate::parse(&q.birth_date).ok();
    let (verdict, id) = judge_citizen_id(&q.citizen_id, sex, birth);
    let name = PersonName::new(&q.family_name, &q.middle_name, &q.given_name);
    let by_name = (!name.family.is_empty() && !name.given.is_empty())
        .then_some(birth)
        .flatten()
        .map(|b| (&name, b));
    let duplicates = ctx
        .state
        .store
        .possible_duplicates(&scope, id.as_ref().map(CitizenId::as_str), by_name)
        .await?
        .iter()
        .map(|d| DuplicateAnswer {
            id: d.person.id.0,
            href: format!("/people/{}", d.person.id.0),
            name: d.person.details.name.full(),
            birth: d.person.details.birth.display(),
            same_citizen_id: d.same_citizen_id,
        })
        .collect();
    let mut response = Json(CheckAnswer {
        citizen_id: verdict,
        duplicates,
    })
    .into_response();
    // Names of people: never kept by a browser or a proxy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn create(
    ctx: Ctx,
    form: Result<Form<SourceForm>, FormRejection>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let Form(form) = form.map_err(|_| WebError::bad_request("Dữ liệu biểu mẫu không hợp lệ."))?;
    let store = &ctx.state.store;
    let today = ctx.today();
    let mut errors = FieldErrors::default();
    let details = details_from(&form.person, today, &mut errors);

    let cell = form.cell.trim().parse::<i64>().ok().map(UnitId);
    if cell.is_none() {
        errors.push(
            Violation::new("input.required", "cell", "Phải chọn chi bộ."),
            "cell",
        );
    }
    let identified_on = day_field(
        &form.identified_on,
        "identified_on",
        "Ngày xác định",
        today,
        Some(today),
        &mut errors,
    );
    let nomination = nomination_from(&ctx, &scope, &form, today, &mut errors).await?;

    let (Some(details), Some(cell), Some(identified_on), Some(nomination), true) =
        (details, cell, identified_on, nomination, errors.is_empty())
    else {
        return render(
            &ctx,
            &scope,
            form,
            errors,
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };

    let duplicates = store
        .possible_duplicates(
            &scope,
            details.citizen_id.as_ref().map(CitizenId::as_str),
            Some((&details.name, details.birth)),
        )
        .await?;
    let taken = duplicates.iter().any(|d| d.same_citizen_id);
    if !duplicates.is_empty() && (taken || form.confirm_new.trim() != "1") {
        let lines = duplicates.iter().map(DuplicateLine::from).collect();
        return render(
            &ctx,
            &scope,
            form,
            errors,
            lines,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    match store
        .create_source(
            &ctx.change(),
            &scope,
            &details,
            cell,
            identified_on,
            nomination,
        )
        .await
    {
        Ok((_, case_id)) => Ok(Redirect::to(&format!("/cases/{}", case_id.0)).into_response()),
        Err(StoreError::Rejected(v)) => {
            let field = v.field.clone();
            errors.push(v, anchor_of(&field));
            render(
                &ctx,
                &scope,
                form,
                errors,
                Vec::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// The nominating mass organisation and its resolution: `Some(None)` when there is none,
/// `None` when what was typed is wrong (the violations are in `errors`).
async fn nomination_from(
    ctx: &Ctx,
    scope: &Scope,
    form: &SourceForm,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Result<Option<Option<(MassOrgId, DocRef)>>, WebError> {
    let number = clean(&form.nomination_number);
    if form.mass_org.trim().is_empty() {
        if number.is_empty() && form.nomination_date.trim().is_empty() {
            return Ok(Some(None));
        }
        errors.push(
            Violation::new(
                "nomination.mass-org",
                "mass_org",
                "Đã ghi nghị quyết giới thiệu: hãy chọn đoàn thể đã giới thiệu (hoặc xóa số và ngày nghị quyết).",
            ),
            "mass_org",
        );
        return Ok(None);
    }
    let known = ctx.state.store.mass_orgs_in(scope).await?;
    let mass_org = form
        .mass_org
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| known.iter().any(|m| m.id == *id));
    let mut ok = true;
    if mass_org.is_none() {
        ok = false;
        errors.push(
            Violation::new(
                "unit.unknown",
                "mass_org",
                "Không có đoàn thể này trong phạm vi của tài khoản.",
            ),
            "mass_org",
        );
    }
    if number.is_empty() {
        ok = false;
        errors.push(
            Violation::new(
                "input.required",
                "nomination_number",
                "Phải ghi số nghị quyết giới thiệu của đoàn thể.",
            ),
            "nomination_number",
        );
    }
    let dated = if form.nomination_date.trim().is_empty() {
        errors.push(
            Violation::new(
                "input.required",
                "nomination_date",
                "Phải ghi ngày của nghị quyết giới thiệu, dạng 15/03/2026.",
            ),
            "nomination_date",
        );
        None
    } else {
        day_until_today(
            &form.nomination_date,
            "nomination_date",
            "Ngày nghị quyết",
            today,
            errors,
        )
    };
    Ok(match (mass_org, dated, ok) {
        (Some(id), Some(dated), true) => Some(Some((MassOrgId(id), DocRef { number, dated }))),
        _ => None,
    })
}
