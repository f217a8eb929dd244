//! Request ids, security headers, error bodies and the access log.

use std::time::Instant;

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::error::WebError;

/// The id a user can quote when something goes wrong; it is also in the log line.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    error: &'a WebError,
    request_id: &'a str,
}

pub async fn request_context(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().clone();
    // The path only: search text in a query string is personal data and stays out of logs.
    let path = request.uri().path().to_string();
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<WebError>() {
        let status = error.status;
        let mut rendered = if is_api {
            axum::Json(serde_json::json!({
                "error": status.canonical_reason().unwrap_or("error"),
                "message": error.message,
                "field": error.field,
                "rule": error.rule,
                "request_id": id,
            }))
            .into_response()
        } else {
            match (ErrorPage {
                error: &error,
                request_id: &id,
            })
            .render()
            {
                Ok(html) => Html(html).into_response(),
                Err(_) => error.message.clone().into_response(),
            }
        };
        *rendered.status_mut() = status;
        for (name, value) in response.headers() {
            if name == header::LOCATION
                || name == header::WWW_AUTHENTICATE
                || name == header::SET_COOKIE
            {
                rendered.headers_mut().append(name, value.clone());
            }
        }
        response = rendered;
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert("x-request-id", value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        // Same-origin: no URL leaves the site, and same-site posts keep their Origin header.
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    if is_html || is_api {
        // Pages and API answers may carry personal data: never kept by a browser or proxy.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::info!(
        request_id = %id,
        %method,
        %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

pub async fn not_found() -> WebError {
    WebError::not_found()
}
