//! The JSON API v1 in-process: bearer tokens (missing, revoked, of a locked account), scope
//! (another ward's case is "not found"), the need of each role, rule violations, stale
//! versions, malformed bodies and parameters; and the OpenAPI document, against which every
//! answer here is checked, so an undocumented route or field fails a test.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::NaiveDate;
use ketnap_domain::action::Action;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ids::{CaseId, UnitId, UserId};
use ketnap_domain::ports::{AuditStore, CaseStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_web::RouteKind;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::fixtures::{change, day, person};
use crate::web::TestApp;

#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    headers: HeaderMap,
    pub(crate) json: Value,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts an error body of the documented shape with this status, field and rule.
    pub(crate) fn assert_error(&self, status: StatusCode, field: Option<&str>, rule: Option<&str>) {
        assert_eq!(self.status, status, "{:#}", self.json);
        assert!(
            self.header("content-type").starts_with("application/json"),
            "{}",
            self.header("content-type")
        );
        assert_eq!(self.json["field"].as_str(), field, "{:#}", self.json);
        if let Some(rule) = rule {
            assert_eq!(self.json["rule"].as_str(), Some(rule), "{:#}", self.json);
        }
        assert!(
            !self.json["message"].as_str().unwrap_or_default().is_empty(),
            "{:#}",
            self.json
        );
        assert!(
            !self.json["request_id"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
}

pub(crate) struct Api<'a> {
    app: &'a TestApp,
    doc: Value,
}

impl Api<'_> {
    pub(crate) async fn new(app: &TestApp) -> Api<'_> {
        let doc = send(app, None, Method::GET, "/api/v1/openapi.json", None).await;
        assert_eq!(doc.status, StatusCode::OK);
        Api { app, doc: doc.json }
    }

    /// Sends a request and, for a documented status, checks the body against the document.
    pub(crate) async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<(&str, String)>,
    ) -> Reply {
        let reply = send(self.app, token, method.clone(), path, body).await;
        assert_eq!(reply.header("cache-control"), "no-store", "{path}");
        let route = path.split('?').next().unwrap_or_default();
        let status = reply.status.as_u16().to_string();
        let schema = documented_response(&self.doc, &method, route, &status)
            .unwrap_or_else(|| panic!("{method} {route} {status} is not documented"));
        if let Err(problem) = check(&self.doc, &schema, &reply.json, "$") {
            panic!("{method} {path} {status}: {problem}\n{:#}", reply.json);
        }
        reply
    }

    pub(crate) async fn get(&self, token: Option<&str>, path: &str) -> Reply {
        self.call(token, Method::GET, path, None).await
    }

    /// Posts a JSON body.
    pub(crate) async fn post(&self, token: Option<&str>, path: &str, body: Value) -> Reply {
        self.call(
            token,
            Method::POST,
            path,
            Some(("application/json", body.to_string())),
        )
        .await
    }

    /// A people search: the text in the body.
    async fn search(&self, token: &str, q: &str) -> Reply {
        self.post(Some(token), "/api/v1/people/search", json!({ "q": q }))
            .await
    }

    async fn act(&self, token: &str, case: CaseId, body: Value) -> Reply {
        self.call(
            Some(token),
            Method::POST,
            &format!("/api/v1/cases/{case}/actions"),
            Some(("application/json", body.to_string())),
        )
        .await
    }
}

async fn send(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<(&str, String)>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match body {
        Some((content_type, body)) => request
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body)),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{path} answered {status} with something that is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    Reply {
        status,
        headers,
        json,
    }
}

/// A fresh API token of a fixture account.
pub(crate) async fn token_of(app: &TestApp, username: &str) -> String {
    let user = app.store.user_by_name(username).await.unwrap().unwrap();
    app.store
        .create_api_token(
            &change("admin"),
            UserId(user.id),
            &format!("thử {username}"),
        )
        .await
        .unwrap()
}

/// Sources in the ward (Bình, Ánh, An: created out of name order) and one in the other ward.
struct Cases {
    an: CaseId,
    anh: CaseId,
    binh: CaseId,
    cuong: CaseId,
}

