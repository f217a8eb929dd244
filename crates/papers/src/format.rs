//! Dates and numbers as Vietnamese papers write them.
//!
//! # The date convention
//!
//! Nghị định 30/2020/NĐ-CP (Phụ lục I, on the presentation of administrative documents)
//! says the day and month are written in Arabic numerals and that days below 10 and the
//! months 1 and 2 take a leading zero: "ngày 09 tháng 6 năm 2025", "ngày 15 tháng 01 năm
//! 2026", "ngày 28 tháng 02 năm 2026". The zero stops a "1" or "2" being added in front by
//! hand later (day 09 cannot become 19, month 02 cannot become 12); no such risk exists from
//! March on, so months 3–12 are written bare. The party's own guidance (Hướng dẫn
//! 36-HD/VPTW, 2018) follows the same practice: its own date line reads "ngày 03 tháng 4 năm
//! 2018". These functions follow that rule.

use chrono::{Datelike, NaiveDate};

/// "ngày 09 tháng 6 năm 2025": day with a leading zero below 10, month with a leading zero
/// for January and February only ("tháng 01", "tháng 02", "tháng 3" … "tháng 12"), as
/// Nghị định 30/2020/NĐ-CP (Phụ lục I) prescribes so that no digit can be added in front by
/// hand later; party papers follow the same practice (HD 36-HD/VPTW is itself dated "ngày
/// 03 tháng 4 năm 2018").
pub fn date_words(date: NaiveDate) -> String {
    let month = date.month();
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", date.day(), date.year())
}

/// The place and date line of a paper: "Thủ Dầu Một, ngày 09 tháng 6 năm 2025" (see
/// [`date_words`] for the leading zeros). An empty place gives the date alone.
pub fn vietnamese_date(place: &str, date: NaiveDate) -> String {
    let place = place.trim();
    if place.is_empty() {
        date_words(date)
    } else {
        format!("{place}, {}", date_words(date))
    }
}

/// A whole number with a dot between thousands, as Vietnamese writes it: 365911 → "365.911".
pub fn number(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `part` as a percentage of `whole`, with a decimal comma and at most two decimals, without
/// trailing zeros: (2, 3) → "66,67", (3, 100) → "3", (7, 200) → "3,5". `None` when `whole`
/// is zero.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    if whole == 0 {
        return None;
    }
    // Hundredths of a percent, rounded half away from zero, in integers.
    let scaled = i128::from(part) * 10_000;
    let whole = i128::from(whole);
    let half = whole.abs() / 2;
    let rounded = if (scaled >= 0) == (whole > 0) {
        (scaled.abs() + half) / whole.abs()
    } else {
        -((scaled.abs() + half) / whole.abs())
    };
    let sign = if rounded < 0 { "-" } else { "" };
    let rounded = rounded.abs();
    let units = rounded / 100;
    let hundredths = rounded % 100;
    let text = if hundredths == 0 {
        format!("{sign}{units}")
    } else if hundredths % 10 == 0 {
        format!("{sign}{units},{}", hundredths / 10)
    } else {
        format!("{sign}{units},{hundredths:02}")
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_pad_days_below_ten_and_january_february_only() {
        assert_eq!(
            vietnamese_date("Thủ Dầu Một", day(2025, 6, 9)),
            "Thủ Dầu Một, ngày 09 tháng 6 năm 2025"
        );
        assert_eq!(date_words(day(2026, 1, 15)), "ngày 15 tháng 01 năm 2026");
        assert_eq!(date_words(day(2026, 2, 1)), "ngày 01 tháng 02 năm 2026");
        assert_eq!(date_words(day(2025, 3, 10)), "ngày 10 tháng 3 năm 2025");
        assert_eq!(date_words(day(2025, 12, 31)), "ngày 31 tháng 12 năm 2025");
        assert_eq!(date_words(day(2025, 11, 5)), "ngày 05 tháng 11 năm 2025");
        assert_eq!(
            vietnamese_date("  ", day(2025, 10, 2)),
            "ngày 02 tháng 10 năm 2025"
        );
    }

    #[test]
    fn numbers_use_a_thousands_dot_and_a_decimal_comma() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(2353), "2.353");
        assert_eq!(number(365_911), "365.911");
        assert_eq!(number(-1_234_567), "-1.234.567");
        assert_eq!(percent(2, 3).as_deref(), Some("66,67"));
        assert_eq!(percent(3, 100).as_deref(), Some("3"));
        assert_eq!(percent(7, 200).as_deref(), Some("3,5"));
        assert_eq!(percent(9, 9).as_deref(), Some("100"));
        assert_eq!(percent(1, 0), None);
    }
}
