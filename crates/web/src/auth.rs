//! Signing in and out, sessions from the cookie or a bearer token, the per-route need check,
//! CSRF tokens, and login throttling. The second factor's pages are in `two_factor.rs`.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use ketnap_domain::access::{Need, NomineeScope, Role};
use ketnap_domain::ids::{MassOrgId, UnitId, UserId};
use ketnap_domain::ports::Change;
use ketnap_domain::scope::Scope;
use ketnap_domain::unit::UnitKind;
use ketnap_store::{Pending, Session, Store};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::routes::RouteKind;
use crate::security::RequestId;
use crate::views::Layout;

pub const SESSION_COOKIE: &str = "ketnap_session";

/// The signed-in account of a request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: UnitId,
    /// `None` for a mass-organisation officer, who sees nominees only.
    pub scope: Option<Scope>,
    pub nominees: Option<NomineeScope>,
    pub csrf_token: String,
    /// The session's row; none for an API token.
    pub session_id: Option<i64>,
    /// When the password (and code) were last entered again in this session.
    pub reauth_at: Option<DateTime<Utc>>,
}

impl Auth {
    fn from_session(session: Session) -> Option<Auth> {
        let role = Role::from_code(&session.user.role)?;
        let unit = UnitId(session.user.unit_id);
        Some(Auth {
            user_id: UserId(session.user.id),
            username: session.user.username,
            display_name: session.user.display_name,
            role,
            unit,
            scope: role.scope(unit),
            nominees: match (role, session.mass_org_id) {
                (Role::MassOrgOfficer, Some(id)) => Some(NomineeScope {
                    mass_org: MassOrgId(id),
                }),
                _ => None,
            },
            csrf_token: session.csrf_token,
            session_id: session.id,
            reauth_at: session.reauth_at,
        })
    }
}

pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
        })
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// Finds who is calling (cookie for pages, bearer token for the API) and remembers it.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let session = if is_api {
        match bearer_token(request.headers()) {
            Some(token) => state
                .store
                .api_token_session(&token)
                .await
                .map(|s| s.and_then(Auth::from_session)),
            None => Ok(None),
        }
    } else {
        match cookie_token(request.headers()) {
            Some(token) => state
                .store
                .session(
                    &token,
                    Utc::now(),
                    state.config.session_idle,
                    state.config.session_absolute,
                )
                .await
                .map(|s| s.and_then(Auth::from_session)),
            None => Ok(None),
        }
    };
    match session {
        Ok(Some(auth)) => {
            request.extensions_mut().insert(auth);
        }
        Ok(None) => {}
        Err(error) => return WebError::from(error).into_response(),
    }
    next.run(request).await
}

/// The per-route check: signed in, role grants the route's need, CSRF token on page POSTs.
/// A need the role lacks answers 404 like a record out of scope: nothing is confirmed.
pub async fn require(
    State((need, kind)): State<(Need, RouteKind)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(auth) = request.extensions().get::<Auth>().cloned() else {
        return match kind {
            RouteKind::Api => {
                let mut response = WebError {
                    status: axum::http::StatusCode::UNAUTHORIZED,
                    message: "Cần mã truy cập (Authorization: Bearer …).".into(),
                    field: None,
                    rule: None,
                }
                .into_response();
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            _ => Redirect::to("/login").into_response(),
        };
    };
    if !auth.role.grants(need) {
        return WebError::not_found().into_response();
    }
    if kind == RouteKind::Page && !matches!(*request.method(), Method::GET | Method::HEAD) {
        return match check_csrf(request, &auth.csrf_token).await {
            Ok(request) => next.run(request).await,
            Err(error) => error.into_response(),
        };
    }
    next.run(request).await
}

/// Form bodies larger than this are refused before the CSRF check reads them (uploads:
/// the import's own limit).
const MAX_FORM_BYTES: usize = 1 << 20;

/// Reads the form body, checks its `csrf` field (or the `x-csrf-token` header) against the
/// session's token, and hands the body on untouched.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, WebError> {
    let (parts, body) = request.into_parts();
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let limit = if boundary.is_some() {
        crate::pages::imports::MAX_UPLOAD_BYTES
    } else {
        MAX_FORM_BYTES
    };
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| WebError::bad_request("Dữ liệu gửi lên quá lớn."))?;
    let header_token = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let form_token = match boundary {
        Some(boundary) => multipart_field(bytes.clone(), boundary, "csrf").await,
        None => serde_urlencoded_field(&bytes, "csrf"),
    };
    let given = header_token.or(form_token).unwrap_or_default();
    same_token(&given, expected)?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Refuses a form whose CSRF token is not the session's.
