//! Tables of a report as files: `.xlsx` (one sheet per table, Vietnamese headers, number
//! formats, the header row frozen) and CSV (UTF-8 with a byte-order mark, so Excel reads
//! the diacritics). Text that a spreadsheet would take for a formula is neutralised.

use std::collections::HashSet;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::error::WebError;
use crate::views::{dmy, number};

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Integer(i64),
    /// A number with decimals, shown with `places` of them.
    Decimal(f64, u8),
    /// A fraction (0.25 = 25 %).
    Percent(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    /// A share `part / whole`, or empty when the whole is zero.
    pub fn share(part: i64, whole: i64) -> Cell {
        if whole == 0 {
            Cell::Empty
        } else {
            Cell::Percent(part as f64 / whole as f64)
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Integer(_) | Cell::Decimal(..) | Cell::Percent(_)
        )
    }

    /// As the page shows it, the Vietnamese way: `1.234`, `12,5 %`, `31/12/2026`.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Integer(n) => number(*n),
            Cell::Decimal(x, places) => decimal_vi(*x, *places),
            Cell::Percent(x) => format!("{} %", decimal_vi(x * 100.0, 1)),
            Cell::Date(day) => dmy(*day),
            Cell::Empty => String::new(),
        }
    }

    /// As a CSV file holds it: plain numbers with a dot, ISO dates, neutralised text.
    fn csv(&self) -> String {
        match self {
            Cell::Text(text) => neutralise(text),
            Cell::Integer(n) => n.to_string(),
            Cell::Decimal(x, places) => format!("{:.*}", usize::from(*places), x),
            Cell::Percent(x) => format!("{:.1}%", x * 100.0),
            Cell::Date(day) => day.format("%Y-%m-%d").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// `1234.5` with one place → `1.234,5`.
fn decimal_vi(x: f64, places: u8) -> String {
    let text = format!("{:.*}", usize::from(places), x.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let whole = number(whole.parse::<i64>().unwrap_or(0));
    let sign = if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole},{fraction}")
    }
}

/// A report table: what the page shows, one sheet of the workbook, one CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Short ASCII name for `?table=` and file names.
    pub key: String,
    /// Vietnamese title: the sheet's name (shortened to Excel's 31 characters).
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(key: impl Into<String>, title: impl Into<String>, headers: &[&str]) -> Table {
        Table {
            key: key.into(),
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}

/// Text a spreadsheet could run as a formula (`= + - @`, a tab or a carriage return at the
/// start) gets a leading apostrophe, so it stays text (OWASP's advice for CSV injection).
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// The characters Excel refuses in a sheet name, and its length limit.
const SHEET_FORBIDDEN: [char; 7] = ['[', ']', ':', '*', '?', '/', '\\'];
const SHEET_MAX_CHARS: usize = 31;

/// A sheet name from a title: forbidden characters replaced, at most 31 characters, and
/// different from the names already used (Excel compares them without case).
fn sheet_name(title: &str, used: &mut HashSet<String>) -> String {
    let clean: String = title
        .chars()
        .map(|c| {
            if SHEET_FORBIDDEN.contains(&c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_matches('\'').trim().to_string();
    let base = if clean.is_empty() {
        "Bảng".to_string()
    } else {
        clean
    };
    for n in 1.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let room = SHEET_MAX_CHARS.saturating_sub(suffix.chars().count());
        let name: String = base
            .chars()
            .take(room)
            .collect::<String>()
            .trim_end()
            .to_string()
            + &suffix;
        if used.insert(name.to_lowercase()) {
            return name;
        }
    }
    base
}

/// Characters a column needs: the widest cell, within 8..=60.
fn column_width(table: &Table, column: usize) -> f64 {
    let header = table.headers.get(column).map_or(0, |h| h.chars().count());
    let widest = table
        .rows
        .iter()
        .filter_map(|row| row.get(column))
        .map(|cell| cell.display().chars().count())
        .max()
        .unwrap_or(0);
    (header.max(widest) as f64 + 2.0).clamp(8.0, 60.0)
}

fn xlsx_error(error: XlsxError) -> WebError {
    tracing::error!(%error, "xlsx failed");
    WebError::internal()
}

/// The workbook: one sheet per table, in order.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, WebError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(0xF2F2F2)
        .set_border_bottom(FormatBorder::Thin);
    let integer = Format::new().set_num_format("#,##0");
    let percent = Format::new().set_num_format("0.0%");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let mut used = HashSet::new();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet
            .set_name(sheet_name(&table.title, &mut used))
            .map_err(xlsx_error)?;
        for (col, title) in table.headers.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| WebError::internal())?;
            sheet
                .write_string_with_format(0, col, title, &header)
                .map_err(xlsx_error)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| WebError::internal())?;
            for (col, cell) in row.iter().enumerate() {
                let col = u16::try_from(col).map_err(|_| WebError::internal())?;
                match cell {
                    Cell::Text(text) => {
                        sheet
                            .write_string(r, col, neutralise(text))
                            .map_err(xlsx_error)?;
                    }
                    Cell::Integer(n) => {
                        sheet
                            .write_number_with_format(r, col, *n as f64, &integer)
                            .map_err(xlsx_error)?;
                    }
                    Cell::Decimal(x, places) => {
                        let format = if *places == 0 {
                            integer.clone()
                        } else {
                            Format::new().set_num_format(format!(
                                "#,##0.{}",
                                "0".repeat(usize::from(*places))
                            ))
                        };
                        sheet
                            .write_number_with_format(r, col, *x, &format)
                            .map_err(xlsx_error)?;
                    }
                    Cell::Percent(x) => {
                        sheet
                            .write_number_with_format(r, col, *x, &percent)
                            .map_err(xlsx_error)?;
                    }
                    Cell::Date(day) => {
                        let when = excel_date(*day)?;
                        sheet
                            .write_datetime_with_format(r, col, &when, &date)
                            .map_err(xlsx_error)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        for col in 0..table.headers.len() {
            let width = column_width(table, col);
            let col = u16::try_from(col).map_err(|_| WebError::internal())?;
            sheet.set_column_width(col, width).map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    }
    if tables.is_empty() {
        workbook.add_worksheet();
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, WebError> {
    let year = u16::try_from(day.year()).map_err(|_| WebError::internal())?;
    // Month and day always fit.
    let month = u8::try_from(day.month()).unwrap_or(1);
    let dom = u8::try_from(day.day()).unwrap_or(1);
    ExcelDateTime::from_ymd(year, month, dom).map_err(xlsx_error)
}

/// One table as CSV: the byte-order mark, then comma-separated lines ending in CRLF.
pub fn csv(table: &Table) -> String {
    let mut out = String::from('\u{feff}');
    let line = |cells: Vec<String>| {
        cells
            .into_iter()
            .map(|c| csv_field(&c))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(table.headers.iter().map(|h| neutralise(h)).collect()));
    out.push_str("\r\n");
    for row in &table.rows {
        out.push_str(&line(row.iter().map(Cell::csv).collect()));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The file name: ASCII letters, digits, dots and dashes only (no personal data ever goes
/// in: callers pass unit ids and periods).
fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.trim_matches(['-', '.']).is_empty() {
        "bao-cao".to_string()
    } else {
        cleaned
    }
}

fn download(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!("attachment; filename=\"{}\"", safe_file_name(file_name));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // Reports hold names of units and sometimes of people: never kept by a proxy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// `file_name` without extension, e.g. `bao-cao-12-2026`.
pub fn xlsx_response(tables: &[Table], file_name: &str) -> Result<Response, WebError> {
    Ok(download(
        xlsx(tables)?,
        XLSX_TYPE,
        &format!("{file_name}.xlsx"),
    ))
}

pub fn csv_response(table: &Table, file_name: &str) -> Response {
    download(
        csv(table).into_bytes(),
        CSV_TYPE,
        &format!("{file_name}.csv"),
    )
}
