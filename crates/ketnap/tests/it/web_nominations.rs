//! Nominations from mass organisations, end to end over HTTP (pages and API) and in the
//! store: a Youth Union's officer nominates; the ward accepts one (a source case carrying
//! the organisation and its resolution) and declines another with a reason the nominator
//! sees; every refusal the issue names leaves nothing behind; the nominator sees nothing
//! else; and the yearly counts per organisation come out exactly on a small story, on
//! SQLite and (from story.rs) on PostgreSQL.

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate, Utc};
use ketnap_domain::access::{NomineeScope, Role};
use ketnap_domain::case::{Paper, Stage};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::coordination::{Nomination, Status};
use ketnap_domain::ids::{CaseId, MassOrgId, UnitId};
use ketnap_domain::ports::{CaseStore, StoreError};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::workflow::today_in_vietnam;
use ketnap_store::{NewUser, NominationCount, Store};
use serde_json::{Value, json};

use crate::fixtures::{Tree, advance, change, day, doc, person, pipeline, sqlite_store, tree};
use crate::web::{Answer, Browser, PASSWORD, TestApp};
use crate::web_api::{Api, token_of};
use crate::web_transfers::{assert_beside, at};

fn today() -> NaiveDate {
    today_in_vietnam(Utc::now())
}

fn dmy(on: NaiveDate) -> String {
    on.format("%d/%m/%Y").to_string()
}

/// The nomination form as a Youth Union officer fills it in.
fn form(given: &str, cccd: &str, unit: UnitId, reasons: &str) -> Vec<(String, String)> {
    [
        ("family_name", "Đỗ"),
        ("middle_name", "Thị"),
        ("given_name", given),
        ("birth_date", "04/04/2001"),
        ("sex", "female"),
        ("citizen_id", cccd),
        ("ethnicity", "1"),
        ("occupation", "Giáo viên"),
        ("youth_union", "1"),
        ("unit", &unit.to_string()),
        ("resolution_number", "05-NQ/ĐTN"),
        ("resolution_date", &dmy(today())),
        ("reasons", reasons),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    out.extend(changes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    out
}

async fn post(app: &TestApp, browser: &Browser, path: &str, fields: &[(String, String)]) -> Answer {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post(browser, path, &fields).await
}

/// The `<select>` with this id.
fn select_of<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<select id=\"{id}\"")).unwrap();
    let end = start + html[start..].find("</select>").unwrap();
    &html[start..end]
}

fn id_in(location: &str, prefix: &str) -> i64 {
    location.strip_prefix(prefix).unwrap().parse().unwrap()
}

