//! `ketnap serve`: the web application, optionally on a freshly loaded demo city with one
//! account per role.

use std::net::SocketAddr;

use ketnap_domain::access::Role;
use ketnap_domain::ports::{Change, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::NewUser;
use ketnap_web::WebConfig;

use crate::Context;

/// The password of every demo account (printed at start; demo data only).
pub const DEMO_PASSWORD: &str = "ketnap-demo-2026";

/// What `ketnap serve` was asked.
#[derive(Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub demo: bool,
    pub secure_cookies: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub remind_at: chrono::NaiveTime,
    pub mail: crate::reminders::MailOptions,
    /// `ketnap bench`'s child server: also answer `GET /bench/static` with this many bytes.
    pub static_probe_bytes: Option<usize>,
}

pub async fn serve(ctx: &Context, options: &Options) -> anyhow::Result<()> {
    let Options {
        listen,
        demo,
        secure_cookies,
        ..
    } = *options;
    // A mistake in the SMTP settings stops the start, not the first morning's run.
    let mailer = crate::reminders::Mailer::from_options(&options.mail)?;
    if demo {
        crate::demo_command(ctx, true).await?;
        let accounts = demo_accounts(ctx).await?;
        println!("Tài khoản dùng thử (mật khẩu chung: {DEMO_PASSWORD}):");
        for (username, role, place, second_factor) in accounts {
            let note = if second_factor { " *" } else { "" };
            println!("  {username:<22} {:<18} {place}{note}", role.label_vi());
        }
        println!(
            "  * bắt buộc xác thực hai bước: lần đăng nhập đầu tiên hiện mã QR để thêm vào ứng dụng xác thực trên điện thoại (Google Authenticator, FreeOTP…)."
        );
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!(
        "ketnap đang chạy tại http://{}/ (Ctrl+C để dừng)",
        listener.local_addr()?
    );
    let config = WebConfig {
        secure_cookies,
        trusted_proxies: options.trusted_proxies.clone(),
        static_probe_bytes: options.static_probe_bytes,
        ..WebConfig::default()
    };
    let app = ketnap_web::app(ctx.store.clone(), config);
    crate::reminders::spawn_daily(ctx.store.clone(), options.remind_at, mailer);
    // Load the report model now, so the first leader to open a report does not wait.
    let store = ctx.store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.report_generation().await {
            tracing::warn!("chưa nạp được mô hình báo cáo: {e}");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        // Ctrl+C ends the server cleanly; if the signal cannot be watched, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await?;
    Ok(())
}

/// One account per role, each in a different place; `admin` sees the whole city. Each comes
/// with whether it must have a second factor.
async fn demo_accounts(ctx: &Context) -> anyhow::Result<Vec<(String, Role, String, bool)>> {
    let store = &ctx.store;
    let city = ctx.unit(crate::demo::CITY_CODE).await?;
    let ward = ctx.unit("25747").await?;
    let other_ward = ctx.unit("25750").await?;
    let third_ward = ctx.unit("25760").await?;
    let ward_scope = Scope::subtree(ward.id, Access::Read);
    let today = ketnap_domain::workflow::today_in_vietnam(ctx.change.now);
    let cell = store
        .units_in(&ward_scope)
        .await?
        .into_iter()
        .find(|u| u.kind.holds_cases() && u.is_active_on(today))
        .ok_or_else(|| anyhow::anyhow!("dữ liệu mẫu thiếu chi bộ ở {}", ward.name))?;
    let youth = store
        .mass_orgs_in(&ward_scope)
        .await?
        .into_iter()
        .find(|m| m.kind == "youth_union")
        .ok_or_else(|| anyhow::anyhow!("dữ liệu mẫu thiếu đoàn thanh niên ở {}", ward.name))?;
    let plan = [
        (
            "admin",
            "Quản trị thành phố",
            Role::Admin,
            city.id,
            city.name.clone(),
            None,
        ),
        (
            "canbo.thudaumot",
            "Cán bộ Ban Xây dựng Đảng",
            Role::Officer,
            ward.id,
            ward.name.clone(),
            None,
        ),
        (
            "xem.phuloi",
            "Lãnh đạo xem báo cáo",
            Role::Viewer,
            other_ward.id,
            other_ward.name.clone(),
            None,
        ),
        (
            "bithu.chibo",
            "Bí thư chi bộ",
            Role::CellSecretary,
            cell.id,
            cell.name.clone(),
            None,
        ),
        (
            "doanthanhnien",
            "Bí thư Đoàn",
            Role::MassOrgOfficer,
            ward.id,
            youth.name.clone(),
            Some(ketnap_domain::ids::MassOrgId(youth.id)),
        ),
        (
            "kiemtra",
            "Ủy ban Kiểm tra",
            Role::Auditor,
            third_ward.id,
            third_ward.name.clone(),
            None,
        ),
    ];
    let change = Change {
        actor: "demo".into(),
        ..ctx.change.clone()
    };
    let mut created = Vec::new();
    for (username, display_name, role, unit, place, mass_org) in plan {
        let user = NewUser {
            username: username.into(),
            display_name: display_name.into(),
            password: DEMO_PASSWORD.into(),
            role,
            unit,
            mass_org,
        };
        store.add_user(&change, &user).await?;
        let second_factor = store
            .unit(unit)
            .await?
            .is_none_or(|u| role.second_factor_required(u.kind));
        created.push((username.to_string(), role, place, second_factor));
    }
    Ok(created)
}
