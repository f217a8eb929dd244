//! Finding the table in a sheet: the header row under the title rows, the columns by their
//! header names, the data rows below.

use ketnap_domain::text::legacy::{self, Legacy, Script};
use ketnap_domain::text::search_key;

use crate::error::SheetError;
use crate::values::{self, DateRead, Repaired, Value, column_letter, text, text_with};
use crate::{Sheet, Workbook};

/// How many rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// A column the importer wants, with the names it goes by.
///
/// Headers match the label or a synonym whatever the case, with or without diacritics,
/// and with punctuation and line breaks ignored: "Họ và tên", "HỌ VÀ TÊN", "Ho va ten",
/// "Họ và tên (*)" all match "Họ và tên". A header that starts with a synonym of two words
/// or more also matches ("Họ và tên khai sinh"), when no header matches exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The importer's name for it ("birth_date").
    pub key: &'static str,
    /// The Vietnamese header shown to users ("Ngày sinh").
    pub label: &'static str,
    pub synonyms: &'static [&'static str],
    pub required: bool,
}

impl Field {
    /// An optional field.
    pub const fn new(
        key: &'static str,
        label: &'static str,
        synonyms: &'static [&'static str],
    ) -> Self {
        Self {
            key,
            label,
            synonyms,
            required: false,
        }
    }

    /// The same field, required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The same field, optional.
    pub const fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    fn keys(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.label)
            .chain(self.synonyms.iter().copied())
            .map(header_key)
    }
}

/// The table found in a workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheet: String,
    /// 1-based, as Excel shows it.
    pub header_row: usize,
    /// (field key, 0-based column, header as written and repaired), in the order of the
    /// fields passed to [`find_table`]; fields not found are absent.
    pub columns: Vec<(&'static str, usize, String)>,
    /// The data rows: every row below the header that has something in a found column (a
    /// row numbering the columns "(1) (2) (3)…" right under the header is skipped).
    pub rows: Vec<Row>,
    /// The columns whose text is in a legacy encoding (TCVN3 or VNI): [`Table::text`]
    /// converts their cells, including the ambiguous ones.
    pub legacy: Vec<(&'static str, Legacy)>,
    /// Every non-empty cell of the header row (0-based column, text repaired): the columns
    /// a user may choose from when correcting the mapping.
    pub headers: Vec<(usize, String)>,
}

/// A data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based, as Excel shows it.
    pub number: usize,
    /// Every cell of the row, from column A.
    pub cells: Vec<Value>,
}

/// A cell converted from a legacy encoding, for telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// 1-based sheet row.
    pub row: usize,
    /// Column letter.
    pub column: String,
    pub from: String,
    pub to: String,
    pub legacy: Legacy,
}

static EMPTY: Value = Value::Empty;