async fn sources(app: &TestApp) -> Cases {
    let t = &app.tree;
    let officer = change("canbo");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other = Scope::subtree(t.other_ward, Access::Edit);
    let add = |scope: Scope, family: &str, middle: &str, given: &str, cell: UnitId, sex: Sex| {
        let details = person(family, middle, given, day(2000, 3, 15), sex, None);
        let officer = officer.clone();
        async move {
            app.store
                .create_source(&officer, &scope, &details, cell, day(2026, 1, 5), None)
                .await
                .unwrap()
                .1
        }
    };
    let binh = add(
        ward.clone(),
        "Nguyễn",
        "Thị",
        "Bình",
        t.school_cell,
        Sex::Female,
    )
    .await;
    let anh = add(
        ward.clone(),
        "Nguyễn",
        "Thị",
        "Ánh",
        t.residential_cell,
        Sex::Female,
    )
    .await;
    let an = add(
        ward.clone(),
        "Nguyễn",
        "Văn",
        "An",
        t.residential_cell,
        Sex::Male,
    )
    .await;
    let cuong = add(other, "Nguyễn", "Văn", "Cường", t.other_cell, Sex::Male).await;
    Cases {
        an,
        anh,
        binh,
        cuong,
    }
}

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["full_name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn api_tokens_are_checked() {
    let app = TestApp::new().await;
    let api = Api::new(&app).await;
    let c = sources(&app).await;
    let case = format!("/api/v1/cases/{}", c.an);

    // No token or a wrong token: 401 with the challenge.
    for (token, path) in [
        (None, "/api/v1/cases"),
        (None, case.as_str()),
        (None, "/api/v1/units"),
        (Some("ketnap_khong-co-ma-nay"), "/api/v1/cases"),
    ] {
        let reply = api.get(token, path).await;
        reply.assert_error(StatusCode::UNAUTHORIZED, None, None);
        assert_eq!(reply.header("www-authenticate"), "Bearer", "{path}");
    }
    for (path, body) in [
        (format!("{case}/actions"), "{}"),
        ("/api/v1/people/search".to_string(), r#"{"q": "an"}"#),
    ] {
        let reply = api
            .call(
                None,
                Method::POST,
                &path,
                Some(("application/json", body.into())),
            )
            .await;
        reply.assert_error(StatusCode::UNAUTHORIZED, None, None);
        assert_eq!(reply.header("www-authenticate"), "Bearer", "{path}");
    }

    // A browser session's cookie does not open the API.
    let browser = app.login("canbo").await;
    let cookie = app.get(Some(&browser), "/api/v1/cases").await;
    assert_eq!(cookie.status, StatusCode::UNAUTHORIZED);

    // A good token works; once revoked it does not.
    let token = token_of(&app, "canbo").await;
    assert_eq!(
        api.get(Some(&token), "/api/v1/cases").await.status,
        StatusCode::OK
    );
    let id = app
        .store
        .api_tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.label == "thử canbo")
        .unwrap()
        .id;
    app.store
        .revoke_api_token(&change("admin"), id)
        .await
        .unwrap();
    let revoked = api.get(Some(&token), "/api/v1/cases").await;
    revoked.assert_error(StatusCode::UNAUTHORIZED, None, None);
    assert_eq!(revoked.header("www-authenticate"), "Bearer");

    // A locked account's token stops working.
    let viewer = token_of(&app, "xem").await;
    assert_eq!(
        api.get(Some(&viewer), "/api/v1/units").await.status,
        StatusCode::OK
    );
    let user = app.store.user_by_name("xem").await.unwrap().unwrap();
    app.store
        .disable_user(&change("admin"), UserId(user.id))
        .await
        .unwrap();
    api.get(Some(&viewer), "/api/v1/units").await.assert_error(
        StatusCode::UNAUTHORIZED,
        None,
        None,
    );

    // A mass-organisation officer's token has no scope: the lists are "not found".
    let nominees = token_of(&app, "doanthe").await;
    for path in ["/api/v1/cases", "/api/v1/units", case.as_str()] {
        api.get(Some(&nominees), path)
            .await
            .assert_error(StatusCode::NOT_FOUND, None, None);
    }
}

