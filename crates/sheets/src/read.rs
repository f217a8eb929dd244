//! From uploaded bytes to a [`Workbook`]: the kind of file told by its content, the limits
//! checked before anything large is unpacked or allocated, and calamine reading .xlsx,
//! .xls and .ods.

use std::io::{BufReader, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, ExcelDateTime, Ods, Reader, Xls, Xlsx, XlsxError};
use chrono::NaiveDate;
use quick_xml::events::Event;
use zip::ZipArchive;

use crate::error::SheetError;
use crate::values::Value;
use crate::{Limits, Sheet, Workbook, cfb, delimited};

/// The kinds of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Excel 2007 and later (Office Open XML, a zip).
    Xlsx,
    /// Excel 97–2003 (BIFF in an OLE compound file), also Excel 5/95.
    Xls,
    /// OpenDocument spreadsheet (LibreOffice, a zip).
    Ods,
    /// Delimited text.
    Csv,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Xlsx => ".xlsx",
            Kind::Xls => ".xls",
            Kind::Ods => ".ods",
            Kind::Csv => ".csv",
        }
    }
}

/// Excel's widest sheet.
const MAX_COLUMNS: u32 = 16_384;

const ADVICE: &str = "Hãy tải lên tệp .xlsx, .xls, .ods hoặc .csv.";

fn refused(what: &str) -> SheetError {
    SheetError::new(format!(
        "Tệp tải lên {what}, không phải bảng tính. {ADVICE}"
    ))
}

fn corrupt(kind: Kind, detail: impl std::fmt::Display) -> SheetError {
    SheetError::new(format!(
        "Không đọc được tệp {}: tệp bị hỏng hoặc không đúng định dạng ({detail}). Hãy mở tệp bằng Excel và lưu lại dạng .xlsx.",
        kind.label()
    ))
}

fn corrupt_zip(detail: impl std::fmt::Display) -> SheetError {
    SheetError::new(format!(
        "Không đọc được tệp: tệp nén (.xlsx, .ods) bị hỏng ({detail}). Hãy mở tệp bằng Excel và lưu lại dạng .xlsx."
    ))
}

fn password() -> SheetError {
    SheetError::new(
        "Tệp được đặt mật khẩu nên không đọc được. Hãy mở bằng Excel, bỏ mật khẩu rồi tải lên lại.",
    )
}

pub(crate) fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MB", bytes.div_ceil(MIB))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Tells the kind of a file from its content, checking the upload limits and, for a zip,
/// the number of entries and the unpacked size. Refuses what is not a spreadsheet.
pub fn kind_of(bytes: &[u8], limits: &Limits) -> Result<Kind, SheetError> {
    check_size(bytes, limits)?;
    match container(bytes) {
        Container::Zip => {
            let archive = open_zip(bytes, limits)?;
            zip_kind(archive).map(|(kind, _)| kind)
        }
        Container::Ole => cfb::kind(bytes).map(|_| Kind::Xls),
        Container::Text => delimited::check_text(bytes).map(|_| Kind::Csv),
        Container::Refused(e) => Err(e),
    }
}

/// Reads every sheet of a spreadsheet file. The kind is told from the content (see
/// [`kind_of`]); every limit is checked before the data it guards is unpacked.
pub fn read_workbook(bytes: &[u8], limits: &Limits) -> Result<Workbook, SheetError> {
    check_size(bytes, limits)?;
    match container(bytes) {
        Container::Zip => {
            let archive = open_zip(bytes, limits)?;
            match zip_kind(archive)? {
                (Kind::Xlsx, mut archive) => {
                    check_shared_strings(&mut archive, limits)?;
                    check_sheet_parts(&mut archive, limits)?;
                    read_xlsx(bytes, limits)
                }
                (_, mut archive) => {
                    check_ods_content(&mut archive, limits)?;
                    read_ods(bytes, limits)
                }
            }
        }
        Container::Ole => {
            cfb::check_xls(bytes, limits)?;
            read_xls(bytes, limits)
        }
        Container::Text => delimited::read(bytes, limits),
        Container::Refused(e) => Err(e),
    }
}

