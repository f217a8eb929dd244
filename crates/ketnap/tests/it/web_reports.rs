//! The report pages: who may open them, bad query values, and the exports read back by a
//! real spreadsheet reader (`calamine`) and compared cell by cell with the page.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};
use ketnap_domain::access::{Need, Role};
use ketnap_domain::ids::{UnitId, UserId};
use ketnap_domain::ports::{CaseStore, NewUnit, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::unit::{SectorCode, UnitKind};
use tower::ServiceExt;

use crate::fixtures::{advance, change, day, person, pipeline};
use crate::web::{Browser, TestApp, accounts};

/// A unit whose name a spreadsheet would run as a formula.
pub const FORMULA_NAME: &str = "=HYPERLINK(\"http://x\";\"Chi bộ\")";

/// The fixture with something to count: in the ward, two admissions in 2025 (the school
/// cell), one case waiting at the cell vote, and a cell whose name looks like a formula.
pub async fn seeded() -> (TestApp, UnitId) {
    let app = TestApp::new().await;
    let t = &app.tree;
    let admin = change("admin");
    let formula_cell = app
        .store
        .create_unit(
            &admin,
            NewUnit {
                code: None,
                name: FORMULA_NAME.into(),
                kind: UnitKind::BaseCell,
                parent: Some(t.ward),
                sector: SectorCode("residential".into()),
                valid_from: day(2025, 7, 1),
            },
        )
        .await
        .unwrap();
    let scope = Scope::subtree(t.city, Access::Edit);
    let steps = pipeline();
    for (i, (cell, upto)) in [
        (t.school_cell, 10),
        (t.school_cell, 10),
        (t.residential_cell, 7),
    ]
    .into_iter()
    .enumerate()
    {
        let details = person(
            "Trần",
            "Thị",
            &format!("Báo Cáo {i}"),
            day(1995, 3, 3),
            ketnap_domain::citizen_id::Sex::Female,
            None,
        );
        let (_, case) = app
            .store
            .create_source(&admin, &scope, &details, cell, day(2025, 7, 1), None)
            .await
            .unwrap();
        advance(&app.store, &scope, case, &steps[..upto], "admin").await;
    }
    (app, formula_cell)
}

pub struct Download {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Download {
    pub fn header(&self, name: header::HeaderName) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// A GET as the browser, the body kept as bytes.
pub async fn fetch(app: &TestApp, browser: &Browser, path: &str) -> Download {
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

// ---------------------------------------------------------------------------------------
// Reading the page's tables

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#34;", "\"")
        .replace("&#x22;", "\"")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(out.trim())
}

/// The texts of the `tag` cells of each `<tr>` in `html`.
fn cells(html: &str, tag: &str) -> Vec<Vec<String>> {
    html.split("<tr")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap();
            row.split(&format!("<{tag}"))
                .skip(1)
                .map(|cell| {
                    let cell = cell.split_once('>').unwrap().1;
                    strip_tags(cell.split(&format!("</{tag}>")).next().unwrap())
                })
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect()
}

/// One report table as the page shows it.
#[derive(Debug)]
pub struct PageTable {
    pub key: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The report sections of a page, in order.
pub fn page_tables(html: &str) -> Vec<PageTable> {
    html.split("<section class=\"report-section\" id=\"")
        .skip(1)
        .map(|part| {
            let key = part.split('"').next().unwrap().to_string();
            let part = part.split("</section>").next().unwrap();
            let (headers, rows) = match part.split_once("<thead>") {
                Some((_, rest)) => {
                    let (head, body) = rest.split_once("</thead>").unwrap();
                    (
                        cells(head, "th").into_iter().next().unwrap_or_default(),
                        cells(body.split("</tbody>").next().unwrap(), "td"),
                    )
                }
                None => (Vec::new(), Vec::new()),
            };
            PageTable { key, headers, rows }
        })
        .collect()
}

/// A Vietnamese number as the page writes it: `1.234`, `12,5`, `-3`.
fn vi_number(text: &str) -> Option<f64> {
    text.replace('.', "").replace(',', ".").parse::<f64>().ok()
}

/// Whether a cell of the workbook holds what the page shows.
fn same(page: &str, cell: &Data) -> bool {
    match cell {
        Data::Empty => page.is_empty(),
        Data::String(s) => s == page || *s == format!("'{page}"),
        Data::Float(x) => {
            if let Some(p) = page.strip_suffix(" %") {
                vi_number(p).is_some_and(|p| (p / 100.0 - x).abs() < 0.0006)
            } else {
                vi_number(page).is_some_and(|p| (p - x).abs() < 0.051)
            }
        }
        Data::Int(n) => vi_number(page) == Some(*n as f64),
        Data::DateTime(_) => cell
            .as_datetime()
            .is_some_and(|d| d.date().format("%d/%m/%Y").to_string() == page),
        other => panic!("unexpected cell {other:?} for {page:?}"),
    }
}

/// Compares every sheet of the workbook with the page's table of the same position.
pub fn assert_workbook_matches(bytes: &[u8], html: &str) -> usize {
    let tables = page_tables(html);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), tables.len(), "one sheet per table: {names:?}");
    let mut compared = 0;
    for (name, table) in names.iter().zip(&tables) {
        let range = book.worksheet_range(name).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let header: Vec<String> = rows
            .first()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        if table.headers.is_empty() {
            // An empty table on the page: the sheet has its header row only.
            assert!(rows.len() <= 1, "{name}: {} rows", rows.len());
            continue;
        }
        assert_eq!(header, table.headers, "headers of {name} ({})", table.key);
        assert_eq!(
            rows.len() - 1,
            table.rows.len(),
            "rows of {name} ({})",
            table.key
        );
        for (r, (sheet_row, page_row)) in rows[1..].iter().zip(&table.rows).enumerate() {
            for (c, page_cell) in page_row.iter().enumerate() {
                let cell = sheet_row.get(c).cloned().unwrap_or(Data::Empty);
                assert!(
                    same(page_cell, &cell),
                    "{name} ({}) row {} column {}: page {page_cell:?}, xlsx {cell:?}",
                    table.key,
                    r + 1,
                    c + 1
                );
                compared += 1;
            }
        }
    }
    compared
}

// ---------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn report_pages_answer_for_each_role_and_scope() {
    let (app, _) = seeded().await;
    let t = &app.tree;
    for (username, role, unit) in accounts(t) {
        let browser = app.login(username).await;
        app.reauth(&browser).await;
        let readable = role.grants(Need::Read);
        for path in [
            "/reports".to_string(),
            format!("/reports?unit={unit}&year=2025"),
            "/reports/export.xlsx".to_string(),
            "/reports/export.csv?table=progress".to_string(),
        ] {
            let answer = fetch(&app, &browser, &path).await;
            let expected = if readable {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(
                answer.status,
                expected,
                "{username} {path}: {}",
                answer.text()
            );
        }
        let plan = fetch(&app, &browser, "/reports/plan").await;
        if role.grants(Need::Edit) {
            assert_eq!(plan.status, StatusCode::OK, "{username}: {}", plan.text());
            assert!(plan.text().contains("name=\"csrf\""));
        } else {
            assert_eq!(plan.status, StatusCode::NOT_FOUND, "{username}");
        }
    }
    // Drill-down stays inside the scope: the ward's officer sees the ward and its cells,
    // not the city above nor the other ward.
    let officer = app.login("canbo").await;
    app.reauth(&officer).await;
    for (unit, status) in [
        (t.ward, StatusCode::OK),
        (t.school_cell, StatusCode::OK),
        (t.city, StatusCode::NOT_FOUND),
        (t.other_ward, StatusCode::NOT_FOUND),
        (app.other_province, StatusCode::NOT_FOUND),
        (UnitId(987_654), StatusCode::NOT_FOUND),
    ] {
        for path in [
            format!("/reports?unit={unit}"),
            format!("/reports/export.xlsx?unit={unit}"),
            format!("/reports/export.csv?unit={unit}&table=funnel"),
        ] {
            let answer = fetch(&app, &officer, &path).await;
            assert_eq!(answer.status, status, "{path}");
            if status == StatusCode::NOT_FOUND {
                assert!(!answer.text().contains("Đảng bộ Phường Phú Lợi"), "{path}");
            }
        }
    }
    // The city leader drills down from the city to the ward.
    let leader = app.login("admin").await;
    let city = fetch(&app, &leader, "/reports?year=2025").await;
    assert_eq!(city.status, StatusCode::OK);
    let city = unescape(&city.text());
    assert!(
        city.contains(&format!("href=\"/reports?unit={}&year=2025\"", t.ward)),
        "the ward is a drill-down link"
    );
    let ward = fetch(
        &app,
        &leader,
        &format!("/reports?unit={}&year=2025", t.ward),
    )
    .await;
    assert_eq!(ward.status, StatusCode::OK);
    let ward = ward.text();
    assert!(ward.contains("Đảng bộ Phường Thủ Dầu Một"));
    assert!(ward.contains("<svg"), "charts are drawn on the server");
    assert!(!ward.contains("style="), "no inline style under the CSP");
    assert!(ward.contains("<title id=\"chart-progress-t\">"));
    assert!(ward.contains("/reports/export.xlsx?unit="));
}

#[tokio::test]
async fn bad_query_values_answer_in_vietnamese() {
    let (app, _) = seeded().await;
    let leader = app.login("admin").await;
    for (query, words) in [
        ("year=abc", "Năm \"abc\" không hợp lệ"),
        ("year=1800", "Năm \"1800\" không hợp lệ"),
        ("year=99999999999999999999", "không hợp lệ"),
        ("unit=abc", "Mã tổ chức đảng"),
        ("unit=-4", "Mã tổ chức đảng"),
        ("from=2026-13-01&to=2026-12-31", "Ngày bắt đầu"),
        ("from=31/02/2026&to=2026-12-31", "Ngày bắt đầu"),
        ("from=2026-06-01", "cả ngày bắt đầu và ngày kết thúc"),
        ("from=2026-06-01&to=2026-01-01", "Ngày kết thúc phải sau"),
        ("from=2001-01-01&to=2026-01-01", "10 năm"),
        ("year=2025&year=2026", "chỉ được ghi một lần"),
        ("year=%FF%FE", "không"),
    ] {
        for base in ["/reports", "/reports/export.xlsx", "/reports/export.csv"] {
            let path = format!("{base}?{query}&table=progress");
            let answer = fetch(&app, &leader, &path).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{path}: {}",
                answer.text()
            );
            let body = unescape(&answer.text());
            assert!(body.contains(words), "{path}: {body}");
            assert!(body.contains("Mã yêu cầu"), "{path}: the error page");
        }
    }
    let unknown_table = fetch(&app, &leader, "/reports/export.csv?table=khong-co").await;
    assert_eq!(unknown_table.status, StatusCode::BAD_REQUEST);
    assert!(unknown_table.text().contains("Không có bảng"));
    let no_table = fetch(&app, &leader, "/reports/export.csv").await;
    assert_eq!(no_table.status, StatusCode::BAD_REQUEST);
    assert!(no_table.text().contains("Hãy chọn bảng"));
    // A period by dates works, in both spellings.
    for query in [
        "from=2025-07-01&to=2025-12-31",
        "from=01/07/2025&to=31/12/2025",
    ] {
        let answer = fetch(&app, &leader, &format!("/reports?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}");
        assert!(answer.text().contains("từ 01/07/2025 đến 31/12/2025"));
    }
}

#[tokio::test]
async fn the_workbook_holds_the_page_numbers() {
    let (app, _) = seeded().await;
    let t = &app.tree;
    let leader = app.login("admin").await;
    app.reauth(&leader).await;
    for unit in [t.city, t.ward, t.school_cell] {
        for period in ["year=2025", "year=2026", "from=2025-07-01&to=2026-06-30"] {
            let query = format!("unit={unit}&{period}");
            let page = fetch(&app, &leader, &format!("/reports?{query}")).await;
            assert_eq!(page.status, StatusCode::OK);
            let book = fetch(&app, &leader, &format!("/reports/export.xlsx?{query}")).await;
            assert_eq!(book.status, StatusCode::OK, "{}", book.text());
            assert_eq!(
                book.header(header::CONTENT_TYPE),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            );
            let disposition = book.header(header::CONTENT_DISPOSITION);
            assert!(
                disposition.starts_with("attachment; filename=\"bao-cao-")
                    && disposition.ends_with(".xlsx\"")
                    && disposition.is_ascii(),
                "{disposition}"
            );
            let compared = assert_workbook_matches(&book.bytes, &page.text());
            assert!(compared > 20, "{query}: only {compared} cells compared");
        }
    }
}

#[tokio::test]
async fn csv_has_the_bom_and_neutralised_formulas() {
    let (app, formula_cell) = seeded().await;
    let t = &app.tree;
    let leader = app.login("admin").await;
    app.reauth(&leader).await;
    let query = format!("unit={}&year=2025", t.ward);
    let page = fetch(&app, &leader, &format!("/reports?{query}")).await;
    let html = page.text();
    // On the page the name is text, escaped, as recorded.
    assert!(
        html.contains("=HYPERLINK(&quot;http://x&quot;;&quot;Chi bộ&quot;)")
            || html.contains("=HYPERLINK(&#34;http://x&#34;;&#34;Chi bộ&#34;)"),
        "name shown as text"
    );
    for table in page_tables(&html) {
        let csv = fetch(
            &app,
            &leader,
            &format!("/reports/export.csv?{query}&table={}", table.key),
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK, "{}", table.key);
        assert_eq!(csv.header(header::CONTENT_TYPE), "text/csv; charset=utf-8");
        assert!(
            csv.bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
            "{}: UTF-8 byte-order mark",
            table.key
        );
        let disposition = csv.header(header::CONTENT_DISPOSITION);
        assert!(
            disposition.contains(&format!("-{}.csv\"", table.key)) && disposition.is_ascii(),
            "{disposition}"
        );
        let text = csv.text();
        let first = text
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap_or("");
        if !table.headers.is_empty() {
            assert!(
                first.starts_with(&table.headers[0]),
                "{}: {first}",
                table.key
            );
        }
        for line in text.lines() {
            for field in line.split(',') {
                let field = field.trim_start_matches('"');
                assert!(
                    !field.starts_with('=') && !field.starts_with('@') && !field.starts_with('+'),
                    "{}: {line}",
                    table.key
                );
            }
        }
    }
    // The formula-like name: neutralised in the CSV and in the workbook.
    let children = fetch(
        &app,
        &leader,
        &format!("/reports/export.csv?{query}&table=children"),
    )
    .await
    .text();
    assert!(
        children.contains("\"'=HYPERLINK(\"\"http://x\"\";\"\"Chi bộ\"\")\""),
        "{children}"
    );
    let book = fetch(&app, &leader, &format!("/reports/export.xlsx?{query}")).await;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(book.bytes)).unwrap();
    let mut found = false;
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for cell in range.used_cells() {
            if let Data::String(s) = cell.2 {
                assert!(!s.starts_with('='), "{name}: {s}");
                found |= s == &format!("'{FORMULA_NAME}");
            }
        }
    }
    assert!(found, "the neutralised name is in the workbook");
    let _ = formula_cell;
}

