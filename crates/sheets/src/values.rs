//! Cell values and how to read them: text repaired, dates in the shapes offices type them,
//! counts with thousands separators.

use chrono::{Datelike, NaiveDate};
use ketnap_domain::text::legacy::{self, Legacy};
use ketnap_domain::text::{PersonName, collapse_spaces, search_key};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A real date or date-time cell (an Excel serial with a date format, an ODS date); the
    /// time of day is dropped.
    Date(NaiveDate),
}

impl Value {
    /// Whether the cell holds nothing: empty, or text of spaces and invisible characters.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.chars().all(|c| c.is_whitespace() || is_invisible(c)),
            _ => false,
        }
    }

    /// The value as the user sees it in the sheet, for messages (not repaired).
    pub fn shown(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => s.clone(),
            Value::Number(n) => number_text(*n),
            Value::Bool(true) => "TRUE".to_owned(),
            Value::Bool(false) => "FALSE".to_owned(),
            Value::Date(d) => ketnap_domain::workflow::dmy(*d),
        }
    }
}

/// Text made clean: what [`text`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// NFC, converted from a legacy encoding if it was one, invisible characters removed,
    /// trimmed, inner spaces collapsed.
    pub text: String,
    /// The legacy encoding the text was converted from, if any.
    pub converted: Option<Legacy>,
}

/// The cell as clean text. Numbers are written as Excel shows them in General format,
/// without ".0" ("12", "1.5", "79095001234"); dates as dd/mm/yyyy; booleans TRUE/FALSE.
///
/// Text is composed (NFC), converted from TCVN3 or VNI when it clearly is one of them
/// (reported in [`Repaired::converted`]), stripped of zero-width characters and soft
/// hyphens, trimmed, and each run of spaces, tabs, line breaks and no-break spaces becomes
/// one space.
pub fn text(value: &Value) -> Repaired {
    text_with(value, None)
}

/// Like [`text`], with the legacy encoding the rest of the column is known to be in (see
/// [`legacy::repair_with`]).
pub fn text_with(value: &Value, hint: Option<Legacy>) -> Repaired {
    match value {
        Value::Text(s) => repair_text(s, hint),
        other => Repaired {
            text: other.shown(),
            converted: None,
        },
    }
}

fn repair_text(s: &str, hint: Option<Legacy>) -> Repaired {
    // Zero-width characters go first; the soft hyphen stays until the legacy check, as it
    // is the TCVN3 "ư".
    let visible: String = s
        .chars()
        .filter(|c| !is_invisible(*c) || *c == '\u{AD}')
        .map(|c| {
            if c.is_control() && !c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let composed = ketnap_domain::text::nfc(&visible);
    let (converted_text, converted) = legacy::repair_with(&composed, hint);
    let without_soft_hyphens: String = converted_text.chars().filter(|c| *c != '\u{AD}').collect();
    // Composed above; converting from a legacy encoding composes too.
    let text = collapse_spaces(&without_soft_hyphens);
    // An apostrophe that an export put before `= + - @` to keep a formula from running
    // (write::neutralise) is not part of the value.
    let text = match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => text,
    };
    Repaired { text, converted }
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// A number as Excel's General format writes it: integers without ".0".
pub(crate) fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        // Exact: |n| < 2^53.
        #[allow(clippy::cast_possible_truncation)]
        let i = n as i64;
        i.to_string()
    } else {
        n.to_string()
    }
}

/// What a date cell says: a day, or only a year (people born in the war years often have
/// no recorded day). A month and year without the day ("03/1975") is read as an error that
/// says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRead {
    Day(NaiveDate),
    /// "1975", "năm 1975".
    YearOnly(i32),
}

impl DateRead {
    /// The day, when the whole date is known.
    pub fn day(self) -> Option<NaiveDate> {
        match self {
            DateRead::Day(d) => Some(d),
            _ => None,
        }
    }

    /// The year, always known.
    pub fn year(self) -> i32 {
        match self {
            DateRead::Day(d) => d.year(),
            DateRead::YearOnly(y) => y,
        }
    }

