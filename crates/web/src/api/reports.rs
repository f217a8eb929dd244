//! `/api/v1/reports/…`: the numbers of the report pages as JSON, computed by the same store
//! calls (`pages::reports`), for the token's scope.

use axum::Json;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use ketnap_domain::report::{FunnelReport, Period, ProgressReport};

use super::params;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::reports::{Place, ReportQuery, parse_query};

/// Reads `unit`, `year`, `from`, `to` strictly: unknown or repeated names and bad values
/// answer 422 naming the parameter.
fn query(ctx: &Ctx, raw: Option<&str>) -> Result<ReportQuery, WebError> {
    params::Query::parse(raw, &["unit", "year", "from", "to"])?;
    parse_query(raw, ctx.today(), false).map_err(|mut e| {
        e.status = StatusCode::UNPROCESSABLE_ENTITY;
        e.rule = Some(format!(
            "api.query.{}",
            e.field.clone().unwrap_or_else(|| "query".into())
        ));
        e
    })
}

/// `GET /api/v1/reports/progress?unit=&year=`: progress of the unit and its direct
/// sub-units against the year's targets, with pace and forecast, as of today (or the end
/// of a past year).
pub async fn progress(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Json<ProgressReport>, WebError> {
    let q = query(&ctx, raw.as_deref())?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    let as_of = q.period.as_of(ctx.today());
    let year = q
        .period
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&as_of));
    Ok(Json(
        ctx.state
            .store
            .progress_report(scope, place.unit.id, year, as_of)
            .await?,
    ))
}

/// `GET /api/v1/reports/funnel?unit=&year=` or `?unit=&from=&to=`: cases reaching each
/// step in the period (up to today), conversions and median days.
pub async fn funnel(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Json<FunnelReport>, WebError> {
    let q = query(&ctx, raw.as_deref())?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    let as_of = q.period.as_of(ctx.today());
    let period = Period {
        from: q.period.from,
        to: q.period.to.min(as_of).max(q.period.from),
    };
    Ok(Json(
        ctx.state
            .store
            .funnel_report(scope, place.unit.id, period)
            .await?,
    ))
}
