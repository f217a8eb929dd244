//! The authorization matrix, generated from the route table: every route × every role ×
//! every relation between the account's unit and the record the path names (own unit,
//! descendant, sibling, ancestor, cousin, another province). Allowed answers anything but
//! 403/404/5xx; denied answers 404 — never 403, so nothing is confirmed. A route added to
//! the table without a line in `MATRIX` fails the test.

use std::collections::HashMap;

use axum::http::{Method, StatusCode, header};
use ketnap_domain::access::{Need, NomineeScope, Role};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::coordination::{Addressee, NewRequest, Nomination, RequestBody, RequestKind};
use ketnap_domain::ids::{CaseId, PersonId, UnitId, UserId};
use ketnap_domain::ports::{CaseStore, NewUnit, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::unit::{SectorCode, Unit, UnitKind};
use ketnap_web::{RouteKind, Subject};

use crate::fixtures::{change, day, doc, person};
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
    ("GET", "/notifications", Need::SignedIn),
    ("POST", "/notifications/read", Need::SignedIn),
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
    ("GET", "/cases/{case_id}/transfer", Need::Edit),
    ("POST", "/cases/{case_id}/transfer", Need::Edit),
    ("GET", "/transfers", Need::Read),
    ("POST", "/transfers/{transfer_id}/accept", Need::Edit),
    ("POST", "/transfers/{transfer_id}/decline", Need::Edit),
    ("POST", "/transfers/{transfer_id}/cancel", Need::Edit),
    ("GET", "/cases/{case_id}/requests/new", Need::Edit),
    ("POST", "/cases/{case_id}/requests", Need::Edit),
    ("GET", "/requests", Need::Read),
    ("GET", "/requests/{request_id}", Need::Read),
    ("POST", "/requests/{request_id}/answer", Need::Edit),
    ("GET", "/requests/{request_id}/letter", Need::Read),
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
    ("GET", "/nominations/new", Need::Nominees),
    ("POST", "/nominations/new", Need::Nominees),
    ("GET", "/nominations", Need::Read),
    ("GET", "/nominations/{nomination_id}", Need::Read),
    ("POST", "/nominations/{nomination_id}/accept", Need::Edit),
    ("POST", "/nominations/{nomination_id}/decline", Need::Edit),
    ("GET", "/reports/nominations", Need::Read),
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
    ("POST", "/api/v1/people/search", Need::Read),
    ("GET", "/api/v1/nominations", Need::Nominees),
    ("POST", "/api/v1/nominations", Need::Nominees),
    ("GET", "/api/v1/nominations/incoming", Need::Read),
    ("GET", "/api/v1/nominations/{nomination_id}", Need::Read),
    (
        "POST",
        "/api/v1/nominations/{nomination_id}/accept",
        Need::Edit,
    ),
    (
        "POST",
        "/api/v1/nominations/{nomination_id}/decline",
        Need::Edit,
    ),
    ("GET", "/api/v1/reports/progress", Need::Read),
    ("GET", "/api/v1/reports/funnel", Need::Read),
    ("GET", "/api/v1/reports/bottlenecks", Need::Read),
    ("GET", "/api/v1/reports/coverage", Need::Read),
    ("GET", "/api/v1/reports/breakdown", Need::Read),
    ("GET", "/api/v1/reports/recognitions", Need::Read),
    ("GET", "/api/v1/transfers", Need::Read),
    ("POST", "/api/v1/cases/{case_id}/transfers", Need::Edit),
    ("POST", "/api/v1/transfers/{transfer_id}/accept", Need::Edit),
    (
        "POST",
        "/api/v1/transfers/{transfer_id}/decline",
        Need::Edit,
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/cancel", Need::Edit),
    ("GET", "/api/v1/requests", Need::Read),
    ("POST", "/api/v1/cases/{case_id}/requests", Need::Edit),
    ("GET", "/api/v1/requests/{request_id}", Need::Read),
    ("POST", "/api/v1/requests/{request_id}/answer", Need::Edit),
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
    // One pending nomination to every cell, from a mass organisation of the cell's ward
    // (or province): the requests below send empty forms, so they all stay pending.
    let mut nominations: Vec<(UnitId, i64)> = Vec::new();
    for (i, (cell, org_unit)) in [
        (t.school_cell, t.ward),
        (t.residential_cell, t.ward),
        (t.other_cell, t.other_ward),
        (far_cell, app.other_province),
    ]
    .into_iter()
    .enumerate()
    {
        let org = if org_unit == t.ward {
            app.mass_org
        } else {
            app.store
                .create_mass_org(
                    &admin,
                    "youth_union",
                    org_unit,
                    &format!("Đoàn Thanh niên {i}"),
                )
                .await
                .unwrap()
        };
        let nomination = Nomination {
            details: person(
                "Trần",
                "Thị",
                &format!("Đề cử{i}"),
                day(2002, 2, 2),
                Sex::Female,
                None,
            ),
            resolution: doc("05-NQ/ĐTN", day(2026, 6, 1)),
            reasons: "Bí thư chi đoàn".into(),
        };
        let id = app
            .store
            .submit_nomination(&admin, NomineeScope { mass_org: org }, cell, nomination)
            .await
            .unwrap();
        nominations.push((cell, id));
    }
    let (incoming, outgoing, requests) = coordination(&app, &cases, far_cell).await;
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
                // Accepting or declining is the receiving cell's; taking back, the
                // sending cell's: each is tried on transfers whose other end no account
                // reaches.
                Subject::Transfer => {
                    let which = if spec.path.ends_with("/cancel") {
                        &outgoing
                    } else {
                        &incoming
                    };
                    which
                        .iter()
                        .map(|(cell, id)| {
                            (
                                Some(relation(&units, account_unit, *cell)),
                                spec.path.replace("{transfer_id}", &id.to_string()),
                            )
                        })
                        .collect()
                }
                Subject::Request => requests
                    .iter()
                    .map(|(cell, id)| {
                        (
                            Some(relation(&units, account_unit, *cell)),
                            spec.path.replace("{request_id}", &id.to_string()),
                        )
                    })
                    .collect(),
                Subject::Nomination => nominations
                    .iter()
                    .map(|(unit, id)| {
                        (
                            Some(relation(&units, account_unit, *unit)),
                            spec.path.replace("{nomination_id}", &id.to_string()),
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

/// Records keyed by the cell whose side acts on them.
type ByCell = Vec<(UnitId, i64)>;

/// Per cell of the matrix: a transfer to it and one from its case, each with the other end
/// in a province no account reaches; a request asked of it and a letter sent from its case.
/// Returns (incoming transfers, outgoing transfers, requests), each keyed by that cell.
async fn coordination(
    app: &TestApp,
    cases: &[(UnitId, CaseId, PersonId)],
    far_cell: UnitId,
) -> (ByCell, ByCell, ByCell) {
    let admin = change("admin");
    let far = Scope::subtree(app.other_province, Access::Edit);
    let all = Scope::subtree(app.tree.city, Access::Edit);
    let far_cell2 = app
        .store
        .create_unit(
            &admin,
            NewUnit {
                code: None,
                name: "Chi bộ tỉnh khác 2".into(),
                kind: UnitKind::BaseCell,
                parent: Some(app.other_province),
                sector: SectorCode("residential".into()),
                valid_from: day(2025, 7, 1),
            },
        )
        .await
        .unwrap();
    let on = day(2026, 11, 2);
    let ask = |to| NewRequest {
        kind: RequestKind::Verification,
        to,
        body: RequestBody {
            about: "Bố: Lê Văn Xa".into(),
            questions: String::new(),
        },
        sent_on: on,
        due_on: day(2026, 11, 30),
    };
    let (mut incoming, mut outgoing, mut requests) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (cell, case, _)) in cases.iter().enumerate() {
        let (scope, elsewhere) = if *cell == far_cell {
            (&far, far_cell2)
        } else {
            (&all, far_cell)
        };
        let details = person(
            "Lê",
            "Văn",
            &format!("Xa{i}"),
            day(1991, 1, 1),
            Sex::Male,
            None,
        );
        let (_, far_case) = app
            .store
            .create_source(&admin, &far, &details, far_cell2, day(2025, 8, 1), None)
            .await
            .unwrap();
        let store = &app.store;
        // `far_case` sits in far_cell2, so the far cell's row transfers from there too.
        let to_cell = store
            .start_transfer(&admin, &far, far_case, *cell, "Chuyển nơi ở", on)
            .await
            .unwrap_or_else(|e| panic!("to {cell}: {e:?}"));
        incoming.push((*cell, to_cell));
        let from_cell = store
            .start_transfer(&admin, scope, *case, elsewhere, "Chuyển công tác", on)
            .await
            .unwrap();
        outgoing.push((*cell, from_cell));
        let asked = store
            .send_request(&admin, &far, far_case, ask(Addressee::Unit { unit: *cell }))
            .await
            .unwrap();
        let letter = store
            .send_request(
                &admin,
                scope,
                *case,
                ask(Addressee::Letter {
                    name: "Công ty TNHH Thử".into(),
                    address: String::new(),
                }),
            )
            .await
            .unwrap();
        requests.extend([(*cell, asked), (*cell, letter)]);
    }
    (incoming, outgoing, requests)
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
