//! Files made in the tests themselves, as offices make them, read back; hostile files
//! refused.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use crate::{
    DateRead, Field, Kind, Legacy, Limits, Value, Workbook, count, date, fields, find_table,
    kind_of, read_workbook, split_name, text,
};
use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook as XlsxBook};
use unicode_normalization::UnicodeNormalization;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const HOUSEHOLD: Field = Field::new("household", "Số người trong hộ", &["Nhân khẩu", "Số NK"]);

fn wanted() -> [Field; 4] {
    [
        fields::FULL_NAME.required(),
        fields::BIRTH_DATE.required(),
        fields::CITIZEN_ID,
        HOUSEHOLD,
    ]
}

fn day(y: i32, m: u32, d: u32) -> Option<DateRead> {
    NaiveDate::from_ymd_opt(y, m, d).map(DateRead::Day)
}

/// An .xlsx as ward offices make them: two merged title rows, an empty row, the header,
/// a row numbering the columns, then people typed in every way seen in practice.
fn office_xlsx() -> Vec<u8> {
    let mut book = XlsxBook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Danh sách").unwrap();
    let title = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .merge_range(0, 0, 0, 4, "DANH SÁCH QUẦN CHÚNG ƯU TÚ NĂM 2025", &title)
        .unwrap();
    sheet
        .merge_range(1, 0, 1, 4, "Chi bộ Khu phố 3 - Phường Bến Thành", &title)
        .unwrap();
    let headers = [
        "STT",
        "HỌ VÀ TÊN",
        "Ngày tháng\nnăm sinh",
        "Số định danh cá nhân",
        "Nhân khẩu",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    for c in 0..5u16 {
        sheet.write_string(4, c, format!("({})", c + 1)).unwrap();
    }
    let nfd: String = "Nguyễn Thị Ánh".nfd().collect();
    // Row 6: NFD name, a real date cell, the id and the count as text.
    sheet.write_number(5, 0, 1).unwrap();
    sheet.write_string(5, 1, &nfd).unwrap();
    sheet
        .write_datetime_with_format(5, 2, ExcelDateTime::from_ymd(1975, 3, 15).unwrap(), &date)
        .unwrap();
    sheet.write_string(5, 3, "079175001234").unwrap();
    sheet.write_string(5, 4, " 4 ").unwrap();
    // Row 7: spaces everywhere, a text date d/m/yy, numbers as numbers.
    sheet.write_number(6, 0, 2).unwrap();
    sheet
        .write_string(6, 1, "  Trần   Văn\u{00A0}Bình ")
        .unwrap();
    sheet.write_string(6, 2, "5/3/80").unwrap();
    sheet.write_number(6, 3, 79_080_001_234.0).unwrap();
    sheet.write_number(6, 4, 3).unwrap();
    // Row 8: TCVN3, a dotted date, thousands in a count.
    sheet.write_number(7, 0, 3).unwrap();
    sheet.write_string(7, 1, "NguyÔn V¨n An").unwrap();
    sheet.write_string(7, 2, "15.03.1975").unwrap();
    sheet.write_string(7, 4, "1.234").unwrap();
    // Row 9: VNI, a year only.
    sheet.write_number(8, 0, 4).unwrap();
    sheet.write_string(8, 1, "Nguyeãn Vaên An").unwrap();
    sheet.write_string(8, 2, "năm 1975").unwrap();
    // Row 10: an impossible date.
    sheet.write_number(9, 0, 5).unwrap();
    sheet.write_string(9, 1, "Lê Văn Cường").unwrap();
    sheet.write_string(9, 2, "31/02/1990").unwrap();
    // Row 11 empty; row 12: an Excel serial typed as a number, a date as dd-mm-yyyy.
    sheet.write_number(11, 0, 6).unwrap();
    sheet.write_string(11, 1, "Phạm Thị Dung").unwrap();
    sheet.write_number(11, 2, 27468).unwrap();
    sheet.write_number(12, 0, 7).unwrap();
    sheet.write_string(12, 1, "Võ Văn Em").unwrap();
    sheet.write_string(12, 2, "15-03-1975").unwrap();
    // A second sheet, which the table is not on.
    let other = book.add_worksheet();
    other.set_name("Ghi chú").unwrap();
    other.write_string(0, 0, "Không có bảng ở đây").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_from_a_ward_office() {
    let bytes = office_xlsx();
    assert_eq!(kind_of(&bytes, &Limits::default()).unwrap(), Kind::Xlsx);
    let book = read_workbook(&bytes, &Limits::default()).unwrap();
    let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Danh sách", "Ghi chú"]);
    // The merged title keeps its text in the first cell only.
    assert_eq!(
        book.sheets[0].rows[0],
        vec![Value::Text("DANH SÁCH QUẦN CHÚNG ƯU TÚ NĂM 2025".into())]
    );

    let table = find_table(&book, &wanted()).unwrap();
    assert_eq!(table.sheet, "Danh sách");
    assert_eq!(table.header_row, 4);
    assert_eq!(
        table.columns,
        vec![
            ("full_name", 1, "HỌ VÀ TÊN".to_owned()),
            ("birth_date", 2, "Ngày tháng năm sinh".to_owned()),
            ("citizen_id", 3, "Số định danh cá nhân".to_owned()),
            ("household", 4, "Nhân khẩu".to_owned()),
        ]
    );
    let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
    assert_eq!(
        numbers,
        [6, 7, 8, 9, 10, 12, 13],
        "the numbering row 5 is skipped"
    );

    let names: Vec<(String, Option<Legacy>)> = table
        .rows
        .iter()
        .map(|r| {
            let t = table.text(r, "full_name").unwrap();
            (t.text, t.converted)
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Nguyễn Thị Ánh".to_owned(), None),
            ("Trần Văn Bình".to_owned(), None),
            ("Nguyễn Văn An".to_owned(), Some(Legacy::Tcvn3)),
            ("Nguyễn Văn An".to_owned(), Some(Legacy::Vni)),
            ("Lê Văn Cường".to_owned(), None),
            ("Phạm Thị Dung".to_owned(), None),
            ("Võ Văn Em".to_owned(), None),
        ]
    );
    let conversions = table.conversions();
    assert_eq!(conversions.len(), 2);
    assert_eq!(
        (
            conversions[0].row,
            conversions[0].column.as_str(),
            conversions[0].legacy
        ),
        (8, "B", Legacy::Tcvn3)
    );
    assert_eq!(conversions[1].from, "Nguyeãn Vaên An");

    let births: Vec<Result<Option<DateRead>, String>> = table
        .rows
        .iter()
        .map(|r| table.date(r, "birth_date").map_err(|e| e.to_string()))
        .collect();
    assert_eq!(births[0], Ok(day(1975, 3, 15)), "a real date cell");
    assert_eq!(births[1], Ok(day(1980, 3, 5)));
    assert_eq!(births[2], Ok(day(1975, 3, 15)));
    assert_eq!(births[3], Ok(Some(DateRead::YearOnly(1975))));
    assert_eq!(
        births[4],
        Err("Trang tính \"Danh sách\", dòng 10, cột C (\"31/02/1990\"): ngày 31/02/1990 không có thật (\"31/02/1990\")".to_owned())
    );
    assert_eq!(births[5], Ok(day(1975, 3, 15)), "an Excel serial number");
    assert_eq!(births[6], Ok(day(1975, 3, 15)));

    let ids: Vec<String> = table
        .rows
        .iter()
        .take(2)
        .map(|r| table.text(r, "citizen_id").unwrap().text)
        .collect();
    assert_eq!(ids, ["079175001234", "79080001234"]);
    let households: Vec<Option<i64>> = table
        .rows
        .iter()
        .take(3)
        .map(|r| table.count(r, "household").unwrap())
        .collect();
    assert_eq!(households, [Some(4), Some(3), Some(1234)]);

    let (family, middle, given) =
        split_name(&table.text(&table.rows[0], "full_name").unwrap().text);
    assert_eq!(
        (family.as_str(), middle.as_str(), given.as_str()),
        ("Nguyễn", "Thị", "Ánh")
    );
}

/// A minimal xlsx written by hand: the parts calamine needs, with the given sheet XML and
/// shared strings.
fn hand_xlsx(sheet_xml: &str, shared_strings: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut part = |name: &str, body: &str| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    part(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    part(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    );
    part("xl/worksheets/sheet1.xml", sheet_xml);
    if let Some(sst) = shared_strings {
        part("xl/sharedStrings.xml", sst);
    }
    zip.finish().unwrap().into_inner()
}

/// Replaces an entry of a zip.
fn replace_entry(zip_bytes: &[u8], name: &str, body: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes.to_vec())).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).unwrap();
        if entry.name().unwrap() == name {
            continue;
        }
        out.raw_copy_file(entry).unwrap();
    }
    out.start_file(name, SimpleFileOptions::default()).unwrap();
    out.write_all(body.as_bytes()).unwrap();
    out.finish().unwrap().into_inner()
}

