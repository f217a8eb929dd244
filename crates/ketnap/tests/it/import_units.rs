//! The unit tree and the mass organisations imported from lists as offices keep them (a
//! merged title row, headers without diacritics, TCVN3 text, a parent created a few rows
//! above), all or nothing, inside the account's scope; and both lists exported in the same
//! layout and imported back.

use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::UnitStore;
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::text::legacy::{Legacy, from_unicode};
use ketnap_domain::unit::{Unit, UnitKind};
use ketnap_import::{Kind, Outcome};
use ketnap_store::Store;
use rust_xlsxwriter::{Format, Workbook};

use crate::fixtures::{Tree, change, day, sqlite_store, tree};
use crate::import::run;
use crate::import_people::{cells, exported};

const UNIT_HEADERS: [&str; 7] = [
    "Ma don vi",
    "Ten to chuc dang",
    "Loai",
    "Ma don vi cap tren",
    "Don vi cap tren",
    "Linh vuc",
    "Ngay thanh lap",
];

const MASS_ORG_HEADERS: [&str; 4] = ["Ten doan the", "Loai doan the", "Ma don vi", "To chuc dang"];

/// A list as an office keeps it: a merged title row, a blank row, the headers (Excel row
/// 3), then the rows from Excel row 4.
fn list(sheet_name: &str, headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).unwrap();
    let last = (headers.len() - 1) as u16;
    sheet
        .merge_range(
            0,
            0,
            0,
            last,
            "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT",
            &Format::new().set_bold(),
        )
        .unwrap();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    for (i, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(3 + i as u32, col as u16, value).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn unit_list(rows: &[Vec<String>]) -> Vec<u8> {
    list("Tổ chức đảng", &UNIT_HEADERS, rows)
}

fn mass_org_list(rows: &[Vec<String>]) -> Vec<u8> {
    list("Đoàn thể", &MASS_ORG_HEADERS, rows)
}

const HUNG_THINH: &str = "Chi bộ Tổ dân phố Hưng Thịnh";

const COMPANY: &str = "Đảng bộ Công ty Cổ phần Hòa Bình";

/// Four new units under the ward: a base committee, a base cell typed in TCVN3 under the
/// ward named without diacritics, a cell ("Chi bộ") under the committee created two rows
/// above, named by its name, and a base cell with a code and a sector code.
fn good_units() -> Vec<Vec<String>> {
    let tcvn3 = from_unicode(HUNG_THINH, Legacy::Tcvn3);
    vec![
        row(&[
            "",
            "Đảng bộ Trường Tiểu học Phú Hòa",
            "Đảng bộ cơ sở",
            "25747",
            "",
            "Giáo dục",
            "01/09/2025",
        ]),
        row(&[
            "",
            &tcvn3,
            "Chi bo co so",
            "",
            "Dang bo Phuong Thu Dau Mot",
            "",
            "",
        ]),
        row(&[
            "",
            "Chi bộ Giáo viên Tiểu học",
            "Chi bộ",
            "",
            "Đảng bộ Trường Tiểu học Phú Hòa",
            "",
            "15/09/2025",
        ]),
        row(&[
            "TDM-KP6",
            "Chi bộ Khu phố 6",
            "Chi bộ cơ sở",
            "25747",
            "Đảng bộ Phường Thủ Dầu Một",
            "residential",
            "1/10/2025",
        ]),
    ]
}

/// Four organisations of the ward's units, named every way.
fn good_mass_orgs() -> Vec<Vec<String>> {
    vec![
        row(&[
            "Chi đoàn Trường THPT Thủ Dầu Một",
            "Đoàn Thanh niên",
            "",
            "Đảng bộ Trường THPT Thủ Dầu Một",
        ]),
        row(&[
            "Công đoàn Trường THPT Thủ Dầu Một",
            "cong doan",
            "",
            "Dang bo Truong THPT Thu Dau Mot",
        ]),
        row(&[
            "Chi hội Phụ nữ Khu phố 3",
            "womens_union",
            "",
            "Chi bộ Khu phố 3",
        ]),
        row(&[
            "Đoàn Thanh niên Phường Thủ Dầu Một",
            "Đoàn TNCS Hồ Chí Minh",
            "25747",
            "",
        ]),
    ]
}

async fn units_under(store: &Store, root: UnitId) -> Vec<Unit> {
    store
        .units_in(&Scope::subtree(root, Access::Read))
        .await
        .unwrap()
}

fn named<'a>(units: &'a [Unit], name: &str) -> &'a Unit {
    units
        .iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("{name} in {units:?}"))
}

