//! Spreadsheets into the store (nhập dữ liệu từ bảng tính). Each kind names its fields (the
//! headers and their synonyms); every row is read and checked — by the domain's rules and
//! by the store, for the account's scope — before anything is written, and then everything
//! is written in one transaction or nothing is. Every problem names its sheet, row, column
//! and value.

mod export;
mod headcounts;
mod mass_orgs;
mod names;
mod people;
mod units;

pub use export::{export, people_table};

use std::collections::HashMap;

use chrono::NaiveDate;
use ketnap_domain::ids::PersonId;
use ketnap_domain::ports::{Change, StoreError};
use ketnap_domain::scope::Scope;
use ketnap_sheets::{DateRead, Field, Limits, Row, SheetError, Table, read_workbook, take_table};
use ketnap_store::Store;
use serde::Serialize;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Số lượng đảng viên, quần chúng, đoàn viên theo đơn vị và ngày.
    Headcounts,
    /// Quần chúng ưu tú, cảm tình Đảng, người xin vào Đảng, đảng viên dự bị và mới kết nạp:
    /// each person with their case.
    People,
    /// Tổ chức đảng: the unit tree under the account's scope.
    Units,
    /// Đoàn thể (Đoàn Thanh niên, Công đoàn …) attached to party units.
    MassOrgs,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Headcounts, Kind::People, Kind::Units, Kind::MassOrgs];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Headcounts => "headcounts",
            Kind::People => "people",
            Kind::Units => "units",
            Kind::MassOrgs => "mass_orgs",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Kind::Headcounts => "Số lượng đảng viên, quần chúng, đoàn viên",
            Kind::People => "Quần chúng ưu tú, cảm tình Đảng, đảng viên dự bị (người và hồ sơ)",
            Kind::Units => "Tổ chức đảng (cây đơn vị)",
            Kind::MassOrgs => "Đoàn thể (Đoàn Thanh niên, Công đoàn …)",
        }
    }

    /// The fields of the kind, in the order an export writes them.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::Headcounts => &headcounts::FIELDS,
            Kind::People => &people::FIELDS,
            Kind::Units => &units::FIELDS,
            Kind::MassOrgs => &mass_orgs::FIELDS,
        }
    }
}

/// What the user asked for, besides the file.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub dry_run: bool,
    /// Corrections of the columns found: (field key, 0-based column, or none to leave it out).
    pub mapping: Vec<(String, Option<usize>)>,
    /// For rows that could be one of several people on file (by the sheet's row number).
    pub decisions: HashMap<usize, Decision>,
}

/// The user's answer for a row that names a person ketnap may already hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Someone else: a new record.
    New,
    /// This person on file.
    Same(PersonId),
}

/// A row that could be one of several people on file, for the user to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// The sheet's row number.
    pub row: usize,
    /// The people it could be, each with a line that tells them apart.
    pub candidates: Vec<(PersonId, String)>,
}

/// Told how far a long import has got: rows done, rows in all.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Rows between two progress reports.
const PROGRESS_EVERY: usize = 2_000;

/// One thing wrong with the file, where it is (sheet, row, column, value), in Vietnamese.
pub use ketnap_sheets::SheetError as Problem;

/// What an import did (or, on a dry run or with problems, would have done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: Kind,
    pub sheet: String,
    /// The header row, as Excel numbers rows.
    pub header_row: usize,
    /// Each field found: its key, its column letter and the header as written.
    pub columns: Vec<(String, String, String)>,
    /// Data rows read (blank rows skipped).
    pub rows: usize,
    /// Rows that would change the store (written unless `dry_run` or `problems`).
    pub changes: usize,
    /// Rows the store already holds exactly (a re-import changes nothing).
    pub unchanged: usize,
    /// Every non-empty cell of the header row (0-based column, text).
    pub headers: Vec<(usize, String)>,
    /// What the preview shows of each row.
    pub preview_headers: Vec<&'static str>,
    /// The first rows as understood (sheet row number, one string per header).
    pub preview: Vec<(usize, Vec<String>)>,
    /// Text converted from TCVN3 or VNI, and other repairs worth telling.
    pub repairs: Vec<Problem>,
    pub problems: Vec<Problem>,
    /// Rows the user must decide about before anything is written.
    pub ambiguous: Vec<Ambiguity>,
    pub dry_run: bool,
    /// Whether the changes were written.
    pub written: bool,
}

/// Why an import could not even be tried.
#[derive(Debug)]
pub enum ImportError {
    /// The file: not a spreadsheet, too big, no table with the fields.
    File(Problem),
    Store(StoreError),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::File(p) => write!(f, "{p}"),
            ImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> ImportError {
        ImportError::Store(e)
    }
}

impl From<SheetError> for ImportError {
    fn from(e: SheetError) -> ImportError {
        ImportError::File(e)
    }
}