fn sheet_xml(cells: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
    )
}

#[test]
fn hand_made_xlsx_reads() {
    let bytes = hand_xlsx(
        &sheet_xml(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Ho ten</t></is></c><c r="B1" t="inlineStr"><is><t>NS</t></is></c></row><row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>1975</v></c></row>"#,
        ),
        Some(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>Lª ThÞ Hoa</t></si></sst>"#,
        ),
    );
    let book = read_workbook(&bytes, &Limits::default()).unwrap();
    let table = find_table(&book, &wanted()).unwrap();
    let row = &table.rows[0];
    assert_eq!(table.text(row, "full_name").unwrap().text, "Lê Thị Hoa");
    assert_eq!(
        table.date(row, "birth_date").unwrap(),
        Some(DateRead::YearOnly(1975))
    );
}

#[test]
fn headers_without_diacritics_and_abbreviations() {
    let nfd_header: String = "Ngày sinh".nfd().collect();
    let cases: [(&str, &str, &str); 5] = [
        ("Họ và tên", "Ngày sinh", "Số CCCD"),
        ("ho va ten", "ngay sinh", "so cccd"),
        ("HO TEN", "NS", "SO DINH DANH"),
        ("Họ tên (*)", nfd_header.as_str(), "Số định danh"),
        ("Họ và tên khai sinh", "Ngày, tháng, năm sinh", "CMND/CCCD"),
    ];
    for (name, born, id) in cases {
        let csv =
            format!("Danh sách\r\n\r\n\"{name}\",\"{born}\",\"{id}\"\r\nA,1975,012345678901\r\n");
        let book = read_workbook(csv.as_bytes(), &Limits::default()).unwrap();
        let table =
            find_table(&book, &wanted()).unwrap_or_else(|e| panic!("{name} / {born} / {id}: {e}"));
        assert_eq!(table.header_row, 3);
        assert_eq!(table.column("full_name"), Some(0), "{name}");
        assert_eq!(table.column("birth_date"), Some(1), "{born}");
        assert_eq!(table.column("citizen_id"), Some(2), "{id}");
    }
}