#[tokio::test]
async fn api_lists_and_reads_within_the_scope() {
    let app = TestApp::new().await;
    let api = Api::new(&app).await;
    let c = sources(&app).await;
    let t = &app.tree;
    let officer = token_of(&app, "canbo").await;
    let other = token_of(&app, "canbo.phuloi").await;
    let secretary = token_of(&app, "bithu").await;
    let auditor = token_of(&app, "kiemtra").await;

    // Units: the ward and what is under it, nothing of the other ward.
    let units = api.get(Some(&officer), "/api/v1/units").await;
    assert_eq!(units.status, StatusCode::OK);
    let ids: Vec<i64> = units.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    for unit in [t.ward, t.school, t.school_cell, t.residential_cell] {
        assert!(ids.contains(&unit.0), "{unit} in {ids:?}");
    }
    assert!(!ids.contains(&t.other_ward.0) && !ids.contains(&t.city.0));
    let ward = units.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == json!(t.ward.0))
        .unwrap();
    assert_eq!(ward["kind"], "ward");
    assert_eq!(ward["parent"], json!(t.city.0));
    assert_eq!(ward["valid_from"], "2025-07-01");
    assert_eq!(ward["valid_until"], Value::Null);

    // Cases: the ward's three, sorted the Vietnamese way (given name first: An, Ánh, Bình).
    let list = api.get(Some(&officer), "/api/v1/cases").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json["total"], 3);
    assert_eq!(
        names(&list.json),
        ["Nguyễn Văn An", "Nguyễn Thị Ánh", "Nguyễn Thị Bình"]
    );
    let first = &list.json["items"][0];
    assert_eq!(first["id"], json!(c.an.0));
    assert_eq!(first["stage"], "source");
    assert_eq!(first["stage_label"], "Quần chúng ưu tú (nguồn)");
    assert_eq!(first["cell_id"], json!(t.residential_cell.0));
    assert_eq!(first["cell_name"], "Chi bộ Khu phố 3");
    assert_eq!(first["birth_date"], "2000-03-15");
    assert_eq!(first["identified_on"], "2026-01-05");
    assert_eq!(first["version"], 1);
    assert_eq!(first["decided_on"], Value::Null);
    assert_eq!(first["next_deadline"], Value::Null, "a source has no clock");
    let page = api
        .get(Some(&officer), "/api/v1/cases?limit=1&offset=1&open=true")
        .await;
    assert_eq!(
        (&page.json["total"], names(&page.json)),
        (&json!(3), vec!["Nguyễn Thị Ánh"])
    );
    let none = api
        .get(Some(&officer), "/api/v1/cases?stage=probation&limit=0")
        .await;
    assert_eq!(none.json["total"], 0);
    let sources = api
        .get(Some(&officer), "/api/v1/cases?stage=source&open=0")
        .await;
    assert_eq!(sources.json["total"], 3);
    // The cell secretary sees their own cell only; the other ward sees Cường only.
    let own = api.get(Some(&secretary), "/api/v1/cases").await;
    assert_eq!(names(&own.json), ["Nguyễn Văn An", "Nguyễn Thị Ánh"]);
    let theirs = api.get(Some(&other), "/api/v1/cases").await;
    assert_eq!(names(&theirs.json), ["Nguyễn Văn Cường"]);

    // Bad parameters: 422 naming the parameter.
    for (query, field, rule) in [
        ("limit=5000", "limit", "api.query.number"),
        ("limit=-1", "limit", "api.query.number"),
        ("limit=abc", "limit", "api.query.number"),
        ("offset=-3", "offset", "api.query.number"),
        ("stage=flying", "stage", "api.query.stage"),
        ("open=maybe", "open", "api.query.boolean"),
        ("page=2", "page", "api.query.unknown"),
        ("limit=1&limit=2", "limit", "api.query.repeated"),
    ] {
        api.get(Some(&officer), &format!("/api/v1/cases?{query}"))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some(field), Some(rule));
    }
    api.get(Some(&officer), "/api/v1/units?all=1")
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("all"),
            Some("api.query.unknown"),
        );

    // One case in full; reading it writes the person.read audit row.
    let audit_scope = Scope::subtree(t.ward, Access::Read);
    let record = app.store.case(&audit_scope, c.anh).await.unwrap();
    let person_id = record.person.id.to_string();
    let reads = |rows: Vec<ketnap_domain::ports::AuditEntry>| {
        rows.iter().filter(|r| r.action == "person.read").count()
    };
    let before = reads(
        app.store
            .audit_trail(&audit_scope, "person", &person_id)
            .await
            .unwrap(),
    );
    let detail = api
        .get(Some(&auditor), &format!("/api/v1/cases/{}", c.anh))
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    let d = &detail.json;
    assert_eq!(d["id"], json!(c.anh.0));
    assert_eq!(d["version"], 1);
    assert_eq!(
        d["stage"],
        json!({"code": "source", "label": "Quần chúng ưu tú (nguồn)"})
    );
    assert_eq!(d["cell"]["name"], "Chi bộ Khu phố 3");
    assert_eq!(d["case"]["stage"], "source");
    assert_eq!(d["case"]["person"], json!(record.person.id.0));
    assert_eq!(d["person"]["full_name"], "Nguyễn Thị Ánh");
    assert_eq!(d["person"]["name"]["given"], "Ánh");
    assert_eq!(d["person"]["birth_date"], "2000-03-15");
    assert_eq!(d["events"], json!([]));
    assert!(
        d["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["paper"] == "sympathiser_resolution" && l["record"].is_null())
    );
    let after = reads(
        app.store
            .audit_trail(&audit_scope, "person", &person_id)
            .await
            .unwrap(),
    );
    assert_eq!(after, before + 1, "the read of the person is audited");
    let audit = app
        .store
        .audit_trail(&audit_scope, "person", &person_id)
        .await
        .unwrap();
    assert_eq!(audit.last().unwrap().actor, "kiemtra");
    assert_eq!(
        audit.last().unwrap().request_id,
        detail.header("x-request-id")
    );

    // Out of scope, unknown or not a number: 404, never 403.
    for (token, path) in [
        (&other, format!("/api/v1/cases/{}", c.an)),
        (&secretary, format!("/api/v1/cases/{}", c.binh)),
        (&officer, format!("/api/v1/cases/{}", c.cuong)),
        (&officer, "/api/v1/cases/999999".to_string()),
        (&officer, "/api/v1/cases/abc".to_string()),
        (&officer, "/api/v1/cases/0".to_string()),
    ] {
        api.get(Some(token), &path)
            .await
            .assert_error(StatusCode::NOT_FOUND, None, None);
    }

    // People: with or without diacritics, sorted the Vietnamese way, within the scope.
    let (an, anh, binh) = ("Nguyễn Văn An", "Nguyễn Thị Ánh", "Nguyễn Thị Bình");
    for (q, expected) in [
        ("nguyen", vec![an, anh, binh]),
        ("Nguyễn", vec![an, anh, binh]),
        ("NGUYEN  thi", vec![anh, binh]),
        ("nguyễn văn", vec![an]),
        // "Ánh", and "ánh" written with a combining accent (NFD)
        ("\u{c1}nh", vec![anh]),
        ("a\u{301}nh", vec![anh]),
    ] {
        let found = api.search(&officer, q).await;
        assert_eq!(found.status, StatusCode::OK, "{q}");
        assert_eq!(names(&found.json), expected, "{q}");
    }
    // A limit below the number found keeps the first in name order.
    let first = api
        .post(
            Some(&officer),
            "/api/v1/people/search",
            json!({ "q": "nguyen", "limit": 1 }),
        )
        .await;
    assert_eq!(first.json["items"].as_array().unwrap().len(), 1);
    let anh = api.search(&officer, "anh").await;
    assert_eq!(names(&anh.json), ["Nguyễn Thị Ánh"]);
    let hit = &anh.json["items"][0];
    assert_eq!(hit["birth_date"], "2000-03-15");
    assert_eq!(hit["cases"][0]["id"], json!(c.anh.0));
    assert_eq!(hit["cases"][0]["cell_name"], "Chi bộ Khu phố 3");
    assert_eq!(hit["cases"][0]["stage"], "source");
    let elsewhere = api.search(&other, "nguyen").await;
    assert_eq!(names(&elsewhere.json), ["Nguyễn Văn Cường"]);
    let nobody = api.search(&officer, "cuong").await;
    assert_eq!(nobody.json["items"], json!([]));
    api.post(Some(&officer), "/api/v1/people/search", json!({}))
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("q"),
            Some("api.json.shape"),
        );
    for q in ["", "  "] {
        api.search(&officer, q).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("q"),
            Some("api.body.required"),
        );
    }
    api.search(&officer, &"a".repeat(101)).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("q"),
        Some("api.body.length"),
    );
    api.post(
        Some(&officer),
        "/api/v1/people/search",
        json!({ "q": "an", "limit": 51 }),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("limit"),
        Some("api.body.range"),
    );
    // The text never travels in the URL: the old address takes no search.
    let by_url = Request::builder()
        .uri("/api/v1/people/search?q=nguyen")
        .header(header::AUTHORIZATION, format!("Bearer {officer}"))
        .body(Body::empty())
        .unwrap();
    let by_url = app.router.clone().oneshot(by_url).await.unwrap();
    assert_eq!(by_url.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn api_actions_move_cases_by_the_rules() {
    let app = TestApp::new().await;
    let api = Api::new(&app).await;
    let c = sources(&app).await;
    let officer = token_of(&app, "canbo").await;
    let viewer = token_of(&app, "xem").await;
    let auditor = token_of(&app, "kiemtra").await;
    let other = token_of(&app, "canbo.phuloi").await;
    let secretary = token_of(&app, "bithu").await;
    let sympathiser = json!({
        "version": 1,
        "action": {
            "action": "add_to_sympathisers",
            "resolution": {"number": "3-NQ/CB", "dated": "2026-02-02"},
            "helpers": [{"name": "Lê Văn Tám"}],
        },
    });

    // Roles without the need, and other wards: 404; nothing moves.
    for token in [&viewer, &auditor] {
        api.act(token, c.an, sympathiser.clone())
            .await
            .assert_error(StatusCode::NOT_FOUND, None, None);
    }
    api.act(&other, c.an, sympathiser.clone())
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);
    api.act(&secretary, c.binh, sympathiser.clone())
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);
    api.act(&officer, CaseId(999_999), sympathiser.clone())
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);

    // Actions that break a rule: 422 with the rule and the field.
    let open_file = json!({"version": 1, "action": {"action": "open_file", "on": "2026-02-10"}});
    let refused = api.act(&officer, c.an, open_file).await;
    refused.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("action"),
        Some("workflow.stage"),
    );
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap()
            .contains("Quần chúng ưu tú"),
        "{:#}",
        refused.json
    );
    let mut early = sympathiser.clone();
    early["action"]["resolution"]["dated"] = json!("2025-12-01");
    api.act(&officer, c.an, early).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("date"),
        Some("date.order"),
    );
    let mut future = sympathiser.clone();
    future["action"]["resolution"]["dated"] = json!("2999-01-01");
    api.act(&officer, c.an, future).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("date"),
        Some("date.future"),
    );
    let mut unnumbered = sympathiser.clone();
    unnumbered["action"]["resolution"]["number"] = json!("  ");
    api.act(&officer, c.an, unnumbered).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("resolution"),
        Some("input.required"),
    );

    // Malformed bodies: 400 for broken JSON, 422 for the wrong shape, with the position.
    let path = format!("/api/v1/cases/{}/actions", c.an);
    let raw = |body: &str| Some(("application/json", body.to_string()));
    let broken = api
        .call(
            Some(&officer),
            Method::POST,
            &path,
            raw("{\"version\": 1,\n \"action\": {\"action\": \"withdraw\",,}}"),
        )
        .await;
    broken.assert_error(
        StatusCode::BAD_REQUEST,
        Some("body"),
        Some("api.json.syntax"),
    );
    assert!(
        broken.json["message"]
            .as_str()
            .unwrap()
            .contains("dòng 2, cột"),
        "{:#}",
        broken.json
    );
    api.call(Some(&officer), Method::POST, &path, raw(""))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            Some("body"),
            Some("api.json.syntax"),
        );
    for (body, field, words) in [
        (
            json!({"version": 1, "action": {"action": "fly", "on": "2026-02-02"}}),
            "action",
            "không có loại",
        ),
        (
            json!({"version": 1, "action": {"action": "withdraw", "on": "2026-03-02"}}),
            "action",
            "thiếu trường `reason`",
        ),
        (
            json!({"version": 1, "action": {"action": "withdraw", "on": "02/03/2026", "reason": "x"}}),
            "action",
            "YYYY-MM-DD",
        ),
        (
            json!({"version": 1, "action": {"action": "record_death", "on": "2026-03-02", "why": "x"}}),
            "action",
            "không có trường `why`",
        ),
        (
            json!({"action": {"action": "record_death", "on": "2026-03-02"}}),
            "version",
            "thiếu trường `version`",
        ),
        (
            json!({"version": "1", "action": {"action": "record_death", "on": "2026-03-02"}}),
            "version",
            "sai kiểu",
        ),
        (
            json!({"version": 1, "action": {"action": "record_death", "on": "2026-03-02"}, "csrf": "x"}),
            "body",
            "không có trường `csrf`",
        ),
        (
            json!({"version": 1.5, "action": {"action": "record_death", "on": "2026-03-02"}}),
            "version",
            "sai kiểu",
        ),
    ] {
        let reply = api.act(&officer, c.an, body.clone()).await;
        reply.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
            Some("api.json.shape"),
        );
        let message = reply.json["message"].as_str().unwrap();
        assert!(
            message.contains(words) && message.contains("dòng 1, cột"),
            "{body}: {message}"
        );
    }
    // A key given twice is refused, even where a whole number written `1.0` is read.
    let twice = api
        .call(
            Some(&officer),
            Method::POST,
            &path,
            raw(r#"{"version": 1, "version": 1.0, "action": {"action": "record_death", "on": "2026-03-02"}}"#),
        )
        .await;
    twice.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("version"),
        Some("api.json.shape"),
    );
    assert!(
        twice.json["message"]
            .as_str()
            .unwrap()
            .contains("trường `version` được ghi hai lần"),
        "{:#}",
        twice.json
    );
    api.call(
        Some(&officer),
        Method::POST,
        &path,
        Some(("text/plain", sympathiser.to_string())),
    )
    .await
    .assert_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Some("content-type"),
        Some("api.content-type"),
    );
    // Nothing above moved the case.
    let still = api
        .get(Some(&officer), &format!("/api/v1/cases/{}", c.an))
        .await;
    assert_eq!(
        (&still.json["version"], &still.json["stage"]["code"]),
        (&json!(1), &json!("source"))
    );

    // A good action: 200 with the new stage, version and event; the case moved.
    let done = api.act(&officer, c.an, sympathiser.clone()).await;
    assert_eq!(done.status, StatusCode::OK, "{:#}", done.json);
    assert_eq!(done.json["id"], json!(c.an.0));
    assert_eq!(done.json["version"], 2);
    assert_eq!(done.json["stage"]["code"], "sympathiser");
    assert_eq!(done.json["stage"]["label"], "Cảm tình Đảng");
    let event = &done.json["event"];
    assert_eq!(event["action"], "add_to_sympathisers");
    assert_eq!(event["on"], "2026-02-02");
    assert_eq!(event["stage_before"], "source");
    assert_eq!(event["stage_after"], "sympathiser");
    assert_eq!(event["actor"], "canbo");
    assert_eq!(event["document"]["number"], "3-NQ/CB");
    let moved = api
        .get(Some(&viewer), &format!("/api/v1/cases/{}", c.an))
        .await;
    assert_eq!(moved.json["version"], 2);
    assert_eq!(moved.json["stage"]["code"], "sympathiser");
    assert_eq!(moved.json["case"]["sympathiser_on"], "2026-02-02");
    assert_eq!(moved.json["case"]["helpers"][0]["name"], "Lê Văn Tám");
    assert_eq!(moved.json["events"].as_array().unwrap().len(), 1);
    let listed = api
        .get(Some(&viewer), "/api/v1/cases?stage=sympathiser")
        .await;
    assert_eq!(names(&listed.json), ["Nguyễn Văn An"]);

    // The same version again is stale: 409, and nothing is recorded twice.
    let mut withdraw = json!({
        "version": 1,
        "action": {"action": "withdraw", "on": "2026-03-02", "reason": "Chuyển đi nơi khác"},
    });
    api.act(&officer, c.an, withdraw.clone())
        .await
        .assert_error(StatusCode::CONFLICT, None, None);
    // With the current version it goes through, and the case leaves the open list. The
    // version written `2.0` is the integer 2, as JSON Schema (and so the document) reads it.
    withdraw["version"] = json!(2.0);
    let left = api.act(&officer, c.an, withdraw).await;
    assert_eq!(left.status, StatusCode::OK, "{:#}", left.json);
    assert_eq!(left.json["stage"]["code"], "withdrawn");
    assert_eq!(left.json["version"], 3);
    let open = api.get(Some(&officer), "/api/v1/cases?open=true").await;
    assert_eq!(names(&open.json), ["Nguyễn Thị Ánh", "Nguyễn Thị Bình"]);

    // Once the file is open the clock runs: the next deadline and the rule set it comes
    // from; an action short of what the rule set asks names that rule.
    let mut version = 1;
    for action in [
        json!({"action": "add_to_sympathisers",
               "resolution": {"number": "4-NQ/CB", "dated": "2026-02-02"}, "helpers": []}),
        json!({"action": "record_awareness_certificate",
               "certificate": {"number": "NT-77", "issued_on": "2026-02-20"}}),
        json!({"action": "open_file", "on": "2026-03-02"}),
    ] {
        let step = api
            .act(
                &officer,
                c.binh,
                json!({"version": version, "action": action}),
            )
            .await;
        assert_eq!(step.status, StatusCode::OK, "{:#}", step.json);
        version = step.json["version"].as_i64().unwrap();
    }
    let opened = api
        .get(Some(&officer), &format!("/api/v1/cases/{}", c.binh))
        .await;
    let deadline = &opened.json["next_deadline"];
    assert!(
        deadline["rule"]
            .as_str()
            .unwrap()
            .ends_with("/admission.file_staleness_months"),
        "{deadline:#}"
    );
    assert!(deadline["due"].as_str().unwrap() > "2026-03-02");
    assert!(["on_time", "due_soon", "overdue"].contains(&deadline["status"].as_str().unwrap()));
    let listed = api
        .get(Some(&officer), "/api/v1/cases?stage=file_opened")
        .await;
    assert_eq!(listed.json["items"][0]["next_deadline"], *deadline);
    let lonely = api
        .act(
            &officer,
            c.binh,
            json!({"version": version, "action": {
                "action": "record_introductions", "on": "2026-03-05",
                "introducers": [{"member": {"name": "Lê Văn Tám"},
                                 "worked_together_since": "2023-01-01"}],
            }}),
        )
        .await;
    lonely.assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some("introducers"), None);
    let rule = lonely.json["rule"].as_str().unwrap();
    assert!(rule.ends_with("/admission.introducers_required"), "{rule}");

    // The cell secretary acts on their own cell.
    let mut theirs = sympathiser.clone();
    theirs["action"]["helpers"] = json!([]);
    let ok = api.act(&secretary, c.anh, theirs).await;
    assert_eq!(ok.status, StatusCode::OK, "{:#}", ok.json);
    assert_eq!(ok.json["event"]["actor"], "bithu");
}