fn check_size(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::new("Tệp tải lên rỗng."));
    }
    if bytes.len() > limits.max_bytes {
        return Err(SheetError::new(format!(
            "Tệp quá lớn ({}); chỉ nhận tệp đến {}.",
            size_text(bytes.len() as u64),
            size_text(limits.max_bytes as u64)
        )));
    }
    Ok(())
}

enum Container {
    Zip,
    Ole,
    Text,
    Refused(SheetError),
}

fn container(bytes: &[u8]) -> Container {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return Container::Zip;
    }
    if starts(cfb::MAGIC) {
        return Container::Ole;
    }
    let what = if starts(b"\x89PNG\r\n\x1a\n") {
        Some("là ảnh PNG")
    } else if starts(b"\xFF\xD8\xFF") {
        Some("là ảnh JPEG")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("là ảnh GIF")
    } else if starts(b"BM") && bytes.len() > 14 && bytes.get(6..10) == Some(&[0, 0, 0, 0]) {
        Some("là ảnh BMP")
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some("là ảnh TIFF")
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("là ảnh WEBP")
    } else if starts(b"%PDF") {
        Some("là tệp PDF")
    } else if starts(b"Rar!") {
        Some("là tệp nén RAR")
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        Some("là tệp nén 7z")
    } else if starts(b"\x1F\x8B") {
        Some("là tệp nén gzip")
    } else if (starts(b"MZ") && bytes.iter().take(64).any(|b| *b == 0)) || starts(b"\x7FELF") {
        Some("là chương trình máy tính")
    } else if starts(b"{\\rtf") {
        Some("là văn bản RTF")
    } else if bytes.len() >= 4
        && bytes[0] == 0x09
        && matches!(bytes[1], 0x00 | 0x02 | 0x04)
        && matches!(bytes[2], 0x04 | 0x06)
    {
        return Container::Refused(SheetError::new(
            "Tệp là bảng tính Excel 4.0 hoặc cũ hơn, định dạng không còn đọc được. Hãy mở bằng Excel và lưu lại dạng .xlsx.",
        ));
    } else {
        None
    };
    if let Some(what) = what {
        return Container::Refused(refused(what));
    }
    if let Some(e) = markup(bytes) {
        return Container::Refused(e);
    }
    Container::Text
}

/// Web pages and XML saved with an .xls name (old export tools did this).
fn markup(bytes: &[u8]) -> Option<SheetError> {
    let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)])
        .trim_start_matches('\u{FEFF}')
        .trim_start()
        .to_lowercase();
    let resave =
        "Hãy mở tệp bằng Excel rồi lưu lại dạng .xlsx (Tệp → Lưu thành → Sổ làm việc Excel).";
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<table") {
        return Some(SheetError::new(format!(
            "Tệp là trang web (HTML), không phải bảng tính dù có thể mang tên .xls. {resave}"
        )));
    }
    if head.starts_with("<?xml") {
        let detail = if head.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            "Tệp là bảng tính XML của Excel 2003, định dạng này không được hỗ trợ."
        } else {
            "Tệp là tệp XML, không phải bảng tính."
        };
        return Some(SheetError::new(format!("{detail} {resave}")));
    }
    None
}

type ZipReader<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Opens a zip after checking, from its end records, how many entries it declares, then
/// checks the entries and the sizes they declare once unpacked. The zip reader never
/// inflates an entry beyond its declared size, so these checks bound what reading costs.
fn open_zip<'a>(bytes: &'a [u8], limits: &Limits) -> Result<ZipReader<'a>, SheetError> {
    let too_many = |n: u64| {
        SheetError::new(format!(
            "Tệp nén chứa quá nhiều thành phần ({n}; tối đa {}). Tệp có thể đã bị làm hỏng hoặc cố ý làm cho máy chủ quá tải.",
            limits.max_zip_entries
        ))
    };
    let declared = declared_entries(bytes);
    if declared > limits.max_zip_entries as u64 {
        return Err(too_many(declared));
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt_zip)?;
    if archive.len() > limits.max_zip_entries {
        return Err(too_many(archive.len() as u64));
    }
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(corrupt_zip)?;
        unpacked = unpacked.saturating_add(entry.size());
        if unpacked > limits.max_unpacked_bytes {
            return Err(SheetError::new(format!(
                "Tệp khi giải nén quá lớn (hơn {}; tối đa {}). Tệp có thể là \"bom nén\" cố ý làm máy chủ quá tải, hoặc bảng tính quá lớn để nhập một lần.",
                size_text(unpacked),
                size_text(limits.max_unpacked_bytes)
            )));
        }
    }
    Ok(archive)
}