#[tokio::test]
async fn pages_nominate_accept_decline_and_show_the_outcome() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let nominator = NomineeScope {
        mass_org: app.mass_org,
    };
    let doanthe = app.login("doanthe").await;

    // The form offers the organisation's party unit and the cells under it, nothing else,
    // and checks no duplicates as the officer types (that would show other people).
    let page = app.get(Some(&doanthe), "/nominations/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let units = select_of(&page.body, "unit");
    for unit in [t.ward, t.school_cell, t.residential_cell] {
        assert!(
            units.contains(&format!("<option value=\"{unit}\"")),
            "{unit}: {units}"
        );
    }
    for unit in [t.other_cell, t.other_ward, t.school] {
        assert!(!units.contains(&format!("<option value=\"{unit}\"")));
    }
    assert!(!page.body.contains("citizen_id-check"));
    assert!(
        page.body.contains("href=\"/nominations/new\""),
        "navigation"
    );

    // A nomination to a unit the organisation does not belong to: the error is beside the
    // unit, in Vietnamese, what was typed stays, and nothing is written.
    let hoa = form(
        "Hoa",
        "079301000111",
        t.school_cell,
        "Bí thư <b>chi đoàn</b>",
    );
    let elsewhere = post(
        &app,
        &doanthe,
        "/nominations/new",
        &with(&hoa, &[("unit", &t.other_cell.to_string())]),
    )
    .await;
    assert_beside(&elsewhere, "unit", "nomination.unit");
    assert!(elsewhere.body.contains("Đoàn thể chỉ giới thiệu được"));
    assert!(elsewhere.body.contains("value=\"Hoa\""));
    assert!(elsewhere.body.contains("value=\"079301000111\""));
    assert!(
        app.store
            .nominations_of(nominator)
            .await
            .unwrap()
            .is_empty()
    );

    // Every mistake at once, each beside its input.
    let wrong = post(
        &app,
        &doanthe,
        "/nominations/new",
        &with(
            &hoa,
            &[
                ("resolution_number", " "),
                ("resolution_date", "31/02/2026"),
                ("reasons", ""),
                ("citizen_id", "079201000111"),
                ("unit", ""),
            ],
        ),
    )
    .await;
    for (anchor, rule) in [
        ("resolution_number", "input.required"),
        ("resolution_date", "date.format"),
        ("reasons", "input.required"),
        ("unit", "input.required"),
        ("citizen_id", "cccd.sex-century"),
    ] {
        assert_beside(&wrong, anchor, rule);
    }
    let future = post(
        &app,
        &doanthe,
        "/nominations/new",
        &with(&hoa, &[("resolution_date", "01/01/2099")]),
    )
    .await;
    assert_beside(&future, "resolution_date", "date.future");
    assert!(
        app.store
            .nominations_of(nominator)
            .await
            .unwrap()
            .is_empty()
    );

    // Two nominations go through; the nominator sees them waiting, and this year's counts.
    for fields in [
        hoa.clone(),
        form("Lan", "079301000222", t.ward, "Đoàn viên xuất sắc"),
    ] {
        let sent = post(&app, &doanthe, "/nominations/new", &fields).await;
        assert_eq!(sent.location(), Some("/nominees"), "{}", sent.body);
    }
    let mine = app.store.nominations_of(nominator).await.unwrap();
    let id_of = |given: &str| mine.iter().find(|n| n.name.ends_with(given)).unwrap().id;
    let (hoa_id, lan_id) = (id_of("Hoa"), id_of("Lan"));
    let nominees = app.get(Some(&doanthe), "/nominees").await;
    assert!(nominees.body.contains("Đỗ Thị Hoa") && nominees.body.contains("Đang chờ"));
    assert!(nominees.body.contains("<dt>Đã giới thiệu</dt><dd>2</dd>"));

    // The ward's inbox lists both; the page shows the nomination whole, escaped, and the
    // read is audited.
    let canbo = app.login("canbo").await;
    let inbox = app.get(Some(&canbo), "/nominations").await;
    assert_eq!(inbox.status, StatusCode::OK);
    for id in [hoa_id, lan_id] {
        assert!(inbox.body.contains(&format!("href=\"/nominations/{id}\"")));
    }
    let whole = app
        .get(Some(&canbo), &format!("/nominations/{hoa_id}"))
        .await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
    for shown in ["079301000111", "05-NQ/ĐTN", "Giáo viên", "Chi bộ Giáo viên"] {
        assert!(whole.body.contains(shown), "{shown}");
    }
    assert!(whole.body.contains("&#60;b&#62;chi đoàn&#60;/b&#62;"));
    assert!(!whole.body.contains("<b>chi đoàn</b>"));
    assert!(whole.body.contains("id=\"accept-form\""));
    // The date is picked like every other date of a decision: today by default.
    assert!(whole.body.contains(&format!(
        "<input id=\"identified_on\" name=\"identified_on\" value=\"{}\" type=\"date\"",
        today()
    )));
    let reads = audit_rows(&app, hoa_id).await;
    assert!(
        reads.contains(&("nomination.read".into(), "canbo".into())),
        "{reads:?}"
    );

    // A viewer reads but cannot decide; accounts elsewhere find nothing.
    let xem = app.login("xem").await;
    let viewed = app.get(Some(&xem), &format!("/nominations/{hoa_id}")).await;
    assert_eq!(viewed.status, StatusCode::OK);
    assert!(!viewed.body.contains("id=\"accept-form\""));
    let by_viewer = post(
        &app,
        &xem,
        &format!("/nominations/{hoa_id}/accept"),
        &[("cell".into(), t.school_cell.to_string())],
    )
    .await;
    assert_eq!(by_viewer.status, StatusCode::NOT_FOUND);
    let phuloi = app.login("canbo.phuloi").await;
    let bithu = app.login("bithu").await;
    for (who, method_path) in [
        (&phuloi, format!("/nominations/{hoa_id}")),
        (&bithu, format!("/nominations/{hoa_id}")),
        (&doanthe, format!("/nominations/{hoa_id}")),
        (&doanthe, "/nominations".to_string()),
    ] {
        assert_eq!(
            app.get(Some(who), &method_path).await.status,
            StatusCode::NOT_FOUND,
            "{} {method_path}",
            who.username
        );
    }
    let other_accepts = post(
        &app,
        &phuloi,
        &format!("/nominations/{hoa_id}/accept"),
        &[("cell".into(), t.other_cell.to_string())],
    )
    .await;
    assert_eq!(other_accepts.status, StatusCode::NOT_FOUND);
    // Out of scope is "not found" whatever the form holds, even an empty reason.
    let other_declines = post(
        &app,
        &phuloi,
        &format!("/nominations/{lan_id}/decline"),
        &[],
    )
    .await;
    assert_eq!(other_declines.status, StatusCode::NOT_FOUND);

    // The ward accepts Hoa: a source in the chosen cell, carrying the organisation and its
    // resolution; the browser goes to the case.
    let no_cell = post(&app, &canbo, &format!("/nominations/{hoa_id}/accept"), &[]).await;
    assert_beside(&no_cell, "cell", "input.required");
    let accepted = post(
        &app,
        &canbo,
        &format!("/nominations/{hoa_id}/accept"),
        &[
            ("cell".into(), t.school_cell.to_string()),
            ("identified_on".into(), dmy(today())),
        ],
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let case = CaseId(id_in(accepted.location().unwrap(), "/cases/"));
    let ward = Scope::subtree(t.ward, Access::Read);
    let record = app.store.case(&ward, case).await.unwrap();
    assert_eq!(record.case.nominated_by, Some(app.mass_org));
    assert_eq!(record.case.cell, t.school_cell);
    assert_eq!(record.case.stage, Stage::Source);
    assert_eq!(record.person.details.name.full(), "Đỗ Thị Hoa");
    assert!(
        record
            .case
            .papers
            .iter()
            .any(|p| p.paper == Paper::Nomination && p.number == "05-NQ/ĐTN")
    );
    assert_eq!(
        app.get(Some(&canbo), &format!("/cases/{case}"))
            .await
            .status,
        StatusCode::OK
    );

    // Accepting twice is refused, and makes no second source.
    let again = post(
        &app,
        &canbo,
        &format!("/nominations/{hoa_id}/accept"),
        &[("cell".into(), t.school_cell.to_string())],
    )
    .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("coordination.decided") && again.body.contains("đã được xử lý"));
    assert!(!again.body.contains("id=\"accept-form\""));
    let sources = app
        .store
        .nominees(nominator)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.name.given == "Hoa")
        .count();
    assert_eq!(sources, 1);

    // Lan is declined: a reason is needed, and the nominator sees it.
    let blank = post(
        &app,
        &canbo,
        &format!("/nominations/{lan_id}/decline"),
        &[("reason".into(), "  ".into())],
    )
    .await;
    assert_beside(&blank, "reason", "input.required");
    let why = "Chưa đủ thời gian thử thách ở chi đoàn";
    let declined = post(
        &app,
        &canbo,
        &format!("/nominations/{lan_id}/decline"),
        &[("reason".into(), why.into())],
    )
    .await;
    assert_eq!(
        declined.location(),
        Some("/nominations"),
        "{}",
        declined.body
    );
    let inbox = app.get(Some(&canbo), "/nominations").await;
    assert!(inbox.body.contains(why));

    let nominees = app.get(Some(&doanthe), "/nominees").await;
    assert!(nominees.body.contains(why), "{}", nominees.body);
    // Hoa now shows with her stage, not among the waiting.
    assert!(nominees.body.contains("Quần chúng ưu tú (nguồn)"));
    for (label, n) in [
        ("Đã giới thiệu", 2),
        ("Được tiếp nhận", 1),
        ("Không được tiếp nhận", 1),
        ("Đang chờ xem xét", 0),
    ] {
        assert!(
            nominees
                .body
                .contains(&format!("<dt>{label}</dt><dd>{n}</dd>")),
            "{label}"
        );
    }
    // Nothing about the person beyond the name and the steps; no link to a case or person.
    for secret in [
        "079301000111",
        "Giáo viên</",
        "/cases/",
        "/people/",
        "chi đoàn&#60;",
    ] {
        assert!(!nominees.body.contains(secret), "{secret} must not show");
    }
    // The nominator cannot open the case.
    assert_eq!(
        app.get(Some(&doanthe), &format!("/cases/{case}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Another organisation's officer sees none of it.
    let union = second_org(&app).await;
    let congdoan = app.login("congdoan").await;
    let theirs = app.get(Some(&congdoan), "/nominees").await;
    assert_eq!(theirs.status, StatusCode::OK);
    for name in ["Hoa", "Lan", why] {
        assert!(!theirs.body.contains(name), "{name}");
    }
    assert!(
        app.store
            .nominations_of(NomineeScope { mass_org: union })
            .await
            .unwrap()
            .is_empty()
    );

    // The audit rows name the nomination by id; no personal data goes into them.
    for (action, actor) in audit_rows(&app, hoa_id).await {
        assert!(!action.contains("Hoa") && !actor.contains("Hoa"));
    }
}

/// The audit rows of a nomination: (action, actor).
async fn audit_rows(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let pool = sqlx::SqlitePool::connect(&app.database_url())
        .await
        .unwrap();
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT action, actor, after FROM audit_log WHERE entity = 'nomination' AND entity_id = $1 ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    for (_, _, after) in &rows {
        let after = after.as_deref().unwrap_or_default();
        assert!(
            after.is_empty() || after.starts_with("case "),
            "audit row holds more than ids: {after}"
        );
    }
    rows.into_iter().map(|(a, b, _)| (a, b)).collect()
}

/// A trade union at the school with its own officer, `congdoan`.
async fn second_org(app: &TestApp) -> MassOrgId {
    let union = app
        .store
        .create_mass_org(
            &change("admin"),
            "trade_union",
            app.tree.school,
            "Công đoàn Trường THPT Thủ Dầu Một",
        )
        .await
        .unwrap();
    second_org_account(app, union).await;
    union
}

fn person_json(given: &str) -> Value {
    json!({
        "family_name": "Vũ",
        "middle_name": "Thị",
        "given_name": given,
        "birth_date": "2001-04-04",
        "sex": "female",
        "citizen_id": null,
        "ethnicity": 1,
        "occupation": "Sinh viên",
        "youth_union_member": true,
    })
}

fn nomination_json(unit: UnitId, given: &str) -> Value {
    json!({
        "unit": unit.0,
        "person": person_json(given),
        "resolution": { "number": "07-NQ/ĐTN", "dated": today().to_string() },
        "reasons": "Hoàn thành xuất sắc nhiệm vụ",
    })
}

#[tokio::test]
async fn the_api_takes_nominations_and_gives_their_outcome() {
    let app = TestApp::new().await;
    let api = Api::new(&app).await;
    let t = &app.tree;
    let nominator = NomineeScope {
        mass_org: app.mass_org,
    };
    let youth = token_of(&app, "doanthe").await;
    let officer = token_of(&app, "canbo").await;
    let viewer = token_of(&app, "xem").await;
    let other = token_of(&app, "canbo.phuloi").await;

    // Refusals name the field; none of them writes anything.
    let mut missing = nomination_json(t.ward, "Mai");
    missing["person"]
        .as_object_mut()
        .unwrap()
        .remove("given_name");
    let mut blank_reasons = nomination_json(t.ward, "Mai");
    blank_reasons["reasons"] = json!("   ");
    let mut future = nomination_json(t.ward, "Mai");
    future["resolution"]["dated"] = json!("2099-01-01");
    let mut bad_birth = nomination_json(t.ward, "Mai");
    bad_birth["person"]["birth_date"] = json!("2001-13-40");
    let mut bad_id = nomination_json(t.ward, "Mai");
    bad_id["person"]["citizen_id"] = json!("079201000111");
    for (body, field, rule) in [
        (
            nomination_json(t.other_cell, "Mai"),
            "unit",
            "nomination.unit",
        ),
        (missing, "person.given_name", "api.json.shape"),
        (blank_reasons, "reasons", "input.required"),
        (future, "resolution.dated", "nomination.future"),
        (bad_birth, "person.birth_date", "person.birth-date"),
    ] {
        api.post(Some(&youth), "/api/v1/nominations", body)
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some(field), Some(rule));
    }
    let reply = api.post(Some(&youth), "/api/v1/nominations", bad_id).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["field"], "person.citizen_id", "{:#}", reply.json);
    assert!(
        app.store
            .nominations_of(nominator)
            .await
            .unwrap()
            .is_empty()
    );

    // Only the organisation's officer submits and reads its own list.
    for token in [&officer, &viewer] {
        api.post(
            Some(token),
            "/api/v1/nominations",
            nomination_json(t.ward, "Mai"),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);
        api.get(Some(token), "/api/v1/nominations")
            .await
            .assert_error(StatusCode::NOT_FOUND, None, None);
    }
    let mut ids = Vec::new();
    for (unit, given) in [(t.school_cell, "Mai"), (t.ward, "Cúc")] {
        let created = api
            .post(
                Some(&youth),
                "/api/v1/nominations",
                nomination_json(unit, given),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.json);
        assert_eq!(created.json["status"], "pending");
        ids.push(created.json["id"].as_i64().unwrap());
    }
    let (mai, cuc) = (ids[0], ids[1]);

    // The party unit's system lists them; the organisation's token cannot.
    let incoming = api
        .get(Some(&officer), "/api/v1/nominations/incoming?pending=true")
        .await;
    assert_eq!(incoming.status, StatusCode::OK);
    assert_eq!(incoming.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(incoming.json["items"][0]["mass_org"]["id"], app.mass_org.0);
    api.get(Some(&youth), "/api/v1/nominations/incoming")
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);
    let elsewhere = api.get(Some(&other), "/api/v1/nominations/incoming").await;
    assert_eq!(elsewhere.json["items"], json!([]));

    // The party unit's system reads one whole before deciding: the person and the reasons;
    // the read is audited. Nobody else finds it.
    let whole = api
        .get(Some(&officer), &format!("/api/v1/nominations/{mai}"))
        .await;
    assert_eq!(whole.status, StatusCode::OK, "{:#}", whole.json);
    assert_eq!(whole.json["id"], mai);
    assert_eq!(whole.json["status"], "pending");
    assert_eq!(whole.json["mass_org"]["id"], app.mass_org.0);
    assert_eq!(whole.json["unit"]["id"], t.school_cell.0);
    assert_eq!(whole.json["resolution"]["number"], "07-NQ/ĐTN");
    assert_eq!(whole.json["person"]["full_name"], "Vũ Thị Mai");
    assert_eq!(whole.json["person"]["birth_date"], "2001-04-04");
    assert_eq!(whole.json["person"]["occupation"], "Sinh viên");
    assert_eq!(whole.json["person"]["youth_union_member"], true);
    assert_eq!(whole.json["reasons"], "Hoàn thành xuất sắc nhiệm vụ");
    assert!(
        audit_rows(&app, mai)
            .await
            .contains(&("nomination.read".into(), "canbo".into()))
    );
    assert_eq!(
        api.get(Some(&viewer), &format!("/api/v1/nominations/{mai}"))
            .await
            .status,
        StatusCode::OK
    );
    for token in [&other, &youth] {
        api.get(Some(token), &format!("/api/v1/nominations/{mai}"))
            .await
            .assert_error(StatusCode::NOT_FOUND, None, None);
    }
    api.get(Some(&officer), "/api/v1/nominations/0")
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);

    // Decisions: not by a viewer, not by another ward, not into a cell out of scope.
    let accept = |id: i64| format!("/api/v1/nominations/{id}/accept");
    let decline = |id: i64| format!("/api/v1/nominations/{id}/decline");
    for token in [&viewer, &other, &youth] {
        api.post(
            Some(token),
            &accept(mai),
            json!({ "cell": t.school_cell.0 }),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);
    }
    api.post(Some(&other), &decline(cuc), json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);
    api.post(
        Some(&officer),
        &accept(mai),
        json!({ "cell": t.other_cell.0 }),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("cell"),
        Some("nomination.cell"),
    );
    let misspelt = api
        .post(Some(&officer), &accept(mai), json!({ "cel": 1 }))
        .await;
    assert_eq!(misspelt.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        misspelt.json["rule"], "api.json.shape",
        "{:#}",
        misspelt.json
    );

    let accepted = api
        .post(
            Some(&officer),
            &accept(mai),
            json!({ "cell": t.school_cell.0 }),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:#}", accepted.json);
    let case = CaseId(accepted.json["case_id"].as_i64().unwrap());
    let record = app
        .store
        .case(&Scope::subtree(t.ward, Access::Read), case)
        .await
        .unwrap();
    assert_eq!(record.case.nominated_by, Some(app.mass_org));
    assert_eq!(record.case.identified_on, today());
    api.post(
        Some(&officer),
        &accept(mai),
        json!({ "cell": t.school_cell.0 }),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("status"),
        Some("coordination.decided"),
    );
    api.post(Some(&officer), &decline(cuc), json!({ "reason": " " }))
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("reason"),
            Some("input.required"),
        );
    let why = "Hồ sơ chưa đủ";
    let declined = api
        .post(Some(&officer), &decline(cuc), json!({ "reason": why }))
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{:#}", declined.json);
    assert_eq!(declined.json["status"], "declined");
    let accepted_whole = api
        .get(Some(&officer), &format!("/api/v1/nominations/{mai}"))
        .await;
    assert_eq!(accepted_whole.json["status"], "accepted");
    assert_eq!(accepted_whole.json["case_id"], case.0);
    let declined_whole = api
        .get(Some(&officer), &format!("/api/v1/nominations/{cuc}"))
        .await;
    assert_eq!(declined_whole.json["decline_reason"], why);

    // The organisation's system reads the outcome: the stage and dates of the accepted
    // one, the reason of the declined one, and nothing else about either person.
    let own = api.get(Some(&youth), "/api/v1/nominations").await;
    assert_eq!(own.status, StatusCode::OK);
    let item = |id: i64| {
        own.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    let mai_item = item(mai);
    assert_eq!(mai_item["status"], "accepted");
    assert_eq!(mai_item["name"], "Vũ Thị Mai");
    assert_eq!(mai_item["progress"]["stage"], "source");
    assert_eq!(mai_item["progress"]["identified_on"], today().to_string());
    let cuc_item = item(cuc);
    assert_eq!(cuc_item["status"], "declined");
    assert_eq!(cuc_item["decline_reason"], why);
    assert_eq!(cuc_item["progress"], Value::Null);
    let text = own.json.to_string();
    for secret in ["Sinh viên", "2001-04-04", "case_id", "person_id"] {
        assert!(!text.contains(secret), "{secret} must not show");
    }
    // Nor can the token open the case.
    api.get(Some(&youth), &format!("/api/v1/cases/{case}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);

    // Another organisation's token sees none of these.
    second_org(&app).await;
    let union = token_of(&app, "congdoan").await;
    let theirs = api.get(Some(&union), "/api/v1/nominations").await;
    assert_eq!(theirs.json["items"], json!([]));
}

/// Submits a nomination of `given` by `org` to `unit` on `on`.
async fn nominate(store: &Store, org: MassOrgId, unit: UnitId, given: &str, on: NaiveDate) -> i64 {
    let nomination = Nomination {
        details: person("Lý", "Thị", given, day(2001, 4, 4), Sex::Female, None),
        resolution: doc("09-NQ/ĐTN", on),
        reasons: "Đoàn viên xuất sắc".into(),
    };
    store
        .submit_nomination(
            &at("doanthe", on),
            NomineeScope { mass_org: org },
            unit,
            nomination,
        )
        .await
        .unwrap()
}

/// The counting story: two organisations, last year (2025) and this year. Returns the
/// trade union's id. The expected counts are in `expected`.
pub async fn counting_story(store: &Store, t: &Tree, youth: MassOrgId) -> MassOrgId {
    let this_year = today();
    assert!(this_year.year() > 2025, "the story needs 2025 to be past");
    let union = store
        .create_mass_org(
            &change("admin"),
            "trade_union",
            t.school,
            &format!("Công đoàn Trường {}", t.school),
        )
        .await
        .unwrap();
    let ward = Scope::subtree(t.ward, Access::Edit);
    let officer = |on| at("canbo", on);
    let first_day = day(2025, 7, 1);

    // 2025: the Youth Union's first is accepted and goes on to its ceremony (22/09/2025);
    // its second is declined; the union's is accepted only this year.
    let a1 = nominate(store, youth, t.school_cell, "Một", first_day).await;
    let a2 = nominate(store, youth, t.ward, "Hai", first_day).await;
    let b1 = nominate(store, union, t.school, "Ba", day(2025, 8, 1)).await;
    let (_, a1_case) = store
        .accept_nomination(&officer(first_day), &ward, a1, t.school_cell, first_day)
        .await
        .unwrap();
    advance(store, &ward, a1_case, &pipeline()[..10], "canbo").await;
    store
        .decline_nomination(&officer(first_day), &ward, a2, "Chưa đủ tuổi")
        .await
        .unwrap();
    let now = this_year;
    store
        .accept_nomination(&officer(now), &ward, b1, t.school_cell, now)
        .await
        .unwrap();

    // This year: accepted, declined, pending from the Youth Union; accepted from the union.
    let a3 = nominate(store, youth, t.residential_cell, "Bốn", now).await;
    let a4 = nominate(store, youth, t.ward, "Năm", now).await;
    nominate(store, youth, t.ward, "Sáu", now).await;
    let b2 = nominate(store, union, t.school_cell, "Bảy", now).await;
    store
        .accept_nomination(&officer(now), &ward, a3, t.residential_cell, now)
        .await
        .unwrap();
    store
        .decline_nomination(&officer(now), &ward, a4, "Không đạt")
        .await
        .unwrap();
    store
        .accept_nomination(&officer(now), &ward, b2, t.school_cell, now)
        .await
        .unwrap();
    union
}

/// (submitted, accepted, declined, pending, admitted) per organisation and year.
fn expected(year: i32, youth: bool) -> (i64, i64, i64, i64, i64) {
    match (year == 2025, youth) {
        (true, true) => (2, 1, 1, 0, 1),
        (true, false) => (1, 1, 0, 0, 0),
        (false, true) => (3, 1, 1, 1, 0),
        (false, false) => (1, 1, 0, 0, 0),
    }
}

fn numbers(c: &NominationCount) -> (i64, i64, i64, i64, i64) {
    (c.submitted, c.accepted, c.declined, c.pending, c.admitted)
}

/// The store's side of nominations on any backend: exact yearly counts, the summary a
/// decision is checked against, and the nominee matched with its nomination.
pub async fn on_store(store: &Store) {
    let t = tree(store, "wn").await;
    let youth = store
        .create_mass_org(&change("admin"), "youth_union", t.ward, "Đoàn Phường (wn)")
        .await
        .unwrap();
    let union = counting_story(store, &t, youth).await;
    let this_year = today().year();
    for scope in [
        Scope::subtree(t.ward, Access::Read),
        Scope::subtree(t.city, Access::Read),
    ] {
        for year in [2025, this_year] {
            let counts = store.nomination_counts(&scope, year).await.unwrap();
            assert_eq!(counts.len(), 2, "{year}: {counts:?}");
            for (org, is_youth) in [(youth, true), (union, false)] {
                let row = counts.iter().find(|c| c.mass_org == org).unwrap();
                assert_eq!(numbers(row), expected(year, is_youth), "{year} {org:?}");
            }
        }
    }
    assert!(
        store
            .nomination_counts(&Scope::subtree(t.other_ward, Access::Read), this_year)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.mass_org(union).await.unwrap().unwrap().unit_id,
        t.school.0
    );

    // Each accepted nomination finds its nominee's case.
    let youth_scope = NomineeScope { mass_org: youth };
    let nominees = store.nominees(youth_scope).await.unwrap();
    let mine = store.nominations_of(youth_scope).await.unwrap();
    for n in mine.iter().filter(|n| n.status == Status::Accepted) {
        let case = n.case.unwrap();
        assert!(nominees.iter().any(|c| c.case == case), "{n:?}");
    }
    let pending = mine.iter().find(|n| n.status == Status::Pending).unwrap();

    // The summary a decision starts from: in the scope of the unit it is addressed to only;
    // outside it a decline is "not found" whatever the reason says.
    let ward_viewer = Scope::subtree(t.ward, Access::Read);
    let other_ward = Scope::subtree(t.other_ward, Access::Edit);
    assert_eq!(
        store
            .nomination_summary(&ward_viewer, pending.id)
            .await
            .unwrap()
            .status,
        Status::Pending
    );
    assert!(matches!(
        store.nomination_summary(&other_ward, pending.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .decline_nomination(&change("other"), &other_ward, pending.id, "")
            .await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn nominations_in_the_store_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    on_store(&store).await;
}

/// The yearly counts per organisation over HTTP, exactly, on the same story.
#[tokio::test]
async fn the_yearly_counts_are_exact() {
    let app = TestApp::new().await;
    let union = counting_story(&app.store, &app.tree, app.mass_org).await;
    second_org_account(&app, union).await;
    let this_year = today().year();
    let canbo = app.login("canbo").await;
    let union_name = format!("Công đoàn Trường {}", app.tree.school);
    for year in [2025, this_year] {
        let page = app
            .get(Some(&canbo), &format!("/reports/nominations?year={year}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let (y, u) = (expected(year, true), expected(year, false));
        let total = (y.0 + u.0, y.1 + u.1, y.2 + u.2, y.3 + u.3, y.4 + u.4);
        for (org, (s, a, d, p, k)) in [
            ("Đoàn Thanh niên Phường Thủ Dầu Một", y),
            (union_name.as_str(), u),
            ("Tổng cộng", total),
        ] {
            assert_eq!(
                row_numbers(&page.body, org),
                vec![s, a, d, p, k],
                "{year} {org}"
            );
        }
    }
    let bad = app.get(Some(&canbo), "/reports/nominations?year=tam").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let reports = app.get(Some(&canbo), "/reports").await;
    assert!(reports.body.contains("href=\"/reports/nominations\""));

    // Each nominator sees its own organisation's counts for this year, and no one else's.
    let doanthe = app.login("doanthe").await;
    let page = app.get(Some(&doanthe), "/nominees").await;
    let (s, a, d, p, k) = expected(this_year, true);
    for (label, n) in [
        ("Đã giới thiệu", s),
        ("Được tiếp nhận", a),
        ("Không được tiếp nhận", d),
        ("Đang chờ xem xét", p),
        ("Được kết nạp trong năm", k),
    ] {
        assert!(
            page.body.contains(&format!("<dt>{label}</dt><dd>{n}</dd>")),
            "{label}: {}",
            page.body
        );
    }
    assert!(!page.body.contains("Công đoàn"));
    let congdoan = app.login("congdoan").await;
    let page = app.get(Some(&congdoan), "/nominees").await;
    assert!(page.body.contains("<dt>Đã giới thiệu</dt><dd>1</dd>"));
    assert!(
        !page.body.contains("Lý Thị Sáu"),
        "another organisation's nominee"
    );
}

/// An officer account for the counting story's trade union.
async fn second_org_account(app: &TestApp, union: MassOrgId) {
    app.store
        .add_user(
            &change("admin"),
            &NewUser {
                username: "congdoan".into(),
                display_name: "Cán bộ công đoàn".into(),
                password: PASSWORD.into(),
                role: Role::MassOrgOfficer,
                unit: app.tree.school,
                mass_org: Some(union),
            },
        )
        .await
        .unwrap();
}

/// The five counts of the report row that starts with `org`.
fn row_numbers(html: &str, org: &str) -> Vec<i64> {
    let start = html
        .find(&format!("<tr><td>{org}</td>"))
        .or_else(|| html.find(&format!("<tr class=\"total-row\"><td>{org}</td>")))
        .unwrap_or_else(|| panic!("no row for {org}: {html}"));
    let row = &html[start..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            cell.split('<')
                .next()
                .unwrap()
                .replace('.', "")
                .parse()
                .unwrap()
        })
        .collect()
}

/// A nominee with the name and birth date of someone already on file (no CCCD to tell them
/// apart) is shown beside that person before the officer accepts; a nominee like no one is
/// not.
#[tokio::test]
async fn a_nominee_who_may_be_on_file_is_shown_before_acceptance() {
    let app = TestApp::new().await;
    let ward = Scope::subtree(app.tree.ward, Access::Edit);
    let (on_file, _) = app
        .store
        .create_source(
            &change("canbo"),
            &ward,
            &person("Lý", "Thị", "Sen", day(2001, 4, 4), Sex::Female, None),
            app.tree.residential_cell,
            day(2025, 9, 1),
            None,
        )
        .await
        .unwrap();
    let same = nominate(&app.store, app.mass_org, app.tree.ward, "Sen", today()).await;
    let other = nominate(&app.store, app.mass_org, app.tree.ward, "Sương", today()).await;
    let officer = app.login("canbo").await;
    let page = app
        .get(Some(&officer), &format!("/nominations/{same}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"duplicates\""), "{}", page.body);
    assert!(
        page.body.contains(&format!("href=\"/people/{on_file}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("cùng họ tên và ngày sinh"));
    let page = app
        .get(Some(&officer), &format!("/nominations/{other}"))
        .await;
    assert!(!page.body.contains("id=\"duplicates\""), "{}", page.body);
}
