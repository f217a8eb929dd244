//! Hostile text through every field a user types into over HTTP — the new-source form, the
//! case's action forms, a course, the term plan, a unit list and a mass-organisation list
//! uploaded for import, the searches — then every page that shows it: the text never comes
//! back as markup, only escaped, and the escaped text is there (a page that dropped it
//! would pass the first check by saying nothing). The forms sent back with mistakes, which
//! show what was typed, are checked too, and the API hands the same text back as JSON.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use ketnap_domain::ids::CaseId;
use ketnap_domain::ports::{CaseStore, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use serde_json::Value;

use crate::web::{Answer, Browser, TestApp};
use crate::web_api::token_of;
use crate::web_people::source_form;

/// Script in text, in an attribute, after a textarea, in a link, in a template, and text
/// that is already escaped (it must stay text, not turn into markup).
const PAYLOADS: [&str; 8] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "javascript:alert(1)",
    "{{7*7}}",
    "&lt;b&gt;x&lt;/b&gt;",
];

/// What no page may hold whatever users typed: each only comes from a payload unescaped.
const MARKUP: [&str; 6] = [
    "<script>",
    "<img src=x",
    "<svg/onload",
    "</textarea><script",
    "href=\"javascript:",
    "src=\"javascript:",
];

/// Every field's text: a payload and the field's name, so each can be told apart.
const FIELDS: [&str; 30] = [
    "unit_name",
    "mass_org_name",
    "family_name",
    "middle_name",
    "given_name",
    "religion",
    "education_general",
    "education_professional",
    "education_political",
    "occupation",
    "workplace",
    "residence",
    "phone",
    "nomination_number",
    "resolution_number",
    "helper",
    "helper_card",
    "task_what",
    "task_note",
    "course_name",
    "course_organiser",
    "certificate",
    "withdraw_reason",
    "term_note",
    "search_text",
    // Typed into fields that refuse them: shown back in the form with the mistake.
    "bad_birth_date",
    "bad_citizen_id",
    "bad_identified_on",
    "bad_action_date",
    "bad_course_date",
];

fn hostile(field: &str) -> String {
    let at = FIELDS.iter().position(|f| *f == field).unwrap();
    format!("{} {field}", PAYLOADS[at % PAYLOADS.len()])
}

