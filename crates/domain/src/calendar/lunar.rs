//! The Vietnamese lunisolar calendar (âm lịch), computed astronomically for UTC+7.
//!
//! This is Hồ Ngọc Đức's well-known algorithm: new moons from Jean Meeus' series
//! (*Astronomical Algorithms*), the sun's apparent longitude to find the major solar terms
//! (trung khí), month 11 as the month that contains the winter solstice, and, in a year with
//! 13 months, the first month after month 11 that contains no major term as the leap month.
//! Everything is evaluated at the meridian of Hà Nội (UTC+7), which is why some Vietnamese
//! dates differ from the Chinese calendar (UTC+8): Tết 1985 was on 21 January in Việt Nam and
//! on 20 February in China; Tết 2007 was on 17 February in Việt Nam and 18 February in China.
//!
//! The results are checked against published tables for 1900–2100; outside that range the
//! same formulas are still evaluated but their accuracy is not vouched for.

use chrono::{Datelike, NaiveDate};

/// Hours east of Greenwich of the Vietnamese calendar (Hà Nội meridian).
const TIME_ZONE: f64 = 7.0;

/// Julian day number of 0001-01-01 (proleptic Gregorian) minus one, so that
/// `jd = date.num_days_from_ce() + JD_CE_OFFSET`.
const JD_CE_OFFSET: i64 = 1_721_425;

/// Julian day of the new moon with index 0 in Meeus' series (1900-01-01 13:52 UT).
const NEW_MOON_EPOCH: f64 = 2_415_021.076_998_695;

/// Mean length of a synodic month, in days.
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// A date of the Vietnamese lunar calendar.
///
/// `month` is 1–12; a leap month (tháng nhuận) carries the number of the month it follows
/// and has `is_leap_month` set. `day` is 1–30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LunarDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub is_leap_month: bool,
}

/// The Julian day number of a Gregorian date.
pub(crate) fn julian_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JD_CE_OFFSET
}

/// The Gregorian date of a Julian day number, if chrono can represent it.
pub(crate) fn from_julian_day(jd: i64) -> Option<NaiveDate> {
    let days = i32::try_from(jd - JD_CE_OFFSET).ok()?;
    NaiveDate::from_num_days_from_ce_opt(days)
}

/// Julian day number (local date at UTC+7) of the `k`-th new moon after 1900-01-01.
fn new_moon_day(k: i64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = std::f64::consts::PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    // Sun's mean anomaly, moon's mean anomaly, moon's argument of latitude.
    let m = 359.224_2 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.025_3 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.296_4 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.173_4 - 0.000_393 * t) * (m * dr).sin() + 0.002_1 * (2.0 * dr * m).sin();
    c1 = c1 - 0.406_8 * (mpr * dr).sin() + 0.016_1 * (dr * 2.0 * mpr).sin();
    c1 -= 0.000_4 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.010_4 * (dr * 2.0 * f).sin() - 0.005_1 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.007_4 * (dr * (m - mpr)).sin() + 0.000_4 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.000_4 * (dr * (2.0 * f - m)).sin() - 0.000_6 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.001_0 * (dr * (2.0 * f - mpr)).sin() + 0.000_5 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    let jd_new = jd1 + c1 - delta_t;
    (jd_new + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// Which of the 12 thirty-degree sectors (0–11) the sun's apparent longitude is in at the
/// start of local day `jdn`. Sector 9 begins at the winter solstice (270°).
fn sun_longitude_sector(jdn: i64) -> i64 {
    let t = (jdn as f64 - 2_451_545.5 - TIME_ZONE / 24.0) / 36_525.0;
    let t2 = t * t;
    let dr = std::f64::consts::PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl = dl + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let full = std::f64::consts::TAU;
    let l = (l0 + dl) * dr;
    let l = l - full * (l / full).floor();
    (l / std::f64::consts::PI * 6.0).floor() as i64
}

/// Julian day of the first day of lunar month 11 (the month holding the winter solstice)
/// that begins in Gregorian year `year`.
fn month_11_start(year: i32) -> i64 {
    let dec31 = days_from_ce_dec31(year) + JD_CE_OFFSET;
    let off = dec31 - 2_415_021;
    let k = (off as f64 / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k);
    if sun_longitude_sector(nm) >= 9 {
        new_moon_day(k - 1)
    } else {
        nm
    }
}

/// Days from the common era to 31 December of `year`, computed arithmetically so that it
/// works for any year, representable by chrono or not.
fn days_from_ce_dec31(year: i32) -> i64 {
    // Proleptic Gregorian: days in years 1..=year.
    let y = i64::from(year);
    365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
}

/// Index among the months after month 11 starting at `a11` of the first month without a
/// major solar term — the leap month is the month just before that offset ends
/// (offset 1 = the month after month 11).
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_longitude_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_longitude_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// Converts a Gregorian date to the Vietnamese lunar calendar.
pub fn solar_to_lunar(date: NaiveDate) -> LunarDate {
    let day_number = julian_day(date);
    let yy = date.year();
    let k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    // `k` comes from the mean lunation; the true new moon can fall a day later than the
    // mean one, so step back until the month really starts on or before the date.
    let mut k = k + 1;
    let mut month_start = new_moon_day(k);
    while month_start > day_number {
        k -= 1;
        month_start = new_moon_day(k);
    }
    let mut a11 = month_11_start(yy);
    let b11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = yy;
        b11 = a11;
        a11 = month_11_start(yy - 1);
    } else {
        lunar_year = yy + 1;
        b11 = month_11_start(yy + 1);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = (month_start - a11).div_euclid(29);
    let mut is_leap_month = false;
    let mut lunar_month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            lunar_month = diff + 10;
            if diff == leap_diff {
                is_leap_month = true;
            }
        }
    }
    if lunar_month > 12 {
        lunar_month -= 12;
    }
    if lunar_month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        year: lunar_year,
        // Both are small positive numbers by construction (1..=12 and 1..=30).
        month: u32::try_from(lunar_month).unwrap_or(1),
        day: u32::try_from(lunar_day).unwrap_or(1),
        is_leap_month,
    }
}

