//! People with their cases imported from a ward's list (merged title rows, headers without
//! diacritics, TCVN3, VNI and decomposed text, dates typed every way), matched against those
//! on file, and the lists exported in the same layout and imported back.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use ketnap_domain::case::Stage;
use ketnap_domain::ids::PersonId;
use ketnap_domain::ports::{CaseFilter, CaseStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_import::{Decision, Kind, Request};
use ketnap_store::Store;
use rust_xlsxwriter::{Format, Workbook};

use crate::fixtures::{Tree, change, sqlite_store, tree};
use crate::import::run;

const HEADERS: [&str; 14] = [
    "Ho va ten",
    "NS",
    "Gioi tinh",
    "So CCCD",
    "Dân tộc",
    "Nghề nghiệp",
    "Chi bo",
    "Giai doan",
    "Ngay vao nguon",
    "Ngày vào cảm tình Đảng",
    "So QD ket nap",
    "Ngay QD ket nap",
    "Ngày kết nạp",
    "Ghi chú",
];

/// A cell of a test row: text, or an Excel date serial.
#[derive(Clone, Copy)]
pub(crate) enum V {
    T(&'static str),
    Serial(f64),
}

/// The list as a ward office keeps it: two merged title rows, a blank row, the headers,
/// a row numbering the columns, then the rows.
pub(crate) fn list(rows: &[Vec<V>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Danh sách").unwrap();
    let bold = Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 13, "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT", &bold)
        .unwrap();
    sheet
        .merge_range(1, 0, 1, 13, "DANH SÁCH QUẦN CHÚNG ƯU TÚ NĂM 2025", &bold)
        .unwrap();
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string(3, col as u16, *header).unwrap();
        sheet
            .write_string(4, col as u16, format!("({})", col + 1))
            .unwrap();
    }
    for (i, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            let (r, c) = (5 + i as u32, col as u16);
            match value {
                V::T("") => {}
                V::T(text) => {
                    sheet.write_string(r, c, *text).unwrap();
                }
                V::Serial(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn row(cells: &[V]) -> Vec<V> {
    cells.to_vec()
}

use V::{Serial, T};

/// Five people: a source typed in TCVN3, a sympathiser in VNI, a probationary member in
/// decomposed Unicode (NFD) with dates as an Excel serial and "dd.mm.yyyy", one with a
/// year-only birth date, and one in the teachers' cell named without diacritics.
pub(crate) fn good_rows() -> Vec<Vec<V>> {
    vec![
        // TCVN3 for "Nguyễn Văn An", "Công nhân".
        row(&[
            T("NguyÔn V¨n An"),
            T("04/05/2003"),
            T("Nam"),
            T("079203001234"),
            T(""),
            T("C«ng nh©n"),
            T("Chi bộ Khu phố 3"),
            T("Nguồn"),
            T("10/01/2025"),
            T(""),
            T(""),
            T(""),
            T(""),
            T(""),
        ]),
        // VNI for "Trần Thị Bình".
        row(&[
            T("Traàn Thò Bình"),
            T("12-8-2001"),
            T("Nữ"),
            T(""),
            T("Kinh"),
            T(""),
            T("Chi bộ Khu phố 3"),
            T("Cảm tình Đảng"),
            T("5/2/24"),
            T("15.03.2025"),
            T(""),
            T(""),
            T(""),
            T(""),
        ]),
        // NFD for "Lê Hoàng Phúc"; decision date as an Excel serial (45901 = 1 Sep 2025).
        row(&[
            T("Le\u{302} Hoa\u{300}ng Phu\u{301}c"),
            T("1999"),
            T("Nam"),
            T(""),
            T("Mường"),
            T("Giáo viên"),
            T("Chi bo Giao vien"),
            T("Đảng viên dự bị"),
            T("01/02/2024"),
            T("03/03/2024"),
            T("45-QĐ/ĐU"),
            Serial(45901.0),
            T("20.09.2025"),
            T(""),
        ]),
        row(&[
            T("Phạm   Thu  Hà "),
            T("năm 1998"),
            T("nu"),
            T(""),
            T(""),
            T(""),
            T("Chi bộ Khu phố 3"),
            T(""),
            T("01/06/2025"),
            T(""),
            T(""),
            T(""),
            T(""),
            T("Người mới"),
        ]),
        row(&[
            T("Võ Minh Tâm"),
            T("30/11/2004"),
            T("Nam"),
            T("079204005678"),
            T(""),
            T("Sinh viên"),
            T("Chi bộ Giáo viên"),
            T("CTĐ"),
            T("01/03/2025"),
            T("01/05/2025"),
            T(""),
            T(""),
            T(""),
            T(""),
        ]),
    ]
}

async fn cases_in(store: &Store, scope: &Scope) -> Vec<ketnap_domain::ports::CaseRecord> {
    let mut cases = store.cases(scope, &CaseFilter::default()).await.unwrap();
    cases.sort_by_key(|c| c.person.details.name.full());
    cases
}

#[tokio::test]
async fn a_wards_list_is_taken_over_all_or_nothing_and_once() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);

    // One bad row at the very end (a ceremony before the decision): nothing written.
    let mut rows = good_rows();
    rows.push(row(&[
        T("Đỗ Văn Cường"),
        T("02/02/2000"),
        T("Nam"),
        T(""),
        T(""),
        T(""),
        T("Chi bộ Khu phố 3"),
        T(""),
        T(""),
        T(""),
        T("9-QĐ"),
        T("01/09/2025"),
        T("01/08/2025"),
        T(""),
    ]));
    let outcome = run(&store, &admin, &ward, Kind::People, &list(&rows), false)
        .await
        .unwrap();
    assert_eq!(
        (outcome.sheet.as_str(), outcome.header_row),
        ("Danh sách", 4)
    );
    assert_eq!(outcome.rows, 6, "the numbering row is not data");
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    let p = &outcome.problems[0];
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_deref()),
        (Some(11), Some("M"), Some("01/08/2025"))
    );
    assert!(p.message.contains("trước"), "{}", p.message);
    assert!(!outcome.written);
    assert!(cases_in(&store, &ward).await.is_empty());

    // The good rows: every shape read, the legacy text converted and said so.
    let outcome = run(
        &store,
        &admin,
        &ward,
        Kind::People,
        &list(&good_rows()),
        false,
    )
    .await
    .unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert!(outcome.written);
    assert_eq!((outcome.changes, outcome.unchanged), (5, 0));
    let converted: Vec<(Option<usize>, Option<&str>)> = outcome
        .repairs
        .iter()
        .map(|r| (r.row, r.column.as_deref()))
        .collect();
    for place in [
        (Some(6), Some("A")),
        (Some(6), Some("F")),
        (Some(7), Some("A")),
    ] {
        assert!(converted.contains(&place), "{place:?} in {converted:?}");
    }
    assert_eq!(outcome.preview[0].1[0], "Nguyễn Văn An");
    let cases = cases_in(&store, &ward).await;
    let seen: Vec<(String, Stage, String)> = cases
        .iter()
        .map(|c| {
            (
                c.person.details.name.full(),
                c.case.stage,
                c.cell_name.clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "Lê Hoàng Phúc".into(),
                Stage::Probation,
                "Chi bộ Giáo viên".into()
            ),
            (
                "Nguyễn Văn An".into(),
                Stage::Source,
                "Chi bộ Khu phố 3".into()
            ),
            (
                "Phạm Thu Hà".into(),
                Stage::Source,
                "Chi bộ Khu phố 3".into()
            ),
            (
                "Trần Thị Bình".into(),
                Stage::Sympathiser,
                "Chi bộ Khu phố 3".into()
            ),
            (
                "Võ Minh Tâm".into(),
                Stage::Sympathiser,
                "Chi bộ Giáo viên".into()
            ),
        ]
    );
    let phuc = &cases[0];
    assert_eq!(
        phuc.case.party_age_from(),
        Some(crate::fixtures::day(2025, 9, 1))
    );
    assert_eq!(
        phuc.case.ceremony_on,
        Some(crate::fixtures::day(2025, 9, 20))
    );
    assert_eq!(phuc.person.details.occupation, "Giáo viên");
    assert_eq!(cases[1].person.details.occupation, "Công nhân");
    assert_eq!(
        cases[3].case.identified_on,
        crate::fixtures::day(2024, 2, 5),
        "5/2/24 is day first"
    );
    let events = store.events(&ward, phuc.case.id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["add_to_sympathisers", "decide_admission", "hold_ceremony"]
    );

    // The same list again changes nothing.
    let outcome = run(
        &store,
        &admin,
        &ward,
        Kind::People,
        &list(&good_rows()),
        false,
    )
    .await
    .unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(
        (outcome.changes, outcome.unchanged, outcome.written),
        (0, 5, false)
    );
    assert_eq!(cases_in(&store, &ward).await.len(), 5);

    // Columns the user pinned (here: every one as found) keep the header row where it is.
    let request = Request {
        mapping: outcome
            .columns
            .iter()
            .map(|(key, letter, _)| {
                let column = letter
                    .bytes()
                    .fold(0, |n, b| n * 26 + usize::from(b - b'A' + 1))
                    - 1;
                (key.clone(), Some(column))
            })
            .collect(),
        ..Request::default()
    };
    let pinned = ketnap_import::import(
        &store,
        &admin,
        &ward,
        Kind::People,
        &list(&good_rows()),
        &request,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (pinned.header_row, pinned.unchanged),
        (4, 5),
        "{:?}",
        pinned.problems
    );

    // A row that disagrees with a case on file is named, not overwritten.
    let mut rows = good_rows();
    rows[1][7] = T("Đảng viên dự bị");
    let outcome = run(&store, &admin, &ward, Kind::People, &list(&rows), false)
        .await
        .unwrap();
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    assert_eq!(outcome.problems[0].row, Some(7));
    assert!(outcome.problems[0].message.contains("Cảm tình Đảng"));
}

#[tokio::test]
async fn people_who_could_be_someone_on_file_wait_for_a_decision() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let one = |name: &'static str, cccd: &'static str| {
        row(&[
            T(name),
            T("01/01/2000"),
            T("Nam"),
            T(cccd),
            T(""),
            T(""),
            T("Chi bộ Khu phố 3"),
            T(""),
            T("01/02/2025"),
            T(""),
            T(""),
            T(""),
            T(""),
            T(""),
        ])
    };
    // Two namesakes born the same day in the same cell, told apart by their CCCD.
    let rows = vec![
        one("Nguyễn Văn Hùng", "079200000011"),
        one("Nguyễn Văn Hùng", "079200000022"),
    ];
    let outcome = run(&store, &admin, &ward, Kind::People, &list(&rows), false)
        .await
        .unwrap();
    assert!(outcome.written, "{:?}", outcome.problems);

    // A third list names him without a CCCD: he could be either.
    let rows = vec![one("Nguyen Van Hung", "")];
    let bytes = list(&rows);
    let outcome = run(&store, &admin, &ward, Kind::People, &bytes, false)
        .await
        .unwrap();
    assert!(!outcome.written);
    assert_eq!(outcome.ambiguous.len(), 1);
    assert_eq!(outcome.ambiguous[0].row, 6);
    assert_eq!(outcome.ambiguous[0].candidates.len(), 2);
    assert!(outcome.ambiguous[0].candidates[0].1.contains("CCCD …0011"));
    // Showing the candidates is a read of their records.
    for (id, _) in &outcome.ambiguous[0].candidates {
        let trail = ketnap_domain::ports::AuditStore::audit_trail(
            &store,
            &ward,
            "person",
            &id.0.to_string(),
        )
        .await
        .unwrap();
        assert!(trail.iter().any(|e| e.action == "person.read"), "{trail:?}");
    }
    assert_eq!(cases_in(&store, &ward).await.len(), 2);

    // The user says it is the first one: his case agrees, nothing changes.
    let first: PersonId = outcome.ambiguous[0].candidates[0].0;
    let request = Request {
        decisions: HashMap::from([(6, Decision::Same(first))]),
        ..Request::default()
    };
    let outcome = ketnap_import::import(
        &store,
        &admin,
        &ward,
        Kind::People,
        &bytes,
        &request,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(outcome.ambiguous.is_empty());
    assert_eq!((outcome.unchanged, outcome.changes), (1, 0));

    // Or someone else: a third person.
    let request = Request {
        decisions: HashMap::from([(6, Decision::New)]),
        ..Request::default()
    };
    let outcome = ketnap_import::import(
        &store,
        &admin,
        &ward,
        Kind::People,
        &bytes,
        &request,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(outcome.written);
    assert_eq!(cases_in(&store, &ward).await.len(), 3);

    // A CCCD on file in another ward is refused without saying whose it is.
    let other = Scope::subtree(t.other_ward, Access::Edit);
    let mut rows = vec![one("Trần Văn Khác", "079200000011")];
    rows[0][6] = T("Chi bộ Khu phố 1");
    let outcome = run(&store, &admin, &other, Kind::People, &list(&rows), false)
        .await
        .unwrap();
    assert_eq!(outcome.problems.len(), 1);
    assert_eq!(outcome.problems[0].column.as_deref(), Some("D"));
    assert!(!outcome.problems[0].message.contains("Hùng"));
    // A cell outside the account's scope is not found.
    let outcome = run(
        &store,
        &admin,
        &other,
        Kind::People,
        &list(&[one("Lý Văn Lạ", "")]),
        false,
    )
    .await
    .unwrap();
    assert_eq!(outcome.problems.len(), 1);
    assert_eq!(outcome.problems[0].column.as_deref(), Some("G"));
}

/// Every cell of the first sheet, as text.
pub(crate) fn cells(xlsx: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx.to_vec())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

pub(crate) async fn exported(store: &Store, scope: &Scope, kind: Kind) -> (Vec<u8>, String) {
    let table = ketnap_import::export(store, &change("admin"), scope, kind, "Rà soát")
        .await
        .unwrap();
    (
        ketnap_sheets::write::xlsx(std::slice::from_ref(&table)).unwrap(),
        ketnap_sheets::write::csv(&table),
    )
}

async fn fresh_copy_of_the_tree() -> (Store, tempfile::TempDir, Tree) {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    (store, dir, t)
}

#[tokio::test]
async fn lists_exported_and_imported_again_come_back_the_same() {
    let (a, _dir_a) = sqlite_store().await;
    let t = tree(&a, "").await;
    let admin = change("admin");
    let city = Scope::subtree(t.city, Access::Edit);
    let mut rows = good_rows();
    // Text a spreadsheet would run as a formula goes out neutralised and comes back as typed.
    rows[3][5] = T("=HYPERLINK(\"http://x\")");
    let outcome = run(&a, &admin, &city, Kind::People, &list(&rows), false)
        .await
        .unwrap();
    assert!(outcome.written, "{:?}", outcome.problems);
    crate::import::run(
        &a,
        &admin,
        &city,
        Kind::Headcounts,
        &crate::import::headcount_list(),
        false,
    )
    .await
    .unwrap();

    for kind in [Kind::People, Kind::Headcounts] {
        let (xlsx, csv) = exported(&a, &city, kind).await;
        let sheet = cells(&xlsx);
        assert_eq!(
            sheet[0],
            kind.fields()
                .iter()
                .map(|f| f.label.to_string())
                .collect::<Vec<_>>()
        );
        assert!(sheet.len() > 1, "{kind:?} exported no rows");
        if kind == Kind::People {
            assert!(
                sheet
                    .iter()
                    .flatten()
                    .any(|c| c == "'=HYPERLINK(\"http://x\")"),
                "formula neutralised"
            );
        }
        // Imported again where it came from: nothing changes.
        for file in [xlsx.clone(), csv.clone().into_bytes()] {
            let outcome = run(&a, &admin, &city, kind, &file, false).await.unwrap();
            assert!(
                outcome.problems.is_empty(),
                "{kind:?} {:?}",
                outcome.problems
            );
            assert_eq!(
                (outcome.changes, outcome.unchanged),
                (0, sheet.len() - 1),
                "{kind:?}"
            );
        }
        // Imported into another database with the same units: the same list comes out.
        for file in [xlsx.clone(), csv.into_bytes()] {
            let (b, _dir_b, tb) = fresh_copy_of_the_tree().await;
            let city_b = Scope::subtree(tb.city, Access::Edit);
            let outcome = run(&b, &admin, &city_b, kind, &file, false).await.unwrap();
            assert!(
                outcome.problems.is_empty(),
                "{kind:?} {:?}",
                outcome.problems
            );
            assert!(outcome.written);
            let (again, _) = exported(&b, &city_b, kind).await;
            assert_eq!(cells(&again), sheet, "{kind:?}");
        }
    }
    let people = cases_in(&a, &city).await;
    assert!(
        people
            .iter()
            .any(|c| c.person.details.occupation == "=HYPERLINK(\"http://x\")")
    );
}

#[tokio::test]
async fn a_fifty_megabyte_list_with_one_bad_row_at_the_end_writes_nothing() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let ward = Scope::subtree(t.ward, Access::Edit);
    // 20 000 people, each with a long note (a column the importer does not read), as a
    // CSV of about 50 MB; the last row's date of birth does not exist.
    let rows = 20_000;
    let note = "Ghi chú dài về quá trình rèn luyện và công tác. ".repeat(50);
    let mut csv =
        String::from("Họ và tên,Ngày sinh,Giới tính,Chi bộ,Ngày xác định nguồn,Ghi chú\n");
    for i in 0..rows {
        let birth = if i == rows - 1 {
            "31/02/2000".to_string()
        } else {
            format!("{:02}/{:02}/{}", 1 + i % 28, 1 + i % 12, 1970 + i % 30)
        };
        csv.push_str(&format!(
            "Người Thứ {i},{birth},Nam,Chi bộ Khu phố 3,01/03/2025,{note}\n"
        ));
    }
    assert!(csv.len() > 50_000_000, "{} bytes", csv.len());
    let outcome = run(
        &store,
        &change("admin"),
        &ward,
        Kind::People,
        csv.as_bytes(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(outcome.rows, rows);
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems.first());
    let p = &outcome.problems[0];
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_deref()),
        (Some(rows + 1), Some("B"), Some("31/02/2000"))
    );
    assert!(!outcome.written);
    assert!(cases_in(&store, &ward).await.is_empty());
}

