//! The papers of a case as `.docx` downloads: each one opened as a zip and its
//! `word/document.xml` read back, the file name free of personal data, the refusal of a
//! paper the case cannot fill yet, and the scope.

use std::io::{Cursor, Read};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ids::{CaseId, PersonId, UnitId};
use ketnap_domain::ports::{AuditStore, CaseStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::text::nfc;
use tower::ServiceExt;

use crate::fixtures::{advance, change, day, person, pipeline};
use crate::web::{Browser, TestApp};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A download as the browser sends it, with the body kept as bytes.
struct Download {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Download {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The text of `word/document.xml`, tags removed, so that a phrase split over runs
    /// still reads as one.
    fn document_text(&self) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(self.bytes.as_slice()))
            .unwrap_or_else(|e| panic!("not a .docx ({e}): {}", self.text()));
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
}

async fn download(app: &TestApp, browser: &Browser, path: &str) -> Download {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(
            header::COOKIE,
            format!("{}={}", ketnap_web::SESSION_COOKIE, browser.cookie),
        )
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Download {
        status,
        headers,
        bytes,
    }
}

fn ward_scope(app: &TestApp) -> Scope {
    Scope::subtree(app.tree.ward, Access::Edit)
}

async fn source(app: &TestApp, name: (&str, &str, &str), cell: UnitId) -> (PersonId, CaseId) {
    app.store
        .create_source(
            &change("canbo"),
            &Scope::subtree(app.tree.city, Access::Edit),
            &person(name.0, name.1, name.2, day(2001, 4, 5), Sex::Female, None),
            cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap()
}

async fn reads(app: &TestApp, person: PersonId) -> usize {
    app.store
        .audit_trail(&ward_scope(app), "person", &person.to_string())
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "person.read")
        .count()
}

/// The paper links the case page offers, by their last path segment.
async fn offered(app: &TestApp, browser: &Browser, id: CaseId) -> Vec<String> {
    let page = app.get(Some(browser), &format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let prefix = format!("href=\"/cases/{id}/papers/");
    page.body
        .split(prefix.as_str())
        .skip(1)
        .filter_map(|rest| Some(rest.split('"').next()?.to_string()))
        .collect()
}

/// Downloads `paper` and checks the answer is a `.docx` attachment named without the
/// person's name; returns the document's text.
async fn paper(app: &TestApp, browser: &Browser, id: CaseId, slug: &str, file: &str) -> String {
    let got = download(app, browser, &format!("/cases/{id}/papers/{slug}")).await;
    assert_eq!(got.status, StatusCode::OK, "{slug}: {}", got.text());
    assert_eq!(got.header(header::CONTENT_TYPE), DOCX);
    let disposition = got.header(header::CONTENT_DISPOSITION);
    assert_eq!(
        disposition,
        format!("attachment; filename=\"{file}-ho-so-{id}.docx\"")
    );
    assert!(disposition.is_ascii());
    let lower = disposition.to_lowercase();
    for part in ["nguyen", "ngoc", "anh", "thi-"] {
        assert!(!lower.contains(part), "{disposition}");
    }
    assert_eq!(got.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(got.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    got.document_text()
}

fn has(text: &str, needle: &str) {
    assert!(text.contains(&nfc(needle)), "{needle:?} not in {text}");
}

/// A refusal: 422, the Vietnamese reason on an error page, and no logged read.
async fn refused(app: &TestApp, browser: &Browser, id: CaseId, person: PersonId, slug: &str) {
    let before = reads(app, person).await;
    let got = download(app, browser, &format!("/cases/{id}/papers/{slug}")).await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY, "{slug}");
    assert!(got.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(got.header(header::CONTENT_DISPOSITION).is_empty());
    let body = got.text();
    assert!(body.contains("Hồ sơ chưa có"), "{body}");
    assert!(body.contains("Mã yêu cầu"), "{body}");
    assert!(
        !body.contains("Ngọc Ánh"),
        "a refusal shows nothing of the person"
    );
    assert_eq!(reads(app, person).await, before, "a refusal is not a read");
}

#[tokio::test]
async fn papers_of_a_case_from_the_vote_to_recognition() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let (person_id, id) = source(&app, ("Nguyễn", "Thị Ngọc", "Ánh"), t.school_cell).await;
    let officer = app.login("canbo").await;
    let scope = ward_scope(&app);

    // A source fills no paper yet: no links, and each paper is refused with its reason.
    assert!(offered(&app, &officer, id).await.is_empty());
    refused(&app, &officer, id, person_id, "admission-resolution").await;
    let early = download(
        &app,
        &officer,
        &format!("/cases/{id}/papers/admission-resolution"),
    )
    .await;
    assert!(
        early
            .text()
            .contains("Hồ sơ chưa có nghị quyết của chi bộ đề nghị kết nạp"),
        "{}",
        early.text()
    );

    // Up to the admission decision (the school's cell, under the school's committee).
    advance(&app.store, &scope, id, &pipeline()[..9], "canbo").await;
    assert_eq!(
        offered(&app, &officer, id).await,
        ["admission-resolution", "admission-decision"]
    );
    refused(&app, &officer, id, person_id, "recognition-resolution").await;
    refused(&app, &officer, id, person_id, "recognition-decision").await;

    let before = reads(&app, person_id).await;
    let text = paper(
        &app,
        &officer,
        id,
        "admission-resolution",
        "nghi-quyet-de-nghi-ket-nap",
    )
    .await;
    assert_eq!(
        reads(&app, person_id).await,
        before + 1,
        "a download is a read"
    );
    has(&text, "Nguyễn Thị Ngọc Ánh");
    has(&text, "Số 20-NQ/CB");
    has(&text, "Thủ Dầu Một, ngày 18 tháng 8 năm 2025");
    has(&text, "ĐẢNG BỘ TRƯỜNG THPT THỦ DẦU MỘT");
    has(&text, "CHI BỘ GIÁO VIÊN");
    has(
        &text,
        "Chi bộ đề nghị Đảng ủy Trường THPT Thủ Dầu Một xem xét, kết nạp quần chúng Nguyễn Thị Ngọc Ánh",
    );
    has(&text, "T/M CHI BỘ");

    let text = paper(
        &app,
        &officer,
        id,
        "admission-decision",
        "quyet-dinh-ket-nap",
    )
    .await;
    has(&text, "Nguyễn Thị Ngọc Ánh");
    has(&text, "Số 145-QĐ/ĐU");
    has(&text, "Thủ Dầu Một, ngày 08 tháng 9 năm 2025");
    has(&text, "ĐẢNG BỘ THÀNH PHỐ");
    has(&text, "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT");
    has(&text, "BAN THƯỜNG VỤ ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT");
    has(
        &text,
        "Xét đề nghị của Chi bộ Giáo viên (Nghị quyết số 20-NQ/CB, ngày 18 tháng 8 năm 2025) và của Đảng ủy Trường THPT Thủ Dầu Một (Nghị quyết số 33-NQ/ĐU, ngày 25 tháng 8 năm 2025),",
    );
    has(&text, "Thời gian dự bị 12 tháng");
    has(&text, "T/M BAN THƯỜNG VỤ");

    // The ceremony and the cell's recognition vote.
    advance(&app.store, &scope, id, &pipeline()[9..11], "canbo").await;
    assert_eq!(
        offered(&app, &officer, id).await,
        [
            "admission-resolution",
            "admission-decision",
            "recognition-resolution"
        ]
    );
    refused(&app, &officer, id, person_id, "recognition-decision").await;
    let text = paper(
        &app,
        &officer,
        id,
        "recognition-resolution",
        "nghi-quyet-de-nghi-cong-nhan-chinh-thuc",
    )
    .await;
    has(&text, "Nguyễn Thị Ngọc Ánh");
    has(&text, "Số 41-NQ/CB");
    has(&text, "Thủ Dầu Một, ngày 29 tháng 9 năm 2026");
    has(
        &text,
        "được kết nạp vào Đảng ngày 22 tháng 9 năm 2025 theo Quyết định số 145-QĐ/ĐU, ngày 08 tháng 9 năm 2025 của Ban Thường vụ Đảng ủy Phường Thủ Dầu Một; hết thời gian dự bị ngày 22 tháng 9 năm 2026.",
    );

    // The recognition decision.
    advance(&app.store, &scope, id, &pipeline()[11..], "canbo").await;
    assert_eq!(offered(&app, &officer, id).await.len(), 4);
    let text = paper(
        &app,
        &officer,
        id,
        "recognition-decision",
        "quyet-dinh-cong-nhan-chinh-thuc",
    )
    .await;
    has(&text, "Nguyễn Thị Ngọc Ánh");
    has(&text, "Số 301-QĐ/ĐU");
    has(&text, "Thủ Dầu Một, ngày 13 tháng 10 năm 2026");
    has(
        &text,
        "là đảng viên chính thức của Đảng Cộng sản Việt Nam kể từ ngày 22 tháng 9 năm 2026.",
    );
    has(
        &text,
        "và của Đảng ủy Trường THPT Thủ Dầu Một (Nghị quyết số 52-NQ/ĐU, ngày 06 tháng 10 năm 2026)",
    );

    // A viewer of the ward reads the case page, so they download its papers too.
    let viewer = app.login("xem").await;
    assert_eq!(offered(&app, &viewer, id).await.len(), 4);
    let text = paper(
        &app,
        &viewer,
        id,
        "admission-decision",
        "quyet-dinh-ket-nap",
    )
    .await;
    has(&text, "Số 145-QĐ/ĐU");

    // Out of scope, or no such paper: not found.
    let other_ward = app.login("canbo.phuloi").await;
    for account in [&other_ward, &app.login("bithu").await] {
        let got = download(
            &app,
            account,
            &format!("/cases/{id}/papers/admission-decision"),
        )
        .await;
        assert_eq!(got.status, StatusCode::NOT_FOUND);
        assert!(!got.text().contains("Ngọc Ánh"));
    }
    for path in [
        format!("/cases/{id}/papers/development-plan"),
        format!("/cases/{id}/papers/"),
        "/cases/abc/papers/admission-decision".to_string(),
        "/cases/999999/papers/admission-decision".to_string(),
    ] {
        assert_eq!(
            download(&app, &officer, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn papers_of_a_case_of_another_ward_are_not_found() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let (_, theirs) = source(&app, ("Trần", "Thị", "Mai"), t.other_cell).await;
    let officer = app.login("canbo").await;
    for slug in [
        "admission-resolution",
        "admission-decision",
        "recognition-resolution",
        "recognition-decision",
    ] {
        let got = download(&app, &officer, &format!("/cases/{theirs}/papers/{slug}")).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{slug}");
    }
    // Their own officer is told what is missing instead.
    let own = app.login("canbo.phuloi").await;
    let got = download(
        &app,
        &own,
        &format!("/cases/{theirs}/papers/admission-resolution"),
    )
    .await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn papers_of_a_base_cell_name_the_ward_as_the_committee() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let (_, id) = source(&app, ("Lê", "Thị", "Hồng"), t.residential_cell).await;
    // A base cell: no base committee's resolution between the vote and the decision.
    let steps: Vec<_> = pipeline()
        .into_iter()
        .filter(|a| {
            !matches!(
                a,
                ketnap_domain::action::Action::BaseResolution { .. }
                    | ketnap_domain::action::Action::RecognitionBaseResolution { .. }
            )
        })
        .collect();
    advance(&app.store, &ward_scope(&app), id, &steps[..8], "canbo").await;
    let officer = app.login("canbo").await;
    let text = paper(
        &app,
        &officer,
        id,
        "admission-resolution",
        "nghi-quyet-de-nghi-ket-nap",
    )
    .await;
    has(&text, "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT");
    has(&text, "CHI BỘ KHU PHỐ 3");
    has(&text, "Chi bộ đề nghị Đảng ủy Phường Thủ Dầu Một xem xét");
    let text = paper(
        &app,
        &officer,
        id,
        "admission-decision",
        "quyet-dinh-ket-nap",
    )
    .await;
    has(
        &text,
        "Xét đề nghị của Chi bộ Khu phố 3 (Nghị quyết số 20-NQ/CB, ngày 18 tháng 8 năm 2025),",
    );
    assert!(!text.contains("33-NQ/ĐU"));
}