/// The largest number of entries any end-of-central-directory record of the zip declares
/// (the zip reader trusts these counts).
fn declared_entries(bytes: &[u8]) -> u64 {
    const EOCD: &[u8] = b"PK\x05\x06";
    const EOCD64: &[u8] = b"PK\x06\x06";
    let read_u16 = |at: usize| -> u64 {
        bytes
            .get(at..at + 2)
            .map_or(0, |b| u64::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let read_u64 = |at: usize| -> u64 {
        bytes
            .get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let tail_start = bytes.len().saturating_sub(22 + 65_535 + 1024);
    let mut most = 0;
    let mut zip64 = false;
    for (i, window) in bytes[tail_start..].windows(4).enumerate() {
        if window == EOCD {
            let at = tail_start + i;
            let this_disk = read_u16(at + 8);
            let total = read_u16(at + 10);
            zip64 |= this_disk == 0xFFFF || total == 0xFFFF;
            most = most.max(this_disk).max(total);
        }
    }
    if zip64 || most == 0xFFFF {
        for (at, window) in bytes.windows(4).enumerate() {
            if window == EOCD64 {
                most = most.max(read_u64(at + 24)).max(read_u64(at + 32));
            }
        }
    }
    most
}

/// What the zip holds: a workbook of Excel (xl/…) or OpenDocument (mimetype), or something
/// else, refused.
fn zip_kind(mut archive: ZipReader<'_>) -> Result<(Kind, ZipReader<'_>), SheetError> {
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_lowercase())
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("xl/workbook.xml") || names.iter().any(|n| n.starts_with("xl/worksheets/")) {
        if has("xl/workbook.bin") {
            return Err(SheetError::new(
                "Tệp là bảng tính Excel dạng nhị phân (.xlsb), chưa được hỗ trợ. Hãy mở bằng Excel và lưu lại dạng .xlsx.",
            ));
        }
        return Ok((Kind::Xlsx, archive));
    }
    if has("xl/workbook.bin") {
        return Err(SheetError::new(
            "Tệp là bảng tính Excel dạng nhị phân (.xlsb), chưa được hỗ trợ. Hãy mở bằng Excel và lưu lại dạng .xlsx.",
        ));
    }
    if has("mimetype") {
        let mut mime = String::new();
        if let Ok(entry) = archive.by_name("mimetype") {
            // The mimetype entry is a few dozen bytes; read at most 200.
            let _ = entry.take(200).read_to_string(&mut mime);
        }
        let mime = mime.trim();
        if mime == "application/vnd.oasis.opendocument.spreadsheet"
            || mime == "application/vnd.oasis.opendocument.spreadsheet-template"
        {
            return Ok((Kind::Ods, archive));
        }
        if mime.starts_with("application/vnd.oasis.opendocument.text") {
            return Err(refused("là văn bản OpenDocument (.odt)"));
        }
        return Err(refused("là tài liệu OpenDocument không phải bảng tính"));
    }
    if has("word/document.xml") {
        return Err(refused("là văn bản Word (.docx)"));
    }
    if names.iter().any(|n| n.starts_with("ppt/")) {
        return Err(refused("là bản trình chiếu PowerPoint (.pptx)"));
    }
    Err(refused("là tệp nén ZIP"))
}

/// calamine reserves room for every shared string the workbook declares: a hostile count
/// would ask for terabytes, so the count is checked first.
fn check_shared_strings(archive: &mut ZipReader<'_>, limits: &Limits) -> Result<(), SheetError> {
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.to_lowercase().ends_with("sharedstrings.xml"))
        .map(|n| n.to_string())
        .collect();
    for name in names {
        let Ok(entry) = archive.by_name(&name) else {
            continue;
        };
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(entry));
        let mut buf = Vec::new();
        // The <sst> element opens the part; give up after a few events.
        for _ in 0..16 {
            buf.clear();
            match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                    for attr in e.attributes().with_checks(false).flatten() {
                        let digits: String =
                            attr.value.chars().filter(char::is_ascii_digit).collect();
                        let count: u64 = if digits.len() > 15 {
                            u64::MAX
                        } else {
                            digits.parse().unwrap_or(0)
                        };
                        if count > limits.max_cells as u64 {
                            return Err(SheetError::new(format!(
                                "Bảng tính khai báo quá nhiều chuỗi ({count}; tối đa {}). Tệp có thể đã bị làm hỏng.",
                                limits.max_cells
                            )));
                        }
                    }
                    break;
                }
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
    Ok(())
}

/// The attributes of the elements with the given local name, in an XML entry of the zip
/// (found whatever the case of its name), at most `most` of them (one more tells there were
/// more); `None` when the entry is missing or not XML.
fn xml_elements(
    archive: &mut ZipReader<'_>,
    entry: &str,
    element: &str,
    most: usize,
) -> Option<Vec<Vec<(String, String)>>> {
    let wanted = entry.to_lowercase();
    let actual = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.to_lowercase() == wanted)?
        .to_string();
    let file = archive.by_name(&actual).ok()?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(file));
    let mut buf = Vec::new();
    let mut found = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == element => {
                found.push(
                    e.attributes()
                        .with_checks(false)
                        .flatten()
                        .map(|a| (a.key.as_ref().to_owned(), a.value.into_owned()))
                        .collect(),
                );
                if found.len() > most {
                    return Some(found);
                }
            }
            Event::Eof => return Some(found),
            _ => {}
        }
    }
}

