//! The writing half: tables as files — `.xlsx` (one sheet per table, Vietnamese headers,
//! number formats, the header row frozen) and CSV (UTF-8 with a byte-order mark, so Excel
//! reads the diacritics) — and the [`error_report`] an officer downloads after a failed
//! import. Text that a spreadsheet would take for a formula is neutralised in all of them.
//!
//! It lives next to the reader so that both halves agree on what a sheet looks like; the
//! web crate only adds the HTTP around it.

mod error_report;

use std::collections::HashSet;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

pub use error_report::error_report;

/// Why a workbook could not be written. Only a bug or an impossible size gets here: the
/// web crate logs it and shows its generic error page.
#[derive(Debug)]
pub enum WriteError {
    /// More rows or columns than an Excel sheet holds.
    TooLarge,
    /// A date Excel cannot hold (before 1900 or after 9999).
    Date(NaiveDate),
    /// rust_xlsxwriter refused.
    Xlsx(XlsxError),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::TooLarge => f.write_str("Bảng quá lớn so với một trang tính Excel."),
            WriteError::Date(day) => write!(
                f,
                "Ngày {} nằm ngoài khoảng ngày Excel ghi được.",
                dmy(*day)
            ),
            WriteError::Xlsx(error) => write!(f, "Không tạo được tệp Excel ({error})."),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Xlsx(error) => Some(error),
            _ => None,
        }
    }
}

impl From<XlsxError> for WriteError {
    fn from(error: XlsxError) -> WriteError {
        WriteError::Xlsx(error)
    }
}

pub use ketnap_domain::workflow::dmy;

/// A count with Vietnamese thousands separators: 365911 → "365.911".
pub fn number(n: i64) -> String {
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

/// The formats a table sheet uses, made once per workbook.
struct Formats {
    header: Format,
    /// For [`Cell::Integer`] and decimals shown without places.
    integer: Format,
    percent: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(0xF2F2F2)
                .set_border_bottom(FormatBorder::Thin),
            integer: Format::new().set_num_format("#,##0"),
            percent: Format::new().set_num_format("0.0%"),
            date: Format::new().set_num_format("dd/mm/yyyy"),
        }
    }
}

/// The workbook: one sheet per table, in order.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, WriteError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut used = HashSet::new();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&table.title, &mut used))?;
        write_table(sheet, table, &formats)?;
    }
    if tables.is_empty() {
        workbook.add_worksheet();
    }
    Ok(workbook.save_to_buffer()?)
}

/// A table on a named sheet: the header row, the rows, column widths, the header frozen.
fn write_table(sheet: &mut Worksheet, table: &Table, formats: &Formats) -> Result<(), WriteError> {
    for (col, title) in table.headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| WriteError::TooLarge)?;
        sheet.write_string_with_format(0, col, title, &formats.header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| WriteError::TooLarge)?;
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| WriteError::TooLarge)?;
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(r, col, neutralise(text))?;
                }
                Cell::Integer(n) => {
                    sheet.write_number_with_format(r, col, *n as f64, &formats.integer)?;
                }
                Cell::Decimal(x, places) => {
                    let format = if *places == 0 {
                        formats.integer.clone()
                    } else {
                        Format::new()
                            .set_num_format(format!("#,##0.{}", "0".repeat(usize::from(*places))))
                    };
                    sheet.write_number_with_format(r, col, *x, &format)?;
                }
                Cell::Percent(x) => {
                    sheet.write_number_with_format(r, col, *x, &formats.percent)?;
                }
                Cell::Date(day) => {
                    let when = excel_date(*day)?;
                    sheet.write_datetime_with_format(r, col, &when, &formats.date)?;
                }
                Cell::Empty => {}
            }
        }
    }
    for col in 0..table.headers.len() {
        let width = column_width(table, col);
        let col = u16::try_from(col).map_err(|_| WriteError::TooLarge)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, WriteError> {
    let year = u16::try_from(day.year()).map_err(|_| WriteError::Date(day))?;
    // Month and day always fit.
    let month = u8::try_from(day.month()).unwrap_or(1);
    let dom = u8::try_from(day.day()).unwrap_or(1);
    ExcelDateTime::from_ymd(year, month, dom).map_err(|_| WriteError::Date(day))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_numbers_and_dates() {
        assert_eq!(number(365_911), "365.911");
        assert_eq!(number(-1_234), "-1.234");
        assert_eq!(number(12), "12");
        assert_eq!(decimal_vi(1234.5, 1), "1.234,5");
        assert_eq!(decimal_vi(-0.04, 1), "0,0");
        assert_eq!(Cell::Percent(0.125).display(), "12,5 %");
        let day = NaiveDate::from_ymd_opt(2026, 12, 31);
        assert_eq!(day.map(dmy).as_deref(), Some("31/12/2026"));
    }

    #[test]
    fn csv_has_bom_crlf_quotes_and_neutralised_text() {
        let mut table = Table::new("t", "Bảng", &["Tên", "Số"]);
        table.push(vec![Cell::text("=1+1"), Cell::Decimal(2.5, 1)]);
        table.push(vec![Cell::text("a, \"b\""), Cell::share(1, 4)]);
        assert_eq!(
            csv(&table),
            "\u{feff}Tên,Số\r\n'=1+1,2.5\r\n\"a, \"\"b\"\"\",25.0%\r\n"
        );
    }

    #[test]
    fn sheet_names_are_clean_short_and_unique() {
        let mut used = HashSet::new();
        assert_eq!(
            sheet_name("Tiến độ: 2026/12", &mut used),
            "Tiến độ  2026 12"
        );
        assert_eq!(
            sheet_name("tiến độ  2026 12", &mut used),
            "tiến độ  2026 12 (2)"
        );
        assert_eq!(sheet_name("''", &mut used), "Bảng");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &mut used).chars().count(), 31);
        assert_eq!(
            sheet_name(&long, &mut used),
            format!("{} (2)", "x".repeat(27))
        );
    }
}
