//! Lớp bồi dưỡng: the classes of the scope, and a class recorded in one go with its
//! participants, whose certificates move the waiting cases on in the same transaction.

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use ketnap_domain::Violation;
use ketnap_domain::course::{Course, CourseKind, CourseResult, Participant};
use ketnap_domain::ids::{CourseId, PersonId};
use ketnap_domain::ports::{CaseRecord, CourseStore, RuleStore, StoreError};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::{NameCollator, clean};
use ketnap_domain::workflow::Actor;
use serde::Deserialize;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::sources::{Choice, FieldErrors, ShownError, parse_day};
use crate::views::{Layout, dmy, number};

/// A class has at most this many lines on the form.
const MAX_ROWS: usize = 300;

pub struct CourseLine {
    pub kind: &'static str,
    pub name: String,
    pub organiser: String,
    pub unit: String,
    pub starts_on: String,
    pub ends_on: String,
    pub participants: String,
    pub passed: String,
}

#[derive(Template)]
#[template(path = "courses.html")]
struct CoursesPage {
    layout: Layout,
    courses: Vec<CourseLine>,
    can_edit: bool,
}

pub async fn list(ctx: Ctx) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let courses = ctx
        .state
        .store
        .courses_in(&scope)
        .await?
        .into_iter()
        .map(|c| CourseLine {
            kind: c.kind.label_vi(),
            name: c.name,
            organiser: c.organiser,
            unit: c.unit_name,
            starts_on: dmy(c.starts_on),
            ends_on: dmy(c.ends_on),
            participants: number(c.participants),
            passed: number(c.passed),
        })
        .collect();
    let page = CoursesPage {
        layout: ctx.layout("Lớp bồi dưỡng").await?,
        courses,
        can_edit: scope.can_edit(),
    };
    Ok(Html(page.render()?).into_response())
}

/// One participant line as typed.
#[derive(Debug, Clone, Default)]
struct RowInput {
    person: String,
    result: String,
    certificate: String,
}

impl RowInput {
    fn is_blank(&self) -> bool {
        self.person.trim().is_empty() && self.certificate.trim().is_empty()
    }
}

/// The class as typed, kept to show the form again.
#[derive(Debug, Clone)]
struct CourseInput {
    kind: CourseKind,
    name: String,
    organiser: String,
    starts_on: String,
    ends_on: String,
    /// The filled lines, in the order they were typed (blank lines dropped).
    rows: Vec<RowInput>,
}

/// One line of the participants table, ready for the template.
pub struct RowView {
    pub n: usize,
    pub people: Vec<Choice>,
    pub results: Vec<Choice>,
    pub certificate: String,
    pub person_error: Option<ShownError>,
    pub certificate_error: Option<ShownError>,
}

#[derive(Template)]
#[template(path = "course_new.html")]
struct CourseNewPage {
    layout: Layout,
    kind: &'static str,
    kind_label: &'static str,
    kinds: Vec<Choice>,
    waiting_label: &'static str,
    name: String,
    organiser: String,
    starts_on: String,
    ends_on: String,
    waiting: usize,
    rows: Vec<RowView>,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KindQuery {
    kind: String,
}

fn waiting_label(kind: CourseKind) -> &'static str {
    match kind {
        CourseKind::Awareness => "cảm tình Đảng chưa học lớp nhận thức về Đảng",
        CourseKind::NewMember => "đảng viên dự bị chưa có giấy chứng nhận lớp đảng viên mới",
    }
}

fn result_label(result: CourseResult) -> &'static str {
    match result {
        CourseResult::Passed => "Đạt yêu cầu",
        CourseResult::Failed => "Không đạt",
        CourseResult::Absent => "Vắng",
    }
}

/// The input a violation's field belongs beside: `participants[3].certificate_number` is
/// line 3's certificate number, `participants[3]` line 3's person.
fn anchor_of(field: &str) -> String {
    if let Some((n, tail)) = field
        .strip_prefix("participants[")
        .and_then(|rest| rest.split_once(']'))
        && n.parse::<usize>().is_ok()
    {
        return match tail {
            ".certificate_number" => format!("certificate_{n}"),
            ".result" => format!("result_{n}"),
            _ => format!("person_{n}"),
        };
    }
    match field {
        "kind" | "name" | "organiser" | "starts_on" | "ends_on" => field.to_string(),
        "date" => "ends_on".to_string(),
        _ => "form".to_string(),
    }
}

