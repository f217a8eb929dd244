//! Public holidays generated from the Labour Code (Bộ luật Lao động 2019, art. 111–112),
//! and the per-year table of working days built from them.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::lunar::{lunar_new_year, lunar_to_solar};

/// A day off for everyone (ngày nghỉ lễ, Tết), or a day off given in its place.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Holiday {
    pub date: NaiveDate,
    /// Vietnamese name: "Tết Dương lịch", "Tết Nguyên đán", "Giỗ Tổ Hùng Vương",
    /// "Ngày Giải phóng miền Nam", "Quốc tế Lao động", "Quốc khánh", "Nghỉ bù" …
    pub name: String,
}

pub(crate) const NEW_YEAR: &str = "Tết Dương lịch";
pub(crate) const TET: &str = "Tết Nguyên đán";
pub(crate) const HUNG_KINGS: &str = "Giỗ Tổ Hùng Vương";
pub(crate) const REUNIFICATION: &str = "Ngày Giải phóng miền Nam";
pub(crate) const LABOUR_DAY: &str = "Quốc tế Lao động";
pub(crate) const NATIONAL_DAY: &str = "Quốc khánh";
pub(crate) const COMPENSATORY: &str = "Nghỉ bù";

pub(crate) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The holidays of Gregorian year `year` as the Labour Code sets them, sorted by date.
///
/// * 1 January (Tết Dương lịch);
/// * Tết Nguyên đán, 5 days: the last day of the ending lunar year (30 or 29 of month 12,
///   or of a leap month 12) and days 1–4 of month 1 — always in late January or February;
/// * 10th day of the 3rd lunar month (Giỗ Tổ Hùng Vương);
/// * 30 April and 1 May;
/// * 2 September and one adjacent day. The law lets the Prime Minister choose 1 or 3
///   September each year. Default chosen here: 1 September when 2 September is a Tuesday
///   (so that Monday bridges the weekend), otherwise 3 September. Years where the
///   government chose otherwise (2026: 1 September, a Tuesday) are corrected by a
///   [`super::YearOverride`].
/// * Nghỉ bù (art. 111(3)): for every holiday above that falls on a Saturday or a Sunday,
///   the next working day that is not already a holiday or a compensatory day is a day off.
///   This applies to Tết days as well as to single-day holidays. The same is done, by
///   analogy (the law does not say), when two holidays share a date (Giỗ Tổ on 30 April),
///   so that every year gives exactly 11 weekdays off.
pub fn generated_holidays(year: i32) -> Vec<Holiday> {
    let mut official: Vec<Holiday> = Vec::with_capacity(16);
    let mut push = |date: Option<NaiveDate>, name: &str| {
        if let Some(date) = date {
            official.push(Holiday {
                date,
                name: name.to_owned(),
            });
        }
    };
    let ymd = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);

    push(ymd(1, 1), NEW_YEAR);
    if ymd(1, 1).is_some() {
        let tet = lunar_new_year(year);
        if tet.year() == year {
            for offset in -1..=3 {
                push(tet.checked_add_signed(Duration::days(offset)), TET);
            }
        }
    }
    push(lunar_to_solar(year, 3, 10, false), HUNG_KINGS);
    push(ymd(4, 30), REUNIFICATION);
    push(ymd(5, 1), LABOUR_DAY);
    let national_day = ymd(9, 2);
    push(national_day, NATIONAL_DAY);
    if let Some(national_day) = national_day {
        let adjacent = if national_day.weekday() == Weekday::Tue {
            1
        } else {
            3
        };
        push(ymd(9, adjacent), NATIONAL_DAY);
    }
    official.sort();

    // One entry per date. Two holidays on the same date (Giỗ Tổ can fall on 30 April, as in
    // 1947) are listed under both names, and each holiday that does not give a weekday off
    // — because it falls on a weekend or shares its date — owes a compensatory day.
    let mut merged: Vec<Holiday> = Vec::with_capacity(official.len());
    let mut owed: Vec<NaiveDate> = Vec::new();
    for holiday in official {
        if is_weekend(holiday.date) {
            owed.push(holiday.date);
        }
        match merged.last_mut() {
            Some(last) if last.date == holiday.date => {
                if !is_weekend(holiday.date) {
                    owed.push(holiday.date);
                }
                if last.name != holiday.name {
                    last.name = format!("{}, {}", last.name, holiday.name);
                }
            }
            _ => merged.push(holiday),
        }
    }

    let mut taken: BTreeSet<NaiveDate> = merged.iter().map(|h| h.date).collect();
    let mut compensatory = Vec::new();
    for date in owed {
        let mut day = date;
        while let Some(next) = day.succ_opt() {
            day = next;
            if !is_weekend(day) && !taken.contains(&day) {
                taken.insert(day);
                compensatory.push(Holiday {
                    date: day,
                    name: COMPENSATORY.to_owned(),
                });
                break;
            }
        }
    }
    let mut official = merged;
    official.extend(compensatory);
    official.sort();
    official
}