impl Table {
    /// The 0-based column of a field.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, c, _)| *c)
    }

    /// The cell of a field in a row: `None` when the field has no column; an empty value
    /// when the row is shorter.
    pub fn get<'a>(&'a self, row: &'a Row, key: &str) -> Option<&'a Value> {
        let column = self.column(key)?;
        Some(row.cells.get(column).unwrap_or(&EMPTY))
    }

    /// The column letter of a field ("C").
    pub fn column_letter(&self, key: &str) -> Option<String> {
        self.column(key).map(column_letter)
    }

    /// The header of a field's column, as written (repaired).
    pub fn header(&self, key: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, h)| h.as_str())
    }

    /// The legacy encoding of a field's column, if it is in one.
    pub fn legacy_of(&self, key: &str) -> Option<Legacy> {
        self.legacy.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
    }

    /// The cell as clean text ([`values::text`]), knowing the column's encoding.
    pub fn text(&self, row: &Row, key: &str) -> Option<Repaired> {
        let value = self.get(row, key)?;
        Some(text_with(value, self.legacy_of(key)))
    }

    /// The cell read as a date ([`values::date`]); the error names the sheet, row, column
    /// and value.
    pub fn date(&self, row: &Row, key: &str) -> Result<Option<DateRead>, SheetError> {
        match self.get(row, key) {
            None => Ok(None),
            Some(value) => values::date(value).map_err(|m| self.error(row, key, m)),
        }
    }

    /// The cell read as a whole number ([`values::count`]); the error names the sheet, row,
    /// column and value.
    pub fn count(&self, row: &Row, key: &str) -> Result<Option<i64>, SheetError> {
        match self.get(row, key) {
            None => Ok(None),
            Some(value) => values::count(value).map_err(|m| self.error(row, key, m)),
        }
    }

    /// An error about a field's cell in a row: sheet, row, column and the value as written.
    pub fn error(&self, row: &Row, key: &str, message: impl Into<String>) -> SheetError {
        let mut e = SheetError::new(message)
            .in_sheet(self.sheet.clone())
            .at_row(row.number);
        if let Some(letter) = self.column_letter(key) {
            e = e.at_column(letter);
        }
        if let Some(value) = self.get(row, key) {
            e = e.with_value(value.shown());
        }
        e
    }

    /// Every cell of the found columns that was converted from a legacy encoding, in
    /// sheet order: for telling the user what was changed.
    pub fn conversions(&self) -> Vec<Conversion> {
        let mut out = Vec::new();
        for row in &self.rows {
            for (key, column, _) in &self.columns {
                let Some(value @ Value::Text(from)) = row.cells.get(*column) else {
                    continue;
                };
                if !legacy::may_convert(from) {
                    continue;
                }
                let repaired = text_with(value, self.legacy_of(key));
                if let Some(legacy) = repaired.converted {
                    out.push(Conversion {
                        row: row.number,
                        column: column_letter(*column),
                        from: from.clone(),
                        to: repaired.text,
                        legacy,
                    });
                }
            }
        }
        out
    }
}