#[test]
fn legacy_headers_are_matched() {
    // The whole file typed in TCVN3: headers too.
    let csv = "Hä vµ tªn;Ngµy sinh\nLª V¨n T¸m;15/03/1975\nTám;1976\n";
    let book = read_workbook(csv.as_bytes(), &Limits::default()).unwrap();
    let table = find_table(&book, &wanted()).unwrap();
    assert_eq!(table.header("full_name"), Some("Họ và tên"));
    assert_eq!(table.legacy_of("full_name"), Some(Legacy::Tcvn3));
    let texts: Vec<String> = table
        .rows
        .iter()
        .map(|r| table.text(r, "full_name").unwrap().text)
        .collect();
    // "Tám" is TCVN3 for "Tỏm" here, decided by the column.
    assert_eq!(texts, ["Lê Văn Tám", "Tỏm"]);
}

#[test]
fn csv_utf8_with_bom() {
    let bytes = "\u{FEFF}Họ và tên,Ngày sinh,Số CCCD\r\n\"Nguyễn Văn An\",15/03/1975,\"079075001234\"\r\n\"Lê, Thị Hoa\",1/2/1980,\r\n".as_bytes();
    assert_eq!(kind_of(bytes, &Limits::default()).unwrap(), Kind::Csv);
    let book = read_workbook(bytes, &Limits::default()).unwrap();
    assert_eq!(book.sheets[0].name, "CSV");
    let table = find_table(&book, &wanted()).unwrap();
    assert_eq!(table.header_row, 1);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(
        table.text(&table.rows[1], "full_name").unwrap().text,
        "Lê, Thị Hoa"
    );
    assert_eq!(
        table.date(&table.rows[1], "birth_date").unwrap(),
        day(1980, 2, 1)
    );
    assert_eq!(
        table.text(&table.rows[0], "citizen_id").unwrap().text,
        "079075001234"
    );
}

