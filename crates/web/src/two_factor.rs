//! The second factor on the web: the code page and the enrolment page of a half-session
//! (a password proved, the code not yet), enrolment from the account page, and the
//! re-authentication that bulk exports of personal data ask for.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use ketnap_domain::ids::UserId;
use ketnap_domain::ports::{Change, StoreResult};
use ketnap_store::{CodeCheck, HalfSession, Pending, Store};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{address_key, cookie_token, refuse_other_origin, same_token, signed_in};
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::security::RequestId;
use crate::views::Layout;

/// Minutes a re-authentication opens bulk exports for.
const REAUTH_MINUTES: i64 = 5;

const WRONG_CODE: &str =
    "Mã xác thực không đúng. Hãy nhập mã đang hiện trong ứng dụng (mã đổi sau mỗi 30 giây).";
const REUSED_CODE: &str = "Mã này vừa được dùng. Hãy đợi ứng dụng hiện mã mới rồi nhập mã đó.";
const TOO_MANY_CODES: &str = "Đã nhập sai mã quá nhiều lần; hãy thử lại sau ít phút.";

/// What an enrolment shows: the secret (grouped by four for typing), the `otpauth://`
/// link, its QR code, and where the confirming code goes.
#[derive(Debug, Clone)]
struct Enrolment {
    secret: String,
    uri: String,
    /// An inline SVG drawn here from the link.
    qr: String,
    action: &'static str,
    csrf: String,
}

impl Enrolment {
    fn new(
        username: &str,
        secret: &str,
        action: &'static str,
        csrf: &str,
    ) -> Result<Enrolment, WebError> {
        let uri = ketnap_store::otpauth_uri(username, secret);
        let qr = qrcode::QrCode::new(uri.as_bytes())
            .map_err(|_| WebError::internal())?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build();
        // The renderer starts with an XML declaration, which has no place inside HTML.
        let qr = qr
            .find("<svg")
            .map_or(qr.as_str(), |at| &qr[at..])
            .to_string();
        let grouped = secret
            .as_bytes()
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Enrolment {
            secret: grouped,
            uri,
            qr,
            action,
            csrf: csrf.to_string(),
        })
    }
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    message: Option<String>,
    username: String,
    csrf: String,
}

#[derive(Template)]
#[template(path = "login_enrol.html")]
struct EnrolPage {
    message: Option<String>,
    username: String,
    enrolment: Enrolment,
}

#[derive(Template)]
#[template(path = "two_factor.html")]
struct AccountPage {
    layout: Layout,
    message: Option<String>,
    /// `None` once the account has a second factor.
    enrolment: Option<Enrolment>,
}

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    layout: Layout,
    message: Option<String>,
    next: String,
    needs_code: bool,
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Runs `check` unless wrong codes under `keys` are throttled (the first key is the
/// account's), and counts a wrong code like a wrong password: `None` when the code was
/// accepted, else the message to show.
async fn throttled(
    state: &AppState,
    keys: &[String],
    check: impl Future<Output = StoreResult<CodeCheck>>,
) -> Result<Option<&'static str>, WebError> {
    let now = Utc::now();
    if state.throttle.blocked(keys, now).await {
        return Ok(Some(TOO_MANY_CODES));
    }
    let refused = match check.await? {
        CodeCheck::Accepted => None,
        CodeCheck::Wrong => Some(WRONG_CODE),
        CodeCheck::Reused => Some(REUSED_CODE),
    };
    match (refused, keys.first()) {
        (None, Some(account)) => state.throttle.clear(account).await,
        (None, None) => {}
        (Some(_), _) => state.throttle.fail(keys, now).await,
    }
    Ok(refused)
}

fn code_key(username: &str) -> String {
    format!("code:{username}")
}

/// The cookie's half-session waiting for `pending`, if any.
async fn half_session(
    state: &AppState,
    headers: &HeaderMap,
    pending: Pending,
) -> Result<Option<HalfSession>, WebError> {
    let Some(token) = cookie_token(headers) else {
        return Ok(None);
    };
    Ok(state
        .store
        .half_session(&token, Utc::now())
        .await?
        .filter(|half| half.pending == pending))
}

fn back_to_login() -> Response {
    Redirect::to("/login").into_response()
}

fn with_status(html: String, status: StatusCode) -> Response {
    let mut response = Html(html).into_response();
    *response.status_mut() = status;
    response
}