/// The days off and days worked of one Gregorian year, with running totals so that
/// counting and adding working days costs a binary search rather than a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YearDays {
    pub(crate) year: i32,
    /// Sorted by date, one entry per date.
    pub(crate) holidays: Vec<Holiday>,
    /// `cumulative[i]` = working days among ordinals `1..=i`; `cumulative[0] = 0`.
    cumulative: Vec<u16>,
}

impl YearDays {
    /// Builds the table. A date in `worked` is a working day whatever its weekday or
    /// holiday status; otherwise a day works when it is Monday–Friday and not a holiday.
    pub(crate) fn new(year: i32, holidays: Vec<Holiday>, worked: &BTreeSet<NaiveDate>) -> Self {
        let mut cumulative = Vec::with_capacity(367);
        cumulative.push(0u16);
        let off: BTreeSet<NaiveDate> = holidays.iter().map(|h| h.date).collect();
        let mut day = NaiveDate::from_yo_opt(year, 1);
        let mut count = 0u16;
        while let Some(date) = day {
            if date.year() != year {
                break;
            }
            if worked.contains(&date) || (!is_weekend(date) && !off.contains(&date)) {
                count += 1;
            }
            cumulative.push(count);
            day = date.succ_opt();
        }
        Self {
            year,
            holidays,
            cumulative,
        }
    }

    pub(crate) fn generated(year: i32) -> Self {
        Self::new(year, generated_holidays(year), &BTreeSet::new())
    }

    /// Working days in the whole year.
    pub(crate) fn total(&self) -> u32 {
        self.cumulative.last().copied().map_or(0, u32::from)
    }

    /// Working days among ordinals `1..=ordinal` (0 for ordinal 0).
    pub(crate) fn up_to(&self, ordinal: u32) -> u32 {
        let index = usize::try_from(ordinal).unwrap_or(usize::MAX);
        self.cumulative
            .get(index)
            .copied()
            .map_or_else(|| self.total(), u32::from)
    }

    pub(crate) fn is_working(&self, ordinal: u32) -> bool {
        ordinal >= 1 && self.up_to(ordinal) > self.up_to(ordinal - 1)
    }

