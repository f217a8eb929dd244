//! The error report: what a ward officer downloads after a failed import to fix the file.
//! A first sheet lists every problem; then each sheet that has problems is copied cell for
//! cell (row 17 stays row 17), with the cells in question filled red and carrying the
//! message in a note, so the officer finds them without counting rows.

use std::collections::{BTreeMap, HashSet};

use rust_xlsxwriter::{Format, Note, Workbook as XlsxBook, Worksheet};

use super::{Cell, Formats, Table, WriteError, dmy, excel_date, neutralise, sheet_name};
use crate::{Sheet, SheetError, Value, Workbook};

const PROBLEMS_TITLE: &str = "Lỗi";
const PROBLEMS_HEADERS: [&str; 5] = ["Trang tính", "Dòng", "Cột", "Giá trị", "Lỗi"];
/// Light red: Excel's own "Bad" cell style, which officers already read as "wrong".
const MARK_FILL: u32 = 0xFFC7CE;
/// Excel's grid; cells beyond it (a CSV can be wider) cannot be copied.
const ROW_MAX: usize = 1_048_576;
const COL_MAX: usize = 16_384;
/// Excel's longest cell text, in UTF-16 units; a CSV field can be longer.
const TEXT_MAX: usize = 32_767;
/// A note's longest text: Excel's limit less the room rust_xlsxwriter keeps for an author.
const NOTE_MAX: usize = TEXT_MAX - 54;
const NOTE_AUTHOR: &str = "ketnap";

/// The report for `problems` found in `workbook` (as [`crate::read_workbook`] returned it).
///
/// Problems naming no sheet, or a sheet the workbook does not have, are only listed. A
/// problem naming a row but no column (or a column that is not a letter) marks the row's
/// first cell. Copied values are the cleaned ones the reader kept (text as text, numbers
/// as numbers, dates as dd/mm/yyyy), not the original formats or formulas.
pub fn error_report(workbook: &Workbook, problems: &[SheetError]) -> Result<Vec<u8>, WriteError> {
    let mut book = XlsxBook::new();
    let mut used = HashSet::new();

    let list = book.add_worksheet();
    list.set_name(sheet_name(PROBLEMS_TITLE, &mut used))?;
    // Row numbers as Excel shows them in its margin: no thousands separator.
    let formats = Formats {
        integer: Format::new(),
        ..Formats::new()
    };
    super::write_table(list, &problems_table(problems), &formats)?;

    let styles = CopyFormats::new();
    for original in &workbook.sheets {
        let mine: Vec<&SheetError> = problems
            .iter()
            .filter(|p| p.sheet.as_deref() == Some(original.name.as_str()))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let marks = marks(&mine);
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&original.name, &mut used))?;
        sheet.set_default_note_author(NOTE_AUTHOR);
        copy_sheet(sheet, original, &marks, &styles)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The first sheet: one row per problem, in the order found.
fn problems_table(problems: &[SheetError]) -> Table {
    let mut table = Table::new("loi", PROBLEMS_TITLE, &PROBLEMS_HEADERS);
    for problem in problems {
        let text = |part: &Option<String>| {
            part.as_deref()
                .map_or(Cell::Empty, |s| Cell::Text(fit(s, TEXT_MAX - 1)))
        };
        table.push(vec![
            text(&problem.sheet),
            problem
                .row
                .and_then(|r| i64::try_from(r).ok())
                .map_or(Cell::Empty, Cell::Integer),
            text(&problem.column),
            text(&problem.value),
            Cell::Text(fit(&problem.message, TEXT_MAX - 1)),
        ]);
    }
    table
}

/// The cells to mark, 0-based, with their messages (each once, in the order found).
fn marks<'a>(problems: &[&'a SheetError]) -> BTreeMap<(u32, u16), Vec<&'a str>> {
    let mut marks: BTreeMap<(u32, u16), Vec<&str>> = BTreeMap::new();
    for problem in problems.iter().copied() {
        let Some(row) = problem.row.and_then(|r| r.checked_sub(1)) else {
            continue;
        };
        let col = problem
            .column
            .as_deref()
            .and_then(column_index)
            .unwrap_or(0);
        let (Ok(row), Ok(col)) = (u32::try_from(row), u16::try_from(col)) else {
            continue;
        };
        if row as usize >= ROW_MAX || usize::from(col) >= COL_MAX {
            continue;
        }
        let messages = marks.entry((row, col)).or_default();
        if !messages.contains(&problem.message.as_str()) {
            messages.push(&problem.message);
        }
    }
    marks
}

/// "C" → 2, "AA" → 26: the inverse of [`crate::column_letter`]; `None` for anything else.
fn column_index(letters: &str) -> Option<usize> {
    let letters = letters.trim();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    letters
        .chars()
        .try_fold(0usize, |n, c| {
            c.is_ascii_alphabetic()
                .then(|| n * 26 + usize::from(c.to_ascii_uppercase() as u8 - b'A') + 1)
        })
        .map(|n| n - 1)
}