#[test]
fn csv_utf16le_tab_delimited() {
    // Excel's "Unicode Text": UTF-16 LE with a byte-order mark, tabs between cells.
    let text = "Họ và tên\tNgày sinh\r\nĐặng Thị Ưng\t02.09.1945\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let book = read_workbook(&bytes, &Limits::default()).unwrap();
    let table = find_table(&book, &wanted()).unwrap();
    assert_eq!(
        table.text(&table.rows[0], "full_name").unwrap().text,
        "Đặng Thị Ưng"
    );
    assert_eq!(
        table.date(&table.rows[0], "birth_date").unwrap(),
        day(1945, 9, 2)
    );
}

/// Windows-1258 has ê, ơ, ư, ă, đ as letters but the tones as combining marks: "ễ" is written
/// "ê" + combining tilde.
fn windows_1258(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in text.nfc() {
        let s = c.to_string();
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&s);
        if !unmappable {
            out.extend_from_slice(&bytes);
            continue;
        }
        let parts: Vec<char> = s.nfd().collect();
        let (base, marks) = parts.split_first().unwrap();
        let letter: String = std::iter::once(*base)
            .chain(
                marks
                    .iter()
                    .copied()
                    .filter(|m| matches!(m, '\u{306}' | '\u{302}' | '\u{31B}')),
            )
            .collect::<String>()
            .nfc()
            .collect();
        let tone: String = marks
            .iter()
            .filter(|m| !matches!(m, '\u{306}' | '\u{302}' | '\u{31B}'))
            .collect();
        let decomposed = format!("{letter}{tone}");
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&decomposed);
        assert!(!unmappable, "{c}");
        out.extend_from_slice(&bytes);
    }
    out
}

#[test]
fn csv_windows_1258_semicolons() {
    let text = "DANH SÁCH ĐẢNG VIÊN DỰ BỊ;;\r\nHọ và tên;Ngày sinh;Nhân khẩu\r\nNguyễn Thị Phượng;15/03/1975;1.234\r\nTrương Quốc Việt;ngày 2 tháng 9 năm 1980;5\r\n";
    let bytes = windows_1258(text);
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let book = read_workbook(&bytes, &Limits::default()).unwrap();
    let table = find_table(&book, &wanted()).unwrap();
    assert_eq!(table.header_row, 2);
    let r = &table.rows;
    assert_eq!(
        table.text(&r[0], "full_name").unwrap().text,
        "Nguyễn Thị Phượng"
    );
    assert_eq!(
        table.text(&r[1], "full_name").unwrap().text,
        "Trương Quốc Việt"
    );
    assert_eq!(table.date(&r[1], "birth_date").unwrap(), day(1980, 9, 2));
    assert_eq!(table.count(&r[0], "household").unwrap(), Some(1234));
}

#[test]
fn csv_in_tcvn3_bytes() {
    // A CSV saved from a TCVN3 machine: the bytes of the font, not Windows-1258.
    let text = "Họ và tên,Ngày sinh\r\nNguyễn Thị Phượng,15/03/1975\r\nTrần Đức Thắng,1980\r\n";
    let legacy = ketnap_domain::text::legacy::from_unicode(text, Legacy::Tcvn3);
    let bytes: Vec<u8> = legacy
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    let book = read_workbook(&bytes, &Limits::default()).unwrap();
    let table = find_table(&book, &wanted()).unwrap();
    let names: Vec<String> = table
        .rows
        .iter()
        .map(|r| table.text(r, "full_name").unwrap().text)
        .collect();
    assert_eq!(names, ["Nguyễn Thị Phượng", "Trần Đức Thắng"]);
}

/// An OpenDocument spreadsheet written by hand, with LibreOffice's repeats.
fn ods(content_body: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{content_body}</office:spreadsheet></office:body></office:document-content>"#
    );
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn ods_text(s: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
    )
}