    /// The smallest ordinal whose running total reaches `count`, if the year has that many.
    pub(crate) fn ordinal_of_nth(&self, count: u32) -> Option<u32> {
        if count > self.total() {
            return None;
        }
        let index = self.cumulative.partition_point(|&c| u32::from(c) < count);
        u32::try_from(index).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn listed(year: i32) -> Vec<(NaiveDate, &'static str)> {
        generated_holidays(year)
            .into_iter()
            .map(|h| {
                let name = match h.name.as_str() {
                    NEW_YEAR => NEW_YEAR,
                    TET => TET,
                    HUNG_KINGS => HUNG_KINGS,
                    REUNIFICATION => REUNIFICATION,
                    LABOUR_DAY => LABOUR_DAY,
                    NATIONAL_DAY => NATIONAL_DAY,
                    COMPENSATORY => COMPENSATORY,
                    _ => "khác",
                };
                (h.date, name)
            })
            .collect()
    }

    #[test]
    fn generated_2026() {
        // 1/1 Thu; Tết: 29 Chạp Ất Tỵ = Mon 16/2, mùng 1–4 = Tue 17/2–Fri 20/2;
        // Giỗ Tổ Sun 26/4 → nghỉ bù Mon 27/4; 30/4 Thu; 1/5 Fri; 2/9 Wed + 3/9 Thu.
        assert_eq!(
            listed(2026),
            vec![
                (d(2026, 1, 1), NEW_YEAR),
                (d(2026, 2, 16), TET),
                (d(2026, 2, 17), TET),
                (d(2026, 2, 18), TET),
                (d(2026, 2, 19), TET),
                (d(2026, 2, 20), TET),
                (d(2026, 4, 26), HUNG_KINGS),
                (d(2026, 4, 27), COMPENSATORY),
                (d(2026, 4, 30), REUNIFICATION),
                (d(2026, 5, 1), LABOUR_DAY),
                (d(2026, 9, 2), NATIONAL_DAY),
                (d(2026, 9, 3), NATIONAL_DAY),
            ]
        );
    }

    #[test]
    fn generated_2025() {
        // Tết: 29 Chạp Giáp Thìn = Tue 28/1, mùng 1–4 = Wed 29/1–Sat 1/2 → nghỉ bù Mon 3/2.
        // Giỗ Tổ Mon 7/4; 2/9 is a Tuesday → 1/9 is the adjacent day.
        assert_eq!(
            listed(2025),
            vec![
                (d(2025, 1, 1), NEW_YEAR),
                (d(2025, 1, 28), TET),
                (d(2025, 1, 29), TET),
                (d(2025, 1, 30), TET),
                (d(2025, 1, 31), TET),
                (d(2025, 2, 1), TET),
                (d(2025, 2, 3), COMPENSATORY),
                (d(2025, 4, 7), HUNG_KINGS),
                (d(2025, 4, 30), REUNIFICATION),
                (d(2025, 5, 1), LABOUR_DAY),
                (d(2025, 9, 1), NATIONAL_DAY),
                (d(2025, 9, 2), NATIONAL_DAY),
            ]
        );
    }

    #[test]
    fn compensatory_days_chain() {
        // 2023: Tết 22/1 is a Sunday; 30 Chạp = Sat 21/1, Sun 22/1, Mon–Wed 23–25/1 →
        // two compensatory days Thu 26/1 and Fri 27/1. Giỗ Tổ is Sat 29/4 and 30/4 a Sunday;
        // Mon 1/5 is itself a holiday → Tue 2/5 and Wed 3/5.
        // 2/9/2023 Sat + 3/9 Sun → Mon 4/9 and Tue 5/9.
        // 1/1/2023 is a Sunday → Mon 2/1.
        let h = listed(2023);
        let comp: Vec<NaiveDate> = h
            .iter()
            .filter(|(_, n)| *n == COMPENSATORY)
            .map(|(date, _)| *date)
            .collect();
        assert_eq!(
            comp,
            vec![
                d(2023, 1, 2),
                d(2023, 1, 26),
                d(2023, 1, 27),
                d(2023, 5, 2),
                d(2023, 5, 3),
                d(2023, 9, 4),
                d(2023, 9, 5)
            ]
        );
        assert!(h.contains(&(d(2023, 1, 21), TET)));
        assert!(h.contains(&(d(2023, 4, 29), HUNG_KINGS)));
        // 2022: 1/1 is a Saturday → Mon 3/1.
        assert!(listed(2022).contains(&(d(2022, 1, 3), COMPENSATORY)));
    }

    #[test]
    fn every_year_gives_eleven_weekdays_off() {
        for year in 1900..=2100 {
            let h = generated_holidays(year);
            let weekdays_off = h.iter().filter(|h| !is_weekend(h.date)).count();
            assert_eq!(weekdays_off, 11, "{year}: {h:?}");
            assert!(h.iter().all(|h| h.date.year() == year), "{year}");
            assert!(h.windows(2).all(|w| w[0].date < w[1].date), "{year}");
            assert!(
                h.iter()
                    .filter(|h| h.name == COMPENSATORY)
                    .all(|h| !is_weekend(h.date))
            );
            let tet = h.iter().filter(|h| h.name.contains(TET)).count();
            assert_eq!(tet, 5, "{year}");
        }
    }

    #[test]
    fn holidays_sharing_a_date() {
        // 1947: 10/3 âm lịch is 30/4 (a Wednesday) → one entry with both names and a
        // compensatory day on Fri 2/5 (Thu 1/5 is itself a holiday).
        assert_eq!(lunar_to_solar(1947, 3, 10, false), Some(d(1947, 4, 30)));
        let h = generated_holidays(1947);
        assert!(h.contains(&Holiday {
            date: d(1947, 4, 30),
            name: format!("{HUNG_KINGS}, {REUNIFICATION}")
        }));
        assert!(h.contains(&Holiday {
            date: d(1947, 5, 2),
            name: COMPENSATORY.to_owned()
        }));
    }

    #[test]
    fn year_days_counts() {
        let days = YearDays::generated(2026);
        // 2026: 261 weekdays, minus the 11 official days and nghỉ bù that fall on weekdays:
        // 1/1, 16–20/2, 27/4, 30/4, 1/5, 2/9, 3/9 = 11 → 250.
        assert_eq!(days.total(), 250);
        assert_eq!(days.up_to(0), 0);
        assert_eq!(days.up_to(1), 0); // 1/1 holiday
        assert_eq!(days.up_to(2), 1); // Fri 2/1
        assert!(days.is_working(2));
        assert!(!days.is_working(3)); // Sat 3/1
        assert_eq!(days.ordinal_of_nth(1), Some(2));
        assert_eq!(days.ordinal_of_nth(251), None);
    }
}
