//! The route table: every route once, with what it needs and which record its path names.

use axum::Router;
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, get, post};
use ketnap_domain::access::Need;

use crate::{AppState, api, assets, auth, pages, security, two_factor};

/// Who answers a route and how it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// No sign-in: health, static files, the login form, the API description; and the
    /// second factor's pages, which their handlers open to a half-session only.
    Public,
    /// HTML for a browser session (cookie + CSRF token on every POST).
    Page,
    /// JSON under /api/v1 for a bearer token.
    Api,
}

/// The record a route's path names, so the authorization matrix knows what to substitute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    None,
    /// `{case_id}`
    Case,
    /// `{person_id}`
    Person,
    /// `{unit_id}`
    Unit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
    pub kind: RouteKind,
    pub subject: Subject,
}

struct Entry {
    spec: RouteSpec,
    handler: MethodRouter<AppState>,
}

fn entry(
    method: Method,
    path: &'static str,
    need: Need,
    kind: RouteKind,
    subject: Subject,
    handler: MethodRouter<AppState>,
) -> Entry {
    Entry {
        spec: RouteSpec {
            method,
            path,
            need,
            kind,
            subject,
        },
        handler,
    }
}

fn entries() -> Vec<Entry> {
    use RouteKind::{Api, Page, Public};
    use Subject::{Case, None, Person, Unit};
    vec![
        entry(
            Method::GET,
            "/healthz",
            Need::SignedIn,
            Public,
            None,
            get(assets::healthz),
        ),
        entry(
            Method::GET,
            "/static/{file}",
            Need::SignedIn,
            Public,
            None,
            get(assets::file),
        ),
        entry(
            Method::GET,
            "/login",
            Need::SignedIn,
            Public,
            None,
            get(auth::login_form),
        ),
        entry(
            Method::POST,
            "/login",
            Need::SignedIn,
            Public,
            None,
            post(auth::login),
        ),
        entry(
            Method::GET,
            "/login/code",
            Need::SignedIn,
            Public,
            None,
            get(two_factor::code_form),
        ),
        entry(
            Method::POST,
            "/login/code",
            Need::SignedIn,
            Public,
            None,
            post(two_factor::code_submit),
        ),
        entry(
            Method::GET,
            "/login/enrol",
            Need::SignedIn,
            Public,
            None,
            get(two_factor::enrol_form),
        ),
        entry(
            Method::POST,
            "/login/enrol",
            Need::SignedIn,
            Public,
            None,
            post(two_factor::enrol_submit),
        ),
        entry(
            Method::POST,
            "/logout",
            Need::SignedIn,
            Page,
            None,
            post(auth::logout),
        ),
        entry(
            Method::GET,
            "/account/password",
            Need::SignedIn,
            Page,
            None,
            get(auth::password_form),
        ),
        entry(
            Method::POST,
            "/account/password",
            Need::SignedIn,
            Page,
            None,
            post(auth::change_password),
        ),
        entry(
            Method::GET,
            "/account/two-factor",
            Need::SignedIn,
            Page,
            None,
            get(two_factor::account_form),
        ),
        entry(
            Method::POST,
            "/account/two-factor",
            Need::SignedIn,
            Page,
            None,
            post(two_factor::account_submit),
        ),
        // Bulk exports of personal data send here first (`two_factor::reauth_needed`).
        entry(
            Method::GET,
            "/reauth",
            Need::SignedIn,
            Page,
            None,
            get(two_factor::reauth_form),
        ),
        entry(
            Method::POST,
            "/reauth",
            Need::SignedIn,
            Page,
            None,
            post(two_factor::reauth_submit),
        ),
        entry(
            Method::GET,
            "/admin/sessions",
            Need::Admin,
            Page,
            None,
            get(pages::admin::sessions),
        ),
        entry(
            Method::POST,
            "/admin/sessions/end",
            Need::Admin,
            Page,
            None,
            post(pages::admin::end),
        ),
        entry(
            Method::GET,
            "/admin/accounts",
            Need::Admin,
            Page,
            None,
            get(pages::admin::accounts),
        ),
        entry(
            Method::POST,
            "/admin/accounts/two-factor-reset",
            Need::Admin,
            Page,
            None,
            post(pages::admin::reset_two_factor),
        ),
        entry(
            Method::GET,
            "/",
            Need::SignedIn,
            Page,
            None,
            get(pages::home::page),
        ),
        entry(
            Method::GET,
            "/units",
            Need::Read,
            Page,
            None,
            get(pages::units::tree),
        ),
        entry(
            Method::GET,
            "/units/{unit_id}",
            Need::Read,
            Page,
            Unit,
            get(pages::units::unit),
        ),
        // A unit's papers: drafts, readable by whoever reads the unit's cases, like a
        // case's papers. The two static last segments win over `{paper}` (axum prefers a
        // static segment), and `{paper}` never takes their names.
        entry(
            Method::GET,
            "/units/{unit_id}/papers/awareness-nominees",
            Need::Read,
            Page,
            Unit,
            get(pages::unit_papers::awareness_nominees),
        ),
        entry(
            Method::GET,
            "/units/{unit_id}/papers/development-plan",
            Need::Read,
            Page,
            Unit,
            get(pages::unit_papers::development_plan),
        ),
        entry(
            Method::GET,
            "/units/{unit_id}/papers/{paper}",
            Need::Read,
            Page,
            Unit,
            get(pages::unit_papers::bulk),
        ),
        entry(
            Method::GET,
            "/cases",
            Need::Read,
            Page,
            None,
            get(pages::cases::list),
        ),
        entry(
            Method::GET,
            "/cases/{case_id}",
            Need::Read,
            Page,
            Case,
            get(pages::case::page),
        ),
        entry(
            Method::POST,
            "/cases/{case_id}/actions",
            Need::Edit,
            Page,
            Case,
            post(pages::case::act),
        ),
        entry(
            Method::GET,
            "/cases/{case_id}/audit",
            Need::Audit,
            Page,
            Case,
            get(pages::case::audit),
        ),
        entry(
            Method::GET,
            "/cases/{case_id}/papers/{paper}",
            Need::Read,
            Page,
            Case,
            get(pages::papers::download),
        ),
        entry(
            Method::GET,
            "/sources/new",
            Need::Edit,
            Page,
            None,
            get(pages::sources::form),
        ),
        entry(
            Method::POST,
            "/sources/check",
            Need::Edit,
            Page,
            None,
            post(pages::sources::check),
        ),
        entry(
            Method::POST,
            "/sources",
            Need::Edit,
            Page,
            None,
            post(pages::sources::create),
        ),
        entry(
            Method::POST,
            "/search",
            Need::Read,
            Page,
            None,
            post(pages::people::remember_search),
        ),
        entry(
            Method::GET,
            "/people/search",
            Need::Read,
            Page,
            None,
            get(pages::people::search),
        ),
        entry(
            Method::GET,
            "/people/{person_id}/report",
            Need::Audit,
            Page,
            Person,
            get(pages::people::subject_report),
        ),
        entry(
            Method::GET,
            "/people/{person_id}",
            Need::Read,
            Page,
            Person,
            get(pages::people::page),
        ),
        entry(
            Method::GET,
            "/probation",
            Need::Read,
            Page,
            None,
            get(pages::probation::list),
        ),
        entry(
            Method::GET,
            "/courses",
            Need::Read,
            Page,
            None,
            get(pages::courses::list),
        ),
        entry(
            Method::GET,
            "/courses/new",
            Need::Edit,
            Page,
            None,
            get(pages::courses::form),
        ),
        entry(
            Method::POST,
            "/courses",
            Need::Edit,
            Page,
            None,
            post(pages::courses::create),
        ),
        entry(
            Method::GET,
            "/nominees",
            Need::Nominees,
            Page,
            None,
            get(pages::nominees::list),
        ),
        entry(
            Method::GET,
            "/reports",
            Need::Read,
            Page,
            None,
            get(pages::reports::dashboard),
        ),
        entry(
            Method::GET,
            "/reports/export.xlsx",
            Need::Read,
            Page,
            None,
            get(pages::reports::export_xlsx),
        ),
        entry(
            Method::GET,
            "/reports/export.csv",
            Need::Read,
            Page,
            None,
            get(pages::reports::export_csv),
        ),
        entry(
            Method::GET,
            "/reports/plan",
            Need::Edit,
            Page,
            None,
            get(pages::reports::plan),
        ),
        entry(
            Method::POST,
            "/reports/headcounts",
            Need::Edit,
            Page,
            None,
            post(pages::reports::record_headcount),
        ),
        entry(
            Method::POST,
            "/reports/targets",
            Need::Edit,
            Page,
            None,
            post(pages::reports::set_targets),
        ),
        entry(
            Method::POST,
            "/reports/sector-targets",
            Need::Edit,
            Page,
            None,
            post(pages::reports::set_sector_targets),
        ),
        entry(
            Method::POST,
            "/reports/term-plan",
            Need::Edit,
            Page,
            None,
            post(pages::reports::set_term_plan),
        ),
        entry(
            Method::GET,
            "/import",
            Need::Read,
            Page,
            None,
            get(pages::imports::form),
        ),
        entry(
            Method::GET,
            "/import/review",
            Need::Edit,
            Page,
            None,
            get(pages::imports::review),
        ),
        entry(
            Method::POST,
            "/import/review",
            Need::Edit,
            Page,
            None,
            post(pages::imports::decide),
        ),
        entry(
            Method::GET,
            "/import/errors",
            Need::Edit,
            Page,
            None,
            get(pages::imports::errors),
        ),
        entry(
            Method::GET,
            "/import/export",
            Need::Read,
            Page,
            None,
            get(pages::imports::export),
        ),
        entry(
            Method::POST,
            "/import",
            Need::Edit,
            Page,
            None,
            post(pages::imports::upload).layer(axum::extract::DefaultBodyLimit::max(
                pages::imports::MAX_UPLOAD_BYTES,
            )),
        ),
        entry(
            Method::GET,
            "/api/v1/openapi.json",
            Need::SignedIn,
            Public,
            None,
            get(api::openapi),
        ),
        entry(
            Method::GET,
            "/api/v1/units",
            Need::Read,
            Api,
            None,
            get(api::units),
        ),
        entry(
            Method::GET,
            "/api/v1/cases",
            Need::Read,
            Api,
            None,
            get(api::cases),
        ),
        entry(
            Method::GET,
            "/api/v1/cases/{case_id}",
            Need::Read,
            Api,
            Case,
            get(api::case),
        ),
        entry(
            Method::POST,
            "/api/v1/cases/{case_id}/actions",
            Need::Edit,
            Api,
            Case,
            post(api::act),
        ),
        entry(
            Method::GET,
            "/api/v1/people/search",
            Need::Read,
            Api,
            None,
            get(api::people_search),
        ),
        entry(
            Method::GET,
            "/api/v1/reports/progress",
            Need::Read,
            Api,
            None,
            get(api::reports::progress),
        ),
        entry(
            Method::GET,
            "/api/v1/reports/funnel",
            Need::Read,
            Api,
            None,
            get(api::reports::funnel),
        ),
        entry(
            Method::GET,
            "/api/v1/reports/bottlenecks",
            Need::Read,
            Api,
            None,
            get(api::reports::bottlenecks),
        ),
        entry(
            Method::GET,
            "/api/v1/reports/coverage",
            Need::Read,
            Api,
            None,
            get(api::reports::coverage),
        ),
        entry(
            Method::GET,
            "/api/v1/reports/breakdown",
            Need::Read,
            Api,
            None,
            get(api::reports::breakdown),
        ),
        entry(
            Method::GET,
            "/api/v1/reports/recognitions",
            Need::Read,
            Api,
            None,
            get(api::reports::recognitions),
        ),
    ]
}

/// Every route of the application, for the authorization matrix and the docs.
pub fn table() -> Vec<RouteSpec> {
    entries().into_iter().map(|e| e.spec).collect()
}

pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for Entry { spec, handler } in entries() {
        let handler = if spec.kind == RouteKind::Public {
            handler
        } else {
            handler.route_layer(from_fn_with_state((spec.need, spec.kind), auth::require))
        };
        router = router.route(spec.path, handler);
    }
    router
        .fallback(security::not_found)
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn(security::request_context))
        .with_state(state)
}
