//! Per-year overrides: the government's yearly announcement of holiday blocks and of the
//! Saturdays worked in exchange (ngày làm bù), read from a small TOML document.
//!
//! ```toml
//! year = 2026
//! source = "Văn bản …; ghi 'chưa kiểm chứng' nếu chưa đối chiếu với văn bản gốc"
//! replaces_generated = true   # optional, default false
//!
//! [[holiday]]
//! date = 2026-02-16
//! name = "Tết Nguyên đán"
//!
//! [[working_day]]             # a Saturday or Sunday that is worked
//! date = 2026-01-10
//! note = "Làm bù cho thứ Sáu 02/01/2026"   # optional
//! ```
//!
//! With `replaces_generated = true` the listed holidays are the whole list of days off of
//! that year (besides Saturdays and Sundays); otherwise they are added to the generated
//! ones (a listed name wins over a generated one on the same date). Working days always
//! apply. Unknown keys, dates outside `year`, a date listed twice, and a working day that
//! is not a Saturday or a Sunday are refused with a Vietnamese message giving the line.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate, Weekday};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::holidays::{Holiday, is_weekend};
use crate::Violation;

/// A Saturday or Sunday that is worked, in exchange for a weekday taken off.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct WorkingDay {
    pub date: NaiveDate,
    /// Why the day is worked (may be empty).
    pub note: String,
}

/// The announced holidays and working days of one year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct YearOverride {
    pub year: i32,
    /// Which announcement this comes from; contains "chưa kiểm chứng" if not verified.
    pub source: String,
    /// When true, `holidays` replaces the generated holidays of `year` instead of adding to them.
    pub replaces_generated: bool,
    /// Sorted by date.
    pub holidays: Vec<Holiday>,
    /// Sorted by date.
    pub working_days: Vec<WorkingDay>,
}

/// First and last years an override may declare (the range the lunar calendar is checked for).
const YEARS: std::ops::RangeInclusive<i64> = 1900..=2100;

const RULE_SYNTAX: &str = "calendar.override.syntax";
const RULE_UNKNOWN_KEY: &str = "calendar.override.unknown-key";
const RULE_MISSING_KEY: &str = "calendar.override.missing-key";
const RULE_TYPE: &str = "calendar.override.value-type";
const RULE_YEAR_RANGE: &str = "calendar.override.year-range";
const RULE_OUTSIDE_YEAR: &str = "calendar.override.date-outside-year";
const RULE_DUPLICATE: &str = "calendar.override.duplicate-date";
const RULE_NOT_WEEKEND: &str = "calendar.override.working-day-not-weekend";
const RULE_EMPTY: &str = "calendar.override.empty-value";

/// Line (1-based) of a byte offset.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn of(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.0.len());
        self.0.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }
}

fn vi_date(date: NaiveDate) -> String {
    crate::workflow::dmy(date)
}

fn vi_weekday(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "thứ Hai",
        Weekday::Tue => "thứ Ba",
        Weekday::Wed => "thứ Tư",
        Weekday::Thu => "thứ Năm",
        Weekday::Fri => "thứ Sáu",
        Weekday::Sat => "thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

fn type_vi(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "chuỗi",
        DeValue::Integer(_) => "số nguyên",
        DeValue::Float(_) => "số thực",
        DeValue::Boolean(_) => "giá trị đúng/sai",
        DeValue::Datetime(_) => "ngày giờ",
        DeValue::Array(_) => "mảng",
        DeValue::Table(_) => "bảng",
    }
}

/// Entries of a table in the order they appear in the document.
fn in_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t Spanned<toml::de::DeString<'i>>,
    &'t Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

struct Parser<'a> {
    lines: Lines<'a>,
}

