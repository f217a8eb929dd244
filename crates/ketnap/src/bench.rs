//! `ketnap bench`: server time of the busiest pages over the loaded data, measured in
//! process (the router answers without a socket, so the figure is the server's own time).

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ketnap_domain::ids::UserId;
use ketnap_domain::ports::{CaseFilter, CaseStore, UnitStore};
use ketnap_domain::scope::Access;
use tower::ServiceExt;

use crate::Context;

/// Measures the home page, the case list, a case page and the report dashboard (kept since
/// the last change, and of a new period) as the account `username`.
pub async fn bench(ctx: &Context, username: &str, requests: usize) -> anyhow::Result<()> {
    let store = &ctx.store;
    let user = store.user_by_name(username).await?.ok_or_else(|| {
        anyhow::anyhow!("không có tài khoản {username} (chạy `ketnap serve --demo` một lần, hoặc `ketnap user add`)")
    })?;
    let ward = store
        .unit(ketnap_domain::ids::UnitId(user.unit_id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("tài khoản {username} không có đơn vị"))?;
    let scope = ketnap_domain::scope::Scope::subtree(ward.id, Access::Read);
    let token = store.create_session(&ctx.change, UserId(user.id)).await?;
    let cases = store
        .cases(
            &scope,
            &CaseFilter {
                open_only: true,
                ..CaseFilter::default()
            },
        )
        .await?;
    let case = cases
        .get(cases.len() / 2)
        .ok_or_else(|| anyhow::anyhow!("{} không có hồ sơ nào", ward.name))?;
    let app = ketnap_web::app(store.clone(), ketnap_web::WebConfig::default());
    println!(
        "{} — {} hồ sơ đang theo dõi; {requests} lượt mỗi trang (sau 10 lượt khởi động).",
        ward.name,
        cases.len()
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9}",
        "trang", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for (label, path) in [
        ("trang tổng quan /", "/".to_string()),
        ("danh sách hồ sơ /cases", "/cases".to_string()),
        (
            "trang hồ sơ /cases/{id}",
            format!("/cases/{}", case.case.id),
        ),
        ("báo cáo /reports", "/reports".to_string()),
        // A period nobody asked for since the last change: computed afresh each time.
        ("báo cáo, kỳ mới /reports", "/reports?from=".to_string()),
    ] {
        let mut times = Vec::with_capacity(requests);
        for round in 0..requests + 10 {
            let uri = if path.ends_with("from=") {
                let to = ctx.change.now.date_naive();
                let days = chrono::Duration::days(i64::try_from(round % 3000)?);
                format!("{path}{}&to={to}", to - chrono::Duration::days(300) - days)
            } else {
                path.clone()
            };
            let request = Request::builder()
                .uri(&uri)
                .header(
                    header::COOKIE,
                    format!("{}={token}", ketnap_web::SESSION_COOKIE),
                )
                .body(Body::empty())?;
            let started = Instant::now();
            let response = app.clone().oneshot(request).await?;
            let status = response.status();
            axum::body::to_bytes(response.into_body(), usize::MAX).await?;
            let elapsed = started.elapsed();
            anyhow::ensure!(status == StatusCode::OK, "{path} trả lời {status}");
            if round >= 10 {
                times.push(elapsed);
            }
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{label:<28} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            ms(at(0.50)),
            ms(at(0.95)),
            ms(at(0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    store.end_session(&ctx.change, &token).await?;
    Ok(())
}