/// Each sheet of an .xlsx must have a part of its own: a workbook naming the same part for
/// thousands of sheets would have it read thousands of times. The parts are resolved as
/// calamine resolves them.
fn check_sheet_parts(archive: &mut ZipReader<'_>, limits: &Limits) -> Result<(), SheetError> {
    // Every sheet and every relationship names a part of its own: no more than the entries.
    let most = limits.max_zip_entries;
    let too_many = || corrupt(Kind::Xlsx, "số trang tính nhiều hơn số thành phần của tệp");
    let attr = |attrs: &[(String, String)], name: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let document = xml_elements(archive, "_rels/.rels", "Relationship", most)
        .unwrap_or_default()
        .into_iter()
        .find(|a| attr(a, "Type").is_some_and(|t| t.ends_with("/officeDocument")))
        .and_then(|a| attr(&a, "Target"))
        .unwrap_or_else(|| "xl/workbook.xml".to_owned());
    let document = document.trim_start_matches('/');
    let (dir, file) = match document.rfind('/') {
        Some(i) => document.split_at(i + 1),
        None => ("", document),
    };
    let Some(rels) = xml_elements(
        archive,
        &format!("{dir}_rels/{file}.rels"),
        "Relationship",
        most,
    ) else {
        return Ok(());
    };
    if rels.len() > most {
        return Err(too_many());
    }
    let targets: std::collections::HashMap<String, String> = rels
        .iter()
        .filter_map(|a| Some((attr(a, "Id")?, attr(a, "Target")?)))
        .collect();
    let Some(sheets) = xml_elements(archive, document, "sheet", most) else {
        return Ok(());
    };
    if sheets.len() > most {
        return Err(too_many());
    }
    let mut parts = std::collections::HashSet::new();
    for sheet in &sheets {
        let Some(target) = sheet
            .iter()
            .find(|(k, _)| k.rsplit(':').next() == Some("id") && k.contains(':'))
            .and_then(|(_, id)| targets.get(id))
        else {
            continue;
        };
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_lowercase(),
            None => format!("{dir}{target}").to_lowercase(),
        };
        if !parts.insert(path) {
            return Err(corrupt(
                Kind::Xlsx,
                "nhiều trang tính cùng trỏ tới một phần dữ liệu",
            ));
        }
    }
    Ok(())
}

