//! The working-day calendar of Việt Nam (lịch làm việc), for deadlines and ages.
//!
//! * [`lunar`]: the Vietnamese lunar calendar, computed astronomically at UTC+7
//!   (Hồ Ngọc Đức's algorithm), checked for 1900–2100: [`lunar_to_solar`],
//!   [`solar_to_lunar`], [`lunar_new_year`].
//! * [`generated_holidays`]: the public holidays of the Labour Code 2019 (art. 112) for any
//!   year, with compensatory days (nghỉ bù, art. 111(3)) for holidays falling on a weekend
//!   (and, by analogy, for two holidays sharing a date).
//! * [`YearOverride`]: the government's yearly announcement (holiday blocks, swapped
//!   working Saturdays), parsed from TOML by [`Calendar::parse_year_override`]. The
//!   announcements for 2025 and 2026 ship with the crate ([`Calendar::published`]).
//! * [`Calendar`]: is a date a working day, the n-th working day after a date, the number
//!   of working days between two dates. Each year's table is built once and cached, so a
//!   deadline costs a few lookups.
//! * [`add_months`] / [`months_between`]: calendar-month arithmetic for ages and the
//!   12-month probation. Rule: adding `m` months keeps the day of the month, clamped to
//!   the last day of the target month (31 Jan + 1 month = 28/29 Feb; 29 Feb 2028 + 12
//!   months = 28 Feb 2029); `months_between(from, to)` is the largest `m` with
//!   `add_months(from, m) <= to` (born 2008-03-15: 216 months on 2026-03-15, 215 on
//!   2026-03-14; born 2008-02-29: 216 months on 2026-02-28).
//!
//! A working day is a Monday–Friday that is not a holiday, or a Saturday/Sunday that an
//! override lists as worked (ngày làm bù). Nothing here reads files: the shipped data is
//! embedded with `include_str!` and other overrides are parsed from strings the caller gives.

mod holidays;
pub mod lunar;
mod months;
mod overrides;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use holidays::YearDays;
pub use holidays::{Holiday, generated_holidays};
pub use lunar::{
    LunarDate, leap_month, lunar_month_length, lunar_new_year, lunar_to_solar, solar_to_lunar,
};
pub use months::{add_months, months_between};
pub use overrides::{WorkingDay, YearOverride};

use crate::Violation;

/// The announcements shipped with the crate, one TOML document per year.
const PUBLISHED: [&str; 2] = [
    include_str!("../../calendar/2025.toml"),
    include_str!("../../calendar/2026.toml"),
];

/// Years whose generated table is cached process-wide; other years are computed per call.
const CACHE_FIRST: i32 = 1800;
const CACHE_LAST: i32 = 2300;

static GENERATED: OnceLock<Vec<OnceLock<YearDays>>> = OnceLock::new();

/// The generated table of `year`, built on first use and kept for the life of the process.
fn cached_generated(year: i32) -> Option<&'static YearDays> {
    if !(CACHE_FIRST..=CACHE_LAST).contains(&year) {
        return None;
    }
    let slots = GENERATED.get_or_init(|| {
        (CACHE_FIRST..=CACHE_LAST)
            .map(|_| OnceLock::new())
            .collect()
    });
    let slot = slots.get(usize::try_from(year - CACHE_FIRST).ok()?)?;
    Some(slot.get_or_init(|| YearDays::generated(year)))
}

/// Working days and holidays: generated from the Labour Code, corrected per year by the
/// government's announcements.
///
/// `Calendar::default()` is the generated calendar without any override.
#[derive(Clone, Default)]
pub struct Calendar {
    overrides: BTreeMap<i32, YearOverride>,
    /// The table of every overridden year.
    years: BTreeMap<i32, YearDays>,
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("overrides", &self.overrides)
            .finish()
    }
}

impl Calendar {
    /// The calendar generated from the Labour Code alone, for every year.
    pub fn generated() -> Self {
        Self::default()
    }

