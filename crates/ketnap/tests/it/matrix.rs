//! The authorization matrix, generated from the route table: every route × every role ×
//! every relation between the account's unit and the record the path names (own unit,
//! descendant, sibling, ancestor, cousin, another province). Allowed answers anything but
//! 403/404/5xx; denied answers 404 — never 403, so nothing is confirmed. A route added to
//! the table without a line in `MATRIX` fails the test.

use std::collections::HashMap;

use axum::http::{Method, StatusCode, header};
use ketnap_domain::access::{Need, Role};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ids::{CaseId, PersonId, UnitId, UserId};
use ketnap_domain::ports::{CaseStore, NewUnit, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::unit::{SectorCode, Unit, UnitKind};
use ketnap_web::{RouteKind, Subject};

use crate::fixtures::{change, day, person};
use crate::web::{Browser, TestApp, accounts};

/// Every route and the need it must declare. Keep in step with `ketnap_web::table()`.
const MATRIX: &[(&str, &str, Need)] = &[
    ("GET", "/healthz", Need::SignedIn),
    ("GET", "/static/{file}", Need::SignedIn),
    ("GET", "/login", Need::SignedIn),
    ("POST", "/login", Need::SignedIn),
    ("GET", "/login/code", Need::SignedIn),
    ("POST", "/login/code", Need::SignedIn),
    ("GET", "/login/enrol", Need::SignedIn),
    ("POST", "/login/enrol", Need::SignedIn),
    ("POST", "/logout", Need::SignedIn),
    ("GET", "/account/password", Need::SignedIn),
    ("POST", "/account/password", Need::SignedIn),
    ("GET", "/account/two-factor", Need::SignedIn),
    ("POST", "/account/two-factor", Need::SignedIn),
    ("GET", "/reauth", Need::SignedIn),
    ("POST", "/reauth", Need::SignedIn),
    ("GET", "/admin/sessions", Need::Admin),
    ("POST", "/admin/sessions/end", Need::Admin),
    ("GET", "/admin/accounts", Need::Admin),
    ("POST", "/admin/accounts/two-factor-reset", Need::Admin),
    ("GET", "/", Need::SignedIn),
    ("GET", "/units", Need::Read),
    ("GET", "/units/{unit_id}", Need::Read),
    (
        "GET",
        "/units/{unit_id}/papers/awareness-nominees",
        Need::Read,
    ),
    (
        "GET",
        "/units/{unit_id}/papers/development-plan",
        Need::Read,
    ),
    ("GET", "/units/{unit_id}/papers/{paper}", Need::Read),
    ("GET", "/cases", Need::Read),
    ("GET", "/cases/{case_id}", Need::Read),
    ("POST", "/cases/{case_id}/actions", Need::Edit),
    ("GET", "/cases/{case_id}/audit", Need::Audit),
    ("GET", "/cases/{case_id}/papers/{paper}", Need::Read),
    ("GET", "/sources/new", Need::Edit),
    ("POST", "/sources/check", Need::Edit),
    ("POST", "/sources", Need::Edit),
    ("POST", "/search", Need::Read),
    ("GET", "/people/search", Need::Read),
    ("GET", "/people/{person_id}/report", Need::Audit),
    ("GET", "/people/{person_id}", Need::Read),
    ("GET", "/probation", Need::Read),
    ("GET", "/courses", Need::Read),
    ("GET", "/courses/new", Need::Edit),
    ("POST", "/courses", Need::Edit),
    ("GET", "/nominees", Need::Nominees),
    ("GET", "/reports", Need::Read),
    ("GET", "/reports/export.xlsx", Need::Read),
    ("GET", "/reports/export.csv", Need::Read),
    ("GET", "/reports/plan", Need::Edit),
    ("POST", "/reports/headcounts", Need::Edit),
    ("POST", "/reports/targets", Need::Edit),
    ("GET", "/import", Need::Read),
    ("POST", "/import", Need::Edit),
    ("GET", "/import/review", Need::Edit),
    ("POST", "/import/review", Need::Edit),
    ("GET", "/import/errors", Need::Edit),
    ("GET", "/import/export", Need::Read),
    ("POST", "/reports/sector-targets", Need::Edit),
    ("POST", "/reports/term-plan", Need::Edit),
    ("GET", "/api/v1/openapi.json", Need::SignedIn),
    ("GET", "/api/v1/units", Need::Read),
    ("GET", "/api/v1/cases", Need::Read),
    ("GET", "/api/v1/cases/{case_id}", Need::Read),
    ("POST", "/api/v1/cases/{case_id}/actions", Need::Edit),
    ("GET", "/api/v1/people/search", Need::Read),
    ("GET", "/api/v1/reports/progress", Need::Read),
    ("GET", "/api/v1/reports/funnel", Need::Read),
    ("GET", "/api/v1/reports/bottlenecks", Need::Read),
    ("GET", "/api/v1/reports/coverage", Need::Read),
    ("GET", "/api/v1/reports/breakdown", Need::Read),
    ("GET", "/api/v1/reports/recognitions", Need::Read),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Relation {
    Own,
    Descendant,
    Sibling,
    Ancestor,
    Cousin,
    OtherProvince,
}

fn ancestors(units: &HashMap<UnitId, Unit>, mut id: UnitId) -> Vec<UnitId> {
    let mut chain = Vec::new();
    while let Some(parent) = units.get(&id).and_then(|u| u.parent) {
        chain.push(parent);
        id = parent;
    }
    chain
}

fn relation(units: &HashMap<UnitId, Unit>, account: UnitId, record: UnitId) -> Relation {
    let up_account = ancestors(units, account);
    let up_record = ancestors(units, record);
    if record == account {
        Relation::Own
    } else if up_record.contains(&account) {
        Relation::Descendant
    } else if up_account.contains(&record) {
        Relation::Ancestor
    } else if up_account.last() != up_record.last() {
        Relation::OtherProvince
    } else if units[&account].parent == units[&record].parent {
        Relation::Sibling
    } else {
        Relation::Cousin
    }
}

#[tokio::test]
async fn every_route_every_role_every_relation() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let admin = change("admin");
    let unit = |name: &str, kind, parent| NewUnit {
        code: None,
        name: name.into(),
        kind,
        parent: Some(parent),
        sector: SectorCode("residential".into()),
        valid_from: day(2025, 7, 1),
    };
    let far_cell = app
        .store
        .create_unit(
            &admin,
            unit("Chi bộ tỉnh khác", UnitKind::BaseCell, app.other_province),
        )
        .await
        .unwrap();

    // One case (and its person) in every cell.
    let all = Scope::subtree(t.city, Access::Edit);
    let far = Scope::subtree(app.other_province, Access::Edit);
    let mut cases: Vec<(UnitId, CaseId, PersonId)> = Vec::new();
    for (i, (cell, scope)) in [
        (t.school_cell, &all),
        (t.residential_cell, &all),
        (t.other_cell, &all),
        (far_cell, &far),
    ]
    .into_iter()
    .enumerate()
    {
        let details = person(
            "Nguyễn",
            "Văn",
            &format!("Thử{i}"),
            day(1990, 1, 1),
            Sex::Male,
            None,
        );
        let (person, case) = app
            .store
            .create_source(&admin, scope, &details, cell, day(2025, 8, 1), None)
            .await
            .unwrap();
        cases.push((cell, case, person));
    }
    let mut units: HashMap<UnitId, Unit> = HashMap::new();
    for root in [t.city, app.other_province] {
        for u in app
            .store
            .units_in(&Scope::subtree(root, Access::Read))
            .await
            .unwrap()
        {
            units.insert(u.id, u);
        }
    }

    // Every table route has its line, with the same need.
    let table = ketnap_web::table();
    for spec in &table {
        let line = MATRIX
            .iter()
            .find(|(m, p, _)| *m == spec.method.as_str() && *p == spec.path);
        let Some((_, _, need)) = line else {
            panic!("{} {} has no line in MATRIX", spec.method, spec.path)
        };
        assert_eq!(*need, spec.need, "{} {}", spec.method, spec.path);
    }
    assert_eq!(
        MATRIX.len(),
        table.len(),
        "MATRIX lists a route the table no longer has"
    );

    let mut checked = 0;
    let mut seen_relations = std::collections::HashSet::new();
    for (username, role, account_unit) in accounts(t) {
        let browser = app.login(username).await;
        let user = app.store.user_by_name(username).await.unwrap().unwrap();
        let token = app
            .store
            .create_api_token(&admin, UserId(user.id), "matrix")
            .await
            .unwrap();
        for spec in table.iter().filter(|s| s.kind != RouteKind::Public) {
            if spec.path == "/logout" {
                continue; // ends the session; checked below with a session of its own
            }
            // The records the path can name, with their relation to the account's unit.
            let targets: Vec<(Option<Relation>, String)> = match spec.subject {
                Subject::None => vec![(None, spec.path.to_string())],
                Subject::Unit => units
                    .keys()
                    .map(|id| {
                        (
                            Some(relation(&units, account_unit, *id)),
                            spec.path.replace("{unit_id}", &id.to_string()),
                        )
                    })
                    .collect(),
                Subject::Case => cases
                    .iter()
                    .map(|(cell, case, _)| {
                        (
                            Some(relation(&units, account_unit, *cell)),
                            spec.path.replace("{case_id}", &case.to_string()),
                        )
                    })
                    .collect(),
                Subject::Person => cases
                    .iter()
                    .map(|(cell, _, person)| {
                        (
                            Some(relation(&units, account_unit, *cell)),
                            spec.path.replace("{person_id}", &person.to_string()),
                        )
                    })
                    .collect(),
            };
            for (relation, path) in targets {
                // A case's papers: one of them stands for all (the fixture's cases are
                // sources, so an allowed account is told what is missing, a 422; a unit's
                // papers find no case at that stage, also a 422).
                let path = path.replace("{paper}", "admission-resolution");
                let in_scope =
                    relation.is_none_or(|r| matches!(r, Relation::Own | Relation::Descendant));
                let scoped_need = !matches!(spec.need, Need::SignedIn | Need::Nominees);
                let allowed = role.grants(spec.need)
                    && (!scoped_need || (role != Role::MassOrgOfficer && in_scope));
                let status = request(&app, &browser, &token, spec.kind, &spec.method, &path).await;
                let what = format!(
                    "{username} ({role:?}) {} {path} [{relation:?}] → {status}",
                    spec.method
                );
                if allowed {
                    assert!(
                        status != StatusCode::NOT_FOUND
                            && status != StatusCode::FORBIDDEN
                            && !status.is_server_error(),
                        "should be allowed: {what}"
                    );
                } else {
                    assert_eq!(status, StatusCode::NOT_FOUND, "should be not-found: {what}");
                }
                if let Some(r) = relation {
                    seen_relations.insert(r);
                }
                checked += 1;
            }
        }
        let fresh = app.login(username).await;
        assert_eq!(
            app.post(&fresh, "/logout", &[]).await.status,
            StatusCode::SEE_OTHER,
            "{username} logs out"
        );
    }
    for r in [
        Relation::Own,
        Relation::Descendant,
        Relation::Sibling,
        Relation::Ancestor,
        Relation::Cousin,
        Relation::OtherProvince,
    ] {
        assert!(
            seen_relations.contains(&r),
            "the fixture never produced {r:?}"
        );
    }
    assert!(checked >= 300, "only {checked} requests were checked");
}

/// Sends one request as the account: pages with the session cookie (and CSRF token on
/// POST, with an empty form), the API with the bearer token (and an empty JSON body).
async fn request(
    app: &TestApp,
    browser: &Browser,
    token: &str,
    kind: RouteKind,
    method: &Method,
    path: &str,
) -> StatusCode {
    use axum::body::Body;
    use tower::ServiceExt;
    let mut builder = axum::http::Request::builder()
        .method(method.clone())
        .uri(path);
    let body = match kind {
        RouteKind::Api => {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
            if method == Method::POST {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from("{}")
            } else {
                Body::empty()
            }
        }
        _ => {
            builder = builder.header(
                header::COOKIE,
                format!("{}={}", ketnap_web::SESSION_COOKIE, browser.cookie),
            );
            if method == Method::POST {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(format!("csrf={}", browser.csrf))
            } else {
                Body::empty()
            }
        }
    };
    app.router
        .clone()
        .oneshot(builder.body(body).unwrap())
        .await
        .unwrap()
        .status()
}