/// calamine expands an .ods table in memory, repeats included; the table's size is worked
/// out from content.xml first, in one streaming pass.
fn check_ods_content(archive: &mut ZipReader<'_>, limits: &Limits) -> Result<(), SheetError> {
    let entry = archive
        .by_name("content.xml")
        .map_err(|_| corrupt(Kind::Ods, "thiếu content.xml"))?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(entry));
    let mut buf = Vec::new();
    let mut cells_total: u64 = 0;
    let mut table = OdsTable::default();
    let mut row: Option<OdsRow> = None;
    // A cell without a value type but with content: (first column, repeat, has text).
    let mut open_cell: Option<(u64, u64, bool)> = None;
    loop {
        buf.clear();
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| corrupt(Kind::Ods, e))?;
        let (e, self_closing) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Text(t) => {
                if let Some(cell) = open_cell.as_mut()
                    && !t.trim().is_empty()
                {
                    cell.2 = true;
                }
                continue;
            }
            Event::End(e) => {
                let name = e.name();
                if name.as_ref() == "table:table-cell"
                    || name.as_ref() == "table:covered-table-cell"
                {
                    if let (Some((first, repeat, true)), Some(r)) = (open_cell.take(), row.as_mut())
                    {
                        r.first = r.first.min(first);
                        r.end = first + repeat;
                    }
                } else if name.as_ref() == "table:table-row" {
                    if let Some(r) = row.take() {
                        cells_total = cells_total.saturating_add(r.end);
                        table.end_row(&r);
                    }
                } else if name.as_ref() == "table:table" {
                    cells_total = cells_total.saturating_add(table.cells());
                    if table.last_end > limits.max_rows as u64 {
                        return Err(too_many_rows("", table.last_end, limits));
                    }
                    table = OdsTable::default();
                }
                if cells_total > limits.max_cells as u64 {
                    return Err(too_many_cells(limits));
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = e.name();
        let name = name.as_ref();
        if name == "table:table" {
            table = OdsTable::default();
        } else if name == "table:table-row" {
            let repeat = repeat_attr(&e, "table:number-rows-repeated")?;
            let repeat = repeat.min(ODS_MAX_ROWS.saturating_sub(table.rows));
            let new_row = OdsRow {
                repeat,
                first: u64::MAX,
                ..OdsRow::default()
            };
            if self_closing {
                table.end_row(&new_row);
            } else {
                row = Some(new_row);
            }
        } else if (name == "table:table-cell" || name == "table:covered-table-cell")
            && let Some(r) = row.as_mut()
        {
            let repeat = repeat_attr(&e, "table:number-columns-repeated")?;
            let repeat = repeat.min(u64::from(MAX_COLUMNS).saturating_sub(r.column));
            let has_value = e.attributes().with_checks(false).flatten().any(|a| {
                let key = a.key.as_ref();
                // calamine takes a value from any office:…value attribute, and keeps
                // formulas.
                key.starts_with("office:") || key == "table:formula"
            });
            if has_value {
                r.first = r.first.min(r.column);
                r.end = r.column + repeat;
            } else if !self_closing {
                open_cell = Some((r.column, repeat, false));
            }
            r.column += repeat;
        }
    }
    Ok(())
}

/// calamine caps an .ods table at Excel's row count.
const ODS_MAX_ROWS: u64 = 1_048_576;

#[derive(Default)]
struct OdsRow {
    repeat: u64,
    column: u64,
    /// First column with a value.
    first: u64,
    /// One past the last column with a value (0: none).
    end: u64,
}