pub(crate) fn same_token(given: &str, expected: &str) -> Result<(), WebError> {
    if expected.is_empty()
        || given.len() != expected.len()
        || !constant_time_eq(given.as_bytes(), expected.as_bytes())
    {
        return Err(WebError {
            status: axum::http::StatusCode::FORBIDDEN,
            message: "Phiên làm việc đã thay đổi (mã chống giả mạo không khớp). Hãy tải lại trang rồi gửi lại.".into(),
            field: None,
            rule: Some("csrf".into()),
        });
    }
    Ok(())
}

/// The text of field `name` of a multipart body (an upload form carries its CSRF token so).
async fn multipart_field(bytes: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let body = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(body, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn serde_urlencoded_field(bytes: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed logins allowed per account, and per address (a ward office shares one address
/// for all its officers), within the window.
const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
const MAX_FAILURES_PER_ADDRESS: u32 = 30;
const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Failed tries per account (`user:NAME`, `code:NAME`, `password:NAME`) and per client
/// address (`ip:ADDRESS`), counted in the database so that every server process behind a
/// load balancer counts the same tries (`Store::record_failure`).
#[derive(Debug, Clone)]
pub struct Throttle {
    store: Store,
}

impl Throttle {
    pub fn new(store: Store) -> Throttle {
        Throttle { store }
    }

    fn window() -> Duration {
        Duration::minutes(FAILURE_WINDOW_MINUTES)
    }

    /// Whether any key has used up its tries; when the count cannot be read, yes.
    pub(crate) async fn blocked(&self, keys: &[String], now: DateTime<Utc>) -> bool {
        match self.store.failures_within(keys, now, Self::window()).await {
            Ok(counts) => keys.iter().zip(counts).any(|(key, count)| {
                let limit = if key.starts_with("ip:") {
                    MAX_FAILURES_PER_ADDRESS
                } else {
                    MAX_FAILURES_PER_ACCOUNT
                };
                count >= limit
            }),
            Err(e) => {
                tracing::warn!(error = %e, "không đọc được số lần thử sai");
                true
            }
        }
    }

    pub(crate) async fn fail(&self, keys: &[String], now: DateTime<Utc>) {
        if let Err(e) = self.store.record_failure(keys, now, Self::window()).await {
            tracing::warn!(error = %e, "không ghi được lần thử sai");
        }
    }

    pub(crate) async fn clear(&self, key: &str) {
        if let Err(e) = self.store.clear_failures(key).await {
            tracing::warn!(error = %e, "không xóa được số lần thử sai");
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    message: Option<String>,
    username: String,
}

pub async fn login_form() -> Result<Html<String>, WebError> {
    Ok(Html(
        LoginPage {
            message: None,
            username: String::new(),
        }
        .render()?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

/// Whether a browser's `Origin` (when it sends one) names this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin.split_once("://").map(|(_, rest)| rest) == Some(host)
}

fn session_cookie(token: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}{age}"
    ))
    .unwrap_or(HeaderValue::from_static("ketnap_session=; Path=/"))
}

pub async fn login(
    State(state): State<AppState>,
    connect: Result<ConnectInfo<SocketAddr>, axum::extract::rejection::ExtensionRejection>,
    axum::Extension(request_id): axum::Extension<RequestId>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    // There is no session yet to carry a CSRF token: refuse a login posted by another site.
    refuse_other_origin(&headers)?;
    let now = Utc::now();
    let username = form.username.trim().to_lowercase();
    let keys = [
        format!("user:{username}"),
        address_key(connect, &headers, &state.config.trusted_proxies),
    ];
    // One answer for every failure: wrong password, unknown name, locked account, throttled.
    let refuse = |username: String| -> Result<Response, WebError> {
        let page = LoginPage { message: Some("Tên đăng nhập hoặc mật khẩu không đúng, hoặc đã thử sai quá nhiều lần. Hãy thử lại sau ít phút.".into()), username };
        let mut response = Html(page.render()?).into_response();
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        Ok(response)
    };
    if state.throttle.blocked(&keys, now).await {
        return refuse(form.username);
    }
    let Some(user) = state
        .store
        .verify_password(&username, &form.password)
        .await?
    else {
        state.throttle.fail(&keys, now).await;
        return refuse(form.username);
    };
    state.throttle.clear(&keys[0]).await;
    let change = Change {
        actor: user.username.clone(),
        request_id: request_id.0,
        now,
    };
    let id = UserId(user.id);
    // No session with the account's rights before its second factor: a half-session that
    // opens only the code (or enrolment) page.
    let pending = if state.store.has_second_factor(id).await? {
        Some(Pending::Code)
    } else if second_factor_required(&state, &user).await? {
        Some(Pending::Enrol)
    } else {
        None
    };
    let (token, next) = match pending {
        Some(pending) => (
            state
                .store
                .create_half_session(&change, id, pending)
                .await?,
            match pending {
                Pending::Code => "/login/code",
                Pending::Enrol => "/login/enrol",
            },
        ),
        None => (state.store.create_session(&change, id).await?, "/"),
    };
    Ok(signed_in(&state, &token, next))
}

/// A redirect to `next` that sets the session cookie to `token`.
pub(crate) fn signed_in(state: &AppState, token: &str, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(token, state.config.secure_cookies, None),
    );
    response
}

/// Whether the account must sign in with a second factor.
async fn second_factor_required(
    state: &AppState,
    user: &ketnap_store::UserRecord,
) -> Result<bool, WebError> {
    use ketnap_domain::ports::UnitStore;
    let kind = state
        .store
        .unit(UnitId(user.unit_id))
        .await?
        .map(|u| u.kind);
    Ok(required_for(&user.role, kind))
}

/// `Role::second_factor_required` for a stored role code and unit kind; an account whose
/// role or unit cannot be read must have one, to be safe.
pub(crate) fn required_for(role: &str, unit_kind: Option<UnitKind>) -> bool {
    match (Role::from_code(role), unit_kind) {
        (Some(role), Some(kind)) => role.second_factor_required(kind),
        _ => true,
    }
}

/// Refuses a form without a session posted from another site.
pub(crate) fn refuse_other_origin(headers: &HeaderMap) -> Result<(), WebError> {
    if same_origin(headers) {
        return Ok(());
    }
    Err(WebError {
        status: axum::http::StatusCode::FORBIDDEN,
        message: "Biểu mẫu đăng nhập phải được gửi từ chính trang ketnap.".into(),
        field: None,
        rule: Some("csrf".into()),
    })
}

/// The throttle key of the client's address. From a trusted proxy, the client is the
/// nearest address in X-Forwarded-For that is not itself a trusted proxy (addresses further
/// left could be made up by the client).
pub(crate) fn address_key(
    connect: Result<ConnectInfo<SocketAddr>, axum::extract::rejection::ExtensionRejection>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> String {
    let Ok(ConnectInfo(peer)) = connect else {
        return "ip:local".into();
    };
    let mut client = peer.ip();
    if trusted.contains(&client) {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in forwarded.into_iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if trusted.contains(&ip) => continue,
                Ok(ip) => {
                    client = ip;
                    break;
                }
                Err(_) => break,
            }
        }
    }
    format!("ip:{client}")
}

pub async fn logout(ctx: Ctx, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(token) = cookie_token(&headers) {
        ctx.state.store.end_session(&ctx.change(), &token).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", ctx.state.config.secure_cookies, Some(0)),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    message: Option<String>,
}

pub async fn password_form(ctx: Ctx) -> Result<Html<String>, WebError> {
    Ok(Html(
        PasswordPage {
            layout: ctx.layout("Đổi mật khẩu").await?,
            message: None,
        }
        .render()?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    old_password: String,
    new_password: String,
    repeat_password: String,
}

pub async fn change_password(
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let key = [format!("password:{}", ctx.auth.username)];
    let refused = if form.new_password != form.repeat_password {
        "Hai lần nhập mật khẩu mới không giống nhau.".to_string()
    } else if ctx.state.throttle.blocked(&key, now).await {
        "Đã nhập sai mật khẩu hiện tại quá nhiều lần; hãy thử lại sau ít phút.".to_string()
    } else {
        match ctx
            .state
            .store
            .change_password(
                &ctx.change(),
                ctx.auth.user_id,
                &form.old_password,
                &form.new_password,
            )
            .await
        {
            // Every session ended, this one included: sign in again with the new password.
            Ok(()) => return Ok(Redirect::to("/login").into_response()),
            Err(ketnap_domain::ports::StoreError::Rejected(v)) => {
                if v.rule == "user.password-wrong" {
                    ctx.state.throttle.fail(&key, now).await;
                }
                v.message
            }
            Err(other) => return Err(other.into()),
        }
    };
    let page = PasswordPage {
        layout: ctx.layout("Đổi mật khẩu").await?,
        message: Some(refused),
    };
    let mut response = Html(page.render()?).into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(peer: &str, forwarded: Option<&str>, trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        if let Some(forwarded) = forwarded {
            headers.insert("x-forwarded-for", HeaderValue::from_str(forwarded).unwrap());
        }
        let trusted: Vec<IpAddr> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        let peer = SocketAddr::new(peer.parse().unwrap(), 40_000);
        address_key(Ok(ConnectInfo(peer)), &headers, &trusted)
    }

    #[test]
    fn the_client_address_is_believed_from_trusted_proxies_only() {
        // Straight from a client: its own word about its address counts for nothing.
        assert_eq!(key("203.0.113.9", Some("1.2.3.4"), &[]), "ip:203.0.113.9");
        assert_eq!(
            key("203.0.113.9", Some("1.2.3.4"), &["10.0.0.1"]),
            "ip:203.0.113.9"
        );
        // Through the load balancer: the address it saw.
        assert_eq!(
            key("10.0.0.1", Some("1.2.3.4"), &["10.0.0.1"]),
            "ip:1.2.3.4"
        );
        // A client that sends its own X-Forwarded-For cannot choose its key.
        assert_eq!(
            key("10.0.0.1", Some("6.6.6.6, 1.2.3.4"), &["10.0.0.1"]),
            "ip:1.2.3.4"
        );
        // Two proxies in a row, both trusted.
        assert_eq!(
            key(
                "10.0.0.1",
                Some("1.2.3.4, 10.0.0.2"),
                &["10.0.0.1", "10.0.0.2"]
            ),
            "ip:1.2.3.4"
        );
        // A trusted proxy that forwards nothing readable: the proxy's own address.
        assert_eq!(
            key("10.0.0.1", Some("not an address"), &["10.0.0.1"]),
            "ip:10.0.0.1"
        );
        assert_eq!(key("10.0.0.1", None, &["10.0.0.1"]), "ip:10.0.0.1");
    }
}
