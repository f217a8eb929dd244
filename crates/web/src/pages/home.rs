//! Tổng quan: what the account's scope holds and what is pressing.

use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use ketnap_domain::case::Stage;
use ketnap_domain::deadline::DeadlineStatus;

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
    let overview = ctx.state.store.overview(&scope, today, WARN_DAYS).await?;
    let (mut overdue, mut due_soon, mut decisions_this_week) = (Vec::new(), Vec::new(), Vec::new());
    let (mut overdue_count, mut due_soon_count, mut decisions_count) = (0, 0, 0);
    for case in overview.pressing {
        let committee_decides = matches!(
            case.stage,
            Stage::CellResolved
                | Stage::BaseResolved
                | Stage::RecognitionProposed
                | Stage::RecognitionBaseResolved
        );
        let deadline = case.deadline;
        let this_week = (deadline.due - today).num_days() <= 7;
        let (list, count) = match deadline.status {
            DeadlineStatus::Overdue(_) => (&mut overdue, &mut overdue_count),
            DeadlineStatus::DueSoon(_) if committee_decides && this_week => {
                (&mut decisions_this_week, &mut decisions_count)
            }
            DeadlineStatus::DueSoon(_) => (&mut due_soon, &mut due_soon_count),
            DeadlineStatus::OnTime => continue,
        };
        *count += 1;
        // The soonest first; a whole province's list belongs to the bottleneck report.
        if list.len() < ROWS_SHOWN {
            list.push(Pressing {
                case_id: case.case.0,
                name: case.name,
                cell: case.cell,
                stage: case.stage.label_vi(),
                what: deadline.what,
                due: dmy(deadline.due),
                status: deadline.status.code(),
                status_label: deadline.status.label_vi(),
            });
        }
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
        sections: vec![
            Section {
                title: "Cấp ủy cần quyết định trong tuần này",
                total: decisions_count,
                rows: decisions_this_week,
            },
            Section {
                title: "Quá hạn",
                total: overdue_count,
                rows: overdue,
            },
            Section {
                title: "Đến hạn trong 14 ngày",
                total: due_soon_count,
                rows: due_soon,
            },
        ],
        admissions_this_year: number(overview.admissions),
        year,
    };
    Ok(Html(page.render()?).into_response())
}