#[tokio::test]
async fn openapi_documents_every_api_route_and_action() {
    let app = TestApp::new().await;
    let reply = send(&app, None, Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/json"));
    let doc = reply.json;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // Every /api/ route of the table is documented with its method, and nothing else is.
    let table = ketnap_web::table();
    let mut documented = 0;
    for spec in &table {
        if !spec.path.starts_with("/api/") {
            assert_ne!(spec.kind, RouteKind::Api, "{} outside /api/", spec.path);
            continue;
        }
        let method = spec.method.as_str().to_lowercase();
        let operation = &doc["paths"][spec.path][&method];
        assert!(
            operation.is_object(),
            "{} {} is not in openapi.json",
            spec.method,
            spec.path
        );
        documented += 1;
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.contains_key("200") || responses.contains_key("201"),
            "{}",
            spec.path
        );
        if spec.kind == RouteKind::Api {
            assert!(responses.contains_key("401"), "{}", spec.path);
            assert!(responses.contains_key("404"), "{}", spec.path);
            assert_ne!(
                operation["security"],
                json!([]),
                "{} needs the bearer token",
                spec.path
            );
        } else {
            assert_eq!(operation["security"], json!([]), "{} is public", spec.path);
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "path" {
                let name = parameter["name"].as_str().unwrap();
                assert!(spec.path.contains(&format!("{{{name}}}")), "{}", spec.path);
            }
        }
    }
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        operations, documented,
        "openapi.json documents a route the table lacks"
    );
    assert!(
        table.iter().filter(|s| s.kind == RouteKind::Api).count() >= 5,
        "the API routes are in the table"
    );

    // Every $ref resolves.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    out.push(target);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    for target in targets {
        assert!(resolve(&doc, target).is_some(), "{target} does not resolve");
    }

    // Every link names a documented operation, and the ones that go on to an action carry
    // the version: schemathesis follows them (scripts/schemathesis).
    let operations: Vec<&Value> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .collect();
    let ids: Vec<&str> = operations
        .iter()
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let mut links = 0;
    for response in operations
        .iter()
        .flat_map(|op| op["responses"].as_object().unwrap().values())
    {
        for link in response["links"]
            .as_object()
            .into_iter()
            .flat_map(|l| l.values())
        {
            let target = link["operationId"].as_str().unwrap();
            assert!(ids.contains(&target), "link to {target}");
            if target == "act" {
                assert_eq!(link["requestBody"]["version"], "$response.body#/version");
            }
            links += 1;
        }
    }
    assert!(links >= 4, "{links} links");

    // The error body and the action body are described.
    let error = &doc["components"]["schemas"]["Error"]["properties"];
    for field in ["error", "message", "field", "rule", "request_id"] {
        assert!(error[field].is_object(), "Error.{field}");
    }
    // Each action kind's example is a real `Action` of that kind, and its fields are exactly
    // the documented ones.
    let schemas = &doc["components"]["schemas"];
    let kinds: Vec<&str> = schemas["ActionCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let variants = schemas["Action"]["oneOf"].as_array().unwrap();
    assert_eq!(variants.len(), kinds.len());
    assert!(kinds.len() >= 25, "{kinds:?}");
    for kind in [
        "withdraw",
        "add_to_sympathisers",
        "decide_admission",
        "record_death",
    ] {
        assert!(kinds.contains(&kind), "{kind}");
    }
    for variant in variants {
        let schema = resolve(&doc, variant["$ref"].as_str().unwrap()).unwrap();
        let kind = schema["properties"]["action"]["const"].as_str().unwrap();
        assert!(kinds.contains(&kind));
        let example = &schema["examples"][0];
        let action: Action = serde_json::from_value(example.clone())
            .unwrap_or_else(|e| panic!("example of {kind}: {e}"));
        assert_eq!(action.code(), kind);
        let mut documented: Vec<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        let mut real: Vec<&String> = example.as_object().unwrap().keys().collect();
        documented.sort();
        real.sort();
        assert_eq!(documented, real, "fields of {kind}");
        // The required fields are those an action cannot do without.
        for field in schema["required"].as_array().unwrap() {
            let mut without = example.clone();
            without
                .as_object_mut()
                .unwrap()
                .remove(field.as_str().unwrap());
            assert!(
                serde_json::from_value::<Action>(without).is_err(),
                "{kind}.{field} is documented as required"
            );
        }
        for field in schema["properties"].as_object().unwrap().keys() {
            if !schema["required"]
                .as_array()
                .unwrap()
                .contains(&json!(field))
            {
                let mut without = example.clone();
                without.as_object_mut().unwrap().remove(field);
                assert!(
                    serde_json::from_value::<Action>(without).is_ok(),
                    "{kind}.{field} is documented as optional"
                );
            }
        }
        check(
            &doc,
            &json!({"$ref": "#/components/schemas/Action"}),
            example,
            "$",
        )
        .unwrap_or_else(|p| panic!("example of {kind}: {p}"));
    }
    // The withdraw example of the brief is an Action the document accepts.
    let withdraw = json!({"action": "withdraw", "on": "2026-03-02", "reason": "Chuyển đi"});
    check(
        &doc,
        &json!({"$ref": "#/components/schemas/Action"}),
        &withdraw,
        "$",
    )
    .unwrap();
    serde_json::from_value::<Action>(withdraw).unwrap();
}