impl Parser<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        self.lines.of(span)
    }

    fn check_keys(
        &self,
        table: &DeTable<'_>,
        allowed: &[&str],
        context: &str,
    ) -> Result<(), Violation> {
        for (key, _) in in_order(table) {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let field = if context.is_empty() {
                    name.to_owned()
                } else {
                    format!("{context}.{name}")
                };
                return Err(Violation::new(
                    RULE_UNKNOWN_KEY,
                    field,
                    format!(
                        "Khóa không được phép «{name}» ở dòng {}{}; chỉ chấp nhận: {}.",
                        self.line(&key.span()),
                        if context.is_empty() {
                            String::new()
                        } else {
                            format!(" (trong {context})")
                        },
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn wrong_type(&self, field: &str, value: &Spanned<DeValue<'_>>, expected: &str) -> Violation {
        Violation::new(
            RULE_TYPE,
            field,
            format!(
                "Giá trị của «{field}» ở dòng {} phải là {expected}, không phải {}.",
                self.line(&value.span()),
                type_vi(value.get_ref())
            ),
        )
    }

    fn string(&self, field: &str, value: &Spanned<DeValue<'_>>) -> Result<String, Violation> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.trim().to_owned()),
            _ => Err(self.wrong_type(field, value, "một chuỗi trong dấu nháy kép")),
        }
    }

    fn non_empty_string(
        &self,
        field: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<String, Violation> {
        let s = self.string(field, value)?;
        if s.is_empty() {
            return Err(Violation::new(
                RULE_EMPTY,
                field,
                format!(
                    "«{field}» ở dòng {} không được để trống.",
                    self.line(&value.span())
                ),
            ));
        }
        Ok(s)
    }

    fn date(
        &self,
        field: &str,
        value: &Spanned<DeValue<'_>>,
        year: i32,
    ) -> Result<NaiveDate, Violation> {
        let line = self.line(&value.span());
        let date = match value.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                }
                _ => None,
            },
            DeValue::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
            _ => None,
        };
        let Some(date) = date else {
            return Err(Violation::new(
                RULE_TYPE,
                field,
                format!(
                    "Giá trị của «{field}» ở dòng {line} phải là một ngày dạng NNNN-TT-NN \
                     (ví dụ 2026-02-16), không kèm giờ."
                ),
            ));
        };
        if date.year() != year {
            return Err(Violation::new(
                RULE_OUTSIDE_YEAR,
                field,
                format!(
                    "Ngày {} ở dòng {line} («{field}») nằm ngoài năm {year} đã khai báo ở khóa «year».",
                    vi_date(date)
                ),
            ));
        }
        Ok(date)
    }

    /// The tables of an array of tables (`[[holiday]]`), or an error naming the key.
    fn tables<'t, 'i>(
        &self,
        field: &str,
        value: &'t Spanned<DeValue<'i>>,
    ) -> Result<Vec<&'t Spanned<DeValue<'i>>>, Violation> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(field, value, &format!("một danh sách bảng [[{field}]]")));
        };
        for item in items.iter() {
            if !matches!(item.get_ref(), DeValue::Table(_)) {
                return Err(self.wrong_type(field, item, &format!("một bảng [[{field}]]")));
            }
        }
        Ok(items.iter().collect())
    }

    fn missing(&self, field: &str, at: &Range<usize>, what: &str) -> Violation {
        Violation::new(
            RULE_MISSING_KEY,
            field,
            format!(
                "Thiếu khóa «{field}» ({what}) trong mục bắt đầu ở dòng {}.",
                self.line(at)
            ),
        )
    }
}