/// The problems as (row, column, value).
fn places(outcome: &Outcome) -> Vec<(Option<usize>, Option<&str>, Option<&str>)> {
    outcome
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref(), p.value.as_deref()))
        .collect()
}

#[tokio::test]
async fn a_unit_list_is_taken_over_all_or_nothing_and_once() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let before = units_under(&store, t.ward).await.len();

    // One bad row at the very end (a kind no one knows): nothing written.
    let mut rows = good_units();
    rows.push(row(&[
        "",
        "Chi bộ Khu phố 7",
        "Chi đoàn",
        "25747",
        "",
        "",
        "",
    ]));
    let outcome = run(&store, &admin, &ward, Kind::Units, &unit_list(&rows), false)
        .await
        .unwrap();
    assert_eq!(
        (outcome.sheet.as_str(), outcome.header_row, outcome.rows),
        ("Tổ chức đảng", 3, 5)
    );
    assert_eq!(
        places(&outcome),
        vec![(Some(8), Some("C"), Some("Chi đoàn"))],
        "{:?}",
        outcome.problems
    );
    assert!(outcome.problems[0].message.contains("Chi bộ cơ sở"));
    assert!(!outcome.written);
    assert_eq!(units_under(&store, t.ward).await.len(), before);

    // The good rows: written in one go, the TCVN3 name converted and said so.
    let good = unit_list(&good_units());
    let outcome = run(&store, &admin, &ward, Kind::Units, &good, false)
        .await
        .unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!((outcome.changes, outcome.unchanged), (4, 0));
    assert!(outcome.written);
    assert!(
        outcome
            .repairs
            .iter()
            .any(|r| (r.row, r.column.as_deref()) == (Some(5), Some("B"))),
        "{:?}",
        outcome.repairs
    );
    assert_eq!(outcome.preview[1].1[1], HUNG_THINH);
    let units = units_under(&store, t.ward).await;
    assert_eq!(units.len(), before + 4);
    let school = named(&units, "Đảng bộ Trường Tiểu học Phú Hòa");
    assert_eq!(
        (
            school.kind,
            school.parent,
            school.sector.0.as_str(),
            school.valid_from,
            school.code.as_deref()
        ),
        (
            UnitKind::BaseCommittee,
            Some(t.ward),
            "education",
            day(2025, 9, 1),
            None
        )
    );
    let hung_thinh = named(&units, HUNG_THINH);
    assert_eq!(
        (
            hung_thinh.kind,
            hung_thinh.parent,
            hung_thinh.sector.0.as_str(),
            hung_thinh.valid_from
        ),
        (
            UnitKind::BaseCell,
            Some(t.ward),
            "residential",
            day(2026, 11, 20)
        ),
        "no date: the day of the import, in Vietnam"
    );
    let teachers = named(&units, "Chi bộ Giáo viên Tiểu học");
    assert_eq!(
        (
            teachers.kind,
            teachers.parent,
            teachers.sector.0.as_str(),
            teachers.valid_from
        ),
        (
            UnitKind::Cell,
            Some(school.id),
            "education",
            day(2025, 9, 15)
        ),
        "\"Chi bộ\" under a base committee is a cell; the sector is the parent's"
    );
    let kp6 = named(&units, "Chi bộ Khu phố 6");
    assert_eq!(
        (kp6.kind, kp6.code.as_deref(), kp6.valid_from),
        (UnitKind::BaseCell, Some("TDM-KP6"), day(2025, 10, 1))
    );

    // The same list again changes nothing.
    let outcome = run(&store, &admin, &ward, Kind::Units, &good, false)
        .await
        .unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(
        (outcome.changes, outcome.unchanged, outcome.written),
        (0, 4, false)
    );
    assert_eq!(units_under(&store, t.ward).await.len(), before + 4);

    // A row that disagrees with the unit on file is named, not applied.
    let mut rows = good_units();
    rows[3][5] = "Y tế".into();
    let outcome = run(&store, &admin, &ward, Kind::Units, &unit_list(&rows), false)
        .await
        .unwrap();
    assert_eq!(
        places(&outcome),
        vec![(Some(7), Some("F"), Some("Y tế"))],
        "{:?}",
        outcome.problems
    );
    assert!(
        outcome.problems[0]
            .message
            .contains("sửa trên trang đơn vị"),
        "{}",
        outcome.problems[0].message
    );
    assert_eq!(
        named(&units_under(&store, t.ward).await, "Chi bộ Khu phố 6")
            .sector
            .0,
        "residential"
    );
}