/// Reads `bytes` as a spreadsheet of `kind` and, unless a dry run was asked for or a
/// problem or an undecided row is found, writes its rows to the store for `scope`, all or
/// nothing.
pub async fn import(
    store: &Store,
    change: &Change,
    scope: &Scope,
    kind: Kind,
    bytes: &[u8],
    request: &Request,
    progress: Progress<'_>,
) -> Result<Outcome, ImportError> {
    let workbook = read_workbook(bytes, &Limits::default())?;
    // The user's corrections of the columns; the table takes the workbook's rows over.
    let mapping: Vec<(&str, Option<usize>)> = request
        .mapping
        .iter()
        .map(|(key, column)| (key.as_str(), *column))
        .collect();
    let table = take_table(workbook, kind.fields(), &mapping)?;
    match kind {
        Kind::Headcounts => {
            headcounts::import(store, change, scope, table, request, progress).await
        }
        Kind::People => people::import(store, change, scope, table, request, progress).await,
        Kind::Units => units::import(store, change, scope, table, request, progress).await,
        Kind::MassOrgs => mass_orgs::import(store, change, scope, table, request, progress).await,
    }
}

/// The parts of an outcome every kind fills the same way from its table.
fn outcome(kind: Kind, table: &Table, dry_run: bool) -> Outcome {
    Outcome {
        kind,
        sheet: table.sheet.clone(),
        header_row: table.header_row,
        columns: table
            .columns
            .iter()
            .map(|(key, col, header)| {
                (
                    key.to_string(),
                    ketnap_sheets::column_letter(*col),
                    header.clone(),
                )
            })
            .collect(),
        rows: table.rows.len(),
        changes: 0,
        unchanged: 0,
        headers: table.headers.clone(),
        preview_headers: kind.fields().iter().map(|f| f.label).collect(),
        preview: Vec::new(),
        repairs: Vec::new(),
        problems: Vec::new(),
        ambiguous: Vec::new(),
        dry_run,
        written: false,
    }
}

/// Rows the preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// The cells of a row, read; problems are collected, not returned, so that one pass names
/// every bad cell of the file.
struct Reader<'a> {
    table: &'a Table,
    row: &'a Row,
    fields: &'static [Field],
    problems: &'a mut Vec<Problem>,
}

/// The table's rows, telling `progress` how far the reading has got every
/// [`PROGRESS_EVERY`] rows.
fn each_row<'a>(table: &'a Table, progress: Progress<'a>) -> impl Iterator<Item = &'a Row> + 'a {
    let total = table.rows.len();
    table.rows.iter().enumerate().map(move |(i, row)| {
        if i % PROGRESS_EVERY == 0 {
            progress(i, total);
        }
        row
    })
}

impl<'a> Reader<'a> {
    fn new(
        table: &'a Table,
        row: &'a Row,
        fields: &'static [Field],
        problems: &'a mut Vec<Problem>,
    ) -> Reader<'a> {
        Reader {
            table,
            row,
            fields,
            problems,
        }
    }
}

impl Reader<'_> {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        let e = self.table.error(self.row, key, message);
        self.problems.push(e);
    }

    fn label(&self, key: &str) -> &'static str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.label)
            .unwrap_or("")
    }

    /// Repaired text; empty when the cell or the column is missing.
    fn text(&self, key: &str) -> String {
        self.table
            .text(self.row, key)
            .map(|r| r.text)
            .unwrap_or_default()
    }

    /// Nothing in the cell: a problem when the field is required.
    fn missing<T>(&mut self, key: &str, required: bool) -> Option<T> {
        if required {
            let message = format!("Thiếu {}.", self.label(key).to_lowercase());
            self.problem(key, message);
        }
        None
    }

    fn failed<T>(&mut self, error: Problem) -> Option<T> {
        self.problems.push(error);
        None
    }

    fn count(&mut self, key: &str, required: bool) -> Option<i64> {
        match self.table.count(self.row, key) {
            Ok(Some(n)) if n >= 0 => Some(n),
            Ok(Some(_)) => {
                let message = format!("{} không được là số âm.", self.label(key));
                self.problem(key, message);
                None
            }
            Ok(None) => self.missing(key, required),
            Err(e) => self.failed(e),
        }
    }

    /// A whole date (day, month and year).
    fn day(&mut self, key: &str, required: bool) -> Option<NaiveDate> {
        match self.table.date(self.row, key) {
            Ok(Some(DateRead::Day(day))) => Some(day),
            Ok(Some(DateRead::YearOnly(year))) => {
                self.problem(
                    key,
                    format!("Cần ngày đầy đủ (ngày/tháng/năm), không chỉ năm {year}."),
                );
                None
            }
            Ok(None) => self.missing(key, required),
            Err(e) => self.failed(e),
        }
    }
}

/// The cells converted from a legacy encoding, one line each.
fn repairs(table: &Table) -> Vec<Problem> {
    table
        .conversions()
        .into_iter()
        .map(|c| {
            Problem::new(format!(
                "Đã chuyển từ mã {} sang Unicode: \"{}\".",
                c.legacy.label(),
                c.to
            ))
            .in_sheet(table.sheet.clone())
            .at_row(c.row)
            .at_column(c.column)
            .with_value(c.from)
        })
        .collect()
}