// ---------------------------------------------------------------------------------------
// A small checker for the part of JSON Schema the document uses. Stricter than the
// standard on purpose: an object key the schema does not list is an error, so every field
// the API sends must be documented.

fn resolve<'a>(doc: &'a Value, target: &str) -> Option<&'a Value> {
    doc.pointer(target.strip_prefix('#')?)
}

/// The schema of a documented answer, its `$ref`s to responses followed.
fn documented_response(doc: &Value, method: &Method, route: &str, status: &str) -> Option<Value> {
    let path = doc["paths"]
        .as_object()?
        .iter()
        .find_map(|(template, item)| matches_template(template, route).then_some(item))?;
    let mut response = &path[method.as_str().to_lowercase()]["responses"][status];
    if let Some(target) = response["$ref"].as_str() {
        response = resolve(doc, target)?;
    }
    Some(response["content"]["application/json"]["schema"].clone()).filter(|s| !s.is_null())
}

fn matches_template(template: &str, path: &str) -> bool {
    let a: Vec<&str> = template.split('/').collect();
    let b: Vec<&str> = path.split('/').collect();
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}')))
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(target) = schema["$ref"].as_str() {
        let target_schema = resolve(doc, target).ok_or(format!("{at}: no {target}"))?;
        return check(doc, target_schema, value, at);
    }
    if let Some(branches) = schema["anyOf"].as_array() {
        let problems: Vec<String> = branches
            .iter()
            .filter_map(|b| check(doc, b, value, at).err())
            .collect();
        if problems.len() == branches.len() {
            return Err(format!("{at}: matches no anyOf branch: {problems:?}"));
        }
    }
    if let Some(branches) = schema["oneOf"].as_array() {
        let matching = branches
            .iter()
            .filter(|b| check(doc, b, value, at).is_ok())
            .count();
        if matching != 1 {
            return Err(format!("{at}: matches {matching} oneOf branches: {value}"));
        }
    }
    if let Some(expected) = schema.get("const")
        && expected != value
    {
        return Err(format!("{at}: {value} is not {expected}"));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !kinds.is_empty() && !kinds.iter().any(|k| type_matches(k, value)) {
        return Err(format!("{at}: {value} is not of type {kinds:?}"));
    }
    if let (Some(format), Some(text)) = (schema["format"].as_str(), value.as_str()) {
        let valid = match format {
            "date" => NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
            "date-time" => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            _ => true,
        };
        if !valid {
            return Err(format!("{at}: {text} is not a {format}"));
        }
    }
    if let Some(object) = value.as_object() {
        if let Some(required) = schema["required"].as_array() {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    return Err(format!("{at}: missing {name}"));
                }
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, field) in object {
                let Some(field_schema) = properties.get(name) else {
                    return Err(format!("{at}: {name} is not documented"));
                };
                check(doc, field_schema, field, &format!("{at}.{name}"))?;
            }
        }
    }
    if let (Some(items), Some(prefix)) = (value.as_array(), schema["prefixItems"].as_array()) {
        if let Some(min) = schema["minItems"].as_u64()
            && (items.len() as u64) < min
        {
            return Err(format!("{at}: fewer than {min} items"));
        }
        if let Some(max) = schema["maxItems"].as_u64()
            && (items.len() as u64) > max
        {
            return Err(format!("{at}: more than {max} items"));
        }
        for (i, (item, item_schema)) in items.iter().zip(prefix).enumerate() {
            check(doc, item_schema, item, &format!("{at}[{i}]"))?;
        }
    }
    if let (Some(items), Some(schema_items)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, schema_items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}