#[test]
fn ods_reads_through_calamine() {
    let body = format!(
        r#"<table:table table:name="Đảng viên"><table:table-row>{title}</table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row>{h1}{h2}{h3}</table:table-row><table:table-row>{n1}<table:table-cell office:value-type="date" office:date-value="1975-03-15"><text:p>15/03/1975</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="4"><text:p>4</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"><text:p/></table:table-cell></table:table-row></table:table>"#,
        title = ods_text("DANH SÁCH"),
        h1 = ods_text("Họ và tên"),
        h2 = ods_text("Ngày sinh"),
        h3 = ods_text("Nhân khẩu"),
        n1 = ods_text("Nguyeãn Vaên An"),
    );
    let bytes = ods(&body);
    assert_eq!(kind_of(&bytes, &Limits::default()).unwrap(), Kind::Ods);
    let book = read_workbook(&bytes, &Limits::default()).unwrap();
    assert_eq!(book.sheets[0].name, "Đảng viên");
    assert_eq!(
        book.sheets[0].rows.len(),
        5,
        "trailing repeated empty rows are not kept"
    );
    let table = find_table(&book, &wanted()).unwrap();
    assert_eq!(table.header_row, 4);
    let row = &table.rows[0];
    assert_eq!(row.number, 5);
    let name = table.text(row, "full_name").unwrap();
    assert_eq!(
        (name.text.as_str(), name.converted),
        ("Nguyễn Văn An", Some(Legacy::Vni))
    );
    assert_eq!(
        table.get(row, "birth_date"),
        Some(&Value::Date(NaiveDate::from_ymd_opt(1975, 3, 15).unwrap()))
    );
    assert_eq!(table.count(row, "household").unwrap(), Some(4));
}

#[test]
fn ods_repeats_that_would_fill_memory_are_refused() {
    let body = r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
    let started = Instant::now();
    let err = read_workbook(&ods(body), &Limits::default()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.message.contains("quá lớn"), "{err}");
}

/// A zip whose one entry is `size` zero bytes, deflated.
fn zeros_zip(name: &str, size: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file(name, opts).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        zip.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    zip.finish().unwrap().into_inner()
}

/// Overwrites the uncompressed size that the local and central headers declare.
fn declare_size(bytes: &mut [u8], size: u32) {
    for at in 0..bytes.len().saturating_sub(4) {
        if bytes[at..at + 4] == *b"PK\x03\x04" {
            bytes[at + 22..at + 26].copy_from_slice(&size.to_le_bytes());
        } else if bytes[at..at + 4] == *b"PK\x01\x02" {
            bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
        }
    }
}

#[test]
fn zip_bomb_is_refused_quickly() {
    // 64 MiB of zeros deflate to about 64 KB; the limit is 16 MiB unpacked.
    let bomb = zeros_zip("xl/worksheets/sheet1.xml", 64 << 20);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let limits = Limits {
        max_unpacked_bytes: 16 << 20,
        ..Limits::default()
    };
    let started = Instant::now();
    let err = read_workbook(&bomb, &limits).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(err.message.contains("giải nén quá lớn"), "{err}");
    assert!(err.message.contains("bom nén"), "{err}");

    // With the default limits, an entry declaring 4 GB.
    let mut huge = zeros_zip("xl/worksheets/sheet1.xml", 1 << 20);
    declare_size(&mut huge, 0xFFFF_0000);
    let started = Instant::now();
    let err = read_workbook(&huge, &Limits::default()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.message.contains("giải nén quá lớn"), "{err}");
}

#[test]
fn zip_entry_inflating_past_its_declared_size_is_refused() {
    // Declares 1 000 bytes; would inflate to 32 MiB.
    let sheet = sheet_xml("");
    let mut bytes = hand_xlsx(&sheet, None);
    let mut liar = zeros_zip("xl/sharedStrings.xml", 32 << 20);
    declare_size(&mut liar, 1000);
    // Put the lying entry in a real workbook by rebuilding it from both archives.
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for source in [&mut bytes, &mut liar] {
        let mut archive = zip::ZipArchive::new(Cursor::new(source.clone())).unwrap();
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).unwrap();
            out.raw_copy_file(entry).unwrap();
        }
    }
    let bytes = out.finish().unwrap().into_inner();
    let started = Instant::now();
    let result = read_workbook(&bytes, &Limits::default());
    assert!(started.elapsed() < Duration::from_secs(2));
    let err = result.unwrap_err();
    assert!(err.message.contains("bị hỏng"), "{err}");
}