    /// The generated calendar corrected by the announcements shipped with the crate
    /// (currently 2025 and 2026; see `crates/domain/calendar/*.toml` and their `source`).
    pub fn published() -> Result<Self, Violation> {
        let mut calendar = Self::generated();
        for text in PUBLISHED {
            calendar = calendar.with_year_override(Self::parse_year_override(text)?);
        }
        Ok(calendar)
    }

    /// Parses one year's announcement. See [`YearOverride`] and the `overrides` module for
    /// the format; errors name the key and the line in Vietnamese.
    pub fn parse_year_override(toml: &str) -> Result<YearOverride, Violation> {
        overrides::parse_year_override(toml)
    }

    /// This calendar with `year_override` applied to its year (replacing any earlier
    /// override of the same year).
    ///
    /// With `replaces_generated`, the override's holidays are the year's whole list;
    /// otherwise they are merged into the generated list (the override's name wins on a
    /// shared date). Listed working days are worked whatever the generated list says.
    pub fn with_year_override(mut self, year_override: YearOverride) -> Self {
        let year = year_override.year;
        // A map keeps one holiday per date, sorted, whatever order a hand-built override has;
        // dates outside the year (impossible from the parser) are ignored.
        let mut merged: BTreeMap<NaiveDate, Holiday> = BTreeMap::new();
        if !year_override.replaces_generated {
            merged.extend(generated_holidays(year).into_iter().map(|h| (h.date, h)));
        }
        for h in year_override
            .holidays
            .iter()
            .filter(|h| h.date.year() == year)
        {
            merged.insert(h.date, h.clone());
        }
        let holidays: Vec<Holiday> = merged.into_values().collect();
        let worked: BTreeSet<NaiveDate> =
            year_override.working_days.iter().map(|w| w.date).collect();
        self.years
            .insert(year, YearDays::new(year, holidays, &worked));
        self.overrides.insert(year, year_override);
        self
    }

    /// The override applied to `year`, if any (to show its source).
    pub fn year_override(&self, year: i32) -> Option<&YearOverride> {
        self.overrides.get(&year)
    }