#[tokio::test]
async fn the_api_gives_the_same_numbers() {
    let (app, _) = seeded().await;
    let t = &app.tree;
    let admin = change("admin");
    let user = app.store.user_by_name("admin").await.unwrap().unwrap();
    let token = app
        .store
        .create_api_token(&admin, UserId(user.id), "reports")
        .await
        .unwrap();
    let api = |path: String| {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let router = app.router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
            )
        }
    };
    let (status, progress) = api(format!(
        "/api/v1/reports/progress?unit={}&year=2025",
        t.ward
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{progress}");
    let (status, funnel) = api(format!("/api/v1/reports/funnel?unit={}&year=2025", t.ward)).await;
    assert_eq!(status, StatusCode::OK, "{funnel}");
    let (status, error) = api("/api/v1/reports/progress?year=abc".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["field"], "year");
    let (status, _) = api(format!(
        "/api/v1/reports/funnel?unit={}",
        app.other_province
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page's progress row for the ward has the API's numbers.
    let leader = app.login("admin").await;
    let page = fetch(
        &app,
        &leader,
        &format!("/reports?unit={}&year=2025", t.ward),
    )
    .await;
    let tables = page_tables(&page.text());
    let row = &tables.iter().find(|t| t.key == "progress").unwrap().rows[0];
    let number = |v: &serde_json::Value| crate::web_reports::format_int(v.as_i64().unwrap());
    assert_eq!(row[2], number(&progress["unit"]["target"]["target"]));
    assert_eq!(row[4], number(&progress["unit"]["admitted"]));
    assert_eq!(row[7], number(&progress["unit"]["pipeline"]));
    assert_eq!(row[8], number(&progress["unit"]["forecast"]));
    let page_funnel = &tables.iter().find(|t| t.key == "funnel").unwrap().rows;
    let steps = funnel["steps"].as_array().unwrap();
    assert_eq!(steps.len(), page_funnel.len());
    for (step, row) in steps.iter().zip(page_funnel) {
        assert_eq!(row[1], number(&step["count"]), "{step}");
    }
    let _ = Role::Admin;
}

/// A count as the page writes it: 1234 → "1.234".
pub fn format_int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}