impl Default for OdsTable {
    fn default() -> Self {
        Self {
            rows: 0,
            first_row: None,
            last_end: 0,
            first_column: u64::MAX,
            end_column: 0,
        }
    }
}

struct OdsTable {
    rows: u64,
    first_row: Option<u64>,
    last_end: u64,
    first_column: u64,
    end_column: u64,
}

impl OdsRow {
    fn has_value(&self) -> bool {
        self.end > 0
    }
}

impl OdsTable {
    fn end_row(&mut self, row: &OdsRow) {
        if row.has_value() {
            self.first_row.get_or_insert(self.rows);
            self.last_end = self.rows.saturating_add(row.repeat);
            self.first_column = self.first_column.min(row.first);
            self.end_column = self.end_column.max(row.end);
        }
        self.rows = self.rows.saturating_add(row.repeat);
    }

    /// The cells calamine will hold for the table: its used area, repeats expanded.
    fn cells(&self) -> u64 {
        match self.first_row {
            None => 0,
            Some(first) => (self.last_end - first)
                .saturating_mul(self.end_column.saturating_sub(self.first_column)),
        }
    }
}

fn repeat_attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Result<u64, SheetError> {
    for attr in e.attributes().with_checks(false).flatten() {
        if attr.key.as_ref() == name {
            let value = attr.value.trim();
            return if value.len() > 15 {
                Ok(u64::MAX)
            } else {
                value
                    .parse::<u64>()
                    .map(|n| n.max(1))
                    .map_err(|_| corrupt(Kind::Ods, format!("{name}=\"{value}\"")))
            };
        }
    }
    Ok(1)
}

pub(crate) fn too_many_rows(sheet: &str, rows: u64, limits: &Limits) -> SheetError {
    let e = SheetError::new(format!(
        "bảng tính có quá nhiều dòng ({rows}; tối đa {}). Hãy chia thành nhiều tệp nhỏ hơn.",
        limits.max_rows
    ));
    if sheet.is_empty() {
        e
    } else {
        e.in_sheet(sheet)
    }
}

pub(crate) fn too_many_cells(limits: &Limits) -> SheetError {
    SheetError::new(format!(
        "Bảng tính quá lớn: hơn {} ô. Hãy xoá các cột, dòng thừa hoặc chia thành nhiều tệp nhỏ hơn.",
        limits.max_cells
    ))
}

/// Collects a sheet's cells into rows, within the limits of the whole workbook.
pub(crate) struct SheetBuilder<'l> {
    limits: &'l Limits,
    /// Cells kept so far in the workbook.
    cells: &'l mut usize,
    name: String,
    rows: Vec<Vec<Value>>,
}

impl<'l> SheetBuilder<'l> {
    pub(crate) fn new(name: &str, limits: &'l Limits, cells: &'l mut usize) -> Self {
        Self {
            limits,
            cells,
            name: name.to_owned(),
            rows: Vec::new(),
        }
    }

