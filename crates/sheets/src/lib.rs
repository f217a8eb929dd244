//! Reads the spreadsheets ward offices keep into clean tables: the reading half of the
//! import.
//!
//! 1. [`read_workbook`] takes the uploaded bytes, tells the kind of file by its content
//!    (not its name: .xlsx, .xls, .ods, or text as CSV in UTF-8, UTF-16 or Windows-1258 with
//!    any of `,` `;` tab `|`), refuses what is not a spreadsheet or is too big, and returns
//!    every sheet as rows of [`Value`]s.
//! 2. [`find_table`] finds the header row under the title rows, maps the importer's
//!    [`Field`]s to columns by header name (any case, with or without diacritics, synonyms
//!    and abbreviations), and gives the data rows.
//! 3. [`text`], [`date`], [`count`] and [`split_name`] read a cell; [`Table::text`],
//!    [`Table::date`] and [`Table::count`] do the same knowing the column, with errors that
//!    name the sheet, row, column and value in Vietnamese ([`SheetError`]).
//!
//! Text typed in the old TCVN3 (ABC) or VNI encodings is recognised cell by cell and column
//! by column and converted to Unicode; [`Repaired::converted`] and [`Table::conversions`]
//! say what was converted.
//!
//! Hostile files are refused with a message, before any large allocation: the upload size,
//! the unpacked size and number of entries of a zip (.xlsx, .ods), the rows and cells a
//! sheet would take, and the structure of an .xls container are all checked first.
//!
//! [`write`] is the other direction: report tables as .xlsx and CSV, and the error report
//! that hands a failed import back to the office with the bad cells marked.

mod cfb;
mod delimited;
mod error;
pub mod fields;
mod read;
mod table;
mod values;
pub mod write;

#[cfg(test)]
mod files_tests;

pub use error::SheetError;
pub use ketnap_domain::text::legacy::Legacy;
pub use read::{Kind, kind_of, read_workbook};
pub use table::{
    Conversion, Field, HEADER_SEARCH_ROWS, Row, Table, find_table, find_table_mapped, header_key,
    take_table,
};
pub use values::{
    DateRead, Repaired, Value, column_letter, count, date, split_name, text, text_with,
};

/// What a file may take. An upload over any limit is refused with a message saying which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the uploaded file.
    pub max_bytes: usize,
    /// Total size of the entries of a zip (.xlsx, .ods) once unpacked, as declared by the
    /// zip; reading never inflates more than declared.
    pub max_unpacked_bytes: u64,
    /// Entries in a zip.
    pub max_zip_entries: usize,
    /// Rows of a sheet (the last row used, counted from row 1).
    pub max_rows: usize,
    /// Cells kept for the whole workbook, empty cells inside the used area included (each
    /// takes about 32 bytes).
    pub max_cells: usize,
}

impl Default for Limits {
    /// 60 MiB uploaded, 600 MiB unpacked, 10 000 zip entries, 1 000 000 rows, 20 000 000
    /// cells.
    fn default() -> Self {
        Self {
            max_bytes: 60 * 1024 * 1024,
            max_unpacked_bytes: 600 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_rows: 1_000_000,
            max_cells: 20_000_000,
        }
    }
}

/// Every sheet of a file, in the workbook's order. A CSV file is one sheet named "CSV".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    /// The non-empty cells of a row (0-based column, text repaired): when no header row held
    /// the fields, the closest one (which the error names) is offered for mapping by hand.
    pub fn row_texts(&self, sheet: &str, row: usize) -> Vec<(usize, String)> {
        self.sheets
            .iter()
            .find(|s| s.name == sheet)
            .and_then(|s| s.rows.get(row.checked_sub(1)?))
            .map(|cells| {
                cells
                    .iter()
                    .enumerate()
                    .map(|(col, v)| (col, text(v).text))
                    .filter(|(_, t)| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A sheet as rows of cells: `rows[0]` is row 1 and each row starts at column A; rows and
/// cells after the last non-empty one are left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Value>>,
}