/// The formats of a copied sheet, plain and marked.
struct CopyFormats {
    plain: Format,
    marked: Format,
    /// Whole numbers: every digit shown, so a 12-digit citizen id is not turned into
    /// `7,9E+11` as Excel's General format would.
    whole: Format,
    whole_marked: Format,
    date: Format,
    date_marked: Format,
}

impl CopyFormats {
    fn new() -> CopyFormats {
        let fill = |format: Format| format.set_background_color(MARK_FILL);
        let whole = Format::new().set_num_format("0");
        let date = Format::new().set_num_format("dd/mm/yyyy");
        CopyFormats {
            plain: Format::new(),
            marked: fill(Format::new()),
            whole_marked: fill(whole.clone()),
            whole,
            date_marked: fill(date.clone()),
            date,
        }
    }

    fn text(&self, marked: bool) -> &Format {
        if marked { &self.marked } else { &self.plain }
    }

    fn number(&self, n: f64, marked: bool) -> &Format {
        match (n.fract() == 0.0, marked) {
            (true, false) => &self.whole,
            (true, true) => &self.whole_marked,
            (false, marked) => self.text(marked),
        }
    }

    fn date(&self, marked: bool) -> &Format {
        if marked {
            &self.date_marked
        } else {
            &self.date
        }
    }
}

/// A sheet copied value for value at the same positions, marked cells filled and noted,
/// columns as wide as their longest value.
fn copy_sheet(
    sheet: &mut Worksheet,
    original: &Sheet,
    marks: &BTreeMap<(u32, u16), Vec<&str>>,
    styles: &CopyFormats,
) -> Result<(), WriteError> {
    let mut widths: Vec<usize> = Vec::new();
    for (r, row) in original.rows.iter().enumerate().take(ROW_MAX) {
        let r = u32::try_from(r).map_err(|_| WriteError::TooLarge)?;
        for (c, value) in row.iter().enumerate().take(COL_MAX) {
            let c16 = u16::try_from(c).map_err(|_| WriteError::TooLarge)?;
            let marked = marks.contains_key(&(r, c16));
            let shown = copy_value(sheet, r, c16, value, marked, styles)?;
            if widths.len() <= c {
                widths.resize(c + 1, 0);
            }
            widths[c] = widths[c].max(shown);
        }
    }
    for (&(r, c), messages) in marks {
        let value = original
            .rows
            .get(r as usize)
            .and_then(|row| row.get(usize::from(c)));
        if matches!(value, None | Some(Value::Empty)) {
            sheet.write_blank(r, c, &styles.marked)?;
        }
        let note = Note::new(fit(&messages.join("\n"), NOTE_MAX)).add_author_prefix(false);
        sheet.insert_note(r, c, &note)?;
    }
    for (c, chars) in widths.iter().enumerate() {
        if *chars > 0 {
            let c = u16::try_from(c).map_err(|_| WriteError::TooLarge)?;
            sheet.set_column_width(c, (*chars as f64 + 2.0).clamp(8.0, 60.0))?;
        }
    }
    Ok(())
}

/// Writes one value as read; returns how many characters it shows, for the column width.
fn copy_value(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    value: &Value,
    marked: bool,
    styles: &CopyFormats,
) -> Result<usize, WriteError> {
    let text = |sheet: &mut Worksheet, text: &str| -> Result<usize, WriteError> {
        let text = fit(&neutralise(text), TEXT_MAX);
        sheet.write_string_with_format(r, c, &text, styles.text(marked))?;
        Ok(text.chars().count())
    };
    match value {
        Value::Empty => Ok(0),
        Value::Text(s) => text(sheet, s),
        Value::Number(n) if n.is_finite() => {
            sheet.write_number_with_format(r, c, *n, styles.number(*n, marked))?;
            Ok(value.shown().chars().count())
        }
        // Not a number Excel can hold: kept as the reader showed it.
        Value::Number(_) => text(sheet, &value.shown()),
        Value::Bool(b) => {
            sheet.write_boolean_with_format(r, c, *b, styles.text(marked))?;
            Ok(value.shown().chars().count())
        }
        Value::Date(day) => match excel_date(*day) {
            Ok(when) => {
                sheet.write_datetime_with_format(r, c, &when, styles.date(marked))?;
                Ok(10)
            }
            // Before 1900, which Excel cannot hold as a date: as text, so it is not lost.
            Err(_) => text(sheet, &dmy(*day)),
        },
    }
}

/// `text` cut to `max` UTF-16 units (Excel's unit), ending in "…" when cut.
fn fit(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut units = 0;
    for c in text.chars() {
        units += c.len_utf16();
        if units > max.saturating_sub(1) {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_back_to_indexes() {
        for i in [0, 2, 25, 26, 701, 702, 16_383] {
            assert_eq!(column_index(&crate::column_letter(i)), Some(i));
        }
        assert_eq!(column_index("c"), Some(2));
        assert_eq!(column_index(""), None);
        assert_eq!(column_index("C3"), None);
        assert_eq!(column_index("ABCD"), None);
    }

    #[test]
    fn fit_cuts_in_excel_units() {
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("ắắắắ", 3).chars().count(), 3);
    }
}