#[tokio::test]
async fn a_ward_officer_creates_units_only_inside_the_ward() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let rows = vec![
        // Under the other ward, by code and by name.
        row(&["", "Chi bộ Khu phố 2", "Chi bộ cơ sở", "25750", "", "", ""]),
        row(&[
            "",
            "Chi bộ Khu phố 8",
            "Chi bộ cơ sở",
            "",
            "Đảng bộ Phường Phú Lợi",
            "",
            "",
        ]),
        // The other ward's own code.
        row(&[
            "25750",
            "Đảng bộ Phường Phú Lợi",
            "Đảng bộ phường",
            "79",
            "",
            "",
            "",
        ]),
        // No parent: the scope's root is never created by a list.
        row(&["", "Đảng bộ Phường Mới", "Đảng bộ phường", "", "", "", ""]),
        // A ward under the ward.
        row(&[
            "",
            "Đảng bộ Phường Con",
            "Đảng bộ phường",
            "25747",
            "",
            "",
            "",
        ]),
        // The ward itself, as an export of the city lists it: already on file.
        row(&[
            "25747",
            "Đảng bộ Phường Thủ Dầu Một",
            "Đảng bộ phường",
            "79",
            "Đảng bộ Thành phố",
            "Khu dân cư",
            "01/07/2025",
        ]),
    ];
    let outcome = run(&store, &admin, &ward, Kind::Units, &unit_list(&rows), false)
        .await
        .unwrap();
    let columns: Vec<(Option<usize>, Option<&str>)> = places(&outcome)
        .into_iter()
        .map(|(r, c, _)| (r, c))
        .collect();
    assert_eq!(
        columns,
        vec![
            (Some(4), Some("D")),
            (Some(5), Some("E")),
            (Some(6), Some("A")),
            (Some(7), Some("E")),
            (Some(8), Some("C")),
        ],
        "{:?}",
        outcome.problems
    );
    assert!(
        !outcome.problems[2].message.contains("Phú Lợi"),
        "a unit outside the scope is not described"
    );
    assert_eq!(outcome.unchanged, 1);
    assert!(!outcome.written);
    assert_eq!(units_under(&store, t.ward).await.len(), 4);
    assert_eq!(units_under(&store, t.other_ward).await.len(), 2);
}

