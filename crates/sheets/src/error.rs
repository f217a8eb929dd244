//! The one error of this crate: where in the file, and why, in Vietnamese.

use std::fmt;

/// Why a file, or a value in it, could not be read.
///
/// Every part of the position is optional: a refused file has none, a missing column names
/// the sheet and the header row, a bad value names the sheet, row, column and value.
/// Displayed in Vietnamese, as users read it:
/// `Trang tính "Danh sách", dòng 12, cột C ("31/02/1990"): ngày 31/02/1990 không có thật`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    pub sheet: Option<String>,
    /// 1-based, as Excel shows it.
    pub row: Option<usize>,
    /// The column letter ("C").
    pub column: Option<String>,
    /// The value as written in the cell.
    pub value: Option<String>,
    /// Vietnamese.
    pub message: String,
}

/// The longest value shown in a message; longer values are cut with "…".
const VALUE_SHOWN: usize = 60;

impl SheetError {
    /// An error about the whole file.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            sheet: None,
            row: None,
            column: None,
            value: None,
            message: message.into(),
        }
    }

    pub fn in_sheet(mut self, sheet: impl Into<String>) -> Self {
        self.sheet = Some(sheet.into());
        self
    }

    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    pub fn at_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(sheet) = &self.sheet {
            place.push(format!("Trang tính \"{sheet}\""));
        }
        if let Some(row) = self.row {
            place.push(format!("dòng {row}"));
        }
        if let Some(column) = &self.column {
            place.push(format!("cột {column}"));
        }
        let mut head = place.join(", ");
        if let Some(value) = &self.value {
            if !head.is_empty() {
                head.push(' ');
            }
            if value.trim().is_empty() {
                head.push_str("(ô trống)");
            } else {
                head.push_str(&format!("({:?})", shorten(value)));
            }
        }
        if head.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{head}: {}", self.message)
        }
    }
}

impl std::error::Error for SheetError {}

fn shorten(value: &str) -> String {
    if value.chars().count() <= VALUE_SHOWN {
        return value.to_owned();
    }
    let mut short: String = value.chars().take(VALUE_SHOWN).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_every_part_given() {
        let e = SheetError::new("không đọc được ngày")
            .in_sheet("Danh sách")
            .at_row(12)
            .at_column("C")
            .with_value("abc");
        assert_eq!(
            e.to_string(),
            "Trang tính \"Danh sách\", dòng 12, cột C (\"abc\"): không đọc được ngày"
        );
        assert_eq!(SheetError::new("Tệp rỗng").to_string(), "Tệp rỗng");
        assert_eq!(
            SheetError::new("thiếu cột")
                .in_sheet("S")
                .at_row(3)
                .to_string(),
            "Trang tính \"S\", dòng 3: thiếu cột"
        );
        assert_eq!(
            SheetError::new("bắt buộc")
                .at_row(4)
                .at_column("B")
                .with_value(" ")
                .to_string(),
            "dòng 4, cột B (ô trống): bắt buộc"
        );
        let long = "x".repeat(100);
        let shown = SheetError::new("m").with_value(long).to_string();
        assert!(shown.contains('…') && shown.len() < 80, "{shown}");
    }
}