/// The list import on another backend (PostgreSQL in CI): ids from the sequences, the
/// CCCD lookup, the bulk write, an upload kept as bytes, and a re-import that changes
/// nothing.
pub(crate) async fn on_store(store: &Store) {
    let t = tree(store, "imp-").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let person = |name: &'static str, cccd: &'static str, stage: &'static str| {
        let mut row = vec![T(""); 14];
        row[0] = T(name);
        row[1] = T("15/06/1999");
        row[2] = T("Nam");
        row[3] = T(cccd);
        row[6] = T("Chi bộ Khu phố 3");
        row[7] = T(stage);
        row[8] = T("01/02/2025");
        row
    };
    let bytes = list(&[
        person("Đinh Công Tráng", "079099123456", "Nguồn"),
        person("Lý Thường Kiệt", "", "Nguồn"),
    ]);
    let now = crate::fixtures::now();
    store
        .save_upload("imp-token", "admin", "people", &bytes, now)
        .await
        .unwrap();
    let kept = store
        .upload("imp-token", "admin", now)
        .await
        .unwrap()
        .unwrap();
    assert!(kept.content == bytes, "the upload comes back byte for byte");
    let outcome = run(store, &admin, &ward, Kind::People, &kept.content, false)
        .await
        .unwrap();
    assert!(outcome.written, "{:?}", outcome.problems);
    assert_eq!(cases_in(store, &ward).await.len(), 2);
    let (xlsx, _) = exported(store, &ward, Kind::People).await;
    let again = run(store, &admin, &ward, Kind::People, &xlsx, false)
        .await
        .unwrap();
    assert_eq!(
        (again.changes, again.unchanged),
        (0, 2),
        "{:?}",
        again.problems
    );
    store.delete_upload("imp-token", "admin").await.unwrap();
    assert!(
        store
            .upload("imp-token", "admin", now)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_list_import_on_sqlite_as_on_postgres() {
    let (store, _dir) = sqlite_store().await;
    on_store(&store).await;
}

#[tokio::test]
async fn the_filtered_case_list_goes_out_in_the_layout_it_comes_back_in() {
    use axum::body::Body;
    use axum::http::{Request as HttpRequest, StatusCode, header};
    use tower::ServiceExt;
    let app = crate::web::TestApp::new().await;
    let ward = Scope::subtree(app.tree.ward, Access::Edit);
    let officer = change("canbo");
    let outcome = run(
        &app.store,
        &officer,
        &ward,
        Kind::People,
        &list(&good_rows()),
        false,
    )
    .await
    .unwrap();
    assert!(outcome.written, "{:?}", outcome.problems);
    let browser = app.login("canbo").await;
    app.reauth(&browser).await;
    let page = app.get(Some(&browser), "/cases?stage=sympathiser").await;
    assert!(page.body.contains("id=\"cases-xlsx\""), "{}", page.body);
    let request = HttpRequest::builder()
        .uri("/cases?stage=sympathiser&format=xlsx&purpose=review")
        .header(
            header::COOKIE,
            format!("{}={}", ketnap_web::SESSION_COOKIE, browser.cookie),
        )
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    let sheet = cells(&bytes);
    let names: Vec<&str> = sheet[1..].iter().map(|r| r[0].as_str()).collect();
    // The sympathisers of the ward that the list holds (the fixture's own cases aside).
    assert!(
        names.contains(&"Trần Thị Bình") && names.contains(&"Võ Minh Tâm"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"Nguyễn Văn An"),
        "a source is not a sympathiser"
    );
    // Imported back: nothing changes.
    let again = run(&app.store, &officer, &ward, Kind::People, &bytes, false)
        .await
        .unwrap();
    assert!(again.problems.is_empty(), "{:?}", again.problems);
    assert_eq!((again.changes, again.unchanged), (0, names.len()));
}

#[tokio::test]
async fn searches_and_exports_are_audited_without_what_was_asked() {
    let app = crate::web::TestApp::new().await;
    let ward = Scope::subtree(app.tree.ward, Access::Edit);
    run(
        &app.store,
        &change("canbo"),
        &ward,
        Kind::People,
        &list(&good_rows()),
        false,
    )
    .await
    .unwrap();
    let officer = app.login("canbo").await;
    app.reauth(&officer).await;
    for (to, text) in [("people", "Nguyen Van An"), ("cases", "079203001234")] {
        let found = app.search(&officer, to, text, &[]).await;
        assert_eq!(found.status, axum::http::StatusCode::OK, "{to}");
    }
    assert_eq!(
        app.get(
            Some(&officer),
            "/cases?stage=sympathiser&format=csv&purpose=report"
        )
        .await
        .status,
        axum::http::StatusCode::OK
    );
    let pool = sqlx::SqlitePool::connect(&app.database_url())
        .await
        .unwrap();
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT action, actor, after FROM audit_log WHERE action IN ('person.search', 'person.export') ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["person.search", "person.search", "person.export"]);
    assert!(
        rows[2]
            .2
            .as_deref()
            .unwrap_or_default()
            .ends_with("mục đích: Báo cáo cấp ủy cấp trên"),
        "{rows:?}"
    );
    for (_, actor, after) in &rows {
        assert_eq!(actor, "canbo");
        let after = after.as_deref().unwrap_or_default();
        assert!(after.contains(" người"), "{after}");
        assert!(
            !after.contains("Nguyen") && !after.contains("079203001234"),
            "{after}"
        );
    }
    assert!(
        app.store
            .verify_audit_log()
            .await
            .unwrap()
            .problems
            .is_empty()
    );
}