/// Julian day of the first day of the given lunar month, and of the first day of the next
/// month, or `None` when the year has no such leap month.
fn lunar_month_bounds(year: i32, month: u32, is_leap_month: bool) -> Option<(i64, i64)> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let (a11, b11) = if month < 11 {
        (month_11_start(year - 1), month_11_start(year))
    } else {
        (month_11_start(year), month_11_start(year + 1))
    };
    let k = (0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if is_leap_month && i64::from(month) != leap_month {
            return None;
        }
        if is_leap_month || off >= leap_off {
            off += 1;
        }
    } else if is_leap_month {
        return None;
    }
    Some((new_moon_day(k + off), new_moon_day(k + off + 1)))
}

/// Converts a Vietnamese lunar date to the Gregorian calendar.
///
/// Returns `None` when the date does not exist: a month outside 1–12, a leap month the
/// year does not have, day 0, or day 30 of a 29-day month.
pub fn lunar_to_solar(year: i32, month: u32, day: u32, is_leap_month: bool) -> Option<NaiveDate> {
    let (start, next) = lunar_month_bounds(year, month, is_leap_month)?;
    let length = next - start;
    if day == 0 || i64::from(day) > length {
        return None;
    }
    from_julian_day(start + i64::from(day) - 1)
}

/// The number of days (29 or 30) of a lunar month, or `None` if it does not exist.
pub fn lunar_month_length(year: i32, month: u32, is_leap_month: bool) -> Option<u32> {
    let (start, next) = lunar_month_bounds(year, month, is_leap_month)?;
    u32::try_from(next - start).ok()
}

/// The first day of lunar year `year` (mùng 1 Tết), in the Gregorian calendar.
///
/// For years whose Tết chrono cannot represent (beyond ±262 000) the result saturates to
/// `NaiveDate::MIN` / `NaiveDate::MAX`.
pub fn lunar_new_year(year: i32) -> NaiveDate {
    match lunar_month_bounds(year, 1, false).and_then(|(start, _)| from_julian_day(start)) {
        Some(date) => date,
        None if year < 0 => NaiveDate::MIN,
        None => NaiveDate::MAX,
    }
}