#[test]
fn too_many_zip_entries_are_refused() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..12 {
        zip.start_file(
            format!("xl/worksheets/sheet{i}.xml"),
            SimpleFileOptions::default(),
        )
        .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let limits = Limits {
        max_zip_entries: 10,
        ..Limits::default()
    };
    let err = read_workbook(&bytes, &limits).unwrap_err();
    assert!(
        err.message.contains("quá nhiều thành phần (12; tối đa 10)"),
        "{err}"
    );
}

#[test]
fn huge_shared_string_count_is_refused() {
    let bytes = hand_xlsx(
        &sheet_xml(""),
        Some(
            r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="99999999999" uniqueCount="99999999999"></sst>"#,
        ),
    );
    let err = read_workbook(&bytes, &Limits::default()).unwrap_err();
    assert!(err.message.contains("quá nhiều chuỗi"), "{err}");
}

#[test]
fn a_cell_at_the_far_corner_is_refused_not_allocated() {
    let bytes = hand_xlsx(
        &sheet_xml(
            r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#,
        ),
        None,
    );
    let err = read_workbook(&bytes, &Limits::default()).unwrap_err();
    assert!(err.message.contains("quá nhiều dòng"), "{err}");
    assert_eq!(err.sheet.as_deref(), Some("S"));
    let wide = hand_xlsx(
        &sheet_xml(
            r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="900000"><c r="XFD900000"><v>2</v></c></row>"#,
        ),
        None,
    );
    let limits = Limits {
        max_cells: 10_000,
        ..Limits::default()
    };
    let err = read_workbook(&wide, &limits).unwrap_err();
    assert!(err.message.contains("quá lớn"), "{err}");
}

#[test]
fn non_spreadsheets_are_refused() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let err = read_workbook(png, &Limits::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Tệp tải lên là ảnh PNG, không phải bảng tính. Hãy tải lên tệp .xlsx, .xls, .ods hoặc .csv."
    );
    assert!(kind_of(png, &Limits::default()).is_err());

    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    assert!(
        read_workbook(pdf, &Limits::default())
            .unwrap_err()
            .message
            .contains("PDF")
    );

    let html =
        b"<html><body><table><tr><td>H\xe1\xbb\x8d t\xc3\xaan</td></tr></table></body></html>";
    let err = read_workbook(html, &Limits::default()).unwrap_err();
    assert!(err.message.contains("trang web (HTML)"), "{err}");

    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let err = read_workbook(&binary, &Limits::default()).unwrap_err();
    assert!(err.message.contains("không phải bảng tính"), "{err}");

    let docx = {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("word/document.xml", SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"<w:document/>").unwrap();
        zip.finish().unwrap().into_inner()
    };
    let err = read_workbook(&docx, &Limits::default()).unwrap_err();
    assert!(err.message.contains("Word"), "{err}");

    assert_eq!(
        read_workbook(b"", &Limits::default()).unwrap_err().message,
        "Tệp tải lên rỗng."
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let limits = Limits {
        max_bytes: 1024,
        ..Limits::default()
    };
    let big = "Họ và tên,Ngày sinh\n".repeat(100);
    let err = read_workbook(big.as_bytes(), &limits).unwrap_err();
    assert_eq!(err.message, "Tệp quá lớn (3 KB); chỉ nhận tệp đến 1 KB.");
    let err = read_workbook(&office_xlsx(), &limits).unwrap_err();
    assert!(err.message.starts_with("Tệp quá lớn"), "{err}");
}

#[test]
fn too_many_rows_in_a_csv() {
    let limits = Limits {
        max_rows: 3,
        ..Limits::default()
    };
    let err = read_workbook(b"a\nb\nc\nd\n", &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Trang tính \"CSV\": bảng tính có quá nhiều dòng (4; tối đa 3). Hãy chia thành nhiều tệp nhỏ hơn."
    );
}