/// `GET /login/code`: the code of the account's second factor.
pub async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some(half) = half_session(&state, &headers, Pending::Code).await? else {
        return Ok(back_to_login());
    };
    let page = CodePage {
        message: None,
        username: half.user.username,
        csrf: half.csrf_token,
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /login/code`: a right code turns the half-session into a session.
pub async fn code_submit(
    State(state): State<AppState>,
    connect: Result<ConnectInfo<SocketAddr>, axum::extract::rejection::ExtensionRejection>,
    axum::Extension(request_id): axum::Extension<RequestId>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    refuse_other_origin(&headers)?;
    let Some(half) = half_session(&state, &headers, Pending::Code).await? else {
        return Ok(back_to_login());
    };
    same_token(&form.csrf, &half.csrf_token)?;
    let change = half_change(&half, request_id);
    let keys = [
        code_key(&half.user.username),
        address_key(connect, &headers, &state.config.trusted_proxies),
    ];
    let check = state
        .store
        .check_second_factor(&change, UserId(half.user.id), &form.code);
    match throttled(&state, &keys, check).await? {
        None => {
            let token = state.store.complete_session(&change, half.id).await?;
            Ok(signed_in(&state, &token, "/"))
        }
        Some(message) => {
            let page = CodePage {
                message: Some(message.into()),
                username: half.user.username,
                csrf: half.csrf_token,
            };
            Ok(with_status(page.render()?, StatusCode::UNAUTHORIZED))
        }
    }
}

fn half_change(half: &HalfSession, request_id: RequestId) -> Change {
    Change {
        actor: half.user.username.clone(),
        request_id: request_id.0,
        now: Utc::now(),
    }
}

async fn enrol_page(
    store: &Store,
    half: HalfSession,
    message: Option<&str>,
) -> Result<String, WebError> {
    let secret = store.enrolment_secret(half.id).await?;
    let enrolment = Enrolment::new(
        &half.user.username,
        &secret,
        "/login/enrol",
        &half.csrf_token,
    )?;
    Ok(EnrolPage {
        message: message.map(str::to_string),
        username: half.user.username,
        enrolment,
    }
    .render()?)
}

/// `GET /login/enrol`: an account that must have a second factor sets it up.
pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some(half) = half_session(&state, &headers, Pending::Enrol).await? else {
        return Ok(back_to_login());
    };
    Ok(Html(enrol_page(&state.store, half, None).await?).into_response())
}

/// `POST /login/enrol`: a right code from the secret shown keeps it and signs in.
pub async fn enrol_submit(
    State(state): State<AppState>,
    connect: Result<ConnectInfo<SocketAddr>, axum::extract::rejection::ExtensionRejection>,
    axum::Extension(request_id): axum::Extension<RequestId>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    refuse_other_origin(&headers)?;
    let Some(half) = half_session(&state, &headers, Pending::Enrol).await? else {
        return Ok(back_to_login());
    };
    same_token(&form.csrf, &half.csrf_token)?;
    let change = half_change(&half, request_id);
    let keys = [
        code_key(&half.user.username),
        address_key(connect, &headers, &state.config.trusted_proxies),
    ];
    let check = state
        .store
        .enrol_second_factor(&change, half.id, &form.code);
    match throttled(&state, &keys, check).await? {
        None => {
            let token = state.store.complete_session(&change, half.id).await?;
            Ok(signed_in(&state, &token, "/"))
        }
        Some(message) => Ok(with_status(
            enrol_page(&state.store, half, Some(message)).await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    }
}

async fn account_page(ctx: &Ctx, message: Option<&str>) -> Result<String, WebError> {
    let store = &ctx.state.store;
    let session = ctx.auth.session_id.ok_or_else(WebError::not_found)?;
    let enrolment = if store.has_second_factor(ctx.auth.user_id).await? {
        None
    } else {
        let secret = store.enrolment_secret(session).await?;
        Some(Enrolment::new(
            &ctx.auth.username,
            &secret,
            "/account/two-factor",
            &ctx.auth.csrf_token,
        )?)
    };
    Ok(AccountPage {
        layout: ctx.layout("Xác thực hai bước").await?,
        message: message.map(str::to_string),
        enrolment,
    }
    .render()?)
}

/// `GET /account/two-factor`: whether the account has a second factor; if not, the
/// enrolment (optional for most accounts).
pub async fn account_form(ctx: Ctx) -> Result<Html<String>, WebError> {
    Ok(Html(account_page(&ctx, None).await?))
}

/// `POST /account/two-factor`: confirms the enrolment with a code.
pub async fn account_submit(ctx: Ctx, Form(form): Form<CodeForm>) -> Result<Response, WebError> {
    let session = ctx.auth.session_id.ok_or_else(WebError::not_found)?;
    let change = ctx.change();
    let check = ctx
        .state
        .store
        .enrol_second_factor(&change, session, &form.code);
    match throttled(&ctx.state, &[code_key(&ctx.auth.username)], check).await? {
        None => Ok(Redirect::to("/account/two-factor").into_response()),
        Some(message) => Ok(with_status(
            account_page(&ctx, Some(message)).await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    }
}

/// For a bulk export of personal data: `None` when this session entered its password (and
/// code) again within five minutes, else the redirect to `/reauth` that comes back here.
pub fn reauth_needed(ctx: &Ctx) -> Option<Response> {
    let recent = ctx
        .auth
        .reauth_at
        .is_some_and(|at| Utc::now() - at <= Duration::minutes(REAUTH_MINUTES));
    if recent {
        return None;
    }
    let query = serde_urlencoded::to_string([("next", ctx.path.as_str())]).unwrap_or_default();
    Some(Redirect::to(&format!("/reauth?{query}")).into_response())
}

/// `next` when it is a path of this site (`/…`, not `//host` or `/\host`, printable
/// ASCII as a URL is), else the home page: no redirect leads elsewhere.
fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if local { next } else { "/" }
}

