//! The pages about people in-process: recording a source (with every kind of bad input, and
//! the duplicate check before creating), the as-you-type check, search, the person page and
//! its audit row, probationary members, classes, and a mass organisation's nominees.

use axum::http::StatusCode;
use ketnap_domain::action::Action;
use ketnap_domain::case::Stage;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ids::{CaseId, PersonId};
use ketnap_domain::ports::{AuditStore, CaseFilter, CaseStore};
use ketnap_domain::scope::{Access, Scope};
use serde_json::Value;

use crate::fixtures::{advance, change, day, doc, person, pipeline};
use crate::web::{Answer, Browser, TestApp};

fn ward(app: &TestApp) -> Scope {
    Scope::subtree(app.tree.ward, Access::Edit)
}

async fn case_count(app: &TestApp) -> usize {
    let city = Scope::subtree(app.tree.city, Access::Read);
    app.store
        .cases(&city, &CaseFilter::default())
        .await
        .unwrap()
        .len()
}

/// A complete new-source form for the residential cell; `changes` override fields.
pub fn source_form(app: &TestApp, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    source_fields(app.tree.residential_cell, changes)
}

/// A complete new-source form for `cell`; `changes` override fields.
pub fn source_fields(
    cell: ketnap_domain::ids::UnitId,
    changes: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("family_name", "Trần"),
        ("middle_name", "Thị"),
        ("given_name", "Mai"),
        ("birth_date", "14/02/2003"),
        ("sex", "female"),
        ("citizen_id", "079 303 004 567"),
        ("ethnicity", "1"),
        ("religion", ""),
        ("education_general", "12/12"),
        ("education_professional", "Cử nhân Sư phạm"),
        ("education_political", ""),
        ("occupation", "Giáo viên"),
        ("workplace", "Trường Tiểu học Phú Hòa"),
        ("residence", "Khu phố 3"),
        ("youth_union", "1"),
        ("phone", "0909 000 111"),
        ("identified_on", "03/11/2026"),
        ("mass_org", ""),
        ("nomination_number", ""),
        ("nomination_date", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    fields.push(("cell".into(), cell.to_string()));
    for (key, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = (*value).to_string(),
            None => fields.push(((*key).to_string(), (*value).to_string())),
        }
    }
    fields
}

async fn post_form(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(String, String)],
) -> Answer {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post(browser, path, &pairs).await
}

fn case_id_of(answer: &Answer) -> CaseId {
    let location = answer.location().unwrap_or_default();
    let id = location
        .strip_prefix("/cases/")
        .unwrap_or_else(|| panic!("not a case: {location} ({})", answer.status));
    CaseId(id.parse().unwrap())
}

/// Asserts a 422 re-render with the message beside `anchor` and the rule named.
fn assert_refused(answer: &Answer, anchor: &str, rule: &str, message: &str) {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(answer.body.contains("role=\"alert\""), "error summary");
    let beside = format!("id=\"{anchor}-error\"");
    let at = answer
        .body
        .find(&beside)
        .unwrap_or_else(|| panic!("no {beside} in {}", answer.body));
    let paragraph = &answer.body[at..];
    let paragraph = &paragraph[..paragraph.find("</p>").unwrap()];
    assert!(
        paragraph.contains(rule),
        "{rule} beside {anchor}: {paragraph}"
    );
    assert!(
        paragraph.contains(message),
        "{message} beside {anchor}: {paragraph}"
    );
    assert!(
        answer
            .body
            .contains(&format!("aria-describedby=\"{anchor}-error\""))
            || answer.body.contains(&format!("-hint {anchor}-error\"")),
        "the input of {anchor} points at its message"
    );
}

async fn check(app: &TestApp, browser: &Browser, path: &str) -> crate::web::Answer {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let body = format!("csrf={}&{query}", browser.csrf);
    app.send(Some(browser), axum::http::Method::POST, route, Some(body))
        .await
}