async fn render(
    ctx: &Ctx,
    scope: &Scope,
    input: CourseInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut waiting = ctx
        .state
        .store
        .cases_awaiting_course(scope, input.kind)
        .await?;
    let collator = NameCollator::new();
    waiting.sort_by(|a, b| {
        collator
            .compare_names(&a.person.details.name, &b.person.details.name)
            .then(a.case.id.cmp(&b.case.id))
    });
    let mut typed = input.rows.clone();
    let total = typed.len().max(waiting.len()).clamp(1, MAX_ROWS);
    typed.resize(total, RowInput::default());
    let rows = typed
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let n = i + 1;
            let people = waiting
                .iter()
                .map(|r| Choice {
                    value: r.person.id.0.to_string(),
                    label: person_label(r),
                    selected: r.person.id.0.to_string() == row.person.trim(),
                })
                .collect();
            let current = if row.result.is_empty() {
                CourseResult::Passed.code()
            } else {
                row.result.as_str()
            };
            let results = [
                CourseResult::Passed,
                CourseResult::Failed,
                CourseResult::Absent,
            ]
            .into_iter()
            .map(|r| Choice {
                value: r.code().to_string(),
                label: result_label(r).to_string(),
                selected: r.code() == current,
            })
            .collect();
            RowView {
                n,
                people,
                results,
                certificate: row.certificate.clone(),
                person_error: errors
                    .get(format!("person_{n}"))
                    .or_else(|| errors.get(format!("result_{n}")))
                    .cloned(),
                certificate_error: errors.get(format!("certificate_{n}")).cloned(),
            }
        })
        .collect();
    let kinds = [CourseKind::Awareness, CourseKind::NewMember]
        .into_iter()
        .map(|k| Choice {
            value: k.code().to_string(),
            label: k.label_vi().to_string(),
            selected: k == input.kind,
        })
        .collect();
    let page = CourseNewPage {
        layout: ctx.layout("Ghi nhận lớp bồi dưỡng").await?,
        kind: input.kind.code(),
        kind_label: input.kind.label_vi(),
        kinds,
        waiting_label: waiting_label(input.kind),
        name: input.name,
        organiser: input.organiser,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        waiting: waiting.len(),
        rows,
        errors,
    };
    let mut response = Html(page.render()?).into_response();
    *response.status_mut() = status;
    Ok(response)
}

fn person_label(record: &CaseRecord) -> String {
    format!(
        "{} — sinh {} — {}",
        record.person.details.name.full(),
        record.person.details.birth.display(),
        record.cell_name
    )
}

pub async fn form(
    ctx: Ctx,
    query: Result<Query<KindQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let kind = query
        .ok()
        .and_then(|Query(q)| CourseKind::from_code(q.kind.trim()))
        .unwrap_or(CourseKind::Awareness);
    let input = CourseInput {
        kind,
        name: String::new(),
        organiser: String::new(),
        starts_on: String::new(),
        ends_on: String::new(),
        rows: Vec::new(),
    };
    render(&ctx, &scope, input, FieldErrors::default(), StatusCode::OK).await
}

/// Reads the form's pairs: the class fields, and `person_N`, `result_N`, `certificate_N`
/// for each line N.
fn read_input(pairs: &[(String, String)]) -> (Option<CourseKind>, CourseInput) {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let kind = CourseKind::from_code(field("kind").trim());
    let mut lines: Vec<(usize, RowInput)> = Vec::new();
    for (key, value) in pairs {
        let Some((what, n)) = key.rsplit_once('_') else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else {
            continue;
        };
        if !(1..=MAX_ROWS).contains(&n) {
            continue;
        }
        let at = match lines.iter().position(|(m, _)| *m == n) {
            Some(at) => at,
            None => {
                lines.push((n, RowInput::default()));
                lines.len() - 1
            }
        };
        let Some((_, row)) = lines.get_mut(at) else {
            continue;
        };
        match what {
            "person" => row.person = value.clone(),
            "result" => row.result = value.clone(),
            "certificate" => row.certificate = value.clone(),
            _ => {}
        }
    }
    lines.sort_by_key(|(n, _)| *n);
    let input = CourseInput {
        kind: kind.unwrap_or(CourseKind::Awareness),
        name: field("name"),
        organiser: field("organiser"),
        starts_on: field("starts_on"),
        ends_on: field("ends_on"),
        rows: lines
            .into_iter()
            .map(|(_, row)| row)
            .filter(|row| !row.is_blank())
            .collect(),
    };
    (kind, input)
}

