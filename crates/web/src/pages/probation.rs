//! Đảng viên dự bị: the scope's probationary members, with the end of their probation,
//! their mentor, the new-member course, the two reviews and the next deadline.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use ketnap_domain::case::{Case, Paper, Stage};
use ketnap_domain::deadline::next_deadline;
use ketnap_domain::ports::RuleStore;
use ketnap_domain::text::NameCollator;
use ketnap_domain::workflow::probation_end;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy};

/// Days ahead in which a deadline counts as close (as on the overview).
const WARN_DAYS: i64 = 14;

pub struct Row {
    pub case_id: i64,
    pub name: String,
    pub cell: String,
    /// The step after probation the case has reached (recognition proposed …), if any.
    pub later_step: Option<&'static str>,
    pub ceremony: String,
    pub probation_end: String,
    pub mentor: String,
    /// `Some(number)` when the new-member certificate is recorded.
    pub certificate: Option<String>,
    pub self_review: Option<String>,
    pub mentor_review: Option<String>,
    pub deadline: Option<Due>,
}

pub struct Due {
    pub what: &'static str,
    pub due: String,
    pub status: &'static str,
    pub status_label: String,
}

#[derive(Template)]
#[template(path = "probation.html")]
struct ProbationPage {
    layout: Layout,
    rows: Vec<Row>,
}

/// "số …, ngày dd/mm/yyyy" of the latest paper of that kind, if recorded.
fn paper(case: &Case, kind: Paper) -> Option<String> {
    case.papers.iter().rev().find(|p| p.paper == kind).map(|p| {
        if p.number.trim().is_empty() {
            format!("ngày {}", dmy(p.dated))
        } else {
            format!("số {}, ngày {}", p.number, dmy(p.dated))
        }
    })
}

pub async fn list(ctx: Ctx) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let store = &ctx.state.store;
    let today = ctx.today();
    let rules = store.rule_book().await?;
    let calendar = store.calendar().await?;
    let mut records = store.probation_cases(&scope).await?;
    let collator = NameCollator::new();
    records.sort_by(|a, b| {
        collator
            .compare_names(&a.person.details.name, &b.person.details.name)
            .then(a.case.id.cmp(&b.case.id))
    });
    let rows = records
        .iter()
        .map(|record| {
            let case = &record.case;
            // A date no rule set covers shows as "—" rather than failing the whole list.
            let end = case.ceremony_on.and_then(|on| {
                rules
                    .in_force_on(on)
                    .ok()
                    .map(|set| dmy(probation_end(on, set)))
            });
            let deadline = next_deadline(case, &rules, &calendar, today, WARN_DAYS)
                .ok()
                .flatten()
                .map(|d| Due {
                    what: d.what,
                    due: dmy(d.due),
                    status: d.status.code(),
                    status_label: d.status.label_vi(),
                });
            Row {
                case_id: case.id.0,
                name: record.person.details.name.full(),
                cell: record.cell_name.clone(),
                later_step: (case.stage != Stage::Probation).then(|| case.stage.label_vi()),
                ceremony: case.ceremony_on.map(dmy).unwrap_or_else(|| "—".into()),
                probation_end: end.unwrap_or_else(|| "—".into()),
                mentor: case
                    .mentor
                    .as_ref()
                    .map(|m| m.name.clone())
                    .unwrap_or_else(|| "—".into()),
                certificate: case
                    .new_member_certificate
                    .as_ref()
                    .map(|c| c.number.clone()),
                self_review: paper(case, Paper::SelfReview),
                mentor_review: paper(case, Paper::MentorReview),
                deadline,
            }
        })
        .collect();
    let page = ProbationPage {
        layout: ctx.layout("Đảng viên dự bị").await?,
        rows,
    };
    Ok(Html(page.render()?).into_response())
}
