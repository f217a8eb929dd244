//! The papers of a case as `.docx` downloads: each one opened as a zip and its
//! `word/document.xml` read back, the file name free of personal data, the refusal of a
//! paper the case cannot fill yet, and the scope. Then a unit's papers: a case paper for
//! every case of the unit that needs it (one document, a page each), the awareness-course
//! list and the development plan, with the same checks.

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
pub(crate) struct Download {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Vec<u8>,
}

impl Download {
    pub(crate) fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// `word/document.xml` as it is.
    fn document_xml(&self) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(self.bytes.as_slice()))
            .unwrap_or_else(|e| panic!("not a .docx ({e}): {}", self.text()));
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    /// The text of `word/document.xml`, tags removed, so that a phrase split over runs
    /// still reads as one.
    fn document_text(&self) -> String {
        text_of(&self.document_xml())
    }
}

/// XML with its tags removed.
fn text_of(xml: &str) -> String {
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

pub(crate) async fn download(app: &TestApp, browser: &Browser, path: &str) -> Download {
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

// ---------------------------------------------------------------------------------------
// A unit's papers.

/// The base cell's steps: no base committee's resolution between the vote and the decision.
fn base_cell_steps() -> Vec<ketnap_domain::action::Action> {
    pipeline()
        .into_iter()
        .filter(|a| {
            !matches!(
                a,
                ketnap_domain::action::Action::BaseResolution { .. }
                    | ketnap_domain::action::Action::RecognitionBaseResolution { .. }
            )
        })
        .collect()
}

/// Downloads a unit's paper and checks the answer is a `.docx` attachment named `file`
/// (the paper and the unit's number: no one's name); returns it.
async fn unit_paper(app: &TestApp, browser: &Browser, path: &str, file: &str) -> Download {
    let got = download(app, browser, path).await;
    assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.text());
    assert_eq!(got.header(header::CONTENT_TYPE), DOCX);
    let disposition = got.header(header::CONTENT_DISPOSITION);
    assert_eq!(disposition, format!("attachment; filename=\"{file}\""));
    assert!(
        file.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'),
        "{file}"
    );
    let lower = disposition.to_lowercase();
    for part in [
        "nguyen", "ngoc", "-anh", "hong", "binh", "tran", "thi-", "van-",
    ] {
        assert!(!lower.contains(part), "{disposition}");
    }
    assert_eq!(got.header(header::CACHE_CONTROL), "no-store");
    got
}

/// A unit's paper refused: 422, the Vietnamese reason on an error page, no one named and
/// no read logged of `people`.
async fn unit_refused(app: &TestApp, browser: &Browser, path: &str, people: &[PersonId]) -> String {
    let mut before = Vec::new();
    for person in people {
        before.push(reads(app, *person).await);
    }
    let got = download(app, browser, path).await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    assert!(got.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(got.header(header::CONTENT_DISPOSITION).is_empty());
    let body = got.text();
    assert!(body.contains("Mã yêu cầu"), "{body}");
    for name in ["Ngọc Ánh", "Thị Hồng", "Văn Bình"] {
        assert!(!body.contains(name), "a refusal names no one: {body}");
    }
    for (person, before) in people.iter().zip(before) {
        assert_eq!(reads(app, *person).await, before, "a refusal is not a read");
    }
    body
}

#[tokio::test]
async fn admission_decisions_of_a_unit_in_one_document() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let scope = ward_scope(&app);
    // Two cases decided in the ward: one in the school's cell, one in a base cell.
    let (anh, school_case) = source(&app, ("Nguyễn", "Thị Ngọc", "Ánh"), t.school_cell).await;
    let (hong, base_case) = source(&app, ("Lê", "Thị", "Hồng"), t.residential_cell).await;
    advance(&app.store, &scope, school_case, &pipeline()[..9], "canbo").await;
    advance(
        &app.store,
        &scope,
        base_case,
        &base_cell_steps()[..8],
        "canbo",
    )
    .await;
    let officer = app.login("canbo").await;

    // The unit page links to its papers.
    let page = app.get(Some(&officer), &format!("/units/{}", t.ward)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for slug in [
        "admission-resolution",
        "admission-decision",
        "recognition-resolution",
        "recognition-decision",
        "awareness-nominees",
        "development-plan?year=",
    ] {
        let href = format!("href=\"/units/{}/papers/{slug}", t.ward);
        assert!(page.body.contains(&href), "{href} not on the unit page");
    }
    assert!(page.body.contains("Văn bản (dự thảo .docx)"));

    let before = (reads(&app, anh).await, reads(&app, hong).await);
    let path = format!("/units/{}/papers/admission-decision", t.ward);
    let file = format!("quyet-dinh-ket-nap-don-vi-{}.docx", t.ward);
    let got = unit_paper(&app, &officer, &path, &file).await;
    assert_eq!(
        got.header(header::HeaderName::from_static("x-skipped-cases")),
        "0"
    );
    // Each served person's read is logged, once.
    assert_eq!(
        (reads(&app, anh).await, reads(&app, hong).await),
        (before.0 + 1, before.1 + 1)
    );
    // Both decisions, in name order (Ánh before Hồng), the second on a new page.
    let xml = got.document_xml();
    let pages: Vec<String> = xml.split("<w:pageBreakBefore").map(text_of).collect();
    assert_eq!(pages.len(), 2, "one page break between two papers");
    has(&pages[0], "Nguyễn Thị Ngọc Ánh");
    assert!(!pages[0].contains(&nfc("Lê Thị Hồng")));
    has(&pages[1], "Lê Thị Hồng");
    assert!(!pages[1].contains(&nfc("Nguyễn Thị Ngọc Ánh")));
    for page in &pages {
        has(page, "Số 145-QĐ/ĐU");
        has(page, "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT");
        has(page, "T/M BAN THƯỜNG VỤ");
    }
    // Each paper is the one the case gives on its own.
    has(
        &pages[0],
        "và của Đảng ủy Trường THPT Thủ Dầu Một (Nghị quyết số 33-NQ/ĐU, ngày 25 tháng 8 năm 2025)",
    );
    has(
        &pages[1],
        "Xét đề nghị của Chi bộ Khu phố 3 (Nghị quyết số 20-NQ/CB, ngày 18 tháng 8 năm 2025),",
    );

    // The school's committee: its own case only.
    let got = unit_paper(
        &app,
        &officer,
        &format!("/units/{}/papers/admission-decision", t.school),
        &format!("quyet-dinh-ket-nap-don-vi-{}.docx", t.school),
    )
    .await;
    let text = got.document_text();
    has(&text, "Nguyễn Thị Ngọc Ánh");
    assert!(!text.contains(&nfc("Lê Thị Hồng")));
    assert!(!got.document_xml().contains("<w:pageBreakBefore"));

    // Decided cases wait for no resolution: nothing to print, said in Vietnamese.
    let body = unit_refused(
        &app,
        &officer,
        &format!("/units/{}/papers/admission-resolution", t.ward),
        &[anh, hong],
    )
    .await;
    assert!(
        body.contains(
            "Không có hồ sơ nào để lập “Nghị quyết của chi bộ đề nghị kết nạp đảng viên”"
        ),
        "{body}"
    );
    assert!(body.contains("Đảng bộ Phường Thủ Dầu Một"), "{body}");
    let body = unit_refused(
        &app,
        &officer,
        &format!("/units/{}/papers/recognition-decision", t.residential_cell),
        &[],
    )
    .await;
    assert!(body.contains("Không có hồ sơ nào để lập"), "{body}");

    // The ceremony moves a case on: its decision is no longer in the bulk paper.
    advance(&app.store, &scope, school_case, &pipeline()[9..10], "canbo").await;
    let text = unit_paper(&app, &officer, &path, &file)
        .await
        .document_text();
    has(&text, "Lê Thị Hồng");
    assert!(!text.contains(&nfc("Nguyễn Thị Ngọc Ánh")));

    // A viewer of the ward downloads them too; no such paper is not found.
    let viewer = app.login("xem").await;
    unit_paper(&app, &viewer, &path, &file).await;
    for path in [
        format!("/units/{}/papers/new-member-list", t.ward),
        "/units/abc/papers/admission-decision".to_string(),
        "/units/999999/papers/admission-decision".to_string(),
        "/units/999999/papers/awareness-nominees".to_string(),
        "/units/999999/papers/development-plan".to_string(),
    ] {
        assert_eq!(
            download(&app, &officer, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn papers_of_a_unit_of_another_ward_are_not_found() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let (person_id, id) = source(&app, ("Nguyễn", "Thị Ngọc", "Ánh"), t.school_cell).await;
    advance(&app.store, &ward_scope(&app), id, &pipeline()[..9], "canbo").await;
    let before = reads(&app, person_id).await;
    let other_ward = app.login("canbo.phuloi").await;
    for unit in [t.ward, t.school, t.school_cell, t.city] {
        for slug in [
            "admission-decision",
            "awareness-nominees",
            "development-plan",
            "development-plan?year=2026",
        ] {
            let got = download(&app, &other_ward, &format!("/units/{unit}/papers/{slug}")).await;
            assert_eq!(got.status, StatusCode::NOT_FOUND, "{unit} {slug}");
            assert!(!got.text().contains("Ngọc Ánh"));
            assert!(got.header(header::CONTENT_DISPOSITION).is_empty());
        }
    }
    assert_eq!(reads(&app, person_id).await, before);
}

#[tokio::test]
async fn the_awareness_list_holds_the_sympathisers_without_the_course() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let scope = ward_scope(&app);
    // A sympathiser (on the list), a source not yet a sympathiser, an official member and
    // a sympathiser who has the certificate (none of them on it), and a sympathiser of
    // another ward (outside the unit).
    let (binh, sympathiser) = source(&app, ("Trần", "Văn", "Bình"), t.residential_cell).await;
    advance(&app.store, &scope, sympathiser, &pipeline()[..1], "canbo").await;
    let (_, _) = source(&app, ("Phạm", "Thị", "Nguồn"), t.residential_cell).await;
    let (anh, member) = source(&app, ("Nguyễn", "Thị Ngọc", "Ánh"), t.school_cell).await;
    advance(&app.store, &scope, member, &pipeline(), "canbo").await;
    let (_, certified) = source(&app, ("Đỗ", "Văn", "Chứng"), t.school_cell).await;
    advance(&app.store, &scope, certified, &pipeline()[..2], "canbo").await;
    let (_, theirs) = source(&app, ("Võ", "Thị", "Khác"), t.other_cell).await;
    advance(
        &app.store,
        &Scope::subtree(t.other_ward, Access::Edit),
        theirs,
        &pipeline()[..1],
        "canbo.phuloi",
    )
    .await;
    let officer = app.login("canbo").await;

    let before = (reads(&app, binh).await, reads(&app, anh).await);
    let got = unit_paper(
        &app,
        &officer,
        &format!("/units/{}/papers/awareness-nominees", t.ward),
        &format!("danh-sach-de-nghi-hoc-lop-nhan-thuc-don-vi-{}.docx", t.ward),
    )
    .await;
    let text = got.document_text();
    has(&text, "Trần Văn Bình");
    has(&text, "Cảm tình Đảng từ 03/07/2025");
    for absent in [
        "Nguyễn Thị Ngọc Ánh",
        "Phạm Thị Nguồn",
        "Đỗ Văn Chứng",
        "Võ Thị Khác",
    ] {
        assert!(!text.contains(&nfc(absent)), "{absent} is not on the list");
    }
    has(&text, "ĐẢNG BỘ THÀNH PHỐ");
    has(&text, "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT");
    has(&text, "Kính gửi: Đảng ủy Thành phố");
    has(&text, "Danh sách này có 1 quần chúng.");
    has(&text, "Thủ Dầu Một, ngày");
    // Only the listed person's record was read.
    assert_eq!(
        (reads(&app, binh).await, reads(&app, anh).await),
        (before.0 + 1, before.1)
    );

    // The school has no sympathiser left without the course: refused, in Vietnamese.
    let body = unit_refused(
        &app,
        &officer,
        &format!("/units/{}/papers/awareness-nominees", t.school),
        &[binh, anh],
    )
    .await;
    assert!(
        body.contains("không có cảm tình Đảng nào chưa học lớp"),
        "{body}"
    );
}

#[tokio::test]
async fn the_development_plan_of_a_unit_for_a_year() {
    use ketnap_domain::report::TargetKey;
    let app = TestApp::new().await;
    let t = &app.tree;
    let city = Scope::subtree(t.city, Access::Edit);
    let officer_change = crate::fixtures::change("canbo");
    app.store
        .set_target(&officer_change, &city, &TargetKey::overall(t.ward, 2026), 7)
        .await
        .unwrap();
    app.store
        .set_target(
            &officer_change,
            &city,
            &TargetKey::overall(t.school, 2026),
            4,
        )
        .await
        .unwrap();
    let officer = app.login("canbo").await;
    let got = unit_paper(
        &app,
        &officer,
        &format!("/units/{}/papers/development-plan?year=2026", t.ward),
        &format!(
            "ke-hoach-phat-trien-dang-vien-nam-2026-don-vi-{}.docx",
            t.ward
        ),
    )
    .await;
    let text = got.document_text();
    has(&text, "phát triển đảng viên năm 2026");
    has(
        &text,
        "Năm 2026, Đảng bộ Phường Thủ Dầu Một phấn đấu kết nạp 7 đảng viên mới",
    );
    has(&text, "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT");
    // The sub-units' quotas: the school's set one, the base cell's default.
    has(&text, "Đảng bộ Trường THPT Thủ Dầu Một");
    has(&text, "Chi bộ Khu phố 3");
    has(&text, "Chỉ tiêu mặc định");
    has(&text, "T/M ĐẢNG ỦY");

    // Another year has no target set: the default, and no 7.
    let text = unit_paper(
        &app,
        &officer,
        &format!("/units/{}/papers/development-plan?year=2030", t.ward),
        &format!(
            "ke-hoach-phat-trien-dang-vien-nam-2030-don-vi-{}.docx",
            t.ward
        ),
    )
    .await
    .document_text();
    has(&text, "phát triển đảng viên năm 2030");
    assert!(!text.contains("kết nạp 7 đảng viên"));

    // Without a year: this year's plan (Vietnam's date).
    let year = chrono::Datelike::year(&ketnap_domain::workflow::today_in_vietnam(
        chrono::Utc::now(),
    ));
    let text = unit_paper(
        &app,
        &officer,
        &format!("/units/{}/papers/development-plan", t.ward),
        &format!(
            "ke-hoach-phat-trien-dang-vien-nam-{year}-don-vi-{}.docx",
            t.ward
        ),
    )
    .await
    .document_text();
    has(&text, &format!("phát triển đảng viên năm {year}"));

    // A year that cannot be is refused, naming the range.
    let got = download(
        &app,
        &officer,
        &format!("/units/{}/papers/development-plan?year=abc", t.ward),
    )
    .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    assert!(got.text().contains("Năm không hợp lệ"), "{}", got.text());
}

/// Takes a source straight to `Decided` with the decision only, as a list taken over from
/// a unit's books does (it has no record of the cell's vote): its admission decision
/// cannot be drafted.
async fn decided_without_a_vote(app: &TestApp, id: CaseId) {
    use ketnap_domain::case::{AdmissionDecision, Stage};
    use ketnap_domain::workflow::{Event, Transition};
    let scope = ward_scope(app);
    let record = app.store.case(&scope, id).await.unwrap();
    let mut case = record.case.clone();
    let decision = crate::fixtures::doc("150-QĐ/ĐU", day(2025, 9, 15));
    case.decision = Some(AdmissionDecision {
        decision: decision.clone(),
        received_on: day(2025, 9, 15),
    });
    case.stage = Stage::Decided;
    let transition = Transition {
        event: Event {
            action: "decide_admission".into(),
            on: day(2025, 9, 15),
            summary: "Tiếp nhận từ danh sách của đơn vị.".into(),
            document: Some(decision),
            stage_before: record.case.stage,
            stage_after: Stage::Decided,
            actor: "canbo".into(),
            rule_set: "qd-294 v1".into(),
            recorded_at: crate::fixtures::now(),
        },
        case,
    };
    app.store
        .record_transition(&change("canbo"), &scope, record.version, &transition)
        .await
        .unwrap();
}

#[tokio::test]
async fn cases_that_cannot_fill_a_paper_are_left_out_of_the_bulk() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let (hong, full) = source(&app, ("Lê", "Thị", "Hồng"), t.residential_cell).await;
    advance(
        &app.store,
        &ward_scope(&app),
        full,
        &base_cell_steps()[..8],
        "canbo",
    )
    .await;
    let (taken_over, bare) = source(&app, ("Đặng", "Văn", "Nhập"), t.school_cell).await;
    decided_without_a_vote(&app, bare).await;
    let officer = app.login("canbo").await;

    // The ward: the case that fills it, the other left out (and counted), unread.
    let before = (reads(&app, hong).await, reads(&app, taken_over).await);
    let got = unit_paper(
        &app,
        &officer,
        &format!("/units/{}/papers/admission-decision", t.ward),
        &format!("quyet-dinh-ket-nap-don-vi-{}.docx", t.ward),
    )
    .await;
    assert_eq!(
        got.header(header::HeaderName::from_static("x-skipped-cases")),
        "1"
    );
    let text = got.document_text();
    has(&text, "Lê Thị Hồng");
    assert!(!text.contains(&nfc("Đặng Văn Nhập")));
    assert!(!text.contains("150-QĐ/ĐU"), "nothing of the left-out case");
    assert!(!got.document_xml().contains("<w:pageBreakBefore"));
    assert_eq!(
        (reads(&app, hong).await, reads(&app, taken_over).await),
        (before.0 + 1, before.1)
    );

    // The school has only that case: refused with its reason and its number.
    let body = unit_refused(
        &app,
        &officer,
        &format!("/units/{}/papers/admission-decision", t.school),
        &[taken_over],
    )
    .await;
    assert!(
        body.contains("Hồ sơ chưa có nghị quyết của chi bộ đề nghị kết nạp"),
        "{body}"
    );
    assert!(body.contains(&format!("Hồ sơ số {bare}")), "{body}");
    assert!(!body.contains("Văn Nhập"));
}

/// The bulk recognition decisions read official members through the decision's date (the
/// web's clock is the real one, so the window is checked at the store on fixed days).
#[tokio::test]
async fn recognition_decisions_are_found_by_the_decision_date() {
    use ketnap_domain::case::Stage;
    let app = TestApp::new().await;
    let t = &app.tree;
    let scope = ward_scope(&app);
    let (_, member) = source(&app, ("Nguyễn", "Thị Ngọc", "Ánh"), t.school_cell).await;
    advance(&app.store, &scope, member, &pipeline(), "canbo").await;
    let (_, probation) = source(&app, ("Lê", "Thị", "Hồng"), t.residential_cell).await;
    advance(
        &app.store,
        &scope,
        probation,
        &base_cell_steps()[..9],
        "canbo",
    )
    .await;
    let found = |since| {
        let store = app.store.clone();
        let scope = scope.clone();
        async move {
            store
                .cases_under(&scope, t.ward, &[Stage::Official], since)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.case.id)
                .collect::<Vec<_>>()
        }
    };
    // Decided on 13/10/2026.
    assert_eq!(found(None).await, [member]);
    assert_eq!(found(Some(day(2026, 10, 13))).await, [member]);
    assert!(found(Some(day(2026, 10, 14))).await.is_empty());
    // Other stages are not held back by the window.
    let both = app
        .store
        .cases_under(
            &scope,
            t.ward,
            &[Stage::Official, Stage::Probation],
            Some(day(2026, 12, 1)),
        )
        .await
        .unwrap();
    assert_eq!(
        both.iter().map(|r| r.case.id).collect::<Vec<_>>(),
        [probation]
    );
    // A unit outside the scope is not found.
    assert!(
        app.store
            .cases_under(&scope, t.other_ward, &[Stage::Official], None)
            .await
            .is_err()
    );
}
