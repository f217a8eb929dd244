//! Tổng quan: what the account's scope holds and what is pressing.

use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use ketnap_domain::deadline::Urgency;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy, number};

/// Days ahead in which a deadline counts as close.
const WARN_DAYS: i64 = 14;

/// Cases listed per section; the count above a section is of all of them.
const ROWS_SHOWN: usize = 100;

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
    /// Cases in the section, listed or not.
    pub total: usize,
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
    let today = ctx.today();
    let overview = ctx
        .state
        .store
        .overview(&scope, today, WARN_DAYS, ROWS_SHOWN)
        .await?;
    // The soonest first; a whole province's list belongs to the bottleneck report.
    let mut sections = Vec::new();
    let total = |urgency| {
        overview
            .pressing
            .iter()
            .find(|list| list.urgency == urgency)
            .map_or(0, |list| list.total)
    };
    let (overdue_count, due_soon_count, decisions_count) = (
        total(Urgency::Overdue),
        total(Urgency::DueSoon),
        total(Urgency::DecisionThisWeek),
    );
    for list in overview.pressing {
        let title = match list.urgency {
            Urgency::DecisionThisWeek => "Cấp ủy cần quyết định trong tuần này",
            Urgency::Overdue => "Quá hạn",
            Urgency::DueSoon => "Đến hạn trong 14 ngày",
        };
        let rows = list
            .soonest
            .into_iter()
            .map(|case| Pressing {
                case_id: case.case.0,
                name: case.name,
                cell: case.cell,
                stage: case.stage.label_vi(),
                what: case.deadline.what,
                due: dmy(case.deadline.due),
                status: case.deadline.status.code(),
                status_label: case.deadline.status.label_vi(),
            })
            .collect();
        sections.push(Section {
            title,
            total: list.total,
            rows,
        });
    }
    let year = today.year();
    let page = HomePage {
        layout: ctx.layout("Tổng quan").await?,
        stages: overview
            .stages
            .into_iter()
            .map(|(stage, n)| StageCount {
                code: stage.code(),
                label: stage.label_vi(),
                count: number(n),
            })
            .collect(),
        overdue_count,
        due_soon_count: due_soon_count + decisions_count,
        decisions_count,
        sections,
        admissions_this_year: number(overview.admissions),
        year,
    };
    Ok(Html(page.render()?).into_response())
}