#[derive(Debug, Deserialize)]
pub struct ReauthQuery {
    #[serde(default)]
    next: String,
}

async fn reauth_page(ctx: &Ctx, next: &str, message: Option<&str>) -> Result<String, WebError> {
    Ok(ReauthPage {
        layout: ctx.layout("Xác nhận lại mật khẩu").await?,
        message: message.map(str::to_string),
        next: local_path(next).to_string(),
        needs_code: ctx.state.store.has_second_factor(ctx.auth.user_id).await?,
    }
    .render()?)
}

/// `GET /reauth?next=PATH`: the password (and code) again, before a bulk export.
pub async fn reauth_form(
    ctx: Ctx,
    Query(query): Query<ReauthQuery>,
) -> Result<Html<String>, WebError> {
    Ok(Html(reauth_page(&ctx, &query.next, None).await?))
}

#[derive(Debug, Deserialize)]
pub struct ReauthForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// `POST /reauth`: right password (and code): the session may export for five minutes,
/// starting with the download it was sent here from.
pub async fn reauth_submit(ctx: Ctx, Form(form): Form<ReauthForm>) -> Result<Response, WebError> {
    let store = &ctx.state.store;
    let session = ctx.auth.session_id.ok_or_else(WebError::not_found)?;
    let change = ctx.change();
    let key = [format!("password:{}", ctx.auth.username)];
    let refused = if ctx.state.throttle.blocked(&key, change.now).await {
        Some("Đã nhập sai mật khẩu quá nhiều lần; hãy thử lại sau ít phút.")
    } else if store
        .verify_password(&ctx.auth.username, &form.password)
        .await?
        .is_none()
    {
        ctx.state.throttle.fail(&key, change.now).await;
        Some("Mật khẩu không đúng.")
    } else if store.has_second_factor(ctx.auth.user_id).await? {
        let check = store.check_second_factor(&change, ctx.auth.user_id, &form.code);
        throttled(&ctx.state, &[code_key(&ctx.auth.username)], check).await?
    } else {
        None
    };
    match refused {
        None => {
            store.mark_reauthenticated(&change, session).await?;
            Ok(Redirect::to(local_path(&form.next)).into_response())
        }
        Some(message) => Ok(with_status(
            reauth_page(&ctx, &form.next, Some(message)).await?,
            StatusCode::UNAUTHORIZED,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        for ok in [
            "/",
            "/cases?format=xlsx&stage=probation",
            "/import/export?kind=people",
        ] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "/\\/evil.example",
            "javascript:alert(1)",
            "/cases\r\nSet-Cookie: x=1",
            "/người",
            "evil.example",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}