    /// Puts a value at a 0-based position.
    pub(crate) fn put(&mut self, row: u32, column: u32, value: Value) -> Result<(), SheetError> {
        if matches!(value, Value::Empty) {
            return Ok(());
        }
        let r = row as usize;
        let c = column as usize;
        if r >= self.limits.max_rows {
            return Err(too_many_rows(&self.name, u64::from(row) + 1, self.limits));
        }
        if column >= MAX_COLUMNS {
            return Err(SheetError::new(format!(
                "bảng tính có quá nhiều cột (tối đa {MAX_COLUMNS})."
            ))
            .in_sheet(self.name.clone()));
        }
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let Some(cells) = self.rows.get_mut(r) else {
            return Ok(());
        };
        if cells.len() <= c {
            *self.cells = self.cells.saturating_add(c + 1 - cells.len());
            if *self.cells > self.limits.max_cells {
                return Err(too_many_cells(self.limits));
            }
            cells.resize(c + 1, Value::Empty);
        }
        if let Some(cell) = cells.get_mut(c) {
            *cell = value;
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Sheet {
        for row in &mut self.rows {
            while row.last().is_some_and(Value::is_empty) {
                row.pop();
            }
        }
        while self.rows.last().is_some_and(Vec::is_empty) {
            self.rows.pop();
        }
        Sheet {
            name: self.name,
            rows: self.rows,
        }
    }
}

/// Runs calamine, turning a panic on a malformed file into a refusal.
fn guarded<T>(kind: Kind, f: impl FnOnce() -> Result<T, SheetError>) -> Result<T, SheetError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(corrupt(kind, "cấu trúc tệp không hợp lệ")))
}

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Workbook, SheetError> {
    guarded(Kind::Xlsx, || {
        let mut book: Xlsx<_> =
            Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt(Kind::Xlsx, e))?;
        let mut cells = 0usize;
        let mut sheets = Vec::new();
        for name in book.sheet_names() {
            let mut reader = match book.worksheet_cells_reader(&name) {
                Ok(reader) => reader,
                Err(XlsxError::NotAWorksheet(_)) => continue,
                Err(e) => return Err(corrupt(Kind::Xlsx, e).in_sheet(name)),
            };
            let mut sheet = SheetBuilder::new(&name, limits, &mut cells);
            while let Some(cell) = reader
                .next_cell()
                .map_err(|e| corrupt(Kind::Xlsx, e).in_sheet(name.clone()))?
            {
                let (row, column) = cell.get_position();
                sheet.put(row, column, from_data_ref(cell.get_value()))?;
            }
            sheets.push(sheet.finish());
        }
        Ok(Workbook { sheets })
    })
}

fn read_ods(bytes: &[u8], limits: &Limits) -> Result<Workbook, SheetError> {
    guarded(Kind::Ods, || {
        let mut book: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
            calamine::OdsError::Password => password(),
            e => corrupt(Kind::Ods, e),
        })?;
        ranges(&mut book, Kind::Ods, limits)
    })
}

fn read_xls(bytes: &[u8], limits: &Limits) -> Result<Workbook, SheetError> {
    guarded(Kind::Xls, || {
        let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
            calamine::XlsError::Password => password(),
            e => corrupt(Kind::Xls, e),
        })?;
        ranges(&mut book, Kind::Xls, limits)
    })
}

fn ranges<RS, R>(book: &mut R, kind: Kind, limits: &Limits) -> Result<Workbook, SheetError>
where
    RS: Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let mut cells = 0usize;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| corrupt(kind, e).in_sheet(name.clone()))?;
        let mut sheet = SheetBuilder::new(&name, limits, &mut cells);
        if let Some((first_row, first_column)) = range.start() {
            for (r, c, data) in range.used_cells() {
                let row = first_row.saturating_add(u32::try_from(r).unwrap_or(u32::MAX));
                let column = first_column.saturating_add(u32::try_from(c).unwrap_or(u32::MAX));
                sheet.put(row, column, from_data(data))?;
            }
        }
        sheets.push(sheet.finish());
    }
    Ok(Workbook { sheets })
}

fn from_data_ref(d: &DataRef<'_>) -> Value {
    match d {
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::String(s) => text_value(s),
        DataRef::SharedString(s) => text_value(s),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => iso_date(s),
        DataRef::DurationIso(s) => text_value(s),
        DataRef::Error(e) => Value::Text(e.to_string()),
        DataRef::Empty => Value::Empty,
    }
}

fn from_data(d: &Data) -> Value {
    match d {
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::String(s) => text_value(s),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => date_time(dt),
        Data::DateTimeIso(s) => iso_date(s),
        Data::DurationIso(s) => text_value(s),
        Data::Error(e) => Value::Text(e.to_string()),
        Data::Empty => Value::Empty,
    }
}

fn text_value(s: &str) -> Value {
    if s.is_empty() {
        Value::Empty
    } else {
        Value::Text(s.to_owned())
    }
}