#[tokio::test]
async fn mass_organisations_are_taken_over_all_or_nothing_and_once() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);

    let mut rows = good_mass_orgs();
    rows.push(row(&[
        "Hội Người cao tuổi Khu phố 3",
        "Hội Người cao tuổi",
        "",
        "Chi bộ Khu phố 3",
    ]));
    let outcome = run(
        &store,
        &admin,
        &ward,
        Kind::MassOrgs,
        &mass_org_list(&rows),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        places(&outcome),
        vec![(Some(8), Some("B"), Some("Hội Người cao tuổi"))],
        "{:?}",
        outcome.problems
    );
    assert!(!outcome.written);
    assert!(store.mass_orgs_in(&ward).await.unwrap().is_empty());

    let good = mass_org_list(&good_mass_orgs());
    let outcome = run(&store, &admin, &ward, Kind::MassOrgs, &good, false)
        .await
        .unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!((outcome.changes, outcome.written), (4, true));
    let mut held: Vec<(UnitId, String, String)> = store
        .mass_orgs_in(&ward)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (UnitId(m.unit_id), m.kind, m.name))
        .collect();
    held.sort();
    let mut expected = vec![
        (
            t.school,
            "youth_union".to_string(),
            "Chi đoàn Trường THPT Thủ Dầu Một".to_string(),
        ),
        (
            t.school,
            "trade_union".into(),
            "Công đoàn Trường THPT Thủ Dầu Một".into(),
        ),
        (
            t.residential_cell,
            "womens_union".into(),
            "Chi hội Phụ nữ Khu phố 3".into(),
        ),
        (
            t.ward,
            "youth_union".into(),
            "Đoàn Thanh niên Phường Thủ Dầu Một".into(),
        ),
    ];
    expected.sort();
    assert_eq!(held, expected);

    let outcome = run(&store, &admin, &ward, Kind::MassOrgs, &good, false)
        .await
        .unwrap();
    assert_eq!(
        (outcome.changes, outcome.unchanged, outcome.written),
        (0, 4, false)
    );

    // Not under the other ward's units, by code or by name.
    let rows = vec![
        row(&["Chi đoàn Khu phố 1", "Chi đoàn", "25750", ""]),
        row(&[
            "Chi hội Phụ nữ Khu phố 1",
            "Hội Phụ nữ",
            "",
            "Chi bộ Khu phố 1",
        ]),
    ];
    let outcome = run(
        &store,
        &admin,
        &ward,
        Kind::MassOrgs,
        &mass_org_list(&rows),
        false,
    )
    .await
    .unwrap();
    let columns: Vec<(Option<usize>, Option<&str>)> = places(&outcome)
        .into_iter()
        .map(|(r, c, _)| (r, c))
        .collect();
    assert_eq!(columns, vec![(Some(4), Some("C")), (Some(5), Some("D"))]);
    assert!(!outcome.written);
    let other = Scope::subtree(t.other_ward, Access::Read);
    assert!(store.mass_orgs_in(&other).await.unwrap().is_empty());
}

async fn fresh_copy_of_the_tree() -> (Store, tempfile::TempDir, Tree) {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    (store, dir, t)
}

