//! Người được giới thiệu: what a mass-organisation officer may see of the people their
//! organisation nominated — name, stage and the dates of the main steps, nothing else.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use ketnap_domain::text::NameCollator;

use crate::ctx::Ctx;
use crate::error::WebError;
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
}

fn day(date: Option<NaiveDate>) -> String {
    date.map(dmy).unwrap_or_else(|| "—".into())
}

pub async fn list(ctx: Ctx) -> Result<Response, WebError> {
    // Only a mass-organisation officer has a nominee scope; anyone else finds nothing here.
    let scope = ctx.auth.nominees.ok_or_else(WebError::not_found)?;
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
    let page = NomineesPage {
        layout: ctx.layout("Người được đoàn thể giới thiệu").await?,
        rows,
    };
    Ok(Html(page.render()?).into_response())
}
