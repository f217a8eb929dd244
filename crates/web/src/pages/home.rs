//! Tổng quan: what the account's scope holds and what is pressing.

use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use ketnap_domain::case::Stage;
use ketnap_domain::deadline::{DeadlineStatus, next_deadline};
use ketnap_domain::ports::{CaseFilter, CaseStore, RuleStore};

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy, number};

/// Days ahead in which a deadline counts as close.
const WARN_DAYS: i64 = 14;

pub struct StageCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: String,
}

pub struct Pressing {
    pub case_id: i64,
    pub name: String,
    pub cell: String,
    pub stage: &'static str,
    pub what: &'static str,
    pub due: String,
    pub status: &'static str,
    pub status_label: String,
}

pub struct Section {
    pub title: &'static str,
    pub rows: Vec<Pressing>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    stages: Vec<StageCount>,
    overdue_count: usize,
    due_soon_count: usize,
    decisions_count: usize,
    sections: Vec<Section>,
    admissions_this_year: String,
    year: i32,
}

pub async fn page(ctx: Ctx) -> Result<Response, WebError> {
    // A mass-organisation officer has no scope: their home is the list of their nominees.
    let Some(scope) = ctx.auth.scope.clone() else {
        return Ok(Redirect::to("/nominees").into_response());
    };
    let store = &ctx.state.store;
    let today = ctx.today();
    let counts = store.stage_counts(&scope).await?;
    let records = store
        .cases(
            &scope,
            &CaseFilter {
                open_only: true,
                ..CaseFilter::default()
            },
        )
        .await?;
    let rules = store.rule_book().await?;
    let calendar = store.calendar().await?;
    let (mut overdue, mut due_soon, mut decisions_this_week) = (Vec::new(), Vec::new(), Vec::new());
    for record in &records {
        let Some(deadline) = next_deadline(&record.case, &rules, &calendar, today, WARN_DAYS)
            .ok()
            .flatten()
        else {
            continue;
        };
        let committee_decides = matches!(
            record.case.stage,
            Stage::CellResolved
                | Stage::BaseResolved
                | Stage::RecognitionProposed
                | Stage::RecognitionBaseResolved
        );
        let line = Pressing {
            case_id: record.case.id.0,
            name: record.person.details.name.full(),
            cell: record.cell_name.clone(),
            stage: record.case.stage.label_vi(),
            what: deadline.what,
            due: dmy(deadline.due),
            status: deadline.status.code(),
            status_label: deadline.status.label_vi(),
        };
        let this_week = (deadline.due - today).num_days() <= 7;
        match deadline.status {
            DeadlineStatus::Overdue(_) => overdue.push(line),
            DeadlineStatus::DueSoon(_) if committee_decides && this_week => {
                decisions_this_week.push(line)
            }
            DeadlineStatus::DueSoon(_) => due_soon.push(line),
            DeadlineStatus::OnTime => {}
        }
    }
    let year = today.year();
    let page = HomePage {
        layout: ctx.layout("Tổng quan").await?,
        stages: counts
            .into_iter()
            .map(|(stage, n)| StageCount {
                code: stage.code(),
                label: stage.label_vi(),
                count: number(n),
            })
            .collect(),
        overdue_count: overdue.len(),
        due_soon_count: due_soon.len() + decisions_this_week.len(),
        decisions_count: decisions_this_week.len(),
        sections: vec![
            Section {
                title: "Cấp ủy cần quyết định trong tuần này",
                rows: decisions_this_week,
            },
            Section {
                title: "Quá hạn",
                rows: overdue,
            },
            Section {
                title: "Đến hạn trong 14 ngày",
                rows: due_soon,
            },
        ],
        admissions_this_year: number(store.admissions_in_year(&scope, year).await?),
        year,
    };
    Ok(Html(page.render()?).into_response())
}