/// The key a header is compared by: repaired, without diacritics, lower case, punctuation
/// as spaces ("Họ và tên (*)" → "ho va ten").
pub fn header_key(header: &str) -> String {
    let repaired = text(&Value::Text(header.to_owned())).text;
    let folded = search_key(&repaired);
    let spaced: String = folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A header row candidate: which fields each column matched.
struct Match {
    /// (field index, column, header as written and repaired).
    found: Vec<(usize, usize, String)>,
}

fn match_header(row: &[Value], fields: &[Field]) -> Match {
    let keys: Vec<Option<String>> = row
        .iter()
        .map(|v| match v {
            Value::Text(s) => Some(header_key(s)).filter(|k| !k.is_empty()),
            _ => None,
        })
        .collect();
    let field_keys: Vec<Vec<String>> = fields.iter().map(|f| f.keys().collect()).collect();
    let mut taken = vec![false; row.len()];
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    // Exact matches first, then "starts with" for the fields still missing.
    for exact in [true, false] {
        for (fi, names) in field_keys.iter().enumerate() {
            if found.iter().any(|(f, _, _)| *f == fi) {
                continue;
            }
            let hit = keys.iter().enumerate().find(|(col, key)| {
                let Some(key) = key else { return false };
                if taken.get(*col).copied().unwrap_or(true) {
                    return false;
                }
                names.iter().any(|name| {
                    if exact {
                        key == name
                    } else {
                        name.contains(' ') && key.starts_with(&format!("{name} "))
                    }
                })
            });
            if let Some((col, _)) = hit {
                if let Some(t) = taken.get_mut(col) {
                    *t = true;
                }
                let header = row.get(col).map(|v| text(v).text).unwrap_or_default();
                found.push((fi, col, header));
            }
        }
    }
    found.sort_by_key(|(fi, _, _)| *fi);
    Match { found }
}

/// Applies the user's column choices to a header row's matches.
fn remap(
    mut m: Match,
    row: &[Value],
    fields: &[Field],
    mapping: &[(&str, Option<usize>)],
) -> Match {
    for (key, column) in mapping {
        let Some(fi) = fields.iter().position(|f| f.key == *key) else {
            continue;
        };
        m.found
            .retain(|(f, col, _)| *f != fi && Some(*col) != *column);
        if let Some(col) = column {
            let header = row.get(*col).map(|v| text(v).text).unwrap_or_default();
            m.found.push((fi, *col, header));
        }
    }
    m.found.sort_by_key(|(fi, _, _)| *fi);
    m
}

/// Finds the table: the first sheet with a header row holding every required field (and at
/// least one field), the header row being the first such row among the first
/// [`HEADER_SEARCH_ROWS`] rows.
///
/// The error names what is missing, where it looked best.
pub fn find_table(workbook: &Workbook, fields: &[Field]) -> Result<Table, SheetError> {
    find_table_mapped(workbook, fields, &[])
}

/// Like [`find_table`], with the user's corrections of the columns: `(field key, column)`
/// puts a field in a 0-based column whatever its header says, `(field key, None)` leaves it
/// out. A column given to one field is taken from any other.
pub fn find_table_mapped(
    workbook: &Workbook,
    fields: &[Field],
    mapping: &[(&str, Option<usize>)],
) -> Result<Table, SheetError> {
    let (index, header, m) = locate(workbook, fields, mapping)?;
    let sheet = workbook.sheets.get(index).cloned().unwrap_or_default();
    Ok(build_table(sheet, header, &m, fields))
}

/// Like [`find_table_mapped`], taking the workbook: the table's rows are moved out of it
/// rather than copied (a large list is then held once, not twice).
pub fn take_table(
    mut workbook: Workbook,
    fields: &[Field],
    mapping: &[(&str, Option<usize>)],
) -> Result<Table, SheetError> {
    let (index, header, m) = locate(&workbook, fields, mapping)?;
    let sheet = if index < workbook.sheets.len() {
        workbook.sheets.swap_remove(index)
    } else {
        Sheet::default()
    };
    Ok(build_table(sheet, header, &m, fields))
}

/// The sheet (index) and 0-based header row of the table, with the columns matched.
fn locate(
    workbook: &Workbook,
    fields: &[Field],
    mapping: &[(&str, Option<usize>)],
) -> Result<(usize, usize, Match), SheetError> {
    // (missing required labels, sheet, 1-based row) of the closest candidate.
    let mut best: Option<(Vec<&'static str>, &str, usize)> = None;
    for (index, sheet) in workbook.sheets.iter().enumerate() {
        for (r, row) in sheet.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
            // A header row names at least one field itself: the user's column choices
            // must not turn a title row into one.
            let named = match_header(row, fields);
            if named.found.is_empty() {
                continue;
            }
            let m = remap(named, row, fields, mapping);
            let missing: Vec<&'static str> = fields
                .iter()
                .enumerate()
                .filter(|(fi, f)| f.required && !m.found.iter().any(|(x, _, _)| x == fi))
                .map(|(_, f)| f.label)
                .collect();
            if missing.is_empty() {
                return Ok((index, r, m));
            }
            if best.as_ref().is_none_or(|b| missing.len() < b.0.len()) {
                best = Some((missing, &sheet.name, r + 1));
            }
        }
    }
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.label)
        .collect();
    let quoted = |labels: &[&str]| {
        labels
            .iter()
            .map(|l| format!("\"{l}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if workbook
        .sheets
        .iter()
        .all(|s| s.rows.iter().all(|r| r.iter().all(Value::is_empty)))
    {
        return Err(SheetError::new("Tệp không có dữ liệu."));
    }
    Err(match best {
        Some((missing, sheet, row)) => SheetError::new(format!(
            "không tìm thấy cột {} trong dòng tiêu đề (tìm trong {HEADER_SEARCH_ROWS} dòng đầu của mỗi trang tính; tên cột có thể viết có hoặc không dấu)",
            quoted(&missing)
        ))
        .in_sheet(sheet)
        .at_row(row),
        None if required.is_empty() => SheetError::new(format!(
            "Không tìm thấy dòng tiêu đề: cần ít nhất một trong các cột {} trong {HEADER_SEARCH_ROWS} dòng đầu của một trang tính.",
            quoted(&fields.iter().map(|f| f.label).collect::<Vec<_>>())
        )),
        None => SheetError::new(format!(
            "Không tìm thấy dòng tiêu đề: cần các cột {} trong {HEADER_SEARCH_ROWS} dòng đầu của một trang tính.",
            quoted(&required)
        )),
    })
}

fn build_table(sheet: Sheet, header_index: usize, m: &Match, fields: &[Field]) -> Table {
    let columns: Vec<(&'static str, usize, String)> = m
        .found
        .iter()
        .filter_map(|(fi, col, header)| fields.get(*fi).map(|f| (f.key, *col, header.clone())))
        .collect();
    let header_row = sheet.rows.get(header_index).cloned().unwrap_or_default();
    let mut rows = Vec::new();
    let mut first = true;
    for (i, cells) in sheet.rows.into_iter().enumerate().skip(header_index + 1) {
        let has_data = columns
            .iter()
            .any(|(_, col, _)| cells.get(*col).is_some_and(|v| !v.is_empty()));
        if !has_data {
            continue;
        }
        if first && is_numbering_row(&cells) {
            first = false;
            continue;
        }
        first = false;
        rows.push(Row {
            number: i + 1,
            cells,
        });
    }
    let legacy = column_encodings(&columns, &rows, &header_row);
    let headers = header_row
        .iter()
        .enumerate()
        .map(|(col, v)| (col, text(v).text))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    Table {
        sheet: sheet.name,
        header_row: header_index + 1,
        columns,
        rows,
        legacy,
        headers,
    }
}

/// A row numbering the columns under the header: "1 2 3 …", "(1) (2) …", "A B C …".
fn is_numbering_row(cells: &[Value]) -> bool {
    let mut n = 0;
    for v in cells {
        let ok = match v {
            Value::Empty => continue,
            Value::Number(x) => x.fract() == 0.0 && (0.0..100.0).contains(x),
            Value::Text(s) => {
                let s = s.trim();
                if s.is_empty() {
                    continue;
                }
                let inner = s
                    .strip_prefix('(')
                    .and_then(|x| x.strip_suffix(')'))
                    .unwrap_or(s);
                (inner.len() <= 2 && inner.chars().all(|c| c.is_ascii_digit()))
                    || (inner.len() == 1 && inner.chars().all(|c| c.is_ascii_uppercase()))
            }
            _ => false,
        };
        if !ok {
            return false;
        }
        n += 1;
    }
    n >= 2
}

/// Decides the legacy encoding of each found column: a column is in an encoding when some
/// of its cells are clearly in it and none is clearly Unicode or in the other encoding.
/// A column without any clear cell, but with some non-ASCII text, takes the encoding of the
/// table (all found columns and the header row together), decided the same way.
fn column_encodings(
    columns: &[(&'static str, usize, String)],
    rows: &[Row],
    header: &[Value],
) -> Vec<(&'static str, Legacy)> {
    #[derive(Default, Clone, Copy)]
    struct Votes {
        unicode: usize,
        tcvn3: usize,
        vni: usize,
        non_ascii: usize,
    }
    impl Votes {
        fn add(&mut self, s: &str) {
            if !s.is_ascii() {
                self.non_ascii += 1;
            }
            match legacy::script(s) {
                Script::Unicode => self.unicode += 1,
                Script::Legacy(Legacy::Tcvn3) => self.tcvn3 += 1,
                Script::Legacy(Legacy::Vni) => self.vni += 1,
                Script::Plain => {}
            }
        }
        fn plus(self, o: Votes) -> Votes {
            Votes {
                unicode: self.unicode + o.unicode,
                tcvn3: self.tcvn3 + o.tcvn3,
                vni: self.vni + o.vni,
                non_ascii: self.non_ascii + o.non_ascii,
            }
        }
        fn decided(self) -> Option<Legacy> {
            match (self.unicode, self.tcvn3, self.vni) {
                (0, t, 0) if t > 0 => Some(Legacy::Tcvn3),
                (0, 0, v) if v > 0 => Some(Legacy::Vni),
                _ => None,
            }
        }
        fn is_clear(self) -> bool {
            self.unicode + self.tcvn3 + self.vni > 0
        }
    }
    let mut per_column = Vec::new();
    let mut table = Votes::default();
    for (key, col, _) in columns {
        let mut votes = Votes::default();
        for row in rows {
            if let Some(Value::Text(s)) = row.cells.get(*col) {
                votes.add(s);
            }
        }
        if let Some(Value::Text(s)) = header.get(*col) {
            table.add(s);
        }
        table = table.plus(votes);
        per_column.push((*key, votes));
    }
    per_column
        .into_iter()
        .filter_map(|(key, votes)| {
            let decided = if votes.is_clear() {
                votes.decided()
            } else if votes.non_ascii > 0 {
                table.decided()
            } else {
                None
            };
            decided.map(|l| (key, l))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: Field = Field::new("full_name", "Họ và tên", &["Họ tên", "Tên"]).required();
    const BORN: Field =
        Field::new("birth_date", "Ngày sinh", &["NS", "Ngày tháng năm sinh"]).required();
    const ID: Field = Field::new(
        "citizen_id",
        "Số CCCD",
        &["Số định danh", "Số định danh cá nhân", "CCCD"],
    );

    fn t(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn book(rows: Vec<Vec<Value>>) -> Workbook {
        Workbook {
            sheets: vec![Sheet {
                name: "Danh sách".into(),
                rows,
            }],
        }
    }

    #[test]
    fn header_keys() {
        assert_eq!(header_key("Họ và tên (*)"), "ho va ten");
        assert_eq!(header_key("HỌ VÀ TÊN"), "ho va ten");
        assert_eq!(header_key("Ngày\ntháng, năm sinh"), "ngay thang nam sinh");
        assert_eq!(header_key("Hä vµ tªn"), "ho va ten");
        assert_eq!(header_key("Hoï vaø teân"), "ho va ten");
        assert_eq!(header_key("Số CCCD/CMND"), "so cccd cmnd");
    }

    #[test]
    fn finds_header_under_title_rows_with_synonyms() {
        let wb = book(vec![
            vec![t("DANH SÁCH QUẦN CHÚNG ƯU TÚ")],
            vec![],
            vec![t("STT"), t("HO TEN"), t("NS"), t("So dinh danh")],
            vec![t("(1)"), t("(2)"), t("(3)"), t("(4)")],
            vec![
                Value::Number(1.0),
                t("Lê Văn A"),
                t("01/02/1990"),
                t("079090001234"),
            ],
            vec![],
            vec![Value::Number(2.0), t("Trần Thị B"), t("1991"), Value::Empty],
        ]);
        let table = find_table(&wb, &[NAME, BORN, ID]).unwrap();
        assert_eq!(table.header_row, 3);
        assert_eq!(
            table.columns,
            vec![
                ("full_name", 1, "HO TEN".to_owned()),
                ("birth_date", 2, "NS".to_owned()),
                ("citizen_id", 3, "So dinh danh".to_owned()),
            ]
        );
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [5, 7]);
        assert_eq!(table.column_letter("birth_date").as_deref(), Some("C"));
        let row = &table.rows[1];
        assert_eq!(table.get(row, "citizen_id"), Some(&Value::Empty));
        assert_eq!(table.get(row, "nope"), None);
        assert_eq!(
            table.date(row, "birth_date").unwrap(),
            Some(DateRead::YearOnly(1991))
        );
    }

    #[test]
    fn prefix_matches_only_when_nothing_exact() {
        let wb = book(vec![vec![
            t("Họ và tên khai sinh"),
            t("Ngày tháng năm sinh (dd/mm/yyyy)"),
        ]]);
        let table = find_table(&wb, &[NAME, BORN]).unwrap();
        assert_eq!(table.column("full_name"), Some(0));
        assert_eq!(table.column("birth_date"), Some(1));
    }

    #[test]
    fn missing_columns_are_named() {
        let wb = book(vec![
            vec![t("Tiêu đề")],
            vec![t("Họ và tên"), t("Quê quán")],
        ]);
        let err = find_table(&wb, &[NAME, BORN]).unwrap_err();
        assert_eq!(err.sheet.as_deref(), Some("Danh sách"));
        assert_eq!(err.row, Some(2));
        assert!(err.message.contains("\"Ngày sinh\""), "{err}");
        let empty = find_table(&book(vec![]), &[NAME]).unwrap_err();
        assert_eq!(empty.message, "Tệp không có dữ liệu.");
    }

    #[test]
    fn errors_name_sheet_row_column_value() {
        let wb = book(vec![
            vec![t("Họ và tên"), t("Ngày sinh")],
            vec![t("A"), t("31/02/1990")],
        ]);
        let table = find_table(&wb, &[NAME, BORN]).unwrap();
        let err = table.date(&table.rows[0], "birth_date").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Trang tính \"Danh sách\", dòng 2, cột B (\"31/02/1990\"): ngày 31/02/1990 không có thật (\"31/02/1990\")"
        );
    }

    #[test]
    fn legacy_columns() {
        let tcvn3 = |s: &str| t(&legacy::from_unicode(s, Legacy::Tcvn3));
        let wb = book(vec![
            vec![tcvn3("Họ và tên"), tcvn3("Ngày sinh")],
            vec![tcvn3("Nguyễn Văn Tỏm"), t("1990")],
            // "Tám" as TCVN3 bytes reads as Unicode too; the column decides.
            vec![tcvn3("Tỏm"), t("1991")],
        ]);
        let table = find_table(&wb, &[NAME, BORN]).unwrap();
        assert_eq!(table.legacy, vec![("full_name", Legacy::Tcvn3)]);
        let second = table.text(&table.rows[1], "full_name").unwrap();
        assert_eq!(second.text, "Tỏm");
        assert_eq!(second.converted, Some(Legacy::Tcvn3));
        assert_eq!(table.header("full_name"), Some("Họ và tên"));
        let conversions = table.conversions();
        assert_eq!(conversions.len(), 2, "{conversions:?}");
        assert_eq!(conversions[0].row, 2);
        assert_eq!(conversions[0].from, "NguyÔn V¨n Tám");
        assert_eq!(conversions[0].to, "Nguyễn Văn Tỏm");
        assert_eq!(conversions[0].column, "A");
    }

    #[test]
    fn mixed_columns_convert_only_clear_cells() {
        let wb = book(vec![
            vec![t("Họ và tên"), t("Ngày sinh")],
            vec![t("NguyÔn V¨n An"), t("1990")],
            vec![t("Trần Văn Tám"), t("1991")],
            vec![t("Tám"), t("1991")],
        ]);
        let table = find_table(&wb, &[NAME, BORN]).unwrap();
        assert!(table.legacy.is_empty());
        let texts: Vec<String> = table
            .rows
            .iter()
            .map(|r| table.text(r, "full_name").unwrap().text)
            .collect();
        assert_eq!(texts, ["Nguyễn Văn An", "Trần Văn Tám", "Tám"]);
    }
}
