//! The web application: Vietnamese pages rendered on the server, and the JSON API v1.
//!
//! Every route is declared once in `routes::table` with what it needs (`Need`) and which
//! record its path names (`Subject`); the router enforces the need, and the authorization
//! matrix test walks the same table.

mod api;
mod assets;
mod auth;
mod bulk_export;
mod charts;
mod ctx;
mod error;
mod export;
mod pages;
mod routes;
mod security;
mod two_factor;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use chrono::Duration;
use ketnap_store::Store;

pub use auth::SESSION_COOKIE;
pub use routes::{RouteKind, RouteSpec, Subject, table};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Load balancers and proxies whose X-Forwarded-For names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `ketnap bench` only: also answer `GET /bench/static` with this many bytes of HTML, the
    /// same server's floor beside a page of that size.
    pub static_probe_bytes: Option<usize>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_idle: Duration::minutes(30),
            session_absolute: Duration::hours(12),
            trusted_proxies: Vec::new(),
            static_probe_bytes: None,
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub store: Store,
    pub config: WebConfig,
    pub throttle: auth::Throttle,
    /// Report pages kept until the store changes.
    pub(crate) reports: pages::reports::ReportCache,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The whole application.
pub fn app(store: Store, config: WebConfig) -> Router {
    let probe = config.static_probe_bytes;
    let state = AppState(Arc::new(Inner {
        throttle: auth::Throttle::new(store.clone()),
        store,
        config,
        reports: Default::default(),
    }));
    let router = routes::router(state);
    match probe {
        // Not in the route table: a bare floor (no layers) the authorization matrix need not walk.
        Some(bytes) => {
            let body = axum::body::Bytes::from(vec![b'x'; bytes]);
            router.route(
                "/bench/static",
                axum::routing::get(move || {
                    let body = body.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body) }
                }),
            )
        }
        None => router,
    }
}