    /// The first day the date can mean (1 January for a year).
    pub fn first_day(self) -> Option<NaiveDate> {
        match self {
            DateRead::Day(d) => Some(d),
            DateRead::YearOnly(y) => NaiveDate::from_ymd_opt(y, 1, 1),
        }
    }
}

/// The years a date read from a sheet may fall in.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// The largest Excel serial date (31/12/9999).
const MAX_SERIAL: f64 = 2_958_465.0;

/// Reads a date, day first always.
///
/// Accepted: real date cells; Excel serial numbers (1900 date system), also typed as text
/// of five digits; `dd/mm/yyyy`, `d/m/yy`, `dd-mm-yyyy`, `dd.mm.yyyy` (any of / - . or
/// spaces between the parts); `yyyy-mm-dd`; eight digits `ddmmyyyy` or `yyyymmdd`;
/// "ngày 15 tháng 3 năm 1975" (with or without diacritics); a year "1975", "năm 1975" (also the number 1975: a serial number in the
/// years 1900–2100 would be a day in 1905, so such numbers are years). A time after the date
/// is ignored. Two-digit years follow Excel: 00–29 are 2000–2029, 30–99 are 1930–1999.
/// Years must be within 1900–2100.
///
/// Empty cells give `Ok(None)`. The error says, in Vietnamese, what could not be read.
pub fn date(value: &Value) -> Result<Option<DateRead>, String> {
    match value {
        Value::Empty => Ok(None),
        Value::Date(d) => check_year(d.year()).map(|()| Some(DateRead::Day(*d))),
        Value::Bool(_) => Err("ô chứa giá trị đúng/sai (TRUE/FALSE), không phải ngày tháng".into()),
        Value::Number(n) => number_date(*n).map(Some),
        Value::Text(_) => {
            let repaired = text(value).text;
            if repaired.is_empty() {
                return Ok(None);
            }
            text_date(&repaired).map(Some)
        }
    }
}

fn check_year(year: i32) -> Result<(), String> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "năm {year} nằm ngoài khoảng {}–{}",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

fn number_date(n: f64) -> Result<DateRead, String> {
    if !n.is_finite() {
        return Err("số không hợp lệ, không phải ngày tháng".into());
    }
    let whole = n.trunc();
    if whole == n && (f64::from(*YEARS.start())..=f64::from(*YEARS.end())).contains(&n) {
        #[allow(clippy::cast_possible_truncation)]
        return Ok(DateRead::YearOnly(n as i32));
    }
    if whole == n && (10_000_000.0..100_000_000.0).contains(&n) {
        // Eight digits typed as a number: 15031975.
        return digits_date(&number_text(n));
    }
    serial_date(whole).map(DateRead::Day)
}

/// An Excel serial date in the 1900 date system, which counts a 29 February 1900 that
/// never was (serial 60).
fn serial_date(serial: f64) -> Result<NaiveDate, String> {
    if !(1.0..=MAX_SERIAL).contains(&serial) {
        return Err(format!(
            "số {} không phải ngày tháng (ngày trong Excel là số từ 1 đến {})",
            number_text(serial),
            number_text(MAX_SERIAL)
        ));
    }
    #[allow(clippy::cast_possible_truncation)]
    let days = serial as i64;
    if days == 60 {
        return Err("ngày 29/02/1900 không có thật (số 60 trong Excel)".into());
    }
    let (base, offset) = match NaiveDate::from_ymd_opt(1899, 12, 31) {
        Some(base) if days < 60 => (base, days),
        Some(base) => (base, days - 1),
        None => return Err("không tính được ngày".into()),
    };
    let day = base
        .checked_add_signed(chrono::Duration::days(offset))
        .ok_or_else(|| "không tính được ngày".to_owned())?;
    check_year(day.year())?;
    Ok(day)
}

#[derive(Debug, PartialEq)]
enum Token {
    Number(String),
    Word(String),
}

