//! Spreadsheets into the store (nhập dữ liệu từ bảng tính). Each kind names its fields (the
//! headers and their synonyms); every row is read and checked — by the domain's rules and
//! by the store, for the account's scope — before anything is written, and then everything
//! is written in one transaction or nothing is. Every problem names its sheet, row, column
//! and value.

mod headcounts;

use ketnap_domain::ports::{Change, StoreError};
use ketnap_domain::scope::Scope;
use ketnap_sheets::{Limits, SheetError, Table, read_workbook};
use ketnap_store::Store;
use serde::Serialize;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Số lượng đảng viên, quần chúng, đoàn viên theo đơn vị và ngày.
    Headcounts,
}

impl Kind {
    pub const ALL: [Kind; 1] = [Kind::Headcounts];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Headcounts => "headcounts",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Kind::Headcounts => "Số lượng đảng viên, quần chúng, đoàn viên",
        }
    }
}

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
    /// Text converted from TCVN3 or VNI, and other repairs worth telling.
    pub repairs: Vec<Problem>,
    pub problems: Vec<Problem>,
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

/// Reads `bytes` as a spreadsheet of `kind` and, unless `dry_run` or a problem is found,
/// writes its rows to the store for `scope`, all or nothing.
pub async fn import(
    store: &Store,
    change: &Change,
    scope: &Scope,
    kind: Kind,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Outcome, ImportError> {
    let workbook = read_workbook(bytes, &Limits::default())?;
    match kind {
        Kind::Headcounts => headcounts::import(store, change, scope, &workbook, dry_run).await,
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
        repairs: Vec::new(),
        problems: Vec::new(),
        dry_run,
        written: false,
    }
}
