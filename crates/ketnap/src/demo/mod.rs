//! The demo city: Ho Chi Minh City's party committee, its 168 wards, communes and special
//! zone, three superior committees, several thousand base organisations, and about three
//! years of admissions built by running every step through `workflow::apply`.
//!
//! Everything is drawn from ChaCha8 generators with fixed seeds and dated relative to
//! `today`, so the same `today` gives the same dataset, byte for byte, on every machine.

mod cases;
mod country;
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
use names::CitizenIds;

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
    let region = units::Region::hcmc(None)?;
    let flow = cases::Flow {
        sources_per_year: cases::DEMO_SOURCES_PER_YEAR,
        salt: 0,
        cases_before: 0,
        courses_before: 0,
    };
    let env = cases::Env::new(rules, calendar, today, cases::DEMO_HISTORY_MONTHS)?;
    build_region(
        &region,
        EXPECTED_PROBATIONARY,
        &env,
        flow,
        &mut CitizenIds::default(),
    )
}

/// How much of the country `ketnap gen` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// One ward of Ho Chi Minh City.
    Ward,
    /// Ho Chi Minh City, its 168 wards and communes and three superior committees.
    City,
    /// One large province (Thanh Hóa, 166 communes).
    Province,
    /// The 34 provinces and cities, 3,321 communes.
    National,
}

/// Months of history `ketnap gen` builds: five years.
const GEN_HISTORY_MONTHS: u32 = 60;

/// Sources identified a year per member in `ketnap gen`: 5.6 % of the country's 5.6 million
/// gives more than 1.5 million people with cases in five years.
const GEN_SOURCES_PER_MEMBER: f64 = 0.056;

/// Ids of the regions built so far (each region's start after them).
#[derive(Debug, Default, Clone, Copy)]
struct Used {
    units: i64,
    mass_orgs: i64,
    cases: i64,
    courses: i64,
}

/// Builds a generated country one region at a time, so that only one region is in memory.
#[derive(Debug)]
pub struct Generator<'a> {
    regions: Vec<usize>,
    scale: Scale,
    seed: u64,
    env: cases::Env<'a>,
    ids: CitizenIds,
    used: Used,
}

impl<'a> Generator<'a> {
    pub fn new(
        scale: Scale,
        seed: u64,
        today: NaiveDate,
        rules: &'a RuleBook,
        calendar: &'a Calendar,
    ) -> anyhow::Result<Generator<'a>> {
        let regions = match scale {
            Scale::Ward | Scale::City => vec![0],
            // Thanh Hóa.
            Scale::Province => vec![16],
            Scale::National => (0..country::PROVINCES.len()).collect(),
        };
        Ok(Generator {
            regions,
            scale,
            seed,
            env: cases::Env::new(rules, calendar, today, GEN_HISTORY_MONTHS)?,
            ids: CitizenIds::default(),
            used: Used::default(),
        })
    }

    /// The unit above every province: the whole party, id 1. Load it first.
    pub fn root(&mut self) -> anyhow::Result<Dataset> {
        self.used.units = 1;
        Ok(Dataset {
            units: vec![ketnap_domain::unit::Unit {
                id: ROOT,
                code: None,
                name: "Đảng Cộng sản Việt Nam".to_string(),
                kind: ketnap_domain::unit::UnitKind::Central,
                parent: None,
                sector: ketnap_domain::unit::SectorCode("public_administration".to_string()),
                valid_from: ymd(1930, 2, 3)?,
                valid_until: None,
                successor: None,
            }],
            ..Dataset::default()
        })
    }

    /// How many regions [`Generator::region`] builds.
    pub fn regions(&self) -> usize {
        self.regions.len()
    }

    /// The `n`th region with its history; regions must be built in order, after the root.
    pub fn region(&mut self, n: usize) -> anyhow::Result<Dataset> {
        let index = *self
            .regions
            .get(n)
            .ok_or_else(|| anyhow::anyhow!("không có vùng thứ {n}"))?;
        let salt = self
            .seed
            .wrapping_add(1)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ (index as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let hcmc_members = units::CITY_MEMBERS;
        let mut region = match index {
            0 => units::Region::hcmc(Some(ROOT))?,
            _ => country::region(index, ROOT, hcmc_members, salt)?,
        };
        region.salt = salt;
        region.units_before = self.used.units;
        region.mass_orgs_before = self.used.mass_orgs;
        if self.scale == Scale::Ward {
            // Thủ Dầu Một, the demo's ward, alone.
            region.communes.truncate(1);
            region.superiors = false;
            region.members = 2_200;
        }
        let flow = cases::Flow {
            sources_per_year: region.members as f64 * GEN_SOURCES_PER_MEMBER,
            salt,
            cases_before: self.used.cases,
            courses_before: self.used.courses,
        };
        // About a year of admissions are probationary members on 1 January.
        let probationary = (region.members as f64 * GEN_SOURCES_PER_MEMBER * 0.75) as i64;
        let data = build_region(&region, probationary, &self.env, flow, &mut self.ids)?;
        self.used = Used {
            units: self.used.units + data.units.len() as i64,
            mass_orgs: data
                .mass_orgs
                .iter()
                .map(|m| m.id.0)
                .max()
                .unwrap_or(self.used.mass_orgs),
            cases: self.used.cases + data.cases.len() as i64,
            courses: data
                .courses
                .iter()
                .map(|(c, _)| c.id.0)
                .max()
                .unwrap_or(self.used.courses),
        };
        Ok(data)
    }
}

/// The id of the whole party's unit in a generated dataset.
pub const ROOT: UnitId = UnitId(1);

/// Builds one region (a province or city) with its history.
fn build_region(
    region: &units::Region,
    expected_probationary: i64,
    env: &cases::Env,
    flow: cases::Flow,
    ids: &mut CitizenIds,
) -> anyhow::Result<Dataset> {
    let mut tree = units::build(region, expected_probationary)?;
    let history = cases::simulate(&tree, env, flow, ids)?;

    let mut data = Dataset::default();
    let latest = env.latest_jan1;
    let before = ymd(latest.year() - 1, 1, 1)?;
    let probationary = probationary_counts(&tree, &history.cases, [latest, before]);
    balance(&mut tree, &probationary, region.members);
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
/// up to the region's total exactly.
fn balance(tree: &mut units::Tree, probationary: &[[i64; 2]], members: i64) {
    let total: i64 = tree.cells.iter().map(|c| c.official).sum::<i64>()
        + probationary.iter().map(|p| p[0]).sum::<i64>();
    let mut gap = members - total;
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
