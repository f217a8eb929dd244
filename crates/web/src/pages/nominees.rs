//! Người được giới thiệu: what a mass-organisation officer may see of the people their
//! organisation nominated — name, stage and the dates of the main steps, nothing else; the
//! nominations still waiting or declined (with the reason); and this year's counts.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use ketnap_domain::coordination::Status;
use ketnap_domain::text::NameCollator;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::nominations::{CountRow, SummaryRow, org_counts, own_org};
use crate::views::{Layout, dmy};

pub struct Row {
    pub name: String,
    pub stage: &'static str,
    pub identified_on: String,
    pub sympathiser_on: String,
    pub decided_on: String,
    pub ceremony_on: String,
    pub official_on: String,
}

#[derive(Template)]
#[template(path = "nominees.html")]
struct NomineesPage {
    layout: Layout,
    rows: Vec<Row>,
    /// Nominations not (or not yet) made into a source.
    waiting: Vec<SummaryRow>,
    year: i32,
    counts: CountRow,
}

fn day(date: Option<NaiveDate>) -> String {
    date.map(dmy).unwrap_or_else(|| "—".into())
}

pub async fn list(ctx: Ctx) -> Result<Response, WebError> {
    // Only a mass-organisation officer has a nominee scope; anyone else finds nothing here.
    let (scope, org) = own_org(&ctx).await?;
    let mut nominees = ctx.state.store.nominees(scope).await?;
    let collator = NameCollator::new();
    nominees.sort_by(|a, b| collator.compare_names(&a.name, &b.name));
    let rows = nominees
        .into_iter()
        .map(|n| Row {
            name: n.name.full(),
            stage: n.stage.label_vi(),
            identified_on: dmy(n.identified_on),
            sympathiser_on: day(n.sympathiser_on),
            decided_on: day(n.decided_on),
            ceremony_on: day(n.ceremony_on),
            official_on: day(n.official_on),
        })
        .collect();
    let waiting = ctx
        .state
        .store
        .nominations_of(scope)
        .await?
        .iter()
        .filter(|n| matches!(n.status, Status::Pending | Status::Declined))
        .map(SummaryRow::from)
        .collect();
    let year = ctx.today().year();
    let page = NomineesPage {
        layout: ctx.layout("Người được đoàn thể giới thiệu").await?,
        rows,
        waiting,
        year,
        counts: CountRow::from(&org_counts(&ctx, &org, year).await?),
    };
    Ok(Html(page.render()?).into_response())
}
