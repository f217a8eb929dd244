//! Headcounts imported from a spreadsheet as ward offices keep them (a merged title row,
//! headers without diacritics, numbers and dates typed as text): through the store, the
//! command line and the web; every row checked before anything is written.

use std::process::Command;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::NaiveDate;
use ketnap_domain::ids::UnitId;
use ketnap_domain::report::HeadcountRecord;
use ketnap_domain::scope::{Access, Scope};
use ketnap_import::{ImportError, Kind, Outcome};
use ketnap_store::Store;
use rust_xlsxwriter::{Format, Workbook};
use tower::ServiceExt;

use crate::fixtures::{Tree, change, day, sqlite_store, tree};
use crate::web::TestApp;

const HEADERS: [&str; 5] = [
    "Ma don vi",
    "Tinh den ngay",
    "DV chinh thuc",
    "Du bi",
    "Quan chung",
];

/// A workbook with a merged title row, a blank row, the headers and `rows` as text.
fn workbook(rows: &[[&str; 5]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Số liệu").unwrap();
    sheet
        .merge_range(
            0,
            0,
            0,
            4,
            "BÁO CÁO SỐ LƯỢNG ĐẢNG VIÊN",
            &Format::new().set_bold(),
        )
        .unwrap();
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    for (i, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet
                    .write_string(3 + i as u32, col as u16, *value)
                    .unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

const GOOD: [[&str; 5]; 2] = [
    ["25747", "01/07/2025", "31", "1", "600"],
    ["25750", "1/7/25", "1.204", "0", ""],
];

async fn held(store: &Store, unit: UnitId) -> Vec<HeadcountRecord> {
    store
        .headcounts(&Scope::subtree(unit, Access::Read), unit)
        .await
        .unwrap()
}

fn july1() -> NaiveDate {
    day(2025, 7, 1)
}

async fn assert_good_rows_held(store: &Store, t: &Tree) {
    let ward = held(store, t.ward).await;
    assert_eq!(ward.len(), 1);
    let h = &ward[0].input;
    assert_eq!(
        (
            h.as_of,
            h.official_members,
            h.probationary_members,
            h.workforce
        ),
        (july1(), 31, 1, Some(600))
    );
    let other = held(store, t.other_ward).await;
    assert_eq!(other.len(), 1);
    let h = &other[0].input;
    assert_eq!(
        (
            h.as_of,
            h.official_members,
            h.probationary_members,
            h.workforce
        ),
        (july1(), 1204, 0, None)
    );
}

#[tokio::test]
async fn headcounts_are_imported_all_or_nothing_and_once() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let city = Scope::subtree(t.city, Access::Edit);

    // One bad row at the very end: nothing written, the row, column and value named.
    let mut rows = GOOD.to_vec();
    rows.push(["99999", "01/07/2025", "5", "0", ""]);
    let outcome = run(
        &store,
        &admin,
        &city,
        Kind::Headcounts,
        &workbook(&rows),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        (outcome.sheet.as_str(), outcome.header_row, outcome.rows),
        ("Số liệu", 3, 3)
    );
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    let p = &outcome.problems[0];
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_deref()),
        (Some(6), Some("A"), Some("99999"))
    );
    assert!(!outcome.written);
    assert!(held(&store, t.ward).await.is_empty());

    // Bad cells of every kind are all named in one pass.
    let bad = [
        ["25747", "31/02/2025", "31", "1", ""],
        ["25750", "01/07/2025", "-3", "", "nhiều"],
    ];
    let outcome = run(
        &store,
        &admin,
        &city,
        Kind::Headcounts,
        &workbook(&bad),
        false,
    )
    .await
    .unwrap();
    let places: Vec<(Option<usize>, Option<&str>)> = outcome
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        places,
        vec![
            (Some(4), Some("B")),
            (Some(5), Some("C")),
            (Some(5), Some("D")),
            (Some(5), Some("E"))
        ],
        "{:?}",
        outcome.problems
    );
    assert!(held(&store, t.other_ward).await.is_empty());

    // A dry run says what would be written and writes nothing.
    let good = workbook(&GOOD);
    let outcome = run(&store, &admin, &city, Kind::Headcounts, &good, true)
        .await
        .unwrap();
    assert_eq!(
        (outcome.changes, outcome.unchanged, outcome.written),
        (2, 0, false)
    );
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert!(held(&store, t.ward).await.is_empty());

    let outcome = run(&store, &admin, &city, Kind::Headcounts, &good, false)
        .await
        .unwrap();
    assert_eq!((outcome.changes, outcome.written), (2, true));
    assert_good_rows_held(&store, &t).await;

    // The same file again changes nothing.
    let outcome = run(&store, &admin, &city, Kind::Headcounts, &good, false)
        .await
        .unwrap();
    assert_eq!(
        (outcome.changes, outcome.unchanged, outcome.written),
        (0, 2, false)
    );

    // A ward officer cannot import the other ward's numbers.
    let ward = Scope::subtree(t.ward, Access::Edit);
    let outcome = run(&store, &admin, &ward, Kind::Headcounts, &good, false)
        .await
        .unwrap();
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    assert_eq!(outcome.problems[0].row, Some(5));

    // Not a spreadsheet: refused, nothing read.
    let err = run(
        &store,
        &admin,
        &city,
        Kind::Headcounts,
        b"\x89PNG\r\n\x1a\n",
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ketnap_import::ImportError::File(_)), "{err}");
}

