//! The demo city: Ho Chi Minh City's party committee, its 168 wards, communes and special
//! zone, three superior committees, several thousand base organisations, and about three
//! years of admissions built by running every step through `workflow::apply`.
//!
//! Everything is drawn from ChaCha8 generators with fixed seeds and dated relative to
//! `today`, so the same `today` gives the same dataset, byte for byte, on every machine.

mod cases;
mod names;
mod people;
mod units;

use std::collections::HashMap;

use anyhow::Context;
use chrono::{Datelike, NaiveDate, TimeDelta};
use ketnap_domain::calendar::Calendar;
use ketnap_domain::case::Case;
use ketnap_domain::ids::UnitId;
use ketnap_domain::rules::RuleBook;
use ketnap_store::Dataset;

/// The HCMC party committee unit's code.
pub const CITY_CODE: &str = "79";

/// The random generator of the demo: the same stream on every platform and version.
type Rng8 = rand_chacha::ChaCha8Rng;

/// Probationary members expected on 1 January (about a year of admissions); the cells'
/// official members are sized so that the two add up to the city's total.
const EXPECTED_PROBATIONARY: i64 = 10_500;

/// Builds the demo city deterministically. `today` is the last day of history; events are
/// dated up to `today`. Errors only if the embedded CSV or the rules are broken.
pub fn build(
    today: NaiveDate,
    rules: &RuleBook,
    calendar: &Calendar,
) -> anyhow::Result<ketnap_store::Dataset> {
    let mut tree = units::build(EXPECTED_PROBATIONARY)?;
    let env = cases::Env::new(rules, calendar, today)?;
    let history = cases::simulate(&tree, &env)?;

    let mut data = Dataset::default();
    let latest = env.latest_jan1;
    let before = ymd(latest.year() - 1, 1, 1)?;
    let probationary = probationary_counts(&tree, &history.cases, [latest, before]);
    balance(&mut tree, &probationary);
    for (cell, [now, then]) in tree.cells.iter().zip(&probationary) {
        if cell.founded <= before {
            data.push_headcount(cell.unit, before, cell.official_year_before(), *then);
        }
        data.push_headcount(cell.unit, latest, cell.official, *now);
        let (workforce, youth, trade) = workforce(cell.org, cell.official + *now, cell.unit);
        data.set_headcount_extras(cell.unit, Some(workforce), youth, trade);
    }
    for (id, kind, unit, name) in tree.mass_orgs {
        data.push_mass_org(id, kind, unit, name);
    }
    data.units = tree.units;
    data.people = history.people;
    data.cases = history.cases;
    data.events = history.events;
    // Classes nobody of the demo attended are left out (their ids stay unused).
    data.courses = history
        .courses
        .into_iter()
        .filter(|(_, participants)| !participants.is_empty())
        .collect();
    Ok(data)
}

/// Probationary members of each cell on each of `days`: ceremony held, not yet recognised,
/// not gone.
fn probationary_counts(tree: &units::Tree, cases: &[Case], days: [NaiveDate; 2]) -> Vec<[i64; 2]> {
    let index: HashMap<UnitId, usize> = tree
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| (c.unit, i))
        .collect();
    let mut counts = vec![[0i64; 2]; tree.cells.len()];
    for case in cases {
        let (Some(ceremony), Some(&cell)) = (case.ceremony_on, index.get(&case.cell)) else {
            continue;
        };
        for (slot, day) in days.iter().enumerate() {
            let recognised = case
                .recognition_decision
                .as_ref()
                .is_some_and(|d| d.dated <= *day);
            let gone = case.exit.as_ref().is_some_and(|e| e.on <= *day);
            if ceremony <= *day && !recognised && !gone {
                counts[cell][slot] += 1;
            }
        }
    }
    counts
}

/// Moves official members of residential cells one by one until the latest headcount adds
/// up to the city's total exactly.
fn balance(tree: &mut units::Tree, probationary: &[[i64; 2]]) {
    let total: i64 = tree.cells.iter().map(|c| c.official).sum::<i64>()
        + probationary.iter().map(|p| p[0]).sum::<i64>();
    let mut gap = units::CITY_MEMBERS - total;
    let step = gap.signum();
    while gap != 0 {
        let mut moved = false;
        for cell in tree
            .cells
            .iter_mut()
            .filter(|c| c.org == units::Org::Residential)
        {
            if gap == 0 {
                break;
            }
            if cell.official + step >= 20 {
                cell.official += step;
                gap -= step;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
}

/// The people a cell works among on its latest headcount, and the Youth and Trade Union
/// members among them: a multiple of the members that depends on the kind of organisation,
/// varied by the unit's id (no random draw, so the generated cases do not change).
fn workforce(org: units::Org, members: i64, unit: UnitId) -> (i64, Option<i64>, Option<i64>) {
    use units::Org::*;
    let (per_member, youth_percent, trade_percent) = match org {
        Residential => (45, 15, 0),
        Preschool | Primary | Secondary | HighSchool => (4, 30, 95),
        Students => (60, 85, 0),
        Lecturers | UniversityOffice | College => (5, 25, 95),
        HealthStation | Hospital => (7, 35, 95),
        PartyBodies | Government | PublicService => (3, 25, 95),
        StateEnterprise => (12, 30, 90),
        Enterprise => (40, 35, 60),
        ArmedForces => (4, 60, 0),
        Press => (5, 30, 90),
    };
    let variation = 70 + (unit.0 % 7) * 10; // 70 % … 130 %
    let workforce = (members.max(1) * per_member * variation / 100).max(members);
    let share = |percent: i64| (percent > 0).then(|| workforce * percent / 100);
    (workforce, share(youth_percent), share(trade_percent))
}

fn ymd(year: i32, month: u32, day: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
        .with_context(|| format!("ngày không hợp lệ: {day}/{month}/{year}"))
}

/// `day` moved by `days` (either way); unchanged at the ends of the calendar.
fn plus(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_signed(TimeDelta::days(days)).unwrap_or(day)
}