fn text_date(original: &str) -> Result<DateRead, String> {
    let unreadable = || {
        format!(
            "không đọc được ngày tháng \"{original}\"; hãy viết ngày/tháng/năm, ví dụ 15/03/1975"
        )
    };
    let mut folded = search_key(original);
    // A time after the date ("15/03/1975 00:00:00", "1975-03-15T08:30") is dropped.
    if let Some(colon) = folded.find(':') {
        let head = &folded[..colon];
        let cut = head.rfind([' ', 't']).unwrap_or(0);
        folded.truncate(cut);
    }
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut current_is_digit = false;
    for c in folded.chars().chain(std::iter::once(' ')) {
        let is_digit = c.is_ascii_digit();
        let is_letter = c.is_alphabetic();
        if (is_digit || is_letter) && (current.is_empty() || current_is_digit == is_digit) {
            current.push(c);
            current_is_digit = is_digit;
            continue;
        }
        if !current.is_empty() {
            tokens.push(if current_is_digit {
                Token::Number(std::mem::take(&mut current))
            } else {
                Token::Word(std::mem::take(&mut current))
            });
        }
        if is_digit || is_letter {
            current.push(c);
            current_is_digit = is_digit;
        } else if !matches!(c, ' ' | '/' | '-' | '.' | ',' | '_' | '\\') {
            return Err(unreadable());
        }
    }

    // Labelled: "ngày 15 tháng 3 năm 1975", "tháng 3 năm 1975", "năm 1975", and the
    // labels in front of a plain date ("ngày 15/03/1975", "năm 1975", "sinh năm 1975").
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut plain = Vec::new();
    let mut label: Option<&str> = None;
    let mut labelled = false;
    for token in &tokens {
        match token {
            Token::Word(w) => match w.as_str() {
                "ngay" | "thang" | "nam" => label = Some(w),
                "sinh" | "ns" | "vao" => {}
                _ => return Err(unreadable()),
            },
            Token::Number(n) => match label.take() {
                Some("ngay") if day.is_none() && month.is_none() => {
                    plain.push(n.as_str());
                    day = Some(n.as_str());
                }
                Some("thang") if month.is_none() => {
                    labelled = true;
                    month = Some(n.as_str());
                }
                Some("nam") if year.is_none() => {
                    labelled = true;
                    year = Some(n.as_str());
                }
                _ => plain.push(n.as_str()),
            },
        }
    }
    if labelled {
        // "ngày" alone labels a plain date; with "tháng"/"năm" every part is labelled,
        // except a year written after the month ("tháng 3/1975").
        if day.is_none() && month.is_some() && year.is_none() && plain.len() == 1 {
            year = plain.pop();
        }
        if plain.len() != usize::from(day.is_some()) {
            return Err(unreadable());
        }
        return match (day, month, year) {
            (Some(d), Some(m), Some(y)) => dmy(d, m, y, original),
            (None, Some(m), Some(y)) => month_year(m, y, original),
            (None, None, Some(y)) => year_only(y, original),
            _ => Err(unreadable()),
        };
    }
    match plain.as_slice() {
        [one] => match one.len() {
            4 => year_only(one, original),
            8 => digits_date(one),
            5 => {
                let serial: f64 = one.parse().map_err(|_| unreadable())?;
                serial_date(serial).map(DateRead::Day)
            }
            _ => Err(unreadable()),
        },
        [a, b] if b.len() == 4 && a.len() <= 2 => month_year(a, b, original),
        [a, b] if a.len() == 4 && b.len() <= 2 => month_year(b, a, original),
        [y, m, d] if y.len() == 4 => dmy(d, m, y, original),
        [d, m, y] => dmy(d, m, y, original),
        _ => Err(unreadable()),
    }
}

fn parse_year(y: &str, original: &str) -> Result<i32, String> {
    let n: i32 = y
        .parse()
        .map_err(|_| format!("không đọc được năm trong \"{original}\""))?;
    let year = match y.len() {
        2 if n < 30 => 2000 + n,
        2 => 1900 + n,
        4 => n,
        _ => {
            return Err(format!(
                "năm \"{y}\" trong \"{original}\" phải có 4 chữ số (hoặc 2)"
            ));
        }
    };
    check_year(year)?;
    Ok(year)
}

