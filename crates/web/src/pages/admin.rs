//! The administrators' pages: the live sessions of the accounts of their unit and below,
//! which they can end, and those accounts' second factors, which they can reset.

use askama::Template;
use axum::Form;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use ketnap_domain::access::Role;
use ketnap_domain::ids::UserId;
use ketnap_domain::unit::UnitKind;
use ketnap_store::EndSessions;
use serde::Deserialize;

use crate::auth::required_for;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, vn_time};

fn role_label(code: &str) -> &'static str {
    Role::from_code(code).map_or("?", Role::label_vi)
}

struct SessionLine {
    id: i64,
    user_id: i64,
    account: String,
    role: &'static str,
    unit: String,
    created: String,
    last_seen: String,
    pending: bool,
    /// The administrator's own session.
    current: bool,
}

#[derive(Template)]
#[template(path = "admin_sessions.html")]
struct SessionsPage {
    layout: Layout,
    lines: Vec<SessionLine>,
}

/// `GET /admin/sessions`: who is signed in (never a token).
pub async fn sessions(ctx: Ctx) -> Result<Html<String>, WebError> {
    let config = &ctx.state.config;
    let live = ctx
        .state
        .store
        .live_sessions(
            ctx.auth.unit,
            Utc::now(),
            config.session_idle,
            config.session_absolute,
        )
        .await?;
    let lines = live
        .into_iter()
        .map(|s| SessionLine {
            current: Some(s.id) == ctx.auth.session_id,
            id: s.id,
            user_id: s.user_id,
            account: format!("{} ({})", s.display_name, s.username),
            role: role_label(&s.role),
            unit: s.unit_name,
            created: vn_time(s.created_at),
            last_seen: vn_time(s.last_seen_at),
            pending: s.pending,
        })
        .collect();
    Ok(Html(
        SessionsPage {
            layout: ctx.layout("Phiên đăng nhập").await?,
            lines,
        }
        .render()?,
    ))
}

/// A form naming one session or one account by its number.
#[derive(Debug, Deserialize)]
pub struct Chosen {
    #[serde(default)]
    session: String,
    #[serde(default)]
    user: String,
}

fn number(text: &str, field: &str) -> Result<Option<i64>, WebError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        let mut e = WebError::bad_request("Số hiệu không hợp lệ.");
        e.field = Some(field.to_string());
        e
    })
}

/// `POST /admin/sessions/end`: ends one session (`session`) or every session of an
/// account (`user`).
pub async fn end(ctx: Ctx, Form(form): Form<Chosen>) -> Result<Response, WebError> {
    let which = match (
        number(&form.session, "session")?,
        number(&form.user, "user")?,
    ) {
        (Some(id), None) => EndSessions::One(id),
        (None, Some(user)) => EndSessions::AllOf(UserId(user)),
        _ => {
            return Err(WebError::bad_request(
                "Hãy chọn một phiên, hoặc một tài khoản để kết thúc mọi phiên của nó.",
            ));
        }
    };
    ctx.state
        .store
        .end_sessions(&ctx.change(), ctx.auth.unit, which)
        .await?;
    Ok(Redirect::to("/admin/sessions").into_response())
}

struct AccountLine {
    id: i64,
    account: String,
    role: &'static str,
    unit: String,
    disabled: bool,
    two_factor: bool,
    /// Must have a second factor (`Role::second_factor_required`).
    required: bool,
}

#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AccountsPage {
    layout: Layout,
    lines: Vec<AccountLine>,
}

/// `GET /admin/accounts`: the accounts and their second factors.
pub async fn accounts(ctx: Ctx) -> Result<Html<String>, WebError> {
    let accounts = ctx.state.store.accounts_in(ctx.auth.unit).await?;
    let lines = accounts
        .into_iter()
        .map(|a| AccountLine {
            required: required_for(&a.role, UnitKind::from_code(&a.unit_kind)),
            id: a.id,
            account: format!("{} ({})", a.display_name, a.username),
            role: role_label(&a.role),
            unit: a.unit_name,
            disabled: a.disabled != 0,
            two_factor: a.two_factor != 0,
        })
        .collect();
    Ok(Html(
        AccountsPage {
            layout: ctx.layout("Tài khoản").await?,
            lines,
        }
        .render()?,
    ))
}

/// `POST /admin/accounts/two-factor-reset`: removes an account's second factor (a lost
/// phone) and ends its sessions.
pub async fn reset_two_factor(ctx: Ctx, Form(form): Form<Chosen>) -> Result<Response, WebError> {
    let Some(user) = number(&form.user, "user")? else {
        return Err(WebError::bad_request("Hãy chọn tài khoản cần đặt lại."));
    };
    ctx.state
        .store
        .reset_second_factor(&ctx.change(), ctx.auth.unit, UserId(user))
        .await?;
    Ok(Redirect::to("/admin/accounts").into_response())
}