/// Parses one year's override. See the module documentation for the format.
pub(crate) fn parse_year_override(input: &str) -> Result<YearOverride, Violation> {
    let p = Parser {
        lines: Lines(input),
    };
    let root = DeTable::parse(input).map_err(|e| {
        let line = e.span().map(|s| p.line(&s));
        Violation::new(
            RULE_SYNTAX,
            "toml",
            match line {
                Some(line) => format!(
                    "Tệp lịch nghỉ không đúng cú pháp TOML ở dòng {line} (chi tiết: {}).",
                    e.message().trim()
                ),
                None => format!(
                    "Tệp lịch nghỉ không đúng cú pháp TOML (chi tiết: {}).",
                    e.message().trim()
                ),
            },
        )
    })?;
    let root_span = root.span();
    let root = root.get_ref();
    p.check_keys(
        root,
        &[
            "year",
            "source",
            "replaces_generated",
            "holiday",
            "working_day",
        ],
        "",
    )?;

    let year_value = root
        .get("year")
        .ok_or_else(|| p.missing("year", &root_span, "năm áp dụng, ví dụ year = 2026"))?;
    let year = match year_value.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    };
    let Some(year) = year else {
        return Err(p.wrong_type("year", year_value, "một số nguyên, ví dụ year = 2026"));
    };
    let year = match i32::try_from(year) {
        Ok(y) if YEARS.contains(&year) => y,
        _ => {
            return Err(Violation::new(
                RULE_YEAR_RANGE,
                "year",
                format!(
                    "Năm {year} ở dòng {} nằm ngoài khoảng {}–{} mà lịch hỗ trợ.",
                    p.line(&year_value.span()),
                    YEARS.start(),
                    YEARS.end()
                ),
            ));
        }
    };

    let source_value = root.get("source").ok_or_else(|| {
        p.missing(
            "source",
            &root_span,
            "văn bản công bố lịch nghỉ; ghi «chưa kiểm chứng» nếu chưa đối chiếu",
        )
    })?;
    let source = p.non_empty_string("source", source_value)?;

    let replaces_generated = match root.get("replaces_generated") {
        None => false,
        Some(v) => match v.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => return Err(p.wrong_type("replaces_generated", v, "true hoặc false")),
        },
    };

    // Line of the first mention of each date, to report duplicates.
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut remember =
        |date: NaiveDate, field: &str, span: &Range<usize>| -> Result<(), Violation> {
            let line = p.line(span);
            if let Some(first) = seen.insert(date, line) {
                return Err(Violation::new(
                    RULE_DUPLICATE,
                    field,
                    format!(
                        "Ngày {} ở dòng {line} đã được khai báo ở dòng {first}; mỗi ngày chỉ được \
                     khai báo một lần (là ngày nghỉ hoặc ngày làm bù).",
                        vi_date(date)
                    ),
                ));
            }
            Ok(())
        };

    let mut holidays = Vec::new();
    if let Some(value) = root.get("holiday") {
        for (index, item) in p.tables("holiday", value)?.into_iter().enumerate() {
            let context = format!("holiday[{}]", index + 1);
            let DeValue::Table(table) = item.get_ref() else {
                continue;
            };
            p.check_keys(table, &["date", "name"], &context)?;
            let date_field = format!("{context}.date");
            let date_value = table
                .get("date")
                .ok_or_else(|| p.missing(&date_field, &item.span(), "ngày nghỉ"))?;
            let date = p.date(&date_field, date_value, year)?;
            remember(date, &date_field, &date_value.span())?;
            let name_field = format!("{context}.name");
            let name_value = table
                .get("name")
                .ok_or_else(|| p.missing(&name_field, &item.span(), "tên ngày nghỉ"))?;
            let name = p.non_empty_string(&name_field, name_value)?;
            holidays.push(Holiday { date, name });
        }
    }

    let mut working_days = Vec::new();
    if let Some(value) = root.get("working_day") {
        for (index, item) in p.tables("working_day", value)?.into_iter().enumerate() {
            let context = format!("working_day[{}]", index + 1);
            let DeValue::Table(table) = item.get_ref() else {
                continue;
            };
            p.check_keys(table, &["date", "note"], &context)?;
            let date_field = format!("{context}.date");
            let date_value = table
                .get("date")
                .ok_or_else(|| p.missing(&date_field, &item.span(), "ngày làm bù"))?;
            let date = p.date(&date_field, date_value, year)?;
            if !is_weekend(date) {
                return Err(Violation::new(
                    RULE_NOT_WEEKEND,
                    date_field,
                    format!(
                        "Ngày làm bù {} ở dòng {} là {}, không phải thứ Bảy hay Chủ nhật; \
                         ngày thường vốn đã là ngày làm việc.",
                        vi_date(date),
                        p.line(&date_value.span()),
                        vi_weekday(date)
                    ),
                ));
            }
            remember(date, &date_field, &date_value.span())?;
            let note = match table.get("note") {
                None => String::new(),
                Some(v) => p.string(&format!("{context}.note"), v)?,
            };
            working_days.push(WorkingDay { date, note });
        }
    }

    holidays.sort();
    working_days.sort();
    Ok(YearOverride {
        year,
        source,
        replaces_generated,
        holidays,
        working_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const GOOD: &str = r#"
year = 2026
source = "thử nghiệm"
replaces_generated = true

[[holiday]]
date = 2026-02-17
name = "Tết Nguyên đán"

[[holiday]]
date = "2026-02-16"
name = "Tết Nguyên đán"

[[working_day]]
date = 2026-01-10
note = "Làm bù"

[[working_day]]
date = 2026-08-22
"#;

    #[test]
    fn parses_a_good_file() {
        let o = parse_year_override(GOOD).unwrap();
        assert_eq!(o.year, 2026);
        assert_eq!(o.source, "thử nghiệm");
        assert!(o.replaces_generated);
        assert_eq!(
            o.holidays,
            vec![
                Holiday {
                    date: d(2026, 2, 16),
                    name: "Tết Nguyên đán".into()
                },
                Holiday {
                    date: d(2026, 2, 17),
                    name: "Tết Nguyên đán".into()
                },
            ]
        );
        assert_eq!(
            o.working_days,
            vec![
                WorkingDay {
                    date: d(2026, 1, 10),
                    note: "Làm bù".into()
                },
                WorkingDay {
                    date: d(2026, 8, 22),
                    note: String::new()
                },
            ]
        );
    }

    #[test]
    fn minimal_file_defaults() {
        let o = parse_year_override("year = 2027\nsource = \"x\"\n").unwrap();
        assert!(!o.replaces_generated);
        assert!(o.holidays.is_empty() && o.working_days.is_empty());
    }

    fn err(input: &str) -> Violation {
        parse_year_override(input).unwrap_err()
    }

    #[test]
    fn refuses_bad_files_with_line_numbers() {
        let cases: &[(&str, &str, &str, &str)] = &[
            // (input, rule, field, fragment of the message)
            (
                "year = 2026\nsource = \"x\"\nextra = 1\n",
                RULE_UNKNOWN_KEY,
                "extra",
                "dòng 3",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\ndate = 2026-01-01\nname = \"a\"\nnam = \"b\"\n",
                RULE_UNKNOWN_KEY,
                "holiday[1].nam",
                "dòng 6",
            ),
            (
                "source = \"x\"\n",
                RULE_MISSING_KEY,
                "year",
                "Thiếu khóa «year»",
            ),
            (
                "year = 2026\n",
                RULE_MISSING_KEY,
                "source",
                "Thiếu khóa «source»",
            ),
            (
                "year = \"2026\"\nsource = \"x\"\n",
                RULE_TYPE,
                "year",
                "dòng 1",
            ),
            (
                "year = 1800\nsource = \"x\"\n",
                RULE_YEAR_RANGE,
                "year",
                "1900–2100",
            ),
            (
                "year = 2026\nsource = \"  \"\n",
                RULE_EMPTY,
                "source",
                "không được để trống",
            ),
            (
                "year = 2026\nsource = \"x\"\nreplaces_generated = 1\n",
                RULE_TYPE,
                "replaces_generated",
                "dòng 3",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\ndate = 2025-12-31\nname = \"a\"\n",
                RULE_OUTSIDE_YEAR,
                "holiday[1].date",
                "31/12/2025 ở dòng 4",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\ndate = 2026-01-01\nname = \"a\"\n\
                 [[holiday]]\ndate = 2026-01-01\nname = \"b\"\n",
                RULE_DUPLICATE,
                "holiday[2].date",
                "dòng 7 đã được khai báo ở dòng 4",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\ndate = 2026-01-10\nname = \"a\"\n\
                 [[working_day]]\ndate = 2026-01-10\n",
                RULE_DUPLICATE,
                "working_day[1].date",
                "10/01/2026",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[working_day]]\ndate = 2026-01-09\n",
                RULE_NOT_WEEKEND,
                "working_day[1].date",
                "thứ Sáu",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\ndate = 2026-01-01T08:00:00\nname = \"a\"\n",
                RULE_TYPE,
                "holiday[1].date",
                "dòng 4",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"a\"\n",
                RULE_MISSING_KEY,
                "holiday[1].date",
                "Thiếu",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\ndate = 2026-01-01\n",
                RULE_MISSING_KEY,
                "holiday[1].name",
                "Thiếu",
            ),
            (
                "year = 2026\nsource = \"x\"\nholiday = 3\n",
                RULE_TYPE,
                "holiday",
                "dòng 3",
            ),
            (
                "year = 2026\nsource = \"x\"\nyear = 2027\n",
                RULE_SYNTAX,
                "toml",
                "dòng 3",
            ),
            ("year = 2026\nsource = \"x\n", RULE_SYNTAX, "toml", "dòng 2"),
        ];
        for (input, rule, field, fragment) in cases {
            let v = err(input);
            assert_eq!(
                (v.rule.as_str(), v.field.as_str()),
                (*rule, *field),
                "{input}: {v}"
            );
            assert!(v.message.contains(fragment), "{input}: {}", v.message);
        }
    }
}