fn parse_month(m: &str, original: &str) -> Result<u32, String> {
    let month: u32 = m
        .parse()
        .map_err(|_| format!("không đọc được tháng trong \"{original}\""))?;
    if !(1..=12).contains(&month) || m.len() > 2 {
        return Err(format!(
            "không có tháng {m} (\"{original}\"); ngày tháng phải viết theo thứ tự ngày/tháng/năm"
        ));
    }
    Ok(month)
}

fn dmy(d: &str, m: &str, y: &str, original: &str) -> Result<DateRead, String> {
    let year = parse_year(y, original)?;
    let month = parse_month(m, original)?;
    let day: u32 = d
        .parse()
        .ok()
        .filter(|_| d.len() <= 2)
        .ok_or_else(|| format!("không đọc được ngày trong \"{original}\""))?;
    NaiveDate::from_ymd_opt(year, month, day)
        .map(DateRead::Day)
        .ok_or_else(|| format!("ngày {day:02}/{month:02}/{year} không có thật (\"{original}\")"))
}

/// A month and a year: refused, saying what is missing.
fn month_year(m: &str, y: &str, original: &str) -> Result<DateRead, String> {
    let year = parse_year(y, original)?;
    let month = parse_month(m, original)?;
    Err(format!(
        "\"{original}\" chỉ có tháng {month:02} và năm {year}, thiếu ngày; hãy ghi đủ ngày/tháng/năm, hoặc chỉ ghi năm"
    ))
}

fn year_only(y: &str, original: &str) -> Result<DateRead, String> {
    if y.len() != 4 {
        return Err(format!("năm \"{y}\" trong \"{original}\" phải có 4 chữ số"));
    }
    parse_year(y, original).map(DateRead::YearOnly)
}

/// Eight digits: `ddmmyyyy`, or `yyyymmdd` when it starts with a year in range (the two
/// readings can never both be valid).
fn digits_date(s: &str) -> Result<DateRead, String> {
    let (a, b, c) = (&s[..2], &s[2..4], &s[4..]);
    if let Ok(day) = dmy(a, b, c, s) {
        return Ok(day);
    }
    let (y, m, d) = (&s[..4], &s[4..6], &s[6..]);
    dmy(d, m, y, s).map_err(|_| {
        format!("không đọc được ngày tháng \"{s}\"; hãy viết ngày/tháng/năm, ví dụ 15/03/1975")
    })
}

/// Reads a whole number: a number cell, or text such as "12", " 12 ", "1.234", "1,234",
/// "1 234" (dots, commas and spaces between groups of three digits are thousands
/// separators), "12.0". Negative numbers are read (the caller decides whether they make
/// sense). Empty cells give `Ok(None)`.
pub fn count(value: &Value) -> Result<Option<i64>, String> {
    match value {
        Value::Empty => Ok(None),
        Value::Number(n) => whole_number(*n).map(Some),
        Value::Bool(_) => Err("ô chứa giá trị đúng/sai (TRUE/FALSE), không phải số".into()),
        Value::Date(d) => Err(format!(
            "ô chứa ngày {}, không phải số",
            ketnap_domain::workflow::dmy(*d)
        )),
        Value::Text(_) => {
            let repaired = text(value).text;
            if repaired.is_empty() {
                return Ok(None);
            }
            text_count(&repaired).map(Some)
        }
    }
}