pub async fn create(
    ctx: Ctx,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let Form(pairs) = form.map_err(|_| WebError::bad_request("Dữ liệu biểu mẫu không hợp lệ."))?;
    let today = ctx.today();
    let (kind, input) = read_input(&pairs);
    let mut errors = FieldErrors::default();
    let refuse = |errors: &mut FieldErrors, rule: &str, field: &str, message: String| {
        errors.push(Violation::new(rule, field, message), anchor_of(field));
    };
    if kind.is_none() {
        refuse(
            &mut errors,
            "input.required",
            "kind",
            "Phải chọn loại lớp.".into(),
        );
    }
    if clean(&input.name).is_empty() {
        refuse(
            &mut errors,
            "input.required",
            "name",
            "Phải ghi tên lớp.".into(),
        );
    }
    if clean(&input.organiser).is_empty() {
        refuse(
            &mut errors,
            "input.required",
            "organiser",
            "Phải ghi nơi tổ chức lớp (trung tâm chính trị, trường chính trị …).".into(),
        );
    }
    let date = |field: &str, text: &str, errors: &mut FieldErrors| match parse_day(text) {
        Some(day) => Some(day),
        None => {
            refuse(
                errors,
                "date.format",
                field,
                if text.trim().is_empty() {
                    "Phải ghi ngày, dạng 15/03/2026.".to_string()
                } else {
                    format!(
                        "Ngày \"{}\" không đọc được; hãy ghi dạng 15/03/2026.",
                        text.trim()
                    )
                },
            );
            None
        }
    };
    let starts_on = date("starts_on", &input.starts_on, &mut errors);
    let ends_on = date("ends_on", &input.ends_on, &mut errors);
    if let Some(end) = ends_on.filter(|end| *end > today) {
        refuse(
            &mut errors,
            "date.future",
            "ends_on",
            format!(
                "Ngày kết thúc lớp {} ở sau ngày hôm nay ({}); chỉ ghi nhận lớp đã kết thúc.",
                dmy(end),
                dmy(today)
            ),
        );
    }
    let mut participants = Vec::new();
    for (i, row) in input.rows.iter().enumerate() {
        let n = i + 1;
        let person = row.person.trim().parse::<i64>().ok().map(PersonId);
        let result = CourseResult::from_code(row.result.trim());
        match (person, result) {
            (Some(person), Some(result)) => participants.push(Participant {
                person,
                result,
                certificate_number: row.certificate.clone(),
            }),
            (None, _) => refuse(
                &mut errors,
                "input.required",
                &format!("participants[{n}]"),
                format!("Dòng {n}: chưa chọn học viên."),
            ),
            (_, None) => refuse(
                &mut errors,
                "input.required",
                &format!("participants[{n}].result"),
                format!("Dòng {n}: phải chọn kết quả (đạt, không đạt, vắng)."),
            ),
        }
    }
    let (Some(kind), Some(starts_on), Some(ends_on), true) =
        (kind, starts_on, ends_on, errors.is_empty())
    else {
        return render(
            &ctx,
            &scope,
            input,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let course = Course {
        id: CourseId(0),
        kind,
        name: clean(&input.name),
        organiser: clean(&input.organiser),
        unit: scope.root(),
        starts_on,
        ends_on,
    };
    let store = &ctx.state.store;
    let outcome = match course.check(&participants) {
        Err(v) => Err(v),
        Ok(()) => {
            let open: Vec<_> = store
                .cases_awaiting_course(&scope, kind)
                .await?
                .into_iter()
                .map(|r| (r.case, r.person.details, r.version))
                .collect();
            let rules = store.rule_book().await?;
            let calendar = store.calendar().await?;
            course.certificate_transitions(
                &participants,
                &open,
                &Actor(ctx.auth.username.clone()),
                Utc::now(),
                &rules,
                &calendar,
            )
        }
    };
    let violation = match outcome {
        Err(v) => v,
        Ok(certificates) => {
            match store
                .record_course(&ctx.change(), &scope, &course, &participants, &certificates)
                .await
            {
                Ok(_) => return Ok(Redirect::to("/courses").into_response()),
                Err(StoreError::Rejected(v)) => v,
                Err(other) => return Err(other.into()),
            }
        }
    };
    let anchor = anchor_of(&violation.field);
    errors.push(violation, anchor);
    render(
        &ctx,
        &scope,
        input,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
