//! Requests between units, end to end: in the store (SQLite here, PostgreSQL from story.rs)
//! and over HTTP — a background verification asked of a ward on ketnap and answered there,
//! the answer shown on the case with who gave it; a second answer refused with the first
//! kept; a letter to a company not on ketnap, printed as a .docx and its answer recorded by
//! the sending unit; overdue requests marked; and the API, checked against its document.

use std::io::{Cursor, Read};

use axum::http::{Method, StatusCode, header};
use chrono::{Datelike, Duration};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::coordination::{
    Addressee, NewRequest, RequestAnswer, RequestBody, RequestKind, Status, request_due_on,
};
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::ports::{CaseStore, RuleStore, StoreError};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::Store;
use serde_json::json;

use crate::fixtures::{change, day, doc, now, person, sqlite_store, tree, waiting};
use crate::web::{Answer, Browser, TestApp};
use crate::web_api::{Api, token_of};
use crate::web_papers::download;
use crate::web_transfers::{assert_beside, at, list_reads, rule_of, section};

fn today() -> chrono::NaiveDate {
    ketnap_domain::workflow::today_in_vietnam(chrono::Utc::now())
}

fn iso(day: chrono::NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn dmy(day: chrono::NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

fn verification(to: Addressee, sent_on: chrono::NaiveDate) -> NewRequest {
    NewRequest {
        kind: RequestKind::Verification,
        to,
        body: RequestBody {
            about: "Bố: Hồ Văn Hải, sinh năm 1970".into(),
            questions: String::new(),
        },
        sent_on,
        due_on: sent_on + Duration::days(21),
    }
}

// ---------------------------------------------------------------------------------------
// The store

#[tokio::test]
async fn requests_in_the_store_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    on_store(&store).await;
}

/// Who may answer a request (the unit asked; for a letter, the case's unit), once; what
/// waits where.
pub async fn on_store(store: &Store) {
    let t = tree(store, "wr").await;
    let today = now().date_naive();
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other = Scope::subtree(t.other_ward, Access::Edit);
    let other_viewer = Scope::subtree(t.other_ward, Access::Read);
    let officer = change("ward-officer");
    let details = person("Hồ", "Thị", "Lan", day(2000, 2, 2), Sex::Female, None);
    let (_, case) = store
        .create_source(
            &officer,
            &ward,
            &details,
            t.school_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap();
    let asked = store
        .send_request(
            &officer,
            &ward,
            case,
            verification(Addressee::Unit { unit: t.other_ward }, today),
        )
        .await
        .unwrap();
    let letter = store
        .send_request(
            &officer,
            &ward,
            case,
            verification(
                Addressee::Letter {
                    name: "Công ty TNHH Minh Phát".into(),
                    address: String::new(),
                },
                today,
            ),
        )
        .await
        .unwrap();
    assert_eq!(waiting(store, &other).await.requests, 1);
    assert_eq!(waiting(store, &ward).await.requests, 0);

    // The unit asked answers the request; the case's unit answers the letter.
    assert_eq!(
        store.answerable_request(&other, asked).await.unwrap().id,
        asked
    );
    assert!(matches!(
        store.answerable_request(&ward, asked).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        rule_of(store.answerable_request(&other_viewer, asked).await),
        "scope.read-only"
    );
    assert_eq!(
        store.answerable_request(&ward, letter).await.unwrap().id,
        letter
    );
    assert!(matches!(
        store.answerable_request(&other, letter).await,
        Err(StoreError::NotFound(_))
    ));

    let answer = RequestAnswer {
        answered_on: today,
        answerer: "Nguyễn Văn Tư, Bí thư Đảng ủy".into(),
        conclusion: "Gia đình chấp hành tốt chủ trương, chính sách".into(),
        document: Some(doc("15-CV/ĐU", today)),
    };
    store
        .answer_request(&change("other-officer"), &other, asked, answer.clone())
        .await
        .unwrap();
    assert_eq!(
        rule_of(store.answerable_request(&other, asked).await),
        "request.answered"
    );
    let second = RequestAnswer {
        conclusion: "Một câu trả lời khác".into(),
        ..answer.clone()
    };
    assert_eq!(
        rule_of(
            store
                .answer_request(&change("other-officer"), &other, asked, second)
                .await
        ),
        "request.answered"
    );
    let on_case = store.requests_of_case(&ward, case).await.unwrap();
    let answered = on_case.iter().find(|r| r.id == asked).unwrap();
    assert_eq!(answered.answer.as_ref(), Some(&answer));
    assert_eq!(answered.status, Status::Answered);
    assert_eq!(answered.answered_by.as_deref(), Some("other-officer"));
    assert_eq!(waiting(store, &other).await.requests, 0);

    // An answer dated before the request was sent is refused.
    let early = RequestAnswer {
        answered_on: today - Duration::days(1),
        ..answer
    };
    assert_eq!(
        rule_of(store.answer_request(&officer, &ward, letter, early).await),
        "request.answer-date"
    );
    assert!(store.verify_audit_log().await.unwrap().problems.is_empty());
}

// ---------------------------------------------------------------------------------------
// Over HTTP

async fn source(app: &TestApp) -> CaseId {
    let details = person("Hồ", "Thị", "Lan", day(2000, 2, 2), Sex::Female, None);
    app.store
        .create_source(
            &change("canbo"),
            &Scope::subtree(app.tree.ward, Access::Edit),
            &details,
            app.tree.school_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap()
        .1
}

fn redirected(answer: &Answer, to: &str) {
    assert_eq!(
        (answer.status, answer.location()),
        (StatusCode::SEE_OTHER, Some(to)),
        "{}",
        answer.body
    );
}

/// How many times the request was read whole (its audit rows).
async fn reads(app: &TestApp, id: i64) -> i64 {
    let pool = sqlx::SqlitePool::connect(&app.database_url())
        .await
        .unwrap();
    let n = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'request.read' AND entity_id = ?",
    )
    .bind(id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    n
}

/// The newest request of the case.
async fn newest(app: &TestApp, case: CaseId) -> i64 {
    app.store
        .requests_of_case(&Scope::subtree(app.tree.ward, Access::Read), case)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id
}

async fn send(app: &TestApp, browser: &Browser, case: CaseId, fields: &[(&str, &str)]) -> Answer {
    app.post(browser, &format!("/cases/{case}/requests"), fields)
        .await
}

#[tokio::test]
async fn a_verification_is_answered_by_the_unit_asked_once() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let case = source(&app).await;
    let page = format!("/cases/{case}");
    let sender = app.login("canbo").await;
    let asked = app.login("canbo.phuloi").await;

    // The form finds any unit (a ward too), and offers the rule set's due date.
    let form = app
        .get(
            Some(&sender),
            &format!("/cases/{case}/requests/new?q=phu+loi"),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains(&format!(
        "<option value=\"{}\">Đảng bộ Phường Phú Lợi",
        t.other_ward
    )));
    let rules = app.store.rule_book().await.unwrap();
    let calendar = app.store.calendar().await.unwrap();
    let due = request_due_on(today(), rules.in_force_on(today()).unwrap(), &calendar).unwrap();
    assert!(form.body.contains(&format!(
        "name=\"due_on\" value=\"{}\" type=\"date\"",
        iso(due)
    )));

    // The search is a step of the same posted form: the relatives named so far stay, and
    // never go into a URL.
    assert!(!form.body.contains("method=\"get\" action=\"/cases/"));
    let about = "Bố: Hồ Văn Hải, sinh năm 1970, cư trú tại Phú Lợi";
    let searched = send(
        &app,
        &sender,
        case,
        &[
            ("step", "search"),
            ("q", "phu loi"),
            ("kind", "verification"),
            ("to", "unit"),
            ("about", about),
            ("questions", "Lịch sử chính trị"),
            ("sent_on", &iso(today())),
            ("due_on", &iso(due)),
        ],
    )
    .await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.body);
    assert!(searched.body.contains(&format!(
        "<option value=\"{}\">Đảng bộ Phường Phú Lợi",
        t.other_ward
    )));
    assert!(
        searched
            .body
            .contains("<option value=\"verification\" selected>")
    );
    assert!(searched.body.contains(&format!(">{about}</textarea>")));
    assert!(searched.body.contains(">Lịch sử chính trị</textarea>"));
    assert!(!searched.body.contains("class=\"error\""));
    assert!(
        app.store
            .requests_of_case(&Scope::subtree(t.ward, Access::Read), case)
            .await
            .unwrap()
            .is_empty()
    );

    // Every mistake at once, each beside its input.
    let wrong = send(
        &app,
        &sender,
        case,
        &[
            ("kind", ""),
            ("to", "unit"),
            ("to_unit", ""),
            ("about", " "),
            ("sent_on", ""),
            ("due_on", "31/02/2026"),
        ],
    )
    .await;
    for (anchor, rule) in [
        ("kind", "input.required"),
        ("to_unit", "input.required"),
        ("about", "input.required"),
        ("sent_on", "input.required"),
        ("due_on", "input.date"),
    ] {
        assert_beside(&wrong, anchor, rule);
    }

    // Without whom to verify, refused beside the field.
    let ward_id = t.other_ward.to_string();
    let sent_on = iso(today());
    let mut fields = vec![
        ("kind", "verification"),
        ("to", "unit"),
        ("to_unit", ward_id.as_str()),
        ("about", " "),
        ("sent_on", sent_on.as_str()),
        ("due_on", ""),
    ];
    let refused = send(&app, &sender, case, &fields).await;
    assert_beside(&refused, "about", "input.required");
    fields[3] = ("about", "Bố: Hồ Văn Hải, sinh năm 1970, cư trú tại Phú Lợi");
    redirected(
        &send(&app, &sender, case, &fields).await,
        &format!("{page}#h-requests"),
    );
    let id = newest(&app, case).await;
    let ward = Scope::subtree(t.ward, Access::Read);
    let sent = &app.store.requests_of_case(&ward, case).await.unwrap()[0];
    assert_eq!(
        (sent.due_on, sent.to_name.as_str()),
        (due, "Đảng bộ Phường Phú Lợi")
    );

    // Pending on the case, in the sender's outbox and the asked ward's inbox.
    let shown = app.get(Some(&sender), &page).await;
    let listed = section(&shown.body, "h-requests");
    assert!(listed.contains("Thẩm tra lý lịch") && listed.contains("Đảng bộ Phường Phú Lợi"));
    assert!(listed.contains("Đang chờ"));
    let outbox = app.get(Some(&sender), "/requests").await;
    assert!(section(&outbox.body, "h-outbox").contains(&format!("/requests/{id}")));
    assert!(
        list_reads(&app, "request.list").await.is_empty(),
        "own cases"
    );
    let generation = app.store.report_generation().await.unwrap();
    let inbox = app.get(Some(&asked), "/requests").await;
    assert!(section(&inbox.body, "h-inbox").contains(&format!("/requests/{id}")));
    assert!(section(&inbox.body, "h-inbox").contains("Hồ Thị Lan"));
    // The applicant is not in the asked ward's scope: one counted read, no name, and no
    // figure changes.
    assert_eq!(
        list_reads(&app, "request.list").await,
        [("canbo.phuloi".to_string(), "1 người".to_string())]
    );
    assert_eq!(app.store.report_generation().await.unwrap(), generation);
    assert!(inbox.body.contains(
        "Thẩm tra, lấy ý kiến <span class=\"badge due_soon\">1<span class=\"visually-hidden\">"
    ));

    // Read whole by the ward asked (an audited read), with the form to answer; the sender
    // reads it without the form; another cell does not find it.
    let before = reads(&app, id).await;
    let opened = app.get(Some(&asked), &format!("/requests/{id}")).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(
        opened
            .body
            .contains("Bố: Hồ Văn Hải, sinh năm 1970, cư trú tại Phú Lợi")
    );
    assert!(
        opened
            .body
            .contains(&format!("action=\"/requests/{id}/answer\""))
    );
    assert_eq!(reads(&app, id).await, before + 1);
    let own = app.get(Some(&sender), &format!("/requests/{id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        !own.body
            .contains(&format!("action=\"/requests/{id}/answer\""))
    );
    let cell = app.login("bithu").await;
    assert_eq!(
        app.get(Some(&cell), &format!("/requests/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let by_sender = app
        .post(
            &sender,
            &format!("/requests/{id}/answer"),
            &[
                ("answered_on", &sent_on),
                ("answerer", "X"),
                ("conclusion", "Y"),
            ],
        )
        .await;
    assert_eq!(by_sender.status, StatusCode::NOT_FOUND);

    // Answered: who gave it is required; then recorded, with the reply letter.
    let answer = |answerer: &'static str, conclusion: &'static str| {
        let sent_on = sent_on.clone();
        vec![
            ("answered_on".to_string(), sent_on.clone()),
            ("answerer".to_string(), answerer.to_string()),
            ("conclusion".to_string(), conclusion.to_string()),
            ("document_number".to_string(), "15-CV/ĐU".to_string()),
            ("document_dated".to_string(), sent_on),
        ]
    };
    let post_answer = |fields: Vec<(String, String)>| {
        let asked = asked.clone();
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.post(&asked, &format!("/requests/{id}/answer"), &fields)
                .await
        }
    };
    let nobody = post_answer(answer("", "Không có vấn đề gì")).await;
    assert_beside(&nobody, "answerer", "input.required");
    assert!(
        nobody.body.contains("value=\"15-CV/ĐU\""),
        "what was typed stays"
    );
    // Every mistake of the answer at once.
    let nothing = app
        .post(
            &asked,
            &format!("/requests/{id}/answer"),
            &[
                ("answered_on", ""),
                ("answerer", " "),
                ("conclusion", ""),
                ("document_number", "15-CV/ĐU"),
                ("document_dated", ""),
            ],
        )
        .await;
    for (anchor, rule) in [
        ("answered_on", "input.required"),
        ("answerer", "input.required"),
        ("conclusion", "input.required"),
        ("document_dated", "Phải ghi ngày của văn bản."),
    ] {
        assert_beside(&nothing, anchor, rule);
    }
    redirected(
        &post_answer(answer(
            "Nguyễn Văn Tư, Bí thư Đảng ủy",
            "Gia đình chấp hành tốt chủ trương, chính sách",
        ))
        .await,
        &format!("/requests/{id}"),
    );

    // A second answer is refused with the store's message; the first stays.
    let twice = post_answer(answer("Trần Văn Ba", "Một câu trả lời khác")).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains(&format!(
        "Yêu cầu này đã được trả lời ngày {}; không ghi câu trả lời thứ hai.",
        dmy(today())
    )));
    assert!(
        twice
            .body
            .contains("Gia đình chấp hành tốt chủ trương, chính sách")
    );
    let kept = &app.store.requests_of_case(&ward, case).await.unwrap()[0];
    assert_eq!(
        kept.answer.as_ref().map(|a| a.answerer.as_str()),
        Some("Nguyễn Văn Tư, Bí thư Đảng ủy")
    );

    // The case shows the answer and who gave it.
    let shown = app.get(Some(&sender), &page).await;
    let listed = section(&shown.body, "h-requests");
    for text in [
        "Gia đình chấp hành tốt chủ trương, chính sách",
        "Nguyễn Văn Tư, Bí thư Đảng ủy",
        "văn bản số 15-CV/ĐU",
        "ghi bởi canbo.phuloi",
    ] {
        assert!(listed.contains(text), "missing {text}: {listed}");
    }
}

/// The text of a .docx's `word/document.xml`, tags removed.
fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[tokio::test]
async fn a_letter_is_printed_and_its_answer_recorded_by_the_sender() {
    let app = TestApp::new().await;
    let case = source(&app).await;
    let page = format!("/cases/{case}");
    let sender = app.login("canbo").await;
    let form = app
        .get(
            Some(&sender),
            &format!("/cases/{case}/requests/new?to=letter"),
        )
        .await;
    assert!(form.body.contains("name=\"to\" value=\"letter\" checked"));
    let sent_on = iso(today());
    let due = iso(today() + Duration::days(14));
    redirected(
        &send(
            &app,
            &sender,
            case,
            &[
                ("kind", "workplace_opinion"),
                ("to", "letter"),
                ("to_name", "Công ty TNHH Minh Phát"),
                ("to_address", "12 Lê Lợi, Thủ Dầu Một"),
                ("about", "Chị Hồ Thị Lan, nhân viên kế toán"),
                ("questions", "Thái độ làm việc\nQuan hệ với đồng nghiệp"),
                ("sent_on", &sent_on),
                ("due_on", &due),
            ],
        )
        .await,
        &format!("{page}#h-requests"),
    );
    let id = newest(&app, case).await;

    // The letter, to print and sign: the cell's letterhead, the company, the applicant,
    // the questions and the due date; the file named without anyone's name.
    let letter = download(&app, &sender, &format!("/requests/{id}/letter")).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert_eq!(
        letter.header(header::CONTENT_TYPE),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        letter.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"cong-van-lay-y-kien-noi-lam-viec-yeu-cau-{id}.docx\"")
    );
    let text = docx_text(&letter.bytes);
    // As papers write dates: the month padded for January and February only.
    let due_day = today() + Duration::days(14);
    let month = match due_day.month() {
        m @ 1..=2 => format!("{m:02}"),
        m => m.to_string(),
    };
    let due_words = format!(
        "ngày {:02} tháng {month} năm {}",
        due_day.day(),
        due_day.year()
    );
    for needle in [
        "CHI BỘ GIÁO VIÊN",
        "V/v lấy ý kiến nhận xét nơi làm việc, học tập đối với người xin vào Đảng",
        "Kính gửi: Công ty TNHH Minh Phát",
        "(12 Lê Lợi, Thủ Dầu Một)",
        "kết nạp quần chúng Hồ Thị Lan, sinh ngày 02/02/2000, vào Đảng Cộng sản Việt Nam",
        "Chị Hồ Thị Lan, nhân viên kế toán",
        "Thái độ làm việc",
        "Quan hệ với đồng nghiệp",
        &format!("trước {due_words}, gửi về Chi bộ Giáo viên"),
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    // Another ward's officer does not get it.
    let elsewhere = app.login("canbo.phuloi").await;
    assert_eq!(
        download(&app, &elsewhere, &format!("/requests/{id}/letter"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Nobody on ketnap answers a letter: the sending cell records the reply it received.
    let shown = app.get(Some(&sender), &format!("/requests/{id}")).await;
    assert!(
        shown
            .body
            .contains(&format!("href=\"/requests/{id}/letter\""))
    );
    assert!(
        shown
            .body
            .contains(&format!("action=\"/requests/{id}/answer\""))
    );
    redirected(
        &app.post(
            &sender,
            &format!("/requests/{id}/answer"),
            &[
                ("answered_on", &sent_on),
                ("answerer", "Lê Thị Hạnh, Giám đốc"),
                (
                    "conclusion",
                    "Hoàn thành tốt nhiệm vụ, quan hệ tốt với đồng nghiệp",
                ),
            ],
        )
        .await,
        &format!("/requests/{id}"),
    );
    let listed = app.get(Some(&sender), &page).await;
    let listed = section(&listed.body, "h-requests");
    assert!(listed.contains("Lê Thị Hạnh, Giám đốc") && listed.contains("ghi bởi canbo"));

    // A request past its due date is marked, first in the outbox.
    let ward = Scope::subtree(app.tree.ward, Access::Edit);
    let sent = today() - Duration::days(30);
    let mut late = verification(
        Addressee::Unit {
            unit: app.tree.other_ward,
        },
        sent,
    );
    late.due_on = sent + Duration::days(10);
    let late = app
        .store
        .send_request(&at("canbo", sent), &ward, case, late)
        .await
        .unwrap();
    let outbox = app.get(Some(&sender), "/requests").await;
    let outbox = section(&outbox.body, "h-outbox");
    let first = outbox.find("<tr>\n<td").unwrap();
    let row = &outbox[first..outbox[first..].find("</tr>").unwrap() + first];
    assert!(row.contains(&format!("/requests/{late}")), "{row}");
    assert!(row.contains("<span class=\"badge overdue\">Quá hạn trả lời</span>"));
}

#[tokio::test]
async fn requests_over_the_api() {
    let app = TestApp::new().await;
    let api = Api::new(&app).await;
    let sender = token_of(&app, "canbo").await;
    let asked = token_of(&app, "canbo.phuloi").await;
    let case = source(&app).await;
    let other_ward: UnitId = app.tree.other_ward;
    let post = |token: &str, path: String, body: serde_json::Value| {
        let token = token.to_string();
        let api = &api;
        async move {
            api.call(
                Some(&token),
                Method::POST,
                &path,
                Some(("application/json", body.to_string())),
            )
            .await
        }
    };

    post(
        &sender,
        format!("/api/v1/cases/{case}/requests"),
        json!({"kind": "verification", "to_unit": other_ward.0, "to_name": "X",
               "about": "Bố", "sent_on": iso(today())}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some("to_unit"), None);
    post(
        &sender,
        format!("/api/v1/cases/{case}/requests"),
        json!({"kind": "rumour", "to_unit": other_ward.0, "about": "Bố", "sent_on": iso(today())}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some("kind"), None);
    let sent = post(
        &sender,
        format!("/api/v1/cases/{case}/requests"),
        json!({"kind": "residence_opinion", "to_unit": other_ward.0,
               "about": "Chị Hồ Thị Lan tại khu phố 2", "sent_on": iso(today())}),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{:#}", sent.json);
    assert_eq!(sent.json["status"], "pending");
    assert_eq!(sent.json["applicant_birth_date"], "2000-02-02");
    assert!(sent.json["due_on"].as_str().unwrap() > iso(today()).as_str());
    let id = sent.json["id"].as_i64().unwrap();

    assert!(list_reads(&app, "request.list").await.is_empty());
    let inbox = api.get(Some(&asked), "/api/v1/requests?box=in").await;
    assert_eq!(inbox.json["items"][0]["id"], id);
    // The applicant's name and birth date, outside the asked ward's scope: a counted read.
    assert_eq!(
        list_reads(&app, "request.list").await,
        [("canbo.phuloi".to_string(), "1 người".to_string())]
    );
    assert!(
        inbox.json["items"][0].get("about").is_none(),
        "lists leave the body sealed"
    );
    let outbox = api.get(Some(&sender), "/api/v1/requests?box=out").await;
    assert_eq!(outbox.json["items"][0]["id"], id);
    assert_eq!(list_reads(&app, "request.list").await.len(), 1, "own cases");
    api.get(Some(&sender), "/api/v1/requests")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some("box"), None);
    let whole = api
        .get(Some(&asked), &format!("/api/v1/requests/{id}"))
        .await;
    assert_eq!(whole.json["about"], "Chị Hồ Thị Lan tại khu phố 2");
    assert!(whole.json["answer"].is_null());

    post(
        &sender,
        format!("/api/v1/requests/{id}/answer"),
        json!({"answered_on": iso(today()), "answerer": "X", "conclusion": "Y"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, None, None);
    // The reply letter's number and date, both or neither, told as the page tells it.
    let half = post(
        &asked,
        format!("/api/v1/requests/{id}/answer"),
        json!({"answered_on": iso(today()), "answerer": "Võ Văn Năm, Bí thư chi bộ",
               "conclusion": "Chấp hành tốt quy định nơi cư trú", "document_number": "7-CV/CB"}),
    )
    .await;
    half.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("document_dated"),
        Some("input.required"),
    );
    assert_eq!(half.json["message"], "Phải ghi ngày của văn bản.");
    let answered = post(
        &asked,
        format!("/api/v1/requests/{id}/answer"),
        json!({"answered_on": iso(today()), "answerer": "Võ Văn Năm, Bí thư chi bộ",
               "conclusion": "Chấp hành tốt quy định nơi cư trú"}),
    )
    .await;
    assert_eq!(answered.status, StatusCode::OK, "{:#}", answered.json);
    assert_eq!(answered.json["status"], "answered");
    assert_eq!(
        answered.json["answer"]["answerer"],
        "Võ Văn Năm, Bí thư chi bộ"
    );
    post(
        &asked,
        format!("/api/v1/requests/{id}/answer"),
        json!({"answered_on": iso(today()), "answerer": "Người khác", "conclusion": "Khác"}),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("status"),
        Some("request.answered"),
    );
    let seen = api
        .get(Some(&sender), &format!("/api/v1/requests/{id}"))
        .await;
    assert_eq!(
        seen.json["answer"]["conclusion"],
        "Chấp hành tốt quy định nơi cư trú"
    );
}

#[tokio::test]
async fn hostile_text_comes_back_as_text() {
    let app = TestApp::new().await;
    let case = source(&app).await;
    let sender = app.login("canbo").await;
    let receiver = app.login("canbo.phuloi").await;
    let payload = "<script>alert(1)</script>";
    let today = iso(today());
    let started = app
        .post(
            &sender,
            &format!("/cases/{case}/transfer"),
            &[
                ("to_unit", &app.tree.other_cell.to_string()),
                ("reason", payload),
                ("on", &today),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let sent = send(
        &app,
        &sender,
        case,
        &[
            ("kind", "verification"),
            ("to", "letter"),
            ("to_name", payload),
            ("to_address", payload),
            ("about", payload),
            ("questions", payload),
            ("sent_on", &today),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let id = newest(&app, case).await;
    let answered = app
        .post(
            &sender,
            &format!("/requests/{id}/answer"),
            &[
                ("answered_on", &today),
                ("answerer", payload),
                ("conclusion", payload),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let refused = send(
        &app,
        &sender,
        case,
        &[
            ("kind", "verification"),
            ("to", "letter"),
            ("to_name", payload),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (browser, path) in [
        (&sender, format!("/cases/{case}")),
        (&sender, "/transfers".to_string()),
        (&receiver, "/transfers".to_string()),
        (&sender, "/requests".to_string()),
        (&sender, format!("/requests/{id}")),
    ] {
        let page = app.get(Some(browser), &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        // Escaped: the text is there, never the tag.
        assert!(!page.body.contains("<script>"), "{path} holds markup");
        assert!(page.body.contains("alert(1)"), "{path} dropped the text");
    }
    assert!(!refused.body.contains("<script>"));
    assert!(refused.body.contains("alert(1)"));
}