/// HTML text as a browser reads it: character references decoded.
fn unescape(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|end| *end <= 10);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The fields seen escaped on some page so far.
#[derive(Default)]
struct Seen(BTreeSet<&'static str>);

impl Seen {
    /// No payload as markup on the page, and the fields of `shows` there as text.
    fn page(&mut self, what: &str, answer: &Answer, shows: &[&str]) {
        let body = &answer.body;
        for markup in MARKUP {
            assert!(!body.contains(markup), "{what}: {markup} in the page");
        }
        let text = unescape(body);
        for field in FIELDS {
            let typed = hostile(field);
            if typed.contains(['<', '>', '"', '\'', '&']) {
                assert!(!body.contains(&typed), "{what}: {field} not escaped");
            }
            if text.contains(&typed) {
                self.0.insert(field);
            }
        }
        for field in shows {
            assert!(
                text.contains(&hostile(field)),
                "{what} does not show {field}"
            );
        }
    }
}

async fn ok(app: &TestApp, browser: &Browser, path: &str) -> Answer {
    let answer = app.get(Some(browser), path).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer
}

/// Uploads a list (CSV) for import, checks the review page, and writes it.
async fn import(app: &TestApp, browser: &Browser, seen: &mut Seen, kind: &str, csv: &str) {
    let sent = app.upload(browser, kind, csv.as_bytes()).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let review = ok(app, browser, sent.location().unwrap()).await;
    let field = if kind == "units" {
        "unit_name"
    } else {
        "mass_org_name"
    };
    seen.page("the import review", &review, &[field]);
    let marker = "name=\"upload\" value=\"";
    let at = review.body.find(marker).unwrap() + marker.len();
    let token = review.body[at..].split('"').next().unwrap().to_string();
    let done = app
        .post(
            browser,
            "/import/review",
            &[("upload", &token), ("action", "confirm")],
        )
        .await;
    assert!(done.body.contains("Đã ghi 1 dòng"), "{}", done.body);
    seen.page("the import result", &done, &[]);
}

/// A CSV cell, quoted.
fn cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

async fn version(app: &TestApp, case: CaseId) -> String {
    let scope = Scope::subtree(app.tree.ward, Access::Read);
    let record = app.store.case(&scope, case).await.unwrap();
    record.version.to_string()
}

/// Posts one action form to the case; it must be taken.
async fn act(app: &TestApp, browser: &Browser, case: CaseId, fields: &[(&str, &str)]) {
    let v = version(app, case).await;
    let mut all = vec![("version", v.as_str())];
    all.extend_from_slice(fields);
    let done = app
        .post(browser, &format!("/cases/{case}/actions"), &all)
        .await;
    assert_eq!(
        done.status,
        StatusCode::SEE_OTHER,
        "{fields:?}: {}",
        done.body
    );
}

/// A new source through the form, as typed; the case it made.
async fn new_source(app: &TestApp, browser: &Browser, changes: &[(&str, &str)]) -> CaseId {
    let fields = source_form(app, changes);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let created = app.post(browser, "/sources", &pairs).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = created.location().unwrap().rsplit('/').next().unwrap();
    CaseId(id.parse().unwrap())
}

#[tokio::test]
async fn typed_text_is_shown_as_text_on_every_page() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let officer = app.login("canbo").await;
    let mut seen = Seen::default();
    let h = hostile;

    // A unit and a mass organisation under the ward, from lists uploaded for import.
    let ward_code = app.store.unit(t.ward).await.unwrap().unwrap().code.unwrap();
    let units = format!(
        "Ma don vi,Ten to chuc dang,Loai,Ma don vi cap tren,Don vi cap tren,Linh vuc,Ngay thanh lap\n\
         ,{},Chi bộ cơ sở,{ward_code},,residential,01/07/2025\n",
        cell(&h("unit_name"))
    );
    import(&app, &officer, &mut seen, "units", &units).await;
    let scope = Scope::subtree(t.ward, Access::Read);
    let unit = app
        .store
        .units_in(&scope)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == h("unit_name"))
        .unwrap()
        .id;
    let mass_orgs = format!(
        "Ten doan the,Loai doan the,Ma don vi,To chuc dang\n{},Đoàn Thanh niên,{ward_code},\n",
        cell(&h("mass_org_name"))
    );
    import(&app, &officer, &mut seen, "mass_orgs", &mass_orgs).await;
    let mass_org = app
        .store
        .mass_orgs_in(&scope)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == h("mass_org_name"))
        .unwrap()
        .id;

    // The new-source form: a person in that unit, nominated by that organisation.
    let form = ok(&app, &officer, "/sources/new").await;
    seen.page(
        "the new-source form",
        &form,
        &["unit_name", "mass_org_name"],
    );
    let (unit_id, mass_org_id) = (unit.to_string(), mass_org.to_string());
    let text_fields = [
        "family_name",
        "middle_name",
        "given_name",
        "religion",
        "education_general",
        "education_professional",
        "education_political",
        "occupation",
        "workplace",
        "residence",
        "phone",
        "nomination_number",
    ];
    let typed: Vec<(&str, String)> = text_fields.iter().map(|f| (*f, h(f))).collect();
    let mut changes: Vec<(&str, &str)> = typed.iter().map(|(f, v)| (*f, v.as_str())).collect();
    changes.extend([
        ("citizen_id", ""),
        ("cell", unit_id.as_str()),
        ("mass_org", mass_org_id.as_str()),
        ("nomination_date", "30/07/2025"),
        ("identified_on", "01/08/2025"),
    ]);
    let case = new_source(&app, &officer, &changes).await;
    let person = app.store.case(&scope, case).await.unwrap().person.id;

    // The same form refused: what was typed into the wrong places comes back as typed.
    let refused_fields = source_form(
        &app,
        &[
            ("birth_date", &h("bad_birth_date")),
            ("citizen_id", &h("bad_citizen_id")),
            ("identified_on", &h("bad_identified_on")),
        ],
    );
    let pairs: Vec<(&str, &str)> = refused_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = app.post(&officer, "/sources", &pairs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    seen.page(
        "the new-source form sent back",
        &refused,
        &["bad_birth_date", "bad_citizen_id", "bad_identified_on"],
    );

    // The case's forms: a resolution, a helper, a test task and its assessment.
    act(
        &app,
        &officer,
        case,
        &[
            ("action", "add_to_sympathisers"),
            ("number", &h("resolution_number")),
            ("dated", "05/08/2025"),
            ("helper", &h("helper")),
            ("helper_card", &h("helper_card")),
        ],
    )
    .await;
    act(
        &app,
        &officer,
        case,
        &[
            ("action", "assign_test_task"),
            ("on", "06/08/2025"),
            ("what", &h("task_what")),
            ("due_on", "06/10/2025"),
        ],
    )
    .await;
    act(
        &app,
        &officer,
        case,
        &[
            ("action", "assess_test_task"),
            ("task", "0"),
            ("on", "10/10/2025"),
            ("result", "good"),
            ("note", &h("task_note")),
        ],
    )
    .await;
    let v = version(&app, case).await;
    let refused = app
        .post(
            &officer,
            &format!("/cases/{case}/actions"),
            &[
                ("version", &v),
                ("action", "assign_helper"),
                ("on", &h("bad_action_date")),
                ("helper", "Lê Văn Tám"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    seen.page("an action form sent back", &refused, &["bad_action_date"]);

    // The awareness course, with the person's certificate; and the form sent back.
    let person_id = person.to_string();
    let course = |starts_on: String| {
        vec![
            ("kind".to_string(), "awareness".to_string()),
            ("name".into(), h("course_name")),
            ("organiser".into(), h("course_organiser")),
            ("starts_on".into(), starts_on),
            ("ends_on".into(), "05/09/2025".into()),
            ("person_1".into(), person_id.clone()),
            ("result_1".into(), "passed".into()),
            ("certificate_1".into(), h("certificate")),
        ]
    };
    let post_course = |fields: Vec<(String, String)>| {
        let (app, officer) = (&app, &officer);
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.post(officer, "/courses", &pairs).await
        }
    };
    let refused = post_course(course(h("bad_course_date"))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    seen.page(
        "the course form sent back",
        &refused,
        &[
            "bad_course_date",
            "course_name",
            "course_organiser",
            "certificate",
        ],
    );
    let done = post_course(course("01/09/2025".into())).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // A second source, withdrawn with a reason.
    let other = new_source(
        &app,
        &officer,
        &[
            ("given_name", "Lan"),
            ("citizen_id", ""),
            ("identified_on", "01/08/2025"),
        ],
    )
    .await;
    act(
        &app,
        &officer,
        other,
        &[
            ("action", "withdraw"),
            ("on", "02/08/2025"),
            ("reason", &h("withdraw_reason")),
        ],
    )
    .await;

    // The term plan's note.
    let ward = t.ward.to_string();
    let planned = app
        .post(
            &officer,
            "/reports/term-plan",
            &[
                ("unit", &ward),
                ("year", "2025"),
                ("first_year", "2025"),
                ("last_year", "2030"),
                ("target_total", "9"),
                ("note", &h("term_note")),
            ],
        )
        .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);

    // Every page that shows them.
    let person_fields: Vec<&str> = text_fields
        .iter()
        .copied()
        .filter(|f| *f != "nomination_number")
        .collect();
    let pages: Vec<(String, Vec<&str>)> = vec![
        (
            format!("/cases/{case}"),
            vec![
                "family_name",
                "unit_name",
                "resolution_number",
                "helper",
                "task_what",
                "certificate",
            ],
        ),
        (format!("/cases/{other}"), vec!["withdraw_reason"]),
        (format!("/people/{person}"), person_fields),
        ("/cases".into(), vec!["family_name", "unit_name"]),
        (format!("/units/{unit}"), vec!["unit_name"]),
        (format!("/units/{ward}"), vec!["unit_name"]),
        ("/units".into(), vec!["unit_name"]),
        ("/".into(), vec![]),
        ("/probation".into(), vec![]),
        ("/courses".into(), vec!["course_name", "course_organiser"]),
        (format!("/reports?unit={ward}&year=2025"), vec!["unit_name"]),
        (format!("/reports?unit={unit}&year=2025"), vec!["unit_name"]),
        (
            format!("/reports/plan?unit={ward}&year=2025"),
            vec!["unit_name", "term_note"],
        ),
        ("/sources/new".into(), vec!["unit_name", "mass_org_name"]),
    ];
    for (path, shows) in &pages {
        let page = ok(&app, &officer, path).await;
        seen.page(path, &page, shows);
    }
    let auditor = app.login("kiemtra").await;
    let trail = ok(&app, &auditor, &format!("/cases/{case}/audit")).await;
    seen.page("the audit trail", &trail, &[]);

    // Searches: the text searched for is shown back, and what it finds.
    let found = app.search(&officer, "people", &h("family_name"), &[]).await;
    seen.page("the people search", &found, &["family_name", "given_name"]);
    let found = app.search(&officer, "cases", &h("search_text"), &[]).await;
    seen.page("the case search", &found, &["search_text"]);
    let found = app.search(&officer, "cases", &h("family_name"), &[]).await;
    seen.page("the case search", &found, &["family_name", "unit_name"]);

    // Every field was seen, escaped, somewhere; but the assessment's note, which no page
    // shows yet (the API does, below).
    let missing: Vec<&str> = FIELDS
        .iter()
        .copied()
        .filter(|f| !seen.0.contains(f) && *f != "task_note")
        .collect();
    assert!(missing.is_empty(), "never shown: {missing:?}");

    // The API gives the same text back, as JSON data, never as a page.
    let token = token_of(&app, "canbo").await;
    // A GET, or a POST of `body` (the people search takes its text in the body).
    let api_with = |path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move {
            let request = axum::http::Request::builder()
                .method(if body.is_some() { "POST" } else { "GET" })
                .uri(path.as_str())
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    body.map(|b| b.to_string()).unwrap_or_default(),
                ))
                .unwrap();
            let response = tower::ServiceExt::oneshot(app.router.clone(), request)
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            for (name, value) in [
                ("content-type", "application/json"),
                ("x-content-type-options", "nosniff"),
            ] {
                assert_eq!(response.headers()[name], value, "{path}");
            }
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        }
    };
    let api = |path: String| api_with(path, None);
    let detail = api(format!("/api/v1/cases/{case}")).await;
    let details = &detail["person"];
    assert_eq!(details["name"]["family"], h("family_name"));
    assert_eq!(details["occupation"], h("occupation"));
    assert_eq!(detail["cell"]["name"], h("unit_name"));
    assert_eq!(
        detail["case"]["test_tasks"][0]["assessment"]["note"],
        h("task_note"),
        "{detail:#}"
    );
    let found = api_with(
        "/api/v1/people/search".into(),
        Some(serde_json::json!({ "q": h("family_name") })),
    )
    .await;
    assert_eq!(found["items"][0]["cases"][0]["cell_name"], h("unit_name"));
    let units = api("/api/v1/units".into()).await;
    assert!(
        units["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == h("unit_name"))
    );
}

/// The script never writes text it was given as markup: no innerHTML and the like, and
/// the one document.write writes the server's own answer to an upload (a page rendered by
/// the same escaping templates, checked above for the import review).
#[test]
fn the_script_builds_no_markup_from_text() {
    let script = include_str!("../../../web/static/app.js");
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "eval(",
        "new Function",
        "setTimeout(\"",
    ] {
        assert!(!script.contains(sink), "app.js uses {sink}");
    }
    assert_eq!(
        script.matches("document.write(").count(),
        1,
        "app.js writes documents elsewhere than the upload's answer"
    );
    assert!(script.contains("document.write(xhr.responseText)"));
}