fn whole_number(n: f64) -> Result<i64, String> {
    if !n.is_finite() || n.fract() != 0.0 || n.abs() >= 9.0e15 {
        return Err(format!("{} không phải số nguyên", number_text(n)));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(n as i64)
}

fn text_count(s: &str) -> Result<i64, String> {
    let not_whole = || format!("\"{s}\" không phải số nguyên");
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (negative, digits) = match compact.strip_prefix(['-', '−']) {
        Some(rest) => (true, rest),
        None => (false, compact.strip_prefix('+').unwrap_or(&compact)),
    };
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(not_whole());
    }
    let separators: Vec<char> = digits.chars().filter(|c| !c.is_ascii_digit()).collect();
    let plain: String = if separators.is_empty() {
        digits.to_owned()
    } else {
        let groups: Vec<&str> = digits.split(['.', ',']).collect();
        let one_kind = separators.iter().all(|c| *c == separators[0]);
        let thousands = one_kind
            && groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups.iter().skip(1).all(|g| g.len() == 3);
        match groups.as_slice() {
            _ if thousands => groups.concat(),
            // "12.0", "12,00": a whole number written with decimals.
            [whole, zeros]
                if !whole.is_empty() && !zeros.is_empty() && zeros.chars().all(|c| c == '0') =>
            {
                (*whole).to_owned()
            }
            _ => return Err(not_whole()),
        }
    };
    let n: i64 = plain.parse().map_err(|_| not_whole())?;
    Ok(if negative { -n } else { n })
}

/// Splits a full name written in Vietnamese order into family name, middle name and given
/// name: the first word, the words in between, the last word ("Nguyễn Thị Ngọc Ánh" →
/// "Nguyễn", "Thị Ngọc", "Ánh"). One word is a given name. The parts are cleaned (NFC,
/// spaces); empty input gives three empty strings.
pub fn split_name(full: &str) -> (String, String, String) {
    match PersonName::parse_full(full) {
        Some(name) => (name.family, name.middle, name.given),
        None => (String::new(), String::new(), String::new()),
    }
}