/// Posts the live check's fields (given as a query string) as the form's script does.
async fn json(app: &TestApp, browser: &Browser, path: &str) -> Value {
    let answer = check(app, browser, path).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    assert!(
        answer
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .starts_with("application/json")
    );
    assert_eq!(
        answer
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    serde_json::from_str(&answer.body).unwrap()
}

/// Takes a case through `steps` with the domain's `apply`, as the case page would.

#[tokio::test]
async fn recording_a_source_checks_everything_and_offers_duplicates() {
    let app = TestApp::new().await;
    let officer = app.login("canbo").await;

    // The form: fields labelled, the 54 ethnic groups, the ward's cells, the mass organisation.
    let page = app.get(Some(&officer), "/sources/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "<label for=\"family_name\">",
        "<label for=\"citizen_id\">",
        "<label for=\"cell\">",
        "Mường",
        "Chi bộ Khu phố 3",
        "Chi bộ Giáo viên",
        "Đoàn Thanh niên Phường Thủ Dầu Một",
        "name=\"csrf\"",
        "data-check-url=\"/sources/check\"",
    ] {
        assert!(page.body.contains(needle), "{needle}");
    }
    assert!(
        !page.body.contains("Chi bộ Khu phố 1"),
        "another ward's cell"
    );
    assert!(!page.body.contains("style=\""), "no inline style");
    assert!(!page.body.contains("<script>"), "no inline script");

    // Bad input: 422, the message beside its field with the rule, typed values kept, nothing written.
    let before = case_count(&app).await;
    let other_cell = app.tree.other_cell.to_string();
    let school = app.tree.school.to_string();
    let refusals = [
        (
            vec![("citizen_id", "0792030012")],
            "citizen_id",
            "cccd.format",
            "12 chữ số",
        ),
        (
            vec![("citizen_id", "079203004567")],
            "citizen_id",
            "cccd.sex-century",
            "mã hoá nam",
        ),
        (
            vec![("citizen_id", "079302004567")],
            "citizen_id",
            "cccd.birth-year",
            "phải là 03",
        ),
        (
            vec![("birth_date", "01/01/2099"), ("citizen_id", "")],
            "birth_date",
            "person.birth-date-future",
            "sau ngày hôm nay",
        ),
        (
            vec![("birth_date", "31/02/2003")],
            "birth_date",
            "person.birth-date",
            "không đọc được",
        ),
        (
            vec![("given_name", "  ")],
            "name",
            "person.name",
            "Phải ghi đủ họ và tên",
        ),
        (vec![("sex", "")], "sex", "input.required", "giới tính"),
        (
            vec![("ethnicity", "99")],
            "ethnicity",
            "input.required",
            "dân tộc",
        ),
        (vec![("cell", "")], "cell", "input.required", "chi bộ"),
        (
            vec![("cell", other_cell.as_str())],
            "cell",
            "unit.unknown",
            "phạm vi",
        ),
        (
            vec![("cell", school.as_str())],
            "cell",
            "case.cell",
            "không phải chi bộ",
        ),
        (
            vec![("identified_on", "01/01/2099")],
            "identified_on",
            "date.future",
            "sau ngày hôm nay",
        ),
        (
            vec![("nomination_number", "5-NQ/ĐTN")],
            "mass_org",
            "nomination.mass-org",
            "chọn đoàn thể",
        ),
    ];
    for (changes, anchor, rule, message) in &refusals {
        let answer = post_form(&app, &officer, "/sources", &source_form(&app, changes)).await;
        assert_refused(&answer, anchor, rule, message);
        assert!(
            answer.body.contains("value=\"Trần\""),
            "typed values are kept"
        );
        assert!(
            answer.body.contains("value=\"0909 000 111\""),
            "typed values are kept"
        );
    }
    // Several mistakes at once are all reported.
    let answer = post_form(
        &app,
        &officer,
        "/sources",
        &source_form(&app, &[("given_name", ""), ("sex", ""), ("cell", "abc")]),
    )
    .await;
    assert_refused(&answer, "name", "person.name", "họ và tên");
    assert_refused(&answer, "sex", "input.required", "giới tính");
    assert_refused(&answer, "cell", "input.required", "chi bộ");
    // Garbage of every kind is a 4xx, never a 500.
    let garbage = app
        .post(
            &officer,
            "/sources",
            &[("birth_date", "\u{0}"), ("cell", "-1"), ("sex", "x")],
        )
        .await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(case_count(&app).await, before, "nothing written");

    // A good form creates the person and the case and goes to the case.
    let created = post_form(&app, &officer, "/sources", &source_form(&app, &[])).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mai_case = case_id_of(&created);
    let record = app.store.case(&ward(&app), mai_case).await.unwrap();
    assert_eq!(record.case.stage, Stage::Source);
    assert_eq!(record.case.cell, app.tree.residential_cell);
    assert_eq!(record.case.identified_on, day(2026, 11, 3));
    assert_eq!(record.person.details.name.full(), "Trần Thị Mai");
    assert_eq!(
        record.person.details.citizen_id.as_ref().unwrap().as_str(),
        "079303004567"
    );
    assert!(record.person.details.youth_union_member && !record.person.details.trade_union_member);
    let mai = record.person.id;
    assert_eq!(case_count(&app).await, before + 1);

    // The same citizen id again: the existing person is offered, and no second record can be
    // made, even when the officer says it is someone else.
    for confirm in ["", "1"] {
        let again = post_form(
            &app,
            &officer,
            "/sources",
            &source_form(&app, &[("given_name", "Lan"), ("confirm_new", confirm)]),
        )
        .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            again.body
        );
        assert!(
            again.body.contains(&format!("href=\"/people/{}\"", mai.0)),
            "{}",
            again.body
        );
        assert!(again.body.contains("cùng số CCCD"));
        assert!(
            !again.body.contains("name=\"confirm_new\""),
            "no way round a taken CCCD"
        );
    }

    // The same name (typed without diacritics) and date of birth: offered before creating.
    let twin = source_form(
        &app,
        &[
            ("family_name", "Tran"),
            ("middle_name", "thi"),
            ("given_name", "MAI"),
            ("citizen_id", ""),
        ],
    );
    let offered = post_form(&app, &officer, "/sources", &twin).await;
    assert_eq!(
        offered.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        offered.body
    );
    assert!(
        offered
            .body
            .contains(&format!("href=\"/people/{}\"", mai.0))
    );
    assert!(offered.body.contains("cùng họ tên và ngày sinh"));
    assert!(
        offered
            .body
            .contains("Đây là người khác, vẫn tạo hồ sơ mới")
    );
    assert!(
        offered.body.contains("value=\"Tran\""),
        "typed values are kept"
    );
    assert_eq!(case_count(&app).await, before + 1);
    // A year-only date of birth matches the same year.
    let year_only = source_form(&app, &[("birth_date", "2003"), ("citizen_id", "")]);
    let offered = post_form(&app, &officer, "/sources", &year_only).await;
    assert_eq!(offered.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        offered
            .body
            .contains(&format!("href=\"/people/{}\"", mai.0))
    );
    // A different date of birth is someone else: created at once.
    let other_day = source_form(&app, &[("birth_date", "15/02/2003"), ("citizen_id", "")]);
    let created = post_form(&app, &officer, "/sources", &other_day).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    // Confirmed as another person: created anyway.
    let mut confirmed = twin.clone();
    confirmed.push(("confirm_new".into(), "1".into()));
    let created = post_form(&app, &officer, "/sources", &confirmed).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let twin_case = case_id_of(&created);
    assert_ne!(
        app.store
            .case(&ward(&app), twin_case)
            .await
            .unwrap()
            .person
            .id,
        mai
    );
    assert_eq!(case_count(&app).await, before + 3);

    // The as-you-type check.
    let ok = json(
        &app,
        &officer,
        "/sources/check?citizen_id=079303001111&sex=female&birth_date=14%2F02%2F2003&family_name=&middle_name=&given_name=",
    )
    .await;
    assert_eq!(ok["citizen_id"]["status"], "ok", "{ok:#}");
    assert!(
        ok["citizen_id"]["message"]
            .as_str()
            .unwrap()
            .contains("Hồ Chí Minh")
    );
    assert_eq!(ok["duplicates"].as_array().unwrap().len(), 0);
    let bad = json(
        &app,
        &officer,
        "/sources/check?citizen_id=079303001111&sex=male&birth_date=2003",
    )
    .await;
    assert_eq!(bad["citizen_id"]["status"], "invalid", "{bad:#}");
    assert_eq!(bad["citizen_id"]["rule"], "cccd.sex-century");
    let short = json(&app, &officer, "/sources/check?citizen_id=0793").await;
    assert_eq!(short["citizen_id"]["rule"], "cccd.format");
    let empty = json(&app, &officer, "/sources/check").await;
    assert_eq!(empty["citizen_id"]["status"], "empty");
    let by_id = json(&app, &officer, "/sources/check?citizen_id=079.303.004.567").await;
    let dupes = by_id["duplicates"].as_array().unwrap();
    assert_eq!(dupes.len(), 1, "{by_id:#}");
    assert_eq!(dupes[0]["id"], mai.0);
    assert_eq!(dupes[0]["href"], format!("/people/{}", mai.0));
    assert_eq!(dupes[0]["same_citizen_id"], true);
    let by_name = json(
        &app,
        &officer,
        "/sources/check?family_name=tran&middle_name=thi&given_name=mai&birth_date=14/02/2003",
    )
    .await;
    let dupes = by_name["duplicates"].as_array().unwrap();
    assert_eq!(dupes.len(), 2, "Mai and her namesake: {by_name:#}");
    assert!(dupes.iter().all(|d| d["same_citizen_id"] == false));
    // Another ward's officer does not learn of the ward's people.
    let phu_loi = app.login("canbo.phuloi").await;
    let hidden = json(&app, &phu_loi, "/sources/check?citizen_id=079303004567").await;
    assert_eq!(hidden["duplicates"].as_array().unwrap().len(), 0);
    // Bad parameters answer 400, not 500.
    let twice = check(&app, &officer, "/sources/check?sex=male&sex=female").await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);

    // Who may not: a viewer and a mass-organisation officer get 404.
    let viewer = app.login("xem").await;
    assert_eq!(
        app.get(Some(&viewer), "/sources/new").await.status,
        StatusCode::NOT_FOUND
    );
    let refused = post_form(
        &app,
        &viewer,
        "/sources",
        &source_form(&app, &[("citizen_id", "")]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let doanthe = app.login("doanthe").await;
    assert_eq!(
        check(&app, &doanthe, "/sources/check?citizen_id=079303004567")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(case_count(&app).await, before + 3);
}

#[tokio::test]
async fn search_and_the_person_page() {
    let app = TestApp::new().await;
    let officer = change("canbo");
    let ward_scope = ward(&app);
    let an = person(
        "Nguyễn",
        "Văn",
        "An",
        day(1995, 5, 5),
        Sex::Male,
        Some("079095001234"),
    );
    let (an, an_case) = app
        .store
        .create_source(
            &officer,
            &ward_scope,
            &an,
            app.tree.school_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    let binh = person("Nguyễn", "Thị", "Bình", day(1998, 2, 1), Sex::Female, None);
    app.store
        .create_source(
            &officer,
            &ward_scope,
            &binh,
            app.tree.residential_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    let other = Scope::subtree(app.tree.other_ward, Access::Edit);
    let khoa = person(
        "Nguyễn",
        "Minh",
        "Khoa",
        day(2000, 3, 3),
        Sex::Male,
        Some("079200005555"),
    );
    let (khoa, _) = app
        .store
        .create_source(
            &officer,
            &other,
            &khoa,
            app.tree.other_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();

    let browser = app.login("canbo").await;
    let empty = app.get(Some(&browser), "/people/search").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("<label for=\"q\">"));
    assert!(empty.body.contains("action=\"/search\""));
    assert!(!empty.body.contains("Kết quả"));

    // With and without diacritics, in Vietnamese order (An before Bình), this ward only.
    for q in ["nguyễn", "nguyen", "NGUYEN"] {
        let found = app.search(&browser, "people", q, &[]).await;
        assert_eq!(found.status, StatusCode::OK);
        let a = found
            .body
            .find("Nguyễn Văn An")
            .unwrap_or_else(|| panic!("{q}: {}", found.body));
        let b = found.body.find("Nguyễn Thị Bình").unwrap();
        assert!(a < b, "An sorts before Bình");
        assert!(found.body.contains(&format!("href=\"/people/{}\"", an.0)));
        assert!(!found.body.contains("Khoa"), "another ward's person");
        assert!(found.body.contains("Kết quả (2)"));
    }
    let accented = app.search(&browser, "people", "Văn An", &[]).await;
    assert!(accented.body.contains("Nguyễn Văn An"));
    assert!(!accented.body.contains("Bình"));
    // The number goes in the POST body; the page it leads to names only a token.
    let sent = app
        .post(
            &browser,
            "/search",
            &[("to", "people"), ("text", "079 095 001 234")],
        )
        .await;
    let location = sent.location().unwrap();
    assert!(location.starts_with("/people/search?search="), "{location}");
    // Nothing but the token: random hex, which may hold "079" by chance.
    let token = location.trim_start_matches("/people/search?search=");
    assert!(
        token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{location}"
    );
    let by_id = app.search(&browser, "people", "079 095 001 234", &[]).await;
    assert!(by_id.body.contains("Nguyễn Văn An"), "{}", by_id.body);
    assert!(by_id.body.contains("Kết quả (1)"));
    let not_here = app.search(&browser, "people", "079200005555", &[]).await;
    assert!(not_here.body.contains("Kết quả (0)"));
    assert!(!not_here.body.contains("Khoa"));
    let twice = app
        .get(Some(&browser), "/people/search?search=a&search=b")
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    // A token is the account's own: another officer's browser gets "expired", not results.
    let other = app.login("canbo.phuloi").await;
    let token = location.split("search=").nth(1).unwrap();
    let stolen = app
        .get(Some(&other), &format!("/people/search?search={token}"))
        .await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    assert!(stolen.body.contains("hết hạn"), "{}", stolen.body);
    let nowhere = app
        .post(&browser, "/search", &[("to", "elsewhere"), ("text", "an")])
        .await;
    assert_eq!(nowhere.status, StatusCode::BAD_REQUEST);
    let phu_loi = app.login("canbo.phuloi").await;
    let theirs = app.search(&phu_loi, "people", "khoa", &[]).await;
    assert!(
        theirs
            .body
            .contains(&format!("href=\"/people/{}\"", khoa.0))
    );

    // The person page: details, cases linked, one `person.read` audit row per opening.
    let reads = |rows: Vec<ketnap_domain::ports::AuditEntry>| {
        rows.iter().filter(|r| r.action == "person.read").count()
    };
    let before = reads(
        app.store
            .audit_trail(&ward_scope, "person", &an.0.to_string())
            .await
            .unwrap(),
    );
    let page = app.get(Some(&browser), &format!("/people/{}", an.0)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "Nguyễn Văn An",
        "05/05/1995",
        "079095001234",
        "Kinh",
        "Chi bộ Giáo viên",
        "Quần chúng ưu tú (nguồn)",
    ] {
        assert!(page.body.contains(needle), "{needle}");
    }
    assert!(
        page.body
            .contains(&format!("href=\"/cases/{}\"", an_case.0))
    );
    assert!(
        !page.body.contains("<title>Nguyễn"),
        "the name stays out of the title"
    );
    let after = app
        .store
        .audit_trail(&ward_scope, "person", &an.0.to_string())
        .await
        .unwrap();
    assert_eq!(reads(after.clone()), before + 1);
    let row = after
        .iter()
        .rev()
        .find(|r| r.action == "person.read")
        .unwrap();
    assert_eq!(row.actor, "canbo");
    assert!(
        !row.after.clone().unwrap_or_default().contains("Nguyễn"),
        "no personal data in the audit row"
    );

    // Out of scope, unknown or malformed: 404, and no read is recorded.
    let hidden = app.get(Some(&phu_loi), &format!("/people/{}", an.0)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reads(
            app.store
                .audit_trail(&ward_scope, "person", &an.0.to_string())
                .await
                .unwrap()
        ),
        before + 1
    );
    assert_eq!(
        app.get(Some(&browser), &format!("/people/{}", khoa.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(Some(&browser), "/people/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(Some(&browser), "/people/abc").await.status,
        StatusCode::NOT_FOUND
    );
    let doanthe = app.login("doanthe").await;
    assert_eq!(
        app.get(Some(&doanthe), &format!("/people/{}", an.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&doanthe, "/search", &[("to", "people"), ("text", "an")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn probationary_members() {
    let app = TestApp::new().await;
    let officer = change("canbo");
    let an = person(
        "Nguyễn",
        "Văn",
        "An",
        day(1995, 5, 5),
        Sex::Male,
        Some("079095001234"),
    );
    let (_, an_case) = app
        .store
        .create_source(
            &officer,
            &ward(&app),
            &an,
            app.tree.school_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    let source = person("Lê", "Thị", "Bình", day(1998, 2, 1), Sex::Female, None);
    app.store
        .create_source(
            &officer,
            &ward(&app),
            &source,
            app.tree.residential_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    let mut steps = pipeline()[..10].to_vec();
    steps.push(Action::RecordSelfReview {
        document: doc("TKĐ-1", day(2026, 9, 1)),
    });
    advance(&app.store, &ward(&app), an_case, &steps, "canbo").await;

    let browser = app.login("xem").await;
    let page = app.get(Some(&browser), "/probation").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "Nguyễn Văn An",
        "Chi bộ Giáo viên",
        "22/09/2025",
        "22/09/2026",
        "Trịnh Văn Mentor",
        "TKĐ-1",
        "Chưa có",
        "data-label=\"Hết thời gian dự bị\"",
        "Chi bộ xét công nhận đảng viên chính thức",
        "class=\"badge overdue\"",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(
        page.body
            .contains(&format!("href=\"/cases/{}\"", an_case.0))
    );
    assert!(
        !page.body.contains("Lê Thị Bình"),
        "a source is not on probation"
    );
    let elsewhere = app.login("canbo.phuloi").await;
    let theirs = app.get(Some(&elsewhere), "/probation").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("Nguyễn Văn An"));
    let doanthe = app.login("doanthe").await;
    assert_eq!(
        app.get(Some(&doanthe), "/probation").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_class_moves_its_sympathisers_on() {
    let app = TestApp::new().await;
    let officer = change("canbo");
    let mut people: Vec<(PersonId, CaseId)> = Vec::new();
    for (given, born) in [("Cường", day(2001, 4, 9)), ("Dũng", day(2000, 6, 1))] {
        let details = person("Hoàng", "Văn", given, born, Sex::Male, None);
        let (id, case) = app
            .store
            .create_source(
                &officer,
                &ward(&app),
                &details,
                app.tree.residential_cell,
                day(2026, 1, 5),
                None,
            )
            .await
            .unwrap();
        advance(
            &app.store,
            &ward(&app),
            case,
            &[Action::AddToSympathisers {
                resolution: doc("3-NQ/CB", day(2026, 2, 2)),
                helpers: vec![],
            }],
            "canbo",
        )
        .await;
        people.push((id, case));
    }
    let [(cuong, cuong_case), (dung, dung_case)] = people[..] else {
        panic!()
    };
    // A source is not waiting for the class.
    let source = person("Phan", "Thị", "Giang", day(1999, 1, 1), Sex::Female, None);
    app.store
        .create_source(
            &officer,
            &ward(&app),
            &source,
            app.tree.residential_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap();

    let browser = app.login("canbo").await;
    let form = app.get(Some(&browser), "/courses/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains(&format!("<option value=\"{}\">Hoàng Văn Cường", cuong.0)),
        "{}",
        form.body
    );
    assert!(
        form.body
            .contains("<label class=\"visually-hidden\" for=\"person_1\">")
    );
    assert!(!form.body.contains("Phan Thị Giang"));
    let other_kind = app
        .get(Some(&browser), "/courses/new?kind=new_member")
        .await;
    assert!(
        !other_kind.body.contains("Hoàng Văn Cường"),
        "sympathisers do not take the new-member course"
    );
    assert_eq!(
        app.get(Some(&browser), "/courses/new?kind=zzz")
            .await
            .status,
        StatusCode::OK
    );

    let class = |rows: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = [
            ("kind", "awareness"),
            ("name", "Lớp nhận thức về Đảng khóa 3/2026"),
            ("organiser", "Trung tâm Chính trị Phường Thủ Dầu Một"),
            ("starts_on", "02/03/2026"),
            ("ends_on", "06/03/2026"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        fields.extend(rows.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        fields
    };
    let cuong_id = cuong.0.to_string();
    let dung_id = dung.0.to_string();

    // Mistakes: beside the line they concern, with the line number; nothing written.
    let no_number = class(&[
        ("person_1", ""),
        ("result_1", "passed"),
        ("certificate_1", ""),
        ("person_2", &cuong_id),
        ("result_2", "passed"),
        ("certificate_2", " "),
    ]);
    let answer = post_form(&app, &browser, "/courses", &no_number).await;
    // The blank first line is dropped, so Cường's line is line 1 of the form shown again.
    assert_refused(
        &answer,
        "certificate_1",
        "course.certificate",
        "Dòng 1: học viên đạt yêu cầu phải có số giấy chứng nhận",
    );
    let twice = class(&[
        ("person_1", &cuong_id),
        ("result_1", "passed"),
        ("certificate_1", "NT-1"),
        ("person_2", &dung_id),
        ("result_2", "absent"),
        ("certificate_2", ""),
        ("person_3", &cuong_id),
        ("result_3", "passed"),
        ("certificate_3", "NT-3"),
    ]);
    assert_refused(
        &post_form(&app, &browser, "/courses", &twice).await,
        "person_3",
        "course.duplicate",
        "Dòng 3:",
    );
    let nobody = class(&[
        ("person_1", ""),
        ("result_1", "passed"),
        ("certificate_1", "NT-9"),
    ]);
    assert_refused(
        &post_form(&app, &browser, "/courses", &nobody).await,
        "person_1",
        "input.required",
        "Dòng 1: chưa chọn học viên",
    );
    let mut backwards = class(&[]);
    backwards.retain(|(k, _)| k != "ends_on");
    backwards.push(("ends_on".into(), "01/03/2026".into()));
    assert_refused(
        &post_form(&app, &browser, "/courses", &backwards).await,
        "ends_on",
        "date.order",
        "trước ngày khai giảng",
    );
    let mut future = class(&[]);
    future.retain(|(k, _)| k != "ends_on");
    future.push(("ends_on".into(), "01/01/2099".into()));
    assert_refused(
        &post_form(&app, &browser, "/courses", &future).await,
        "ends_on",
        "date.future",
        "sau ngày hôm nay",
    );
    let mut nameless = class(&[]);
    nameless.retain(|(k, _)| k != "name");
    assert_refused(
        &post_form(&app, &browser, "/courses", &nameless).await,
        "name",
        "input.required",
        "tên lớp",
    );
    let before_certificate = class(&[
        ("person_1", &cuong_id),
        ("result_1", "passed"),
        ("certificate_1", "NT-1"),
    ])
    .into_iter()
    .map(|(k, v)| {
        if k == "ends_on" {
            (k, "01/02/2026".to_string())
        } else if k == "starts_on" {
            (k, "26/01/2026".to_string())
        } else {
            (k, v)
        }
    })
    .collect::<Vec<_>>();
    assert_refused(
        &post_form(&app, &browser, "/courses", &before_certificate).await,
        "person_1",
        "date.order",
        "Dòng 1:",
    );
    assert_eq!(
        app.store
            .case(&ward(&app), cuong_case)
            .await
            .unwrap()
            .case
            .stage,
        Stage::Sympathiser
    );
    let listed = app.get(Some(&browser), "/courses").await;
    assert!(listed.body.contains("Chưa có lớp"), "{}", listed.body);

    // A viewer may not record a class.
    let viewer = app.login("xem").await;
    let good = class(&[
        ("person_1", &cuong_id),
        ("result_1", "passed"),
        ("certificate_1", "NT-1"),
        ("person_2", &dung_id),
        ("result_2", "absent"),
        ("certificate_2", ""),
    ]);
    assert_eq!(
        post_form(&app, &viewer, "/courses", &good).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(Some(&viewer), "/courses/new").await.status,
        StatusCode::NOT_FOUND
    );

    // Recorded: the passing sympathiser's case moves on, the absent one's stays.
    let recorded = post_form(&app, &browser, "/courses", &good).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    assert_eq!(recorded.location(), Some("/courses"));
    let moved = app.store.case(&ward(&app), cuong_case).await.unwrap().case;
    assert_eq!(moved.stage, Stage::AwarenessCertified);
    assert_eq!(moved.awareness_certificate.unwrap().number, "NT-1");
    assert_eq!(
        app.store
            .case(&ward(&app), dung_case)
            .await
            .unwrap()
            .case
            .stage,
        Stage::Sympathiser
    );

    let listed = app.get(Some(&viewer), "/courses").await;
    assert_eq!(listed.status, StatusCode::OK);
    for needle in [
        "Lớp nhận thức về Đảng khóa 3/2026",
        "Trung tâm Chính trị Phường Thủ Dầu Một",
        "02/03/2026",
        "06/03/2026",
        "data-label=\"Số học viên\" class=\"num\">2<",
        "data-label=\"Đạt yêu cầu\" class=\"num\">1<",
    ] {
        assert!(listed.body.contains(needle), "{needle}: {}", listed.body);
    }
    assert!(
        !listed.body.contains("href=\"/courses/new\""),
        "a viewer is not offered the form"
    );
    let elsewhere = app.login("canbo.phuloi").await;
    assert!(
        !app.get(Some(&elsewhere), "/courses")
            .await
            .body
            .contains("khóa 3/2026")
    );
    // Cường no longer waits for the class.
    let form = app.get(Some(&browser), "/courses/new").await;
    assert!(!form.body.contains("Hoàng Văn Cường"));
    assert!(form.body.contains("Hoàng Văn Dũng"));
}

#[tokio::test]
async fn a_mass_organisation_sees_its_nominees_and_nothing_else() {
    let app = TestApp::new().await;
    let browser = app.login("canbo").await;
    let mass_org = app.mass_org.0.to_string();
    // A nomination needs its resolution's number and date.
    let missing = source_form(
        &app,
        &[("mass_org", &mass_org), ("nomination_date", "01/11/2026")],
    );
    assert_refused(
        &post_form(&app, &browser, "/sources", &missing).await,
        "nomination_number",
        "input.required",
        "số nghị quyết",
    );
    let unknown = source_form(
        &app,
        &[
            ("mass_org", "999999"),
            ("nomination_number", "5"),
            ("nomination_date", "01/11/2026"),
        ],
    );
    assert_refused(
        &post_form(&app, &browser, "/sources", &unknown).await,
        "mass_org",
        "unit.unknown",
        "đoàn thể",
    );
    let nominated = source_form(
        &app,
        &[
            ("mass_org", &mass_org),
            ("nomination_number", "15-NQ/ĐTN"),
            ("nomination_date", "01/11/2026"),
        ],
    );
    let created = post_form(&app, &browser, "/sources", &nominated).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let case = app
        .store
        .case(&ward(&app), case_id_of(&created))
        .await
        .unwrap()
        .case;
    assert_eq!(case.nominated_by, Some(app.mass_org));
    advance(
        &app.store,
        &ward(&app),
        case.id,
        &[Action::AddToSympathisers {
            resolution: doc("7-NQ/CB", day(2026, 11, 10)),
            helpers: vec![],
        }],
        "canbo",
    )
    .await;
    // Someone the organisation did not nominate.
    let other = person(
        "Võ",
        "Văn",
        "Kiệt",
        day(1990, 1, 1),
        Sex::Male,
        Some("079090001111"),
    );
    app.store
        .create_source(
            &change("canbo"),
            &ward(&app),
            &other,
            app.tree.residential_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap();

    let doanthe = app.login("doanthe").await;
    let home = app.get(Some(&doanthe), "/").await;
    assert_eq!(home.location(), Some("/nominees"));
    let page = app.get(Some(&doanthe), "/nominees").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in ["Trần Thị Mai", "Cảm tình Đảng", "03/11/2026", "10/11/2026"] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    for secret in [
        "079303004567",
        "14/02/2003",
        "0909 000 111",
        "Khu phố 3",
        "Trường Tiểu học",
        "15-NQ/ĐTN",
        "Võ Văn Kiệt",
        "/cases/",
        "/people/",
    ] {
        assert!(!page.body.contains(secret), "{secret} must not show");
    }
    for username in ["canbo", "xem", "admin"] {
        let someone = app.login(username).await;
        assert_eq!(
            app.get(Some(&someone), "/nominees").await.status,
            StatusCode::NOT_FOUND,
            "{username}"
        );
    }
}

#[tokio::test]
async fn pages_fit_a_phone_and_keep_scripts_out() {
    let app = TestApp::new().await;
    let browser = app.login("canbo").await;
    for path in [
        "/sources/new",
        "/people/search",
        "/probation",
        "/courses",
        "/courses/new",
    ] {
        let page = app.get(Some(&browser), path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("style=\""), "{path}: no inline style");
        assert!(!page.body.contains("<script>"), "{path}: no inline script");
        assert!(page.body.contains("<meta name=\"viewport\""), "{path}");
    }
    let script = app.get(None, "/static/app.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("credentials: \"same-origin\""));
    assert!(script.body.contains("/sources/check") || script.body.contains("checkUrl"));
    let css = app.get(None, "/static/app.css").await;
    assert!(
        css.body
            .contains("/* pages: sources, people, probation, courses, nominees */")
    );
}

/// The data-subject report: an auditor sees the whole record, its steps and who read it;
/// an officer is not offered it and cannot open it; opening it is itself a logged read.
#[tokio::test]
async fn an_auditor_reports_everything_held_about_a_person_and_who_read_it() {
    let app = TestApp::new().await;
    let officer = app.login("canbo").await;
    let created = post_form(&app, &officer, "/sources", &source_form(&app, &[])).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let case = case_id_of(&created);
    let person = app.store.case(&ward(&app), case).await.unwrap().person.id;
    // The officer reads the record twice.
    let report = format!("/people/{}/report", person.0);
    for _ in 0..2 {
        let page = app
            .get(Some(&officer), &format!("/people/{}", person.0))
            .await;
        assert!(!page.body.contains(&report), "not offered to an officer");
    }
    assert_eq!(
        app.get(Some(&officer), &report).await.status,
        StatusCode::NOT_FOUND
    );

    let auditor = app.login("kiemtra").await;
    let page = app
        .get(Some(&auditor), &format!("/people/{}", person.0))
        .await;
    assert!(page.body.contains(&format!("href=\"{report}\"")));
    let shown = app.get(Some(&auditor), &report).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    for held in [
        "Trần Thị Mai",
        "079303004567",
        "Trường Tiểu học Phú Hòa",
        "0909 000 111",
        &format!("Hồ sơ số {}", case.0),
        "Tạo hồ sơ cá nhân",
    ] {
        assert!(shown.body.contains(held), "{held}");
    }
    // Who read it: the officer twice (and the auditor, once for the person page).
    let readers = shown.body.split("id=\"h-readers\"").nth(1).unwrap();
    let readers = readers.split("</table>").next().unwrap();
    assert!(
        readers.contains("<td data-label=\"Tài khoản\">canbo</td><td data-label=\"Số lượt xem\" class=\"num\">2</td>"),
        "{readers}"
    );
    // The report was a read too: the person page, the first report, this one.
    let again = app.get(Some(&auditor), &report).await;
    assert!(
        again
            .body
            .contains("<td data-label=\"Tài khoản\">kiemtra</td><td data-label=\"Số lượt xem\" class=\"num\">3</td>"),
        "{}",
        again.body
    );
}