/// The leap month of lunar year `year` (the number of the month it repeats), if any.
pub fn leap_month(year: i32) -> Option<u32> {
    (1..=12).find(|&m| lunar_month_bounds(year, m, true).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tet_dates() {
        let table = [
            (1985, d(1985, 1, 21)), // Việt Nam; China: 1985-02-20
            (2007, d(2007, 2, 17)), // Việt Nam; China: 2007-02-18
            (1968, d(1968, 1, 29)), // Tết Mậu Thân (China: 1968-01-30)
            (2000, d(2000, 2, 5)),
            (2020, d(2020, 1, 25)),
            (2023, d(2023, 1, 22)),
            (2024, d(2024, 2, 10)),
            (2025, d(2025, 1, 29)),
            (2026, d(2026, 2, 17)),
            (2027, d(2027, 2, 6)),
            (2030, d(2030, 2, 2)), // new moon 2030-02-02 23:07 UTC+7; China: 2030-02-03
        ];
        for (year, expected) in table {
            assert_eq!(lunar_new_year(year), expected, "Tết {year}");
            assert_eq!(
                lunar_to_solar(year, 1, 1, false),
                Some(expected),
                "Tết {year}"
            );
            assert_eq!(
                solar_to_lunar(expected),
                LunarDate {
                    year,
                    month: 1,
                    day: 1,
                    is_leap_month: false
                },
                "Tết {year}"
            );
        }
    }

    #[test]
    fn hung_kings_day() {
        let table = [
            (2024, d(2024, 4, 18)),
            (2025, d(2025, 4, 7)),
            (2026, d(2026, 4, 26)),
        ];
        for (year, expected) in table {
            assert_eq!(
                lunar_to_solar(year, 3, 10, false),
                Some(expected),
                "Giỗ Tổ {year}"
            );
        }
    }

    #[test]
    fn last_day_of_lunar_year() {
        // Ất Tỵ (2025) ends on 29 Chạp = 2026-02-16; Giáp Thìn (2024) on 29 Chạp = 2025-01-28.
        assert_eq!(lunar_month_length(2025, 12, false), Some(29));
        assert_eq!(lunar_to_solar(2025, 12, 29, false), Some(d(2026, 2, 16)));
        assert_eq!(lunar_to_solar(2025, 12, 30, false), None);
        assert_eq!(lunar_to_solar(2024, 12, 29, false), Some(d(2025, 1, 28)));
        assert_eq!(lunar_to_solar(2024, 12, 30, false), None);
    }

    #[test]
    fn leap_months() {
        // Known leap months: 2020 (4), 2023 (2), 2025 (6), 2028 (5); none in 2024, 2026.
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(leap_month(2028), Some(5));
        assert_eq!(leap_month(2024), None);
        assert_eq!(leap_month(2026), None);
        // 2025-07-25 is 1/6 nhuận Ất Tỵ; 2025-06-25 is 1/6 (regular).
        assert_eq!(lunar_to_solar(2025, 6, 1, true), Some(d(2025, 7, 25)));
        assert_eq!(lunar_to_solar(2025, 6, 1, false), Some(d(2025, 6, 25)));
        assert_eq!(
            solar_to_lunar(d(2025, 7, 25)),
            LunarDate {
                year: 2025,
                month: 6,
                day: 1,
                is_leap_month: true
            }
        );
        assert_eq!(lunar_to_solar(2026, 6, 1, true), None);
    }

    #[test]
    fn true_new_moon_later_than_mean() {
        // The textbook version returns day 0 for these two dates; they are the 30th day of
        // the month before (the next month starts on the following day).
        assert_eq!(
            solar_to_lunar(d(2054, 5, 7)),
            LunarDate {
                year: 2054,
                month: 3,
                day: 30,
                is_leap_month: false
            }
        );
        assert_eq!(
            solar_to_lunar(d(2062, 4, 9)),
            LunarDate {
                year: 2062,
                month: 2,
                day: 30,
                is_leap_month: false
            }
        );
        assert_eq!(lunar_to_solar(2054, 4, 1, false), Some(d(2054, 5, 8)));
    }

    #[test]
    fn nonexistent_dates() {
        assert_eq!(lunar_to_solar(2026, 0, 1, false), None);
        assert_eq!(lunar_to_solar(2026, 13, 1, false), None);
        assert_eq!(lunar_to_solar(2026, 1, 0, false), None);
        assert_eq!(lunar_to_solar(2026, 1, 31, false), None);
    }

    #[test]
    fn months_11_and_12_belong_to_the_right_year() {
        // 2026-01-01 is 13/11 Ất Tỵ; 2025-12-20 is 1/11 Ất Tỵ.
        assert_eq!(
            solar_to_lunar(d(2026, 1, 1)),
            LunarDate {
                year: 2025,
                month: 11,
                day: 13,
                is_leap_month: false
            }
        );
        assert_eq!(lunar_to_solar(2025, 11, 1, false), Some(d(2025, 12, 20)));
    }

    #[test]
    fn every_day_1900_2100_round_trips_and_is_consecutive() {
        // Also guards the rare dates where the true new moon is a day later than the mean
        // one (e.g. 2054-05-07, which the textbook version of the algorithm gets wrong).
        let mut date = d(1900, 1, 31);
        let mut previous = solar_to_lunar(date);
        let end = d(2101, 1, 1);
        while date < end {
            let next_date = date.succ_opt().unwrap();
            let lunar = solar_to_lunar(next_date);
            assert_eq!(
                lunar_to_solar(lunar.year, lunar.month, lunar.day, lunar.is_leap_month),
                Some(next_date),
                "{next_date} -> {lunar:?}"
            );
            if lunar.day != 1 {
                assert_eq!(lunar.day, previous.day + 1, "{next_date}");
                assert_eq!((lunar.year, lunar.month), (previous.year, previous.month));
            } else {
                assert!(
                    (29..=30).contains(&previous.day),
                    "{next_date}: {previous:?}"
                );
            }
            previous = lunar;
            date = next_date;
        }
    }

    proptest! {
        #[test]
        fn solar_lunar_solar_round_trip(days in 0i64..73_414) {
            // 1900-01-01 + 0..73414 days covers 1900-01-01 ..= 2100-12-31.
            let date = d(1900, 1, 1) + chrono::Duration::days(days);
            let lunar = solar_to_lunar(date);
            prop_assert!((1..=12).contains(&lunar.month));
            prop_assert!((1..=30).contains(&lunar.day));
            prop_assert_eq!(
                lunar_to_solar(lunar.year, lunar.month, lunar.day, lunar.is_leap_month),
                Some(date)
            );
        }
    }
}
