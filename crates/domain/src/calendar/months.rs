//! Calendar-month arithmetic, used for ages and for the 12-month probation (thời gian dự bị).
//!
//! The rule: adding `m` months keeps the day of the month and clamps it to the last day of
//! the target month (31 January + 1 month = 28 or 29 February; 29 February 2028 + 12 months
//! = 28 February 2029). The number of whole months between two dates is the largest `m`
//! with `add_months(from, m) <= to`, so a person born on 29 February completes a year on
//! 28 February in common years.

use chrono::{Datelike, NaiveDate};

/// Days in a month of the proleptic Gregorian calendar.
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        _ => 28,
    }
}

/// `d` plus `months` calendar months, the day clamped to the end of the target month.
///
/// Saturates to `NaiveDate::MAX` past the end of chrono's range.
pub fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    let index = i64::from(d.year()) * 12 + i64::from(d.month0()) + i64::from(months);
    let year = index.div_euclid(12);
    let month = u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1;
    let Ok(year) = i32::try_from(year) else {
        return NaiveDate::MAX;
    };
    let day = d.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MAX)
}

/// The number of whole calendar months from `from` to `to`: the largest `m` such that
/// `add_months(from, m) <= to`. When `to < from` the result is `-months_between(to, from)`.
///
/// Born 2008-03-15: on 2026-03-15 the age is 216 months, on 2026-03-14 it is 215.
/// Born 2008-02-29: on 2026-02-28 the age is 216 months (the anniversary is clamped).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    if to < from {
        return -months_between(to, from);
    }
    let diff = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    // `diff >= 0` because `to >= from`; adding `diff` months lands in `to`'s month, so the
    // answer is `diff` or `diff - 1` depending on the (clamped) day.
    let months = u32::try_from(diff).unwrap_or(0);
    if add_months(from, months) <= to {
        diff
    } else {
        diff - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn add_months_table() {
        let table = [
            (d(2026, 1, 31), 1, d(2026, 2, 28)),
            (d(2028, 1, 31), 1, d(2028, 2, 29)),
            (d(2028, 2, 29), 12, d(2029, 2, 28)),
            (d(2028, 2, 29), 48, d(2032, 2, 29)),
            (d(2026, 3, 31), 1, d(2026, 4, 30)),
            (d(2026, 3, 31), 2, d(2026, 5, 31)),
            (d(2026, 5, 15), 0, d(2026, 5, 15)),
            (d(2025, 12, 10), 1, d(2026, 1, 10)),
            (d(2025, 11, 30), 3, d(2026, 2, 28)),
            (d(2025, 6, 1), 12, d(2026, 6, 1)),
            (d(2008, 3, 15), 216, d(2026, 3, 15)),
        ];
        for (from, months, expected) in table {
            assert_eq!(add_months(from, months), expected, "{from} + {months}");
        }
        assert_eq!(add_months(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(add_months(d(2026, 1, 1), u32::MAX), NaiveDate::MAX);
    }

    #[test]
    fn months_between_table() {
        let table = [
            (d(2008, 3, 15), d(2026, 3, 15), 216),
            (d(2008, 3, 15), d(2026, 3, 14), 215),
            (d(2008, 2, 29), d(2026, 2, 28), 216),
            (d(2008, 2, 29), d(2026, 2, 27), 215),
            (d(2008, 2, 29), d(2028, 2, 28), 239),
            (d(2008, 2, 29), d(2028, 2, 29), 240),
            (d(2026, 1, 31), d(2026, 2, 28), 1),
            (d(2026, 1, 31), d(2026, 2, 27), 0),
            (d(2026, 1, 31), d(2026, 1, 31), 0),
            (d(2026, 3, 31), d(2026, 4, 30), 1),
            (d(2025, 6, 1), d(2026, 6, 1), 12),
            (d(2025, 6, 1), d(2026, 5, 31), 11),
            (d(2026, 3, 15), d(2026, 1, 15), -2),
            (d(2026, 3, 15), d(2026, 1, 16), -1),
        ];
        for (from, to, expected) in table {
            assert_eq!(months_between(from, to), expected, "{from} .. {to}");
        }
    }

    proptest! {
        #[test]
        fn months_between_inverts_add_months(days in 0i64..73_414, m in 0u32..2_400) {
            let from = d(1900, 1, 1) + chrono::Duration::days(days);
            let to = add_months(from, m);
            prop_assert_eq!(months_between(from, to), m as i32);
            // One day earlier, the m-th month is not complete yet (for m >= 1).
            if m >= 1 {
                prop_assert_eq!(months_between(from, to.pred_opt().unwrap()), m as i32 - 1);
            }
        }

        #[test]
        fn add_months_is_monotone(days in 0i64..73_414, m in 0u32..2_400) {
            let from = d(1900, 1, 1) + chrono::Duration::days(days);
            prop_assert!(add_months(from, m) < add_months(from, m + 1));
        }
    }
}