#[tokio::test]
async fn unit_and_mass_org_lists_exported_and_imported_again_come_back_the_same() {
    let (a, _dir_a) = sqlite_store().await;
    let t = tree(&a, "").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let city = Scope::subtree(t.city, Access::Edit);
    // Namesakes without codes in both wards, each with a cell of the same name: the list
    // names each parent by the nearest row above.
    let namesakes = vec![
        row(&["", COMPANY, "Đảng bộ cơ sở", "25747", "", "", "01/08/2025"]),
        row(&["", "Chi bộ Phân xưởng 1", "Chi bộ", "", COMPANY, "", ""]),
        row(&["", COMPANY, "Đảng bộ cơ sở", "25750", "", "", "01/08/2025"]),
        row(&["", "Chi bộ Phân xưởng 1", "Chi bộ", "", COMPANY, "", ""]),
    ];
    for (kind, scope, file) in [
        (Kind::Units, &ward, unit_list(&good_units())),
        (Kind::Units, &city, unit_list(&namesakes)),
        (Kind::MassOrgs, &ward, mass_org_list(&good_mass_orgs())),
    ] {
        let outcome = run(&a, &admin, scope, kind, &file, false).await.unwrap();
        assert!(outcome.written, "{kind:?} {:?}", outcome.problems);
    }
    let other_company = units_under(&a, t.other_ward).await;
    let company = named(&other_company, COMPANY);
    assert_eq!(
        named(&other_company, "Chi bộ Phân xưởng 1").parent,
        Some(company.id)
    );

    for kind in [Kind::Units, Kind::MassOrgs] {
        let (xlsx, csv) = exported(&a, &city, kind).await;
        let sheet = cells(&xlsx);
        assert_eq!(
            sheet[0],
            kind.fields()
                .iter()
                .map(|f| f.label.to_string())
                .collect::<Vec<_>>()
        );
        if kind == Kind::Units {
            // Every unit under the city but the city, parents first.
            assert_eq!(sheet.len() - 1, 14, "{sheet:?}");
            let names: Vec<&str> = sheet[1..].iter().map(|r| r[1].as_str()).collect();
            let at = |name: &str| names.iter().position(|n| *n == name).unwrap();
            assert!(at("Đảng bộ Trường Tiểu học Phú Hòa") < at("Chi bộ Giáo viên Tiểu học"));
            assert_eq!(names[0], "Đảng bộ Phường Thủ Dầu Một");
            assert_eq!(sheet[1][3], "79");
        } else {
            assert_eq!(sheet.len() - 1, 4, "{sheet:?}");
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
        // Imported into another database with the fixture's tree: the same list comes out.
        for file in [xlsx.clone(), csv.into_bytes()] {
            let (b, _dir_b, tb) = fresh_copy_of_the_tree().await;
            let city_b = Scope::subtree(tb.city, Access::Edit);
            let outcome = run(&b, &admin, &city_b, kind, &file, false).await.unwrap();
            assert!(
                outcome.problems.is_empty(),
                "{kind:?} {:?}",
                outcome.problems
            );
            let new = if kind == Kind::Units { 8 } else { 4 };
            assert_eq!(outcome.changes, new, "{kind:?}");
            assert!(outcome.written);
            let (again, _) = exported(&b, &city_b, kind).await;
            assert_eq!(cells(&again), sheet, "{kind:?}");
        }
    }
}

#[tokio::test]
async fn names_that_differ_only_by_their_marks_are_different_units() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let hamlet = |name: &str| row(&["", name, "Chi bộ cơ sở", "25747", "", "", ""]);
    let rows = vec![
        hamlet("Chi bộ Ấp Thạnh An"),
        hamlet("Chi bộ Ấp Thanh An"),
        hamlet("Chi bộ Ấp Phú Hòa"),
    ];
    let outcome = run(&store, &admin, &ward, Kind::Units, &unit_list(&rows), false)
        .await
        .unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(outcome.changes, 3);

    // Upper case and the other tone placement ("Hoà") are the same names.
    let rows = vec![
        hamlet("Chi bộ Ấp Thạnh An"),
        hamlet("CHI BỘ ẤP THANH AN"),
        hamlet("Chi bộ Ấp Phú Hoà"),
    ];
    let outcome = run(&store, &admin, &ward, Kind::Units, &unit_list(&rows), false)
        .await
        .unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!((outcome.changes, outcome.unchanged), (0, 3));

    // Named with its marks, the unit is found; without them, it could be either.
    let rows = vec![
        row(&["Chi đoàn Ấp Thanh An", "Chi đoàn", "", "Chi bộ Ấp Thanh An"]),
        row(&["Chi đoàn Ap Thanh An", "Chi đoàn", "", "Chi bo Ap Thanh An"]),
    ];
    let outcome = run(
        &store,
        &admin,
        &ward,
        Kind::MassOrgs,
        &mass_org_list(&rows),
        false,
    )
    .await
    .unwrap();
    let columns: Vec<(Option<usize>, Option<&str>)> = places(&outcome)
        .into_iter()
        .map(|(r, c, _)| (r, c))
        .collect();
    assert_eq!(
        columns,
        vec![(Some(5), Some("D"))],
        "{:?}",
        outcome.problems
    );
    assert!(outcome.problems[0].message.contains("hãy ghi mã đơn vị"));
    assert_eq!(outcome.preview[0].1[3], "Chi bộ Ấp Thanh An");
}