    fn year_days(&self, year: i32) -> Cow<'_, YearDays> {
        if let Some(days) = self.years.get(&year) {
            return Cow::Borrowed(days);
        }
        match cached_generated(year) {
            Some(days) => Cow::Borrowed(days),
            None => Cow::Owned(YearDays::generated(year)),
        }
    }

    /// The holidays (days off besides weekends) of a Gregorian year, sorted by date.
    pub fn holidays(&self, year: i32) -> Vec<Holiday> {
        self.year_days(year).holidays.clone()
    }

    /// The holiday on `date`, if it is one.
    pub fn holiday_on(&self, date: NaiveDate) -> Option<Holiday> {
        let days = self.year_days(date.year());
        days.holidays
            .binary_search_by_key(&date, |h| h.date)
            .ok()
            .and_then(|i| days.holidays.get(i).cloned())
    }

    /// Monday–Friday and not a holiday, or a weekend day listed as worked.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.year_days(date.year()).is_working(date.ordinal())
    }

    /// The `n`-th working day strictly after `from`; `from` itself when `n == 0`.
    ///
    /// Saturates to `NaiveDate::MAX` if the answer is beyond chrono's range.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return from;
        }
        let last_year = NaiveDate::MAX.year();
        let mut year = from.year();
        let mut ordinal = from.ordinal();
        let mut remaining = n;
        // A year has at most 366 working days: refuse to walk to the end of time.
        if i64::from(n) > 366 * (i64::from(last_year) - i64::from(year) + 1) {
            return NaiveDate::MAX;
        }
        while year <= last_year {
            let days = self.year_days(year);
            let done = days.up_to(ordinal);
            let available = days.total() - done;
            if remaining <= available {
                return days
                    .ordinal_of_nth(done + remaining)
                    .and_then(|o| NaiveDate::from_yo_opt(year, o))
                    .unwrap_or(NaiveDate::MAX);
            }
            remaining -= available;
            year += 1;
            ordinal = 0;
        }
        NaiveDate::MAX
    }

    /// The number of working days `d` with `from < d <= to`; negative (the count for
    /// `to < d <= from`) when `to < from`. So `working_days_between(d, add_working_days(d, n)) == n`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let first = self.year_days(from.year());
        if from.year() == to.year() {
            return i64::from(first.up_to(to.ordinal())) - i64::from(first.up_to(from.ordinal()));
        }
        let mut count = i64::from(first.total()) - i64::from(first.up_to(from.ordinal()));
        for year in from.year() + 1..to.year() {
            count += i64::from(self.year_days(year).total());
        }
        count + i64::from(self.year_days(to.year()).up_to(to.ordinal()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn published() -> Calendar {
        Calendar::published().unwrap()
    }

    #[test]
    fn shipped_files_parse() {
        let cal = published();
        for year in [2025, 2026] {
            let o = cal.year_override(year).unwrap();
            assert_eq!(o.year, year);
            assert!(o.replaces_generated);
            assert!(!o.source.is_empty());
        }
        assert!(cal.year_override(2024).is_none());
    }

    #[test]
    fn known_dates() {
        let table = [
            (2023, 1, 1, d(2023, 1, 22)),
            (2024, 1, 1, d(2024, 2, 10)),
            (2025, 1, 1, d(2025, 1, 29)),
            (2026, 1, 1, d(2026, 2, 17)),
            (1985, 1, 1, d(1985, 1, 21)),
            (2007, 1, 1, d(2007, 2, 17)),
            (2025, 3, 10, d(2025, 4, 7)),
            (2026, 3, 10, d(2026, 4, 26)),
        ];
        for (year, month, day, expected) in table {
            assert_eq!(
                lunar_to_solar(year, month, day, false),
                Some(expected),
                "{day}/{month}/{year} âm lịch"
            );
        }
        assert_eq!(lunar_new_year(2026), d(2026, 2, 17));
    }

    #[test]
    fn working_day_basics() {
        let cal = Calendar::generated();
        assert!(cal.is_working_day(d(2026, 1, 2))); // Fri
        assert!(!cal.is_working_day(d(2026, 1, 1))); // Tết Dương lịch
        assert!(!cal.is_working_day(d(2026, 1, 3))); // Sat
        assert!(!cal.is_working_day(d(2026, 2, 16))); // 29 Chạp
        assert!(!cal.is_working_day(d(2026, 4, 27))); // nghỉ bù Giỗ Tổ (Sun 26/4)
        assert!(cal.is_working_day(d(2026, 9, 1))); // generated: adjacent day is 3/9
        assert!(!cal.is_working_day(d(2026, 9, 3)));

        let cal = published();
        assert!(!cal.is_working_day(d(2026, 1, 2))); // swapped day off
        assert!(cal.is_working_day(d(2026, 1, 10))); // Saturday worked instead
        assert!(!cal.is_working_day(d(2026, 8, 31)));
        assert!(!cal.is_working_day(d(2026, 9, 1)));
        assert!(cal.is_working_day(d(2026, 9, 3)));
        assert!(cal.is_working_day(d(2026, 8, 22)));
        assert!(!cal.is_working_day(d(2025, 1, 27)));
        assert!(cal.is_working_day(d(2025, 2, 3))); // generated would give nghỉ bù here
        assert!(!cal.is_working_day(d(2025, 5, 2)));
        assert!(cal.is_working_day(d(2025, 4, 26)));
        assert_eq!(
            cal.holiday_on(d(2026, 2, 18)).map(|h| h.name),
            Some("Tết Nguyên đán".to_owned())
        );
        assert_eq!(cal.holiday_on(d(2026, 2, 21)), None);
        // Years without an override fall back to the generated list.
        assert_eq!(cal.holidays(2027), generated_holidays(2027));
    }

    #[test]
    fn sixty_working_days_across_tet_2026() {
        // From Thu 15/01/2026, counting working days strictly after it:
        //   Jan 16 (1), 19–23 (2–6), 26–30 (7–11); Feb 2–6 (12–16), 9–13 (17–21);
        //   Feb 16–20 skipped (29 Chạp + mùng 1–4 Tết, Mon–Fri), Feb 14–15 and 21–22 weekends;
        //   Feb 23–27 (22–26); Mar 2–6 (27–31), 9–13 (32–36), 16–20 (37–41), 23–27 (42–46),
        //   30–31 (47–48); Apr 1–3 (49–51), 6–10 (52–56), 13–16 (57–60) → Thu 16/04/2026.
        // The 2026 announcement changes nothing in this window: its Tết block 14–22/2 is
        // the same five weekdays, and the swap 2/1 ↔ 10/1 lies before 15/01.
        let start = d(2026, 1, 15);
        for cal in [Calendar::generated(), published()] {
            assert_eq!(cal.add_working_days(start, 60), d(2026, 4, 16));
            assert_eq!(cal.working_days_between(start, d(2026, 4, 16)), 60);
            assert_eq!(cal.add_working_days(start, 21), d(2026, 2, 13));
            // Fri 13/02 + 1 working day jumps the whole Tết block to Mon 23/02.
            assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 23));
        }
    }

    #[test]
    fn swapped_days_2026() {
        let generated = Calendar::generated();
        let cal = published();
        // New Year: generated works Fri 2/1; announced: off on 2/1, worked on Sat 10/1.
        assert_eq!(generated.add_working_days(d(2026, 1, 1), 1), d(2026, 1, 2));
        assert_eq!(cal.add_working_days(d(2026, 1, 1), 1), d(2026, 1, 5));
        // Generated: 2, 5, 6, 7, 8, 9 → Fri 9/1. Announced: 5, 6, 7, 8, 9, Sat 10/1.
        assert_eq!(generated.add_working_days(d(2026, 1, 1), 6), d(2026, 1, 9));
        assert_eq!(cal.add_working_days(d(2026, 1, 1), 6), d(2026, 1, 10));
        // National Day. Generated: Fri 21/8 (1), 24–28/8 (2–6), Mon 31/8 (7), Tue 1/9 (8).
        // Announced: 21/8 (1), Sat 22/8 (2), 24–28/8 (3–7), 31/8–2/9 off, Thu 3/9 (8).
        assert_eq!(generated.add_working_days(d(2026, 8, 20), 8), d(2026, 9, 1));
        assert_eq!(cal.add_working_days(d(2026, 8, 20), 8), d(2026, 9, 3));
        // Both reach Mon 7/9 after 10: the swap is neutral over the whole block.
        assert_eq!(
            generated.add_working_days(d(2026, 8, 20), 10),
            d(2026, 9, 7)
        );
        assert_eq!(cal.add_working_days(d(2026, 8, 20), 10), d(2026, 9, 7));
    }

    #[test]
    fn yearly_totals() {
        let generated = Calendar::generated();
        let cal = published();
        // 2026: 261 weekdays. Generated: 11 weekday holidays → 250. Announced: 13 weekday
        // days off (1/1, 2/1, 16–20/2, 27/4, 30/4, 1/5, 31/8, 1/9, 2/9 — 26/4 is a Sunday)
        // and 2 Saturdays worked (10/1, 22/8) → 250 as well: the swaps only move days.
        assert_eq!(
            generated.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
            250
        );
        assert_eq!(
            cal.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
            250
        );
        // 2025: 261 weekdays; generated 11 weekday days off → 250; announced 12 (1/1, 27/1,
        // 28–31/1, 7/4, 30/4, 1/5, 2/5, 1/9, 2/9) and 1 Saturday worked → 250.
        assert_eq!(
            generated.working_days_between(d(2024, 12, 31), d(2025, 12, 31)),
            250
        );
        assert_eq!(
            cal.working_days_between(d(2024, 12, 31), d(2025, 12, 31)),
            250
        );
        assert_eq!(
            cal.working_days_between(d(2025, 12, 31), d(2024, 12, 31)),
            -250
        );
        assert_eq!(cal.working_days_between(d(2026, 3, 3), d(2026, 3, 3)), 0);
    }

    #[test]
    fn merge_instead_of_replace() {
        let o = Calendar::parse_year_override(
            "year = 2027\nsource = \"thử\"\n[[holiday]]\ndate = 2027-01-04\nname = \"Nghỉ thêm\"\n\
             [[working_day]]\ndate = 2027-01-09\n",
        )
        .unwrap();
        let cal = Calendar::generated().with_year_override(o);
        let holidays = cal.holidays(2027);
        assert_eq!(holidays.len(), generated_holidays(2027).len() + 1);
        assert!(!cal.is_working_day(d(2027, 1, 4)));
        assert!(!cal.is_working_day(d(2027, 1, 1)));
        assert!(cal.is_working_day(d(2027, 1, 9)));
    }

    #[test]
    fn extremes_do_not_panic() {
        let cal = Calendar::generated();
        assert_eq!(
            cal.add_working_days(d(2026, 1, 1), u32::MAX),
            NaiveDate::MAX
        );
        assert_eq!(cal.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        let _ = cal.is_working_day(NaiveDate::MIN);
        let _ = cal.is_working_day(NaiveDate::MAX);
        assert_eq!(cal.working_days_between(d(2026, 1, 1), d(2026, 1, 1)), 0);
    }

    fn date_in_range() -> impl Strategy<Value = NaiveDate> {
        // 1900-01-01 ..= 2099-12-31
        (0i64..73_049).prop_map(|days| d(1900, 1, 1) + chrono::Duration::days(days))
    }

    proptest! {
        #[test]
        fn between_inverts_add(from in date_in_range(), n in 0u32..400, published_cal in any::<bool>()) {
            let cal = if published_cal { published() } else { Calendar::generated() };
            let to = cal.add_working_days(from, n);
            prop_assert_eq!(cal.working_days_between(from, to), i64::from(n));
            prop_assert_eq!(cal.working_days_between(to, from), -i64::from(n));
        }

        #[test]
        fn deadlines_land_on_working_days(from in date_in_range(), n in 1u32..400) {
            let cal = Calendar::generated();
            let to = cal.add_working_days(from, n);
            prop_assert!(to > from);
            prop_assert!(cal.is_working_day(to));
            prop_assert!(cal.holiday_on(to).is_none());
            prop_assert!(!holidays::is_weekend(to));
            // Minimal: the day before the deadline still leaves one working day to go.
            prop_assert_eq!(cal.working_days_between(from, to.pred_opt().unwrap()), i64::from(n) - 1);
        }

        #[test]
        fn published_deadlines_land_on_working_days(
            from in (0i64..760).prop_map(|days| d(2024, 12, 1) + chrono::Duration::days(days)),
            n in 1u32..300,
        ) {
            let cal = published();
            let to = cal.add_working_days(from, n);
            prop_assert!(cal.is_working_day(to));
            prop_assert!(cal.holiday_on(to).is_none());
        }

        #[test]
        fn counting_matches_a_day_by_day_walk(from in date_in_range(), span in 0i64..800) {
            let cal = Calendar::generated();
            let to = from + chrono::Duration::days(span);
            let mut walk = 0;
            let mut day = from;
            while day < to {
                day = day.succ_opt().unwrap();
                if cal.is_working_day(day) {
                    walk += 1;
                }
            }
            prop_assert_eq!(cal.working_days_between(from, to), walk);
        }

        #[test]
        fn months_round_trip(from in date_in_range(), m in 0u32..1_200) {
            prop_assert_eq!(months_between(from, add_months(from, m)), m as i32);
        }

        #[test]
        fn lunar_round_trip(date in (0i64..73_414).prop_map(|days| d(1900, 1, 1) + chrono::Duration::days(days))) {
            let l = solar_to_lunar(date);
            prop_assert_eq!(lunar_to_solar(l.year, l.month, l.day, l.is_leap_month), Some(date));
        }
    }
}