/// A date cell: the day; a time of day alone or a duration stays a number.
fn date_time(dt: &ExcelDateTime) -> Value {
    if dt.is_datetime()
        && dt.as_f64() >= 1.0
        && let Some(when) = dt.as_datetime()
    {
        return Value::Date(when.date());
    }
    Value::Number(dt.as_f64())
}

fn iso_date(s: &str) -> Value {
    s.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or_else(|| text_value(s), Value::Date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfb::write::{Cell, biff, compound, compound_named};
    use crate::{DateRead, Legacy, fields, find_table};

    fn xls() -> Vec<u8> {
        compound(biff(&[
            ("Trống", vec![]),
            (
                "Danh sách",
                vec![
                    vec![Cell::Text("DANH SÁCH QUẦN CHÚNG")],
                    vec![],
                    vec![
                        Cell::Text("STT"),
                        Cell::Text("Hä vµ tªn"),
                        Cell::Text("Ngµy sinh"),
                    ],
                    vec![
                        Cell::Number(1.0),
                        Cell::Text("NguyÔn V¨n An"),
                        Cell::Text("15/03/1975"),
                    ],
                    vec![
                        Cell::Number(2.0),
                        Cell::Text("Lª ThÞ Hoa"),
                        Cell::Number(27468.0),
                    ],
                ],
            ),
        ]))
    }

    #[test]
    fn xls_is_told_by_content_and_read_by_calamine() {
        let bytes = xls();
        assert_eq!(kind_of(&bytes, &Limits::default()).unwrap(), Kind::Xls);
        let book = read_workbook(&bytes, &Limits::default()).unwrap();
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Trống", "Danh sách"]);
        let fields = [fields::FULL_NAME.required(), fields::BIRTH_DATE.required()];
        let table = find_table(&book, &fields).unwrap();
        assert_eq!((table.sheet.as_str(), table.header_row), ("Danh sách", 3));
        assert_eq!(table.header("full_name"), Some("Họ và tên"));
        let names: Vec<String> = table
            .rows
            .iter()
            .map(|r| table.text(r, "full_name").unwrap().text)
            .collect();
        assert_eq!(names, ["Nguyễn Văn An", "Lê Thị Hoa"]);
        assert_eq!(table.legacy_of("full_name"), Some(Legacy::Tcvn3));
        let day = chrono::NaiveDate::from_ymd_opt(1975, 3, 15).map(DateRead::Day);
        for row in &table.rows {
            assert_eq!(table.date(row, "birth_date").unwrap(), day);
        }
    }

    #[test]
    fn encrypted_and_other_office_files_are_refused() {
        let encrypted = compound_named("EncryptionInfo", vec![0; 100]);
        let err = read_workbook(&encrypted, &Limits::default()).unwrap_err();
        assert!(err.message.contains("mật khẩu"), "{err}");
        let word = compound_named("WordDocument", vec![0; 100]);
        let err = read_workbook(&word, &Limits::default()).unwrap_err();
        assert!(err.message.contains("Word"), "{err}");
    }

    #[test]
    fn a_truncated_xls_is_refused() {
        let bytes = xls();
        for cut in [600, 1100, bytes.len() - 700] {
            let err = read_workbook(&bytes[..cut], &Limits::default()).unwrap_err();
            assert!(err.message.contains(".xls"), "{cut}: {err}");
        }
        let err =
            read_workbook(b"\x09\x02\x06\x00\x00\x00\x10\x00", &Limits::default()).unwrap_err();
        assert!(err.message.contains("Excel 4.0"), "{err}");
    }

    #[test]
    fn declared_entries_are_read_from_the_end_record() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..3 {
            zip.start_file(format!("f{i}"), zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        let mut bytes = zip.finish().unwrap().into_inner();
        assert_eq!(declared_entries(&bytes), 3);
        // An end record claiming 65 535 entries is refused before the zip is parsed.
        let at = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
        bytes[at + 10..at + 12].copy_from_slice(&0xFFFEu16.to_le_bytes());
        let err = read_workbook(&bytes, &Limits::default()).unwrap_err();
        assert!(err.message.contains("quá nhiều thành phần"), "{err}");
    }
}
