//! `/api/v1/reports/…`: the numbers of the report pages as JSON, computed by the same store
//! calls (`pages::reports`), for the token's scope.
//!
//! Every report takes `unit`, `year`, `from`, `to`; the reports of a day (progress,
//! bottlenecks, coverage, recognitions) are counted as of today inside the period, else as
//! of its end (or its start, for a period still to come), like the report page.

use axum::Json;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use chrono::NaiveDate;
use ketnap_domain::report::{
    BottleneckReport, BreakdownReport, CoverageParams, CoverageReport, FIRST_YEAR, FunnelReport,
    LAST_YEAR, Period, ProgressReport, RecognitionReport,
};

use super::params;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::reports::{Place, RECOGNITION_WITHIN_DAYS, ReportQuery, parse_query};

/// The parameters every report takes.
const REPORT_PARAMS: [&str; 4] = ["unit", "year", "from", "to"];
/// The most days ahead `within_days` may look (ten years).
pub const MAX_WITHIN_DAYS: usize = 3660;
/// The most years `years_without` may look back.
pub const MAX_YEARS_WITHOUT: usize = (LAST_YEAR - FIRST_YEAR) as usize;

/// Reads `unit`, `year`, `from`, `to` and the report's own `extra` parameters strictly:
/// unknown or repeated names and bad values answer 422 naming the parameter. The extra
/// parameters are left in the returned `params::Query` for the caller to read.
fn query(
    ctx: &Ctx,
    raw: Option<&str>,
    extra: &[&str],
) -> Result<(ReportQuery, params::Query), WebError> {
    let known: Vec<&str> = REPORT_PARAMS.iter().chain(extra).copied().collect();
    let rest = params::Query::parse(raw, &known)?;
    rest.refuse_blank(&REPORT_PARAMS)?;
    let q = parse_query(raw, ctx.today(), false).map_err(|mut e| {
        e.status = StatusCode::UNPROCESSABLE_ENTITY;
        e.rule = Some(format!(
            "api.query.{}",
            e.field.clone().unwrap_or_else(|| "query".into())
        ));
        e
    })?;
    Ok((q, rest))
}

/// The day a report is counted as of: today inside the period, else its end (or start).
fn as_of(ctx: &Ctx, q: &ReportQuery) -> NaiveDate {
    q.period.as_of(ctx.today())
}

/// The period's days up to the day it is counted as of.
fn counted_period(ctx: &Ctx, q: &ReportQuery) -> Period {
    Period {
        from: q.period.from,
        to: q.period.to.min(as_of(ctx, q)).max(q.period.from),
    }
}

/// `GET /api/v1/reports/progress?unit=&year=`: progress of the unit and its direct
/// sub-units against the year's targets, with pace and forecast, as of today (or the end
/// of a past year).
pub async fn progress(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Json<ProgressReport>, WebError> {
    let (q, _) = query(&ctx, raw.as_deref(), &[])?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    let as_of = as_of(&ctx, &q);
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
    let (q, _) = query(&ctx, raw.as_deref(), &[])?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    let period = counted_period(&ctx, &q);
    Ok(Json(
        ctx.state
            .store
            .funnel_report(scope, place.unit.id, period)
            .await?,
    ))
}

/// `GET /api/v1/reports/bottlenecks?unit=&year=` or `?unit=&from=&to=`: open cases past
/// their statutory deadline as of today (or the end of a past period), by stage, by
/// direct sub-unit and one by one.
pub async fn bottlenecks(
    ctx: Ctx,
    RawQuery(raw): RawQuery,
) -> Result<Json<BottleneckReport>, WebError> {
    let (q, _) = query(&ctx, raw.as_deref(), &[])?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    Ok(Json(
        ctx.state
            .store
            .bottleneck_report(scope, place.unit.id, as_of(&ctx, &q))
            .await?,
    ))
}

/// `GET /api/v1/reports/coverage?unit=&year=&min_ratio=&years_without=`: units with few
/// members for their workforce (below `min_ratio`, default 0.05), schools and enterprises
/// with no members, and units with no admission in `years_without` years (default 3), as
/// of today (or the end of a past period).
pub async fn coverage(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Json<CoverageReport>, WebError> {
    let (q, mut rest) = query(&ctx, raw.as_deref(), &["min_ratio", "years_without"])?;
    let defaults = CoverageParams::default();
    let min_ratio = rest.decimal("min_ratio", 0.0, 1.0)?;
    let years_without = rest.number("years_without", 1, MAX_YEARS_WITHOUT)?;
    let params = CoverageParams {
        min_ratio: min_ratio.unwrap_or(defaults.min_ratio),
        years_without_admission: years_without
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(defaults.years_without_admission),
    };
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    Ok(Json(
        ctx.state
            .store
            .coverage_report(scope, place.unit.id, as_of(&ctx, &q), params)
            .await?,
    ))
}

/// `GET /api/v1/reports/breakdown?unit=&year=` or `?unit=&from=&to=`: admissions
/// (ceremonies) in the period (up to today) by sex, age band, ethnicity, religion,
/// education, political theory, occupation, sector and Youth Union membership.
pub async fn breakdown(
    ctx: Ctx,
    RawQuery(raw): RawQuery,
) -> Result<Json<BreakdownReport>, WebError> {
    let (q, _) = query(&ctx, raw.as_deref(), &[])?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    let period = counted_period(&ctx, &q);
    Ok(Json(
        ctx.state
            .store
            .breakdown_report(scope, place.unit.id, period)
            .await?,
    ))
}

/// `GET /api/v1/reports/recognitions?unit=&year=&within_days=`: probationary members whose
/// probation ends within `within_days` days (default 30) and recognitions past their
/// deadline, as of today (or the end of a past period).
pub async fn recognitions(
    ctx: Ctx,
    RawQuery(raw): RawQuery,
) -> Result<Json<RecognitionReport>, WebError> {
    let (q, mut rest) = query(&ctx, raw.as_deref(), &["within_days"])?;
    let within_days = rest
        .number("within_days", 0, MAX_WITHIN_DAYS)?
        .and_then(|n| i64::try_from(n).ok())
        .unwrap_or(RECOGNITION_WITHIN_DAYS);
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, q.unit).await?;
    Ok(Json(
        ctx.state
            .store
            .recognition_report(scope, place.unit.id, as_of(&ctx, &q), within_days)
            .await?,
    ))
}