/// The letters of a 0-based column index as Excel shows them: 0 → "A", 26 → "AA".
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn day(y: i32, m: u32, d: u32) -> Option<DateRead> {
        NaiveDate::from_ymd_opt(y, m, d).map(DateRead::Day)
    }

    #[test]
    fn text_is_repaired() {
        let nfd: String =
            unicode_normalization::UnicodeNormalization::nfd("Nguyễn Văn An").collect();
        let cases = [
            (t("  Nguyễn   Văn\tAn  "), "Nguyễn Văn An", None),
            (t(&nfd), "Nguyễn Văn An", None),
            (t("NguyÔn V¨n An"), "Nguyễn Văn An", Some(Legacy::Tcvn3)),
            (t("Nguyeãn Vaên An"), "Nguyễn Văn An", Some(Legacy::Vni)),
            (t("Café"), "Café", None),
            (t("A&B"), "A&B", None),
            (t("100%"), "100%", None),
            (t("Lê\u{200B}\u{00A0}Thị"), "Lê Thị", None),
            (t("Tr\u{AD}êng"), "Trường", Some(Legacy::Tcvn3)),
            (Value::Number(12.0), "12", None),
            (Value::Number(1.5), "1.5", None),
            (Value::Number(79_095_001_234.0), "79095001234", None),
            (Value::Number(-3.0), "-3", None),
            (Value::Bool(true), "TRUE", None),
            (Value::Empty, "", None),
        ];
        for (value, expected, converted) in cases {
            let r = text(&value);
            assert_eq!(r.text, expected, "{value:?}");
            assert_eq!(r.converted, converted, "{value:?}");
        }
        assert_eq!(
            text(&Value::Date(NaiveDate::from_ymd_opt(1975, 3, 5).unwrap())).text,
            "05/03/1975"
        );
    }

    #[test]
    fn every_date_shape() {
        let cases: Vec<(Value, Option<DateRead>)> = vec![
            (Value::Empty, None),
            (t("   "), None),
            (
                Value::Date(NaiveDate::from_ymd_opt(1975, 3, 15).unwrap()),
                day(1975, 3, 15),
            ),
            // Excel serials: 27468 is 15/03/1975; before 1 March 1900 Excel counts from 1.
            (Value::Number(27468.0), day(1975, 3, 15)),
            (Value::Number(27468.75), day(1975, 3, 15)),
            (Value::Number(1.0), day(1900, 1, 1)),
            (Value::Number(59.0), day(1900, 2, 28)),
            (Value::Number(61.0), day(1900, 3, 1)),
            (t("27468"), day(1975, 3, 15)),
            (t("15/03/1975"), day(1975, 3, 15)),
            (t("5/3/1975"), day(1975, 3, 5)),
            (t("5/3/75"), day(1975, 3, 5)),
            (t("5/3/05"), day(2005, 3, 5)),
            (t("15-03-1975"), day(1975, 3, 15)),
            (t("15.03.1975"), day(1975, 3, 15)),
            (t("15 / 03 / 1975"), day(1975, 3, 15)),
            (t("1975-03-15"), day(1975, 3, 15)),
            (t("15/03/1975 00:00:00"), day(1975, 3, 15)),
            (t("1975-03-15T08:30:00"), day(1975, 3, 15)),
            (t("15031975"), day(1975, 3, 15)),
            (t("19750315"), day(1975, 3, 15)),
            (Value::Number(15_031_975.0), day(1975, 3, 15)),
            (t("ngày 15 tháng 3 năm 1975"), day(1975, 3, 15)),
            (t("Ngay 15 thang 03 nam 1975"), day(1975, 3, 15)),
            (t("ngày 15/03/1975"), day(1975, 3, 15)),
            (t("sinh năm 1975"), Some(DateRead::YearOnly(1975))),
            (t("1975"), Some(DateRead::YearOnly(1975))),
            (t(" năm 1975 "), Some(DateRead::YearOnly(1975))),
            (t("nam 1975"), Some(DateRead::YearOnly(1975))),
            (t("n¨m 1975"), Some(DateRead::YearOnly(1975))),
            (Value::Number(1975.0), Some(DateRead::YearOnly(1975))),
        ];
        for (value, expected) in cases {
            assert_eq!(date(&value), Ok(expected), "{value:?}");
        }
    }

    #[test]
    fn dates_it_cannot_read_say_why() {
        let cases = [
            (t("31/02/1975"), "không có thật"),
            (t("03/15/1975"), "thứ tự ngày/tháng/năm"),
            (t("abc"), "không đọc được ngày tháng \"abc\""),
            (t("15/03/975"), "4 chữ số"),
            (t("15/03/1875"), "ngoài khoảng"),
            (t("15/03"), "không đọc được"),
            (Value::Number(60.0), "29/02/1900"),
            (Value::Number(-5.0), "không phải ngày tháng"),
            (Value::Bool(true), "đúng/sai"),
            (t("12 tuổi"), "không đọc được"),
            (t("03/1975"), "chỉ có tháng 03 và năm 1975, thiếu ngày"),
            (t("tháng 3 năm 1975"), "thiếu ngày"),
            (t("tháng 3/1975"), "thiếu ngày"),
            (t("1975-03"), "thiếu ngày"),
            (t("13/1975"), "không có tháng 13"),
        ];
        for (value, reason) in cases {
            let err = date(&value).expect_err(&format!("{value:?}"));
            assert!(err.contains(reason), "{value:?}: {err}");
        }
    }

    #[test]
    fn counts() {
        let cases = [
            (t("12 "), Some(12)),
            (t("1.234"), Some(1234)),
            (t("1,234"), Some(1234)),
            (t("1 234 567"), Some(1_234_567)),
            (t("1.234.567"), Some(1_234_567)),
            (t("-7"), Some(-7)),
            (t("12.0"), Some(12)),
            (t("12,00"), Some(12)),
            (Value::Number(42.0), Some(42)),
            (Value::Empty, None),
            (t(""), None),
        ];
        for (value, expected) in cases {
            assert_eq!(count(&value), Ok(expected), "{value:?}");
        }
        for bad in [
            t("1,5"),
            t("12a"),
            t("1.23"),
            t("1.234,567"),
            Value::Number(1.5),
            Value::Bool(false),
        ] {
            assert!(count(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_split() {
        let s = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
        assert_eq!(
            split_name("Nguyễn Thị Ngọc Ánh"),
            s("Nguyễn", "Thị Ngọc", "Ánh")
        );
        assert_eq!(split_name("  Lê   Tám "), s("Lê", "", "Tám"));
        assert_eq!(split_name("Tám"), s("", "", "Tám"));
        assert_eq!(split_name(""), s("", "", ""));
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16383), "XFD");
    }
}