#[tokio::test]
async fn the_command_line_imports_with_a_dry_run_first() {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    store.close().await;
    let db = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let file = dir.path().join("so-lieu.xlsx");
    std::fs::write(&file, workbook(&GOOD)).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "import",
            file.to_str().unwrap(),
            "--kind",
            "headcounts",
            "--unit",
            "79",
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_ketnap"))
            .arg("--database")
            .arg(&db)
            .args(&args)
            .env_remove("KETNAP_DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = run(&["--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("Chạy thử: sẽ ghi 2 dòng"), "{stdout}");
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("Đã ghi 2 dòng"), "{stdout}");
    let store = Store::open(&db, ketnap_store::Create::Never).await.unwrap();
    assert_good_rows_held(&store, &t).await;

    let mut rows = GOOD.to_vec();
    rows.push(["25747", "02/07/2025", "-1", "0", ""]);
    std::fs::write(&file, workbook(&rows)).unwrap();
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("dòng 6, cột C"), "{stdout}");

    // Export: the file's extension says the format; an unknown kind is named.
    let export = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ketnap"))
            .arg("--database")
            .arg(&db)
            .arg("export")
            .args(args)
            .args(["--purpose", "Rà soát, đối chiếu hồ sơ"])
            .env_remove("KETNAP_DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = export(&["so-lieu.pdf", "--kind", "headcounts", "--unit", "79"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(".xlsx hoặc .csv"));
    let out = export(&["so-lieu.xlsx", "--kind", "khac", "--unit", "79"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("các loại: headcounts, people, units, mass_orgs")
    );
    assert_eq!(held(&store, t.ward).await.len(), 1);
}

/// The upload token a review page's form carries.
fn token_in(html: &str) -> String {
    let marker = "name=\"upload\" value=\"";
    let start = html.find(marker).expect("upload token in the page") + marker.len();
    html[start..start + 32].to_string()
}

#[tokio::test]
async fn the_web_form_checks_then_writes() {
    let app = TestApp::new().await;
    let send_file = |cookie: String, csrf: Option<String>, file: Vec<u8>| {
        let router = app.router.clone();
        async move {
            let (content_type, body) = crate::web::multipart(csrf.as_deref(), "headcounts", &file);
            let request = Request::builder()
                .method(Method::POST)
                .uri("/import")
                .header(
                    header::COOKIE,
                    format!("{}={cookie}", ketnap_web::SESSION_COOKIE),
                )
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_string());
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                location,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        }
    };
    let download = |cookie: String, path: String| {
        let router = app.router.clone();
        async move {
            let request = Request::builder()
                .uri(path)
                .header(
                    header::COOKIE,
                    format!("{}={cookie}", ketnap_web::SESSION_COOKIE),
                )
                .body(Body::empty())
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let kind = response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_string();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (kind, bytes.to_vec())
        }
    };
    let admin = app.login("admin").await;
    // The exports below are bulk exports: the password and code again first.
    app.reauth(&admin).await;
    let page = app.get(Some(&admin), "/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    // No CSRF token: refused before anything is read.
    let (status, _, _) = send_file(admin.cookie.clone(), None, workbook(&GOOD)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // No file, or a file that is not a spreadsheet: said in Vietnamese, nothing kept.
    let (status, _, body) =
        send_file(admin.cookie.clone(), Some(admin.csrf.clone()), Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Hãy chọn tệp bảng tính."), "{body}");
    let (status, _, body) = send_file(
        admin.cookie.clone(),
        Some(admin.csrf.clone()),
        b"%PDF-1.4 not a spreadsheet".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("id=\"import-error\""), "{body}");

    // A good file: kept, reviewed (the rows as understood), nothing written yet.
    let (status, location, _) = send_file(
        admin.cookie.clone(),
        Some(admin.csrf.clone()),
        workbook(&GOOD),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let review = location.unwrap();
    assert!(review.starts_with("/import/review?upload="), "{review}");
    let page = app.get(Some(&admin), &review).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("sẽ ghi 2 dòng"), "{}", page.body);
    assert!(page.body.contains("id=\"import-preview\""));
    assert!(page.body.contains("01/07/2025"));
    assert!(page.body.contains("id=\"import-confirm\""));
    assert!(held(&app.store, app.tree.ward).await.is_empty());
    let token = token_in(&page.body);

    // Someone else's upload is not theirs to see.
    let officer = app.login("canbo").await;
    let page = app.get(Some(&officer), &review).await;
    assert!(page.body.contains("Không còn tệp này"), "{}", page.body);

    // Confirmed: written, and the upload forgotten.
    let page = app
        .post(
            &admin,
            "/import/review",
            &[("upload", token.as_str()), ("action", "confirm")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đã ghi 2 dòng"), "{}", page.body);
    assert_good_rows_held(&app.store, &app.tree).await;
    let page = app.get(Some(&admin), &review).await;
    assert!(page.body.contains("Không còn tệp này"));

    // A file with a bad cell: the problem on the page and in the error workbook; the
    // confirm button is not offered, and a forged confirmation writes nothing.
    let mut rows = GOOD.to_vec();
    rows.push(["25747", "02/07/2025", "-1", "0", ""]);
    let (_, location, _) = send_file(
        admin.cookie.clone(),
        Some(admin.csrf.clone()),
        workbook(&rows),
    )
    .await;
    let review = location.unwrap();
    let page = app.get(Some(&admin), &review).await;
    assert!(page.body.contains("id=\"import-problems\""));
    assert!(!page.body.contains("id=\"import-confirm\""));
    let token = token_in(&page.body);
    let page = app
        .post(
            &admin,
            "/import/review",
            &[("upload", token.as_str()), ("action", "confirm")],
        )
        .await;
    assert!(!page.body.contains("Đã ghi"));
    assert_eq!(held(&app.store, app.tree.ward).await.len(), 1);
    let (kind, bytes) = download(
        admin.cookie.clone(),
        format!("/import/errors?upload={token}"),
    )
    .await;
    assert!(kind.starts_with("application/vnd.openxmlformats"), "{kind}");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = calamine::Reader::sheet_names(&book);
    assert_eq!(names, ["Lỗi", "Số liệu"]);
    let errors = calamine::Reader::worksheet_range(&mut book, "Lỗi").unwrap();
    let listed: Vec<String> = errors
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(&listed[..3], ["Số liệu", "6", "C"]);

    // Headers the importer does not know: the closest row is offered for mapping by hand.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in ["Mã", "Ngày", "Chính thức", "ĐV DB (người)"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    for (col, v) in ["25747", "01/07/2025", "31", "1"].iter().enumerate() {
        sheet.write_string(1, col as u16, *v).unwrap();
    }
    let (_, location, _) = send_file(
        admin.cookie.clone(),
        Some(admin.csrf.clone()),
        book.save_to_buffer().unwrap(),
    )
    .await;
    let review = location.unwrap();
    let page = app.get(Some(&admin), &review).await;
    assert!(
        page.body.contains("Chưa nhận ra đủ các cột"),
        "{}",
        page.body
    );
    assert!(page.body.contains("D — ĐV DB (người)"));
    let token = token_in(&page.body);
    let page = app
        .post(
            &admin,
            "/import/review",
            &[
                ("upload", token.as_str()),
                ("action", "check"),
                ("col_probationary_members", "3"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let bad = app
        .post(
            &admin,
            "/import/review",
            &[
                ("upload", token.as_str()),
                ("col_official_members", "cột C"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Cột chọn không hợp lệ"), "{}", bad.body);
    let page = app.get(Some(&admin), &review).await;
    // (The file has no workforce column, so its row differs from the one held.)
    assert!(page.body.contains("sẽ ghi 1 dòng"), "{}", page.body);
    assert!(
        page.body
            .contains("<option value=\"3\" selected>D — ĐV DB (người)")
    );

    // An export of no known kind says so.
    let page = app.get(Some(&admin), "/import/export?kind=khac").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Hãy chọn loại danh sách"),
        "{}",
        page.body
    );

    // The list goes out in the layout it came in.
    let (kind, bytes) = download(
        admin.cookie.clone(),
        "/import/export?kind=headcounts".to_string(),
    )
    .await;
    assert!(kind.starts_with("application/vnd.openxmlformats"));
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    assert_eq!(sheet.rows().count(), 3);

    // A read-only account sees the exports but not the upload form, and cannot upload.
    let viewer = app.login("xem").await;
    let page = app.get(Some(&viewer), "/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"import-form\""));
    assert!(page.body.contains("id=\"export-links\""));
    let (status, _, _) = send_file(
        viewer.cookie.clone(),
        Some(viewer.csrf.clone()),
        workbook(&GOOD),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// An import with no column corrections and no decisions.
pub(crate) async fn run(
    store: &Store,
    change: &ketnap_domain::ports::Change,
    scope: &Scope,
    kind: Kind,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Outcome, ImportError> {
    let request = ketnap_import::Request {
        dry_run,
        ..ketnap_import::Request::default()
    };
    ketnap_import::import(store, change, scope, kind, bytes, &request, &|_, _| {}).await
}

/// A good headcount list (two wards on 1 July 2025), for other tests.
pub(crate) fn headcount_list() -> Vec<u8> {
    workbook(&GOOD)
}

#[tokio::test]
async fn the_web_review_asks_about_people_who_may_be_on_file() {
    use crate::import_people::{V::T, list};
    let app = TestApp::new().await;
    let officer = app.login("canbo").await;
    let post_file = |file: Vec<u8>| {
        let (app, officer) = (&app, &officer);
        async move {
            let answer = app.upload(officer, "people", &file).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
            answer.location().unwrap().to_string()
        }
    };
    let one = |name: &'static str, cccd: &'static str| {
        let mut row = vec![T(""); 14];
        row[0] = T(name);
        row[1] = T("01/01/2000");
        row[2] = T("Nam");
        row[3] = T(cccd);
        row[6] = T("Chi bộ Khu phố 3");
        row[8] = T("01/02/2025");
        row
    };
    // Two namesakes on file, told apart by their CCCD.
    let review = post_file(list(&[
        one("Nguyễn Văn Hùng", "079200000011"),
        one("Nguyễn Văn Hùng", "079200000022"),
    ]))
    .await;
    let page = app.get(Some(&officer), &review).await;
    let token = token_in(&page.body);
    let page = app
        .post(
            &officer,
            "/import/review",
            &[("upload", token.as_str()), ("action", "confirm")],
        )
        .await;
    assert!(page.body.contains("Đã ghi 2 dòng"), "{}", page.body);

    // A list naming him without a CCCD: the page asks which one, or someone new.
    let review = post_file(list(&[one("Nguyen Van Hung", "")])).await;
    let page = app.get(Some(&officer), &review).await;
    assert!(
        page.body.contains("id=\"import-decisions\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("CCCD …0011") && page.body.contains("CCCD …0022"));
    assert!(!page.body.contains("id=\"import-confirm\""));
    let token = token_in(&page.body);
    let page = app
        .post(
            &officer,
            "/import/review",
            &[
                ("upload", token.as_str()),
                ("action", "check"),
                ("decide_6", "new"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = app.get(Some(&officer), &review).await;
    assert!(page.body.contains("sẽ ghi 1 dòng"), "{}", page.body);
    // The decision travels with the form: confirming as the page offers it keeps it.
    assert!(page.body.contains("name=\"decide_6\" value=\"new\""));
    let page = app
        .post(
            &officer,
            "/import/review",
            &[
                ("upload", token.as_str()),
                ("action", "confirm"),
                ("decide_6", "new"),
            ],
        )
        .await;
    assert!(page.body.contains("Đã ghi 1 dòng"), "{}", page.body);
}
