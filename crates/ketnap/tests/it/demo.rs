//! The demo city: built through the workflow without a refusal, overdue cases in every
//! ward, commune and special zone, headcounts that add up, the same output every time.

// Also the browser test's dataset: `crate::demo::generator`.
#[path = "../../src/demo/mod.rs"]
pub(crate) mod generator;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use ketnap_domain::calendar::Calendar;
use ketnap_domain::case::Stage;
use ketnap_domain::deadline::{DeadlineStatus, next_deadline};
use ketnap_domain::ids::UnitId;
use ketnap_domain::rules::RuleBook;
use ketnap_domain::unit::UnitKind;

#[test]
fn the_demo_city_obeys_the_rules_and_has_overdue_cases_everywhere() {
    let rules = RuleBook::builtin().unwrap();
    let calendar = Calendar::published().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    // `build` fails if `workflow::apply` refuses any planned action.
    let data = generator::build(today, &rules, &calendar).unwrap();

    let city = &data.units[0];
    assert_eq!(city.code.as_deref(), Some(generator::CITY_CODE));
    let mut kinds = HashMap::new();
    for unit in &data.units {
        if let Some(parent) = unit.parent {
            let parent_kind = kinds[&parent];
            assert!(
                UnitKind::may_contain(parent_kind, unit.kind),
                "{}",
                unit.name
            );
        }
        kinds.insert(unit.id, unit.kind);
    }
    let areas: Vec<_> = data
        .units
        .iter()
        .filter(|u| u.parent == Some(city.id))
        .collect();
    let commune_level = areas
        .iter()
        .filter(|u| {
            matches!(
                u.kind,
                UnitKind::Ward | UnitKind::Commune | UnitKind::SpecialZone
            )
        })
        .count();
    assert_eq!(commune_level, 168);

    let parent: HashMap<UnitId, Option<UnitId>> =
        data.units.iter().map(|u| (u.id, u.parent)).collect();
    let area_of = |mut unit: UnitId| loop {
        match parent[&unit] {
            Some(p) if p == city.id => return unit,
            Some(p) => unit = p,
            None => return unit,
        }
    };
    let mut overdue: HashMap<UnitId, usize> = HashMap::new();
    let mut stages = HashSet::new();
    for case in &data.cases {
        stages.insert(case.stage);
        if let Some(deadline) = next_deadline(case, &rules, &calendar, today, 14).unwrap()
            && matches!(deadline.status, DeadlineStatus::Overdue(_))
        {
            *overdue.entry(area_of(case.cell)).or_default() += 1;
        }
    }
    for area in &areas {
        assert!(
            overdue.contains_key(&area.id),
            "{} has no overdue case",
            area.name
        );
    }
    let thu_dau_mot = areas
        .iter()
        .find(|u| u.code.as_deref() == Some("25747"))
        .unwrap();
    assert!(overdue[&thu_dau_mot.id] >= 5);
    for stage in Stage::ALL {
        assert!(stages.contains(&stage), "no case at {stage:?}");
    }
    assert!(
        (35_000..=50_000).contains(&data.cases.len()),
        "{}",
        data.cases.len()
    );

    let latest = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let members: i64 = data
        .headcounts
        .iter()
        .filter(|h| h.as_of == latest)
        .map(|h| h.official_members + h.probationary_members)
        .sum();
    assert!((362_252..=369_570).contains(&members), "{members}");

    let mut citizen_ids = HashSet::new();
    for person in &data.people {
        let id = person.details.citizen_id.as_ref().unwrap();
        id.check_against(person.details.sex, person.details.birth.year())
            .unwrap();
        assert!(citizen_ids.insert(id.as_str().to_string()));
    }
    for (course, participants) in &data.courses {
        course.check(participants).unwrap();
    }
    for case in &data.cases {
        if let Some(certificate) = &case.awareness_certificate {
            assert!(certificate.course.is_some());
        }
    }

    // Same day, same data.
    let again = generator::build(today, &rules, &calendar).unwrap();
    assert_eq!(format!("{:?}", data.cases), format!("{:?}", again.cases));
    assert_eq!(format!("{:?}", data.people), format!("{:?}", again.people));
}

/// `ketnap gen`: the same seed gives the same country, another seed another one; the tree
/// hangs under the whole party, ids follow one another and family names are as common as in
/// the population (Nguyễn about 38 %).
#[test]
fn a_generated_region_is_deterministic_and_named_like_the_population() {
    use generator::{Generator, ROOT, Scale};
    let rules = RuleBook::builtin().unwrap();
    let calendar = Calendar::published().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let build = |seed| {
        let mut generator = Generator::new(Scale::Ward, seed, today, &rules, &calendar).unwrap();
        let mut parts = vec![generator.root().unwrap()];
        for n in 0..generator.regions() {
            parts.push(generator.region(n).unwrap());
        }
        parts
    };
    let first = build(7);
    assert_eq!(format!("{first:?}"), format!("{:?}", build(7)));
    let other = build(8);
    assert_ne!(
        format!("{:?}", first[1].cases),
        format!("{:?}", other[1].cases)
    );

    let [root, ward] = &first[..] else {
        panic!("a ward is the root and one region")
    };
    assert_eq!(root.units.len(), 1);
    assert_eq!(root.units[0].id, ROOT);
    assert_eq!(root.units[0].kind, UnitKind::Central);
    let mut kinds = HashMap::from([(ROOT, UnitKind::Central)]);
    for (i, unit) in ward.units.iter().enumerate() {
        assert_eq!(unit.id, UnitId(i as i64 + 2), "unit ids follow the root's");
        let parent = unit.parent.unwrap();
        assert!(kinds[&parent].may_contain(unit.kind), "{}", unit.name);
        kinds.insert(unit.id, unit.kind);
    }
    let stages: HashSet<Stage> = ward.cases.iter().map(|c| c.stage).collect();
    assert!(stages.len() >= 6, "cases in many stages: {stages:?}");
    assert!(ward.cases.len() > 300, "{} cases", ward.cases.len());
    assert!(ward.events.len() > 8 * ward.cases.len());
    let ids: Vec<i64> = ward.cases.iter().map(|c| c.id.0).collect();
    assert_eq!(ids, (1..=ward.cases.len() as i64).collect::<Vec<_>>());
    let nguyen = ward
        .people
        .iter()
        .filter(|p| p.details.name.family == "Nguyễn")
        .count() as f64
        / ward.people.len() as f64;
    assert!((0.30..0.46).contains(&nguyen), "Nguyễn: {nguyen:.2}");
}