#[test]
fn values_read_without_a_table() {
    assert_eq!(text(&Value::Text(" Café ".into())).text, "Café");
    assert_eq!(
        date(&Value::Text("1975".into())),
        Ok(Some(DateRead::YearOnly(1975)))
    );
    assert_eq!(count(&Value::Text("1,234".into())), Ok(Some(1234)));
    let empty = Workbook::default();
    assert!(find_table(&empty, &wanted()).is_err());
}

#[test]
fn sheets_sharing_one_part_are_refused() {
    // A sheet part read once per sheet naming it: 3 000 sheets would read it 3 000 times.
    let base = hand_xlsx(
        &sheet_xml(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#),
        None,
    );
    let sheets: String = (1..=3000)
        .map(|i| format!(r#"<sheet name="S{i}" sheetId="{i}" r:id="rId1"/>"#))
        .collect();
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    let bytes = replace_entry(&base, "xl/workbook.xml", &workbook);
    let started = Instant::now();
    let err = read_workbook(&bytes, &Limits::default()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.message.contains("cùng trỏ tới một phần"), "{err}");
    // The same workbook with one sheet reads.
    let one = replace_entry(
        &base,
        "xl/workbook.xml",
        &workbook.replace(&sheets, r#"<sheet name="S1" sheetId="1" r:id="rId1"/>"#),
    );
    assert_eq!(
        read_workbook(&one, &Limits::default())
            .unwrap()
            .sheets
            .len(),
        1
    );
}

// ---------------------------------------------------------------------------------------
// The error report: a failed import handed back with the bad cells marked

/// A list with a bad birth date on row 7, column C, a formula-like name on row 6, and a
/// second sheet without problems.
fn list_with_a_bad_date() -> Vec<u8> {
    let mut book = XlsxBook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    sheet.set_name("Danh sách").unwrap();
    sheet.write_string(0, 0, "DANH SÁCH QUẦN CHÚNG").unwrap();
    for (c, h) in ["STT", "Họ và tên", "Ngày sinh", "Số định danh cá nhân"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let people = [
        (3, "Nguyễn Văn An", 1975),
        (4, "Trần Thị Bình", 1980),
        (5, "=SUM(A1)", 1990),
    ];
    for (i, (r, name, year)) in people.iter().enumerate() {
        sheet.write_number(*r, 0, i as f64 + 1.0).unwrap();
        sheet.write_string(*r, 1, *name).unwrap();
        sheet
            .write_datetime_with_format(
                *r,
                2,
                ExcelDateTime::from_ymd(*year, 3, 15).unwrap(),
                &date,
            )
            .unwrap();
        sheet
            .write_number(*r, 3, 79_075_001_234.0 + i as f64)
            .unwrap();
    }
    sheet.write_number(6, 0, 4).unwrap();
    sheet.write_string(6, 1, "Lê Văn Cường").unwrap();
    sheet.write_string(6, 2, "31/02/1990").unwrap();
    book.add_worksheet()
        .set_name("Ghi chú")
        .unwrap()
        .write_string(0, 0, "Không có lỗi ở đây")
        .unwrap();
    book.save_to_buffer().unwrap()
}

fn read_report(bytes: &[u8]) -> calamine::Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap()
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
    text
}

#[test]
fn error_report_lists_problems_and_marks_the_cells() {
    use calamine::{Data, Reader};

    let original = read_workbook(&list_with_a_bad_date(), &Limits::default()).unwrap();
    let table = find_table(
        &original,
        &[fields::FULL_NAME.required(), fields::BIRTH_DATE.required()],
    )
    .unwrap();
    let row = table.rows.iter().find(|r| r.number == 7).unwrap();
    let bad_date = table.date(row, "birth_date").unwrap_err();
    assert_eq!(
        (
            bad_date.row,
            bad_date.column.as_deref(),
            bad_date.value.as_deref()
        ),
        (Some(7), Some("C"), Some("31/02/1990"))
    );
    let whole_row = crate::SheetError::new("Dòng này trùng với dòng 4")
        .in_sheet("Danh sách")
        .at_row(5);
    let whole_file = crate::SheetError::new("Tệp thiếu cột Giới tính");
    let problems = [bad_date.clone(), whole_row, whole_file];

    let bytes = crate::write::error_report(&original, &problems).unwrap();

    let mut report = read_report(&bytes);
    assert_eq!(report.sheet_names(), ["Lỗi", "Danh sách"]);
    let list = report.worksheet_range("Lỗi").unwrap();
    let at = |r: u32, c: u32| list.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    let s = |t: &str| Data::String(t.to_owned());
    assert_eq!(
        (0..5).map(|c| at(0, c)).collect::<Vec<_>>(),
        ["Trang tính", "Dòng", "Cột", "Giá trị", "Lỗi"].map(s)
    );
    assert_eq!(
        (0..5).map(|c| at(1, c)).collect::<Vec<_>>(),
        [
            s("Danh sách"),
            Data::Float(7.0),
            s("C"),
            s("31/02/1990"),
            s(&bad_date.message)
        ]
    );
    assert_eq!(
        (0..5).map(|c| at(2, c)).collect::<Vec<_>>(),
        [
            s("Danh sách"),
            Data::Float(5.0),
            Data::Empty,
            Data::Empty,
            s("Dòng này trùng với dòng 4")
        ]
    );
    assert_eq!(at(3, 4), s("Tệp thiếu cột Giới tính"));
    assert_eq!(at(3, 0), Data::Empty);

    // The copy: same positions (row 7 is row 7), values as read.
    let copy = report.worksheet_range("Danh sách").unwrap();
    assert_eq!(copy.get_value((6, 2)), Some(&s("31/02/1990")));
    assert_eq!(copy.get_value((6, 1)), Some(&s("Lê Văn Cường")));
    assert_eq!(copy.get_value((3, 1)), Some(&s("Nguyễn Văn An")));
    assert_eq!(copy.get_value((3, 3)), Some(&Data::Float(79_075_001_234.0)));
    assert!(
        matches!(copy.get_value((3, 2)), Some(Data::DateTime(d)) if d.is_datetime()),
        "{:?}",
        copy.get_value((3, 2))
    );
    let again = read_workbook(&bytes, &Limits::default()).unwrap();
    let copied = &again.sheets[1];
    assert_eq!(copied.name, "Danh sách");
    let mut expected = original.sheets[0].rows.clone();
    // The one formula-like text, neutralised.
    expected[5][1] = Value::Text("'=SUM(A1)".into());
    assert_eq!(copied.rows, expected);

    // The notes hold the messages; the marked cells are filled light red.
    let comments = zip_entry(&bytes, "xl/comments1.xml");
    assert!(comments.contains(&bad_date.message), "{comments}");
    assert!(comments.contains("Dòng này trùng với dòng 4"), "{comments}");
    assert!(comments.contains(r#"ref="C7""#) && comments.contains(r#"ref="A5""#));
    assert!(zip_entry(&bytes, "xl/styles.xml").contains("FFC7CE"));
}

#[test]
fn error_report_neutralises_formulas() {
    use calamine::{Data, Reader};

    let original = read_workbook(&list_with_a_bad_date(), &Limits::default()).unwrap();
    let problem = crate::SheetError::new("Họ và tên không hợp lệ")
        .in_sheet("Danh sách")
        .at_row(6)
        .at_column("B")
        .with_value("=SUM(A1)");
    let bytes = crate::write::error_report(&original, &[problem]).unwrap();
    let mut report = read_report(&bytes);
    let neutralised = Data::String("'=SUM(A1)".into());
    let list = report.worksheet_range("Lỗi").unwrap();
    assert_eq!(list.get_value((1, 3)), Some(&neutralised));
    let copy = report.worksheet_range("Danh sách").unwrap();
    assert_eq!(copy.get_value((5, 1)), Some(&neutralised));
    assert!(!zip_entry(&bytes, "xl/worksheets/sheet2.xml").contains("<f>"));
}

#[test]
fn error_report_without_problems_is_an_empty_list() {
    use calamine::Reader;

    let original = read_workbook(&list_with_a_bad_date(), &Limits::default()).unwrap();
    let bytes = crate::write::error_report(&original, &[]).unwrap();
    let mut report = read_report(&bytes);
    assert_eq!(report.sheet_names(), ["Lỗi"]);
    assert_eq!(report.worksheet_range("Lỗi").unwrap().height(), 1);
}
