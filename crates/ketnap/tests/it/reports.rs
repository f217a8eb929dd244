//! Plans, targets and reports against a fixture built to known answers, on SQLite and on
//! PostgreSQL (run from `story::story_on_postgres`): nine cases taken through the pipeline
//! on chosen dates (one cell merged into another, one person transferred), every figure
//! checked against a count by hand, last year's reports unchanged after the merge and the
//! transfer, and the kept report model equal to one loaded afresh.

use chrono::{Duration, NaiveDate};
use ketnap_domain::action::Action;
use ketnap_domain::calendar::add_months;
use ketnap_domain::case::{Certificate, Introducer, Stage, Vote};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::deadline::DeadlineStatus;
use ketnap_domain::ethnicity::EthnicityId;
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::{CaseStore, NewUnit, RuleStore, StoreError, UnitStore};
use ketnap_domain::report::{
    CoverageParams, Dimension, FunnelReport, FunnelStep, HeadcountInput, MembersSource, Period,
    Subgroup, TargetKey, TargetSource, TermPlanInput,
};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::unit::{SectorCode, UnitKind};
use ketnap_store::Store;

use crate::fixtures::{Tree, advance, change, day, doc, member, person, sqlite_store, tree};

#[tokio::test]
async fn reports_on_sqlite() {
    let (store, dir) = sqlite_store().await;
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    reports(&store, &url).await;
}

/// The reports of `store`, whose model was kept up to date change by change, equal those
/// of a store opened afresh on the same database (`url`), for every unit of the tree (and
/// only those: other tests write to the same PostgreSQL database meanwhile).
async fn same_as_loaded_afresh(store: &Store, url: &str, t: &Tree, more: &[UnitId]) {
    let fresh = crate::fixtures::open_store(url, ketnap_store::Create::IfMissing).await;
    let scope = Scope::subtree(t.city, Access::Read);
    let units = [
        t.city,
        t.ward,
        t.other_ward,
        t.school,
        t.school_cell,
        t.residential_cell,
        t.other_cell,
    ];
    for unit in units.iter().chain(more) {
        let (kept, loaded) = (
            every_report(store, &scope, *unit).await,
            every_report(&fresh, &scope, *unit).await,
        );
        assert_eq!(kept, loaded, "{unit:?}");
    }
}

/// Every report of `unit` for 2025 and 2026 (as of 30 June and 31 December), as JSON.
async fn every_report(store: &Store, scope: &Scope, unit: UnitId) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (year, as_of) in [
        (2025, day(2025, 6, 30)),
        (2025, day(2025, 12, 31)),
        (2026, day(2026, 6, 30)),
        (2026, day(2026, 12, 31)),
    ] {
        let period = Period::year(year).unwrap();
        out.push(json(store.progress_report(scope, unit, year, as_of).await));
        out.push(json(store.funnel_report(scope, unit, period).await));
        out.push(json(store.bottleneck_report(scope, unit, as_of).await));
        let params = CoverageParams::default();
        out.push(json(
            store.coverage_report(scope, unit, as_of, params).await,
        ));
        out.push(json(store.breakdown_report(scope, unit, period).await));
        out.push(json(
            store.recognition_report(scope, unit, as_of, 400).await,
        ));
        out.push(json(store.year_target(scope, unit, year).await));
    }
    out
}

fn json<T: serde::Serialize>(report: Result<T, StoreError>) -> serde_json::Value {
    serde_json::to_value(report.unwrap()).unwrap()
}

/// How far a case goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Upto {
    Application,
    Vote,
    Decision,
    Ceremony,
}

/// Days after identification of each step: sympathiser, awareness certificate, file opened,
/// cell vote, decision, ceremony. Introductions, opinions and verification fall between the
/// file and the vote; a base resolution a week after the vote.
struct Path {
    identified: NaiveDate,
    offsets: [i64; 6],
}

impl Path {
    fn at(&self, i: usize) -> NaiveDate {
        self.identified + Duration::days(self.offsets[i])
    }
}

fn actions(path: &Path, under_base: bool, upto: Upto, vote_passes: bool) -> Vec<Action> {
    let open = path.at(2);
    let vote = path.at(3);
    let mut steps = vec![
        Action::AddToSympathisers {
            resolution: doc("1-NQ/CB", path.at(0)),
            helpers: vec![member("Lê Văn Tám")],
        },
        Action::RecordAwarenessCertificate {
            certificate: Certificate {
                number: "NT-1".into(),
                issued_on: path.at(1),
                course: None,
            },
        },
        Action::OpenFile {
            on: open,
            prior_membership: None,
        },
    ];
    if upto == Upto::Application {
        return steps;
    }
    steps.extend([
        Action::RecordIntroductions {
            on: open + Duration::days(3),
            introducers: vec![
                Introducer {
                    member: member("Lê Văn Tám"),
                    worked_together_since: day(2023, 1, 1),
                },
                Introducer {
                    member: member("Phạm Thị Hoa"),
                    worked_together_since: day(2022, 9, 1),
                },
            ],
            mass_org_resolution: None,
        },
        Action::RecordOpinions {
            summary: doc("TH-1", open + Duration::days(10)),
        },
        Action::CompleteVerification {
            conclusion: doc("KL-1", open + Duration::days(17)),
        },
        Action::CellVote {
            vote: Vote {
                resolution: doc("2-NQ/CB", vote),
                votes_for: if vote_passes { 9 } else { 5 },
                official_members: 10,
            },
            over_age_consent: None,
        },
    ]);
    if upto == Upto::Vote || !vote_passes {
        return steps;
    }
    if under_base {
        steps.push(Action::BaseResolution {
            resolution: doc("3-NQ/ĐU", vote + Duration::days(7)),
            approved: true,
        });
    }
    steps.push(Action::DecideAdmission {
        decision: doc("4-QĐ/ĐU", path.at(4)),
        received_on: path.at(4) + Duration::days(2),
        approved: true,
        late_reason: None,
    });
    if upto == Upto::Decision {
        return steps;
    }
    steps.push(Action::HoldCeremony {
        on: path.at(5),
        mentor: member("Trịnh Văn Mentor"),
        superior_consent: None,
    });
    steps
}

/// Recognition a week after the 12 months of probation end.
fn recognition(ceremony: NaiveDate, under_base: bool) -> Vec<Action> {
    let end = add_months(ceremony, 12);
    let mut steps = vec![Action::RecognitionVote {
        vote: Vote {
            resolution: doc("5-NQ/CB", end + Duration::days(7)),
            votes_for: 10,
            official_members: 10,
        },
        late_reason: None,
    }];
    if under_base {
        steps.push(Action::RecognitionBaseResolution {
            resolution: doc("6-NQ/ĐU", end + Duration::days(14)),
            approved: true,
        });
    }
    steps.push(Action::DecideRecognition {
        decision: doc("7-QĐ/ĐU", end + Duration::days(21)),
        late_reason: None,
    });
    steps
}

#[allow(clippy::too_many_arguments)]
fn someone(
    family: &str,
    given: &str,
    born: NaiveDate,
    sex: Sex,
    ethnicity: u8,
    religion: &str,
    general: &str,
    theory: &str,
    occupation: &str,
    youth: bool,
) -> PersonDetails {
    let mut p = person(family, "Văn", given, born, sex, None);
    p.ethnicity = EthnicityId(ethnicity);
    p.religion = religion.into();
    p.education.general = general.into();
    p.education.political_theory = theory.into();
    p.occupation = occupation.into();
    p.youth_union_member = youth;
    p
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn assert_steps(report: &FunnelReport, counts: [i64; 8]) {
    let got: Vec<i64> = report.steps.iter().map(|s| s.count).collect();
    assert_eq!(got, counts.to_vec(), "{:?}", report.unit.name);
}

fn assert_conversions(report: &FunnelReport, expected: [Option<f64>; 8]) {
    for (row, want) in report.steps.iter().zip(expected) {
        match (row.conversion, want) {
            (None, None) => {}
            (Some(a), Some(b)) => assert!(close(a, b), "{:?}: {a} ≠ {b}", row.step),
            other => panic!("{:?}: {other:?}", row.step),
        }
    }
}

fn assert_medians(report: &FunnelReport, expected: [Option<f64>; 8]) {
    let got: Vec<Option<f64>> = report.steps.iter().map(|s| s.median_days).collect();
    assert_eq!(got, expected.to_vec());
}

fn rejected(result: Result<(), StoreError>, rule: &str) {
    match result {
        Err(StoreError::Rejected(v)) => {
            assert_eq!(v.rule, rule, "{v}");
            assert!(!v.message.is_empty());
        }
        other => panic!("expected {rule}, got {other:?}"),
    }
}

/// The reports story on `store` (`url` opens the same database again). On PostgreSQL it
/// runs from `story::story_on_postgres`, before the story changes the shared rule sets.
pub(crate) async fn reports(store: &Store, url: &str) {
    let t = tree(store, "r").await;
    let admin = change("admin");
    let officer = change("officer");
    let city = Scope::subtree(t.city, Access::Edit);
    let ward = Scope::subtree(t.ward, Access::Edit);
    let ward_viewer = Scope::subtree(t.ward, Access::Read);
    let new_unit = |name: &str, kind, parent, sector: &str| NewUnit {
        code: None,
        name: name.into(),
        kind,
        parent: Some(parent),
        sector: SectorCode(sector.into()),
        valid_from: day(2025, 7, 1),
    };
    let pupils_cell = store
        .create_unit(
            &admin,
            new_unit("Chi bộ Học sinh", UnitKind::Cell, t.school, "education"),
        )
        .await
        .unwrap();
    let firm = store
        .create_unit(
            &admin,
            new_unit(
                "Chi bộ Công ty TNHH An Phát",
                UnitKind::BaseCell,
                t.other_ward,
                "non_state_enterprise",
            ),
        )
        .await
        .unwrap();

    // Headcounts.
    let headcount = |unit, as_of, official, probationary, workforce| HeadcountInput {
        unit,
        as_of,
        official_members: official,
        probationary_members: probationary,
        workforce,
        youth_union_members: Some(200),
        trade_union_members: Some(80),
    };
    for h in [
        headcount(t.school_cell, day(2025, 7, 1), 30, 0, Some(600)),
        headcount(t.residential_cell, day(2025, 7, 1), 50, 2, Some(3000)),
        headcount(t.school_cell, day(2026, 1, 1), 31, 1, Some(600)),
    ] {
        store.record_headcount(&officer, &ward, &h).await.unwrap();
    }
    let school_counts = store.headcounts(&ward, t.school_cell).await.unwrap();
    assert_eq!(school_counts.len(), 2);
    assert_eq!(school_counts[0].input.as_of, day(2026, 1, 1));
    assert_eq!(school_counts[0].members(), 32);
    assert_eq!(school_counts[0].recorded_by.as_deref(), Some("officer"));
    assert_eq!(school_counts[1].input.workforce, Some(600));

    // 2025: five cases identified on 1 July.
    let y25 = day(2025, 7, 1);
    let open = |details: PersonDetails, cell: UnitId, on: NaiveDate| {
        let officer = officer.clone();
        let city = city.clone();
        async move {
            store
                .create_source(&officer, &city, &details, cell, on, None)
                .await
                .unwrap()
        }
    };
    let go = |case: CaseId, steps: Vec<Action>| {
        let city = city.clone();
        async move { advance(store, &city, case, &steps, "officer").await }
    };
    let an = Path {
        identified: y25,
        offsets: [2, 19, 24, 48, 69, 83],
    };
    let binh = Path {
        identified: y25,
        offsets: [4, 25, 30, 66, 80, 90],
    };
    let cuong = Path {
        identified: y25,
        offsets: [6, 20, 28, 50, 75, 95],
    };
    let dung = Path {
        identified: y25,
        offsets: [2, 19, 24, 52, 0, 0],
    };
    let khoa = Path {
        identified: y25,
        offsets: [3, 19, 24, 48, 0, 0],
    };
    let (_, a) = open(
        someone(
            "Nguyễn",
            "An",
            day(1995, 5, 5),
            Sex::Male,
            1,
            "",
            "12/12",
            "",
            "Giáo viên",
            true,
        ),
        t.school_cell,
        y25,
    )
    .await;
    go(a, actions(&an, true, Upto::Ceremony, true)).await;
    let (_, b) = open(
        someone(
            "Lê",
            "Bình",
            day(1985, 10, 1),
            Sex::Female,
            4,
            "Phật giáo",
            "12/12",
            "Sơ cấp",
            "Giáo viên",
            false,
        ),
        pupils_cell,
        y25,
    )
    .await;
    go(b, actions(&binh, true, Upto::Ceremony, true)).await;
    let (cuong_person, c) = open(
        someone(
            "Trần",
            "Cường",
            day(1970, 3, 3),
            Sex::Male,
            1,
            "Công giáo",
            "9/12",
            "",
            "Công nhân",
            false,
        ),
        t.residential_cell,
        y25,
    )
    .await;
    go(c, actions(&cuong, false, Upto::Ceremony, true)).await;
    let (_, d) = open(
        someone(
            "Phạm",
            "Dũng",
            day(1990, 1, 1),
            Sex::Male,
            1,
            "",
            "12/12",
            "",
            "Kỹ sư",
            true,
        ),
        t.residential_cell,
        y25,
    )
    .await;
    go(d, actions(&dung, false, Upto::Vote, true)).await;
    let (_, k) = open(
        someone(
            "Võ",
            "Khoa",
            day(1999, 1, 1),
            Sex::Male,
            1,
            "",
            "12/12",
            "",
            "Sinh viên",
            true,
        ),
        pupils_cell,
        y25,
    )
    .await;
    go(k, actions(&khoa, true, Upto::Vote, false)).await;
    store
        .set_target(&officer, &city, &TargetKey::overall(t.ward, 2025), 3)
        .await
        .unwrap();

    // Last year's reports, before the transfer and the merge.
    let last_year = Period::year(2025).unwrap();
    let dec31 = day(2025, 12, 31);
    let progress_25 = store
        .progress_report(&ward, t.ward, 2025, dec31)
        .await
        .unwrap();
    let funnel_25 = store.funnel_report(&ward, t.ward, last_year).await.unwrap();
    let breakdown_25 = store
        .breakdown_report(&ward, t.ward, last_year)
        .await
        .unwrap();
    let months_25 = store
        .monthly_admissions(&ward, t.ward, last_year)
        .await
        .unwrap();

    // Cường moves to a cell of the other ward and starts again there; the pupils' cell
    // merges into the teachers' cell, taking Bình (probation) with it.
    go(
        c,
        vec![Action::TransferOut {
            on: day(2025, 12, 1),
            to_unit: t.other_cell,
            reason: "Chuyển nơi cư trú".into(),
        }],
    )
    .await;
    store
        .open_case(
            &officer,
            &city,
            cuong_person,
            t.other_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap();
    // Only cases changed since the reports above: the model replayed them.
    same_as_loaded_afresh(store, url, &t, &[pupils_cell]).await;
    store
        .merge_unit(&admin, pupils_cell, t.school_cell, day(2026, 3, 1))
        .await
        .unwrap();
    assert_eq!(store.case(&city, b).await.unwrap().case.cell, t.school_cell);
    // An becomes official in 2026.
    go(a, recognition(an.at(5), true)).await;

    // 2026: four new cases identified on 5 January.
    let y26 = day(2026, 1, 5);
    let em = Path {
        identified: y26,
        offsets: [2, 19, 24, 48, 69, 83],
    };
    let phuong = Path {
        identified: y26,
        offsets: [3, 20, 26, 55, 70, 0],
    };
    let giang = Path {
        identified: y26,
        offsets: [2, 19, 24, 48, 0, 0],
    };
    let ha = Path {
        identified: y26,
        offsets: [2, 21, 24, 0, 0, 0],
    };
    let (_, e) = open(
        someone(
            "Đỗ",
            "Em",
            day(2000, 2, 2),
            Sex::Female,
            1,
            "",
            "12/12",
            "",
            "Giáo viên",
            true,
        ),
        t.school_cell,
        y26,
    )
    .await;
    go(e, actions(&em, true, Upto::Ceremony, true)).await;
    let (_, f) = open(
        someone(
            "Hồ",
            "Phương",
            day(1998, 1, 1),
            Sex::Male,
            1,
            "",
            "12/12",
            "",
            "Giáo viên",
            true,
        ),
        t.school_cell,
        y26,
    )
    .await;
    go(f, actions(&phuong, true, Upto::Decision, true)).await;
    let (_, g) = open(
        someone(
            "Bùi",
            "Giang",
            day(1997, 1, 1),
            Sex::Female,
            1,
            "",
            "12/12",
            "",
            "Kế toán",
            true,
        ),
        t.other_cell,
        y26,
    )
    .await;
    go(g, actions(&giang, false, Upto::Vote, true)).await;
    let (_, h) = open(
        someone(
            "Ngô",
            "Hà",
            day(2001, 1, 1),
            Sex::Female,
            1,
            "",
            "12/12",
            "",
            "Buôn bán",
            true,
        ),
        t.residential_cell,
        y26,
    )
    .await;
    go(h, actions(&ha, false, Upto::Application, true)).await;

    // ---- Last year's numbers did not move. ----
    assert_eq!(
        store
            .progress_report(&ward, t.ward, 2025, dec31)
            .await
            .unwrap(),
        progress_25
    );
    assert_eq!(
        store.funnel_report(&ward, t.ward, last_year).await.unwrap(),
        funnel_25
    );
    assert_eq!(
        store
            .breakdown_report(&ward, t.ward, last_year)
            .await
            .unwrap(),
        breakdown_25
    );
    assert_eq!(
        store
            .monthly_admissions(&ward, t.ward, last_year)
            .await
            .unwrap(),
        months_25
    );

    // ---- Progress 2025 (as of 31 Dec): An, Bình, Cường admitted; Dũng awaits the decision.
    let p = &progress_25;
    assert_eq!(p.unit.unit.id, t.ward);
    assert_eq!(p.unit.target.target, 3);
    assert_eq!(p.unit.target.source, TargetSource::Set);
    // Every unit starts on 1 July 2025: nobody to count on 1 January.
    assert_eq!(p.unit.target.members_at_start.count, 0);
    assert_eq!(p.unit.target.default_target, 0);
    assert_eq!(p.unit.admitted, 3);
    assert!(close(p.unit.pace, 3.0));
    assert_eq!(p.unit.pipeline, 1);
    assert_eq!(p.unit.forecast, 4);
    assert!(p.unit.on_pace());
    let ids: Vec<UnitId> = p.children.iter().map(|r| r.unit.id).collect();
    assert_eq!(ids, vec![t.school, t.residential_cell]);
    let (school, residential) = (&p.children[0], &p.children[1]);
    assert_eq!(
        (
            school.admitted,
            school.pipeline,
            school.forecast,
            school.target.target
        ),
        (2, 0, 2, 0)
    );
    assert_eq!(school.target.source, TargetSource::Default);
    assert_eq!(
        (
            residential.admitted,
            residential.pipeline,
            residential.forecast
        ),
        (1, 1, 2)
    );
    let counts: Vec<i64> = months_25.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, [0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0]);
    assert_eq!(months_25.first(), Some(&((2025, 1), 0)));

    // ---- Funnel 2025 ----
    let fr = &funnel_25;
    assert_steps(fr, [5, 5, 5, 5, 4, 3, 3, 0]);
    assert_conversions(
        fr,
        [
            None,
            Some(1.0),
            Some(1.0),
            Some(1.0),
            Some(0.8),
            Some(0.75),
            Some(1.0),
            Some(0.0),
        ],
    );
    // Sympathiser 2,4,6,2,3; awareness 17,21,14,17,16; file 5,5,8,5,5; vote 24,36,22,28
    // (Khoa's failed vote not counted); decision 21,14,25; ceremony 14,10,20.
    assert_medians(
        fr,
        [
            None,
            Some(3.0),
            Some(17.0),
            Some(5.0),
            Some(26.0),
            Some(21.0),
            Some(14.0),
            None,
        ],
    );
    let children: Vec<(UnitId, [i64; 8])> = fr.children.iter().map(|(u, c)| (u.id, c.0)).collect();
    assert_eq!(
        children,
        vec![
            (t.school, [3, 3, 3, 3, 2, 2, 2, 0]),
            (t.residential_cell, [2, 2, 2, 2, 2, 1, 1, 0]),
        ]
    );

    // ---- Breakdown 2025: An (30, Kinh), Bình (39, Mường, Phật giáo), Cường (55, Công giáo).
    let br = &breakdown_25;
    assert_eq!(br.total, 3);
    let counts = |dimension: Dimension| -> Vec<(String, i64)> {
        br.table(dimension)
            .unwrap()
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.count))
            .collect()
    };
    let pairs = |items: &[(&str, i64)]| -> Vec<(String, i64)> {
        items.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    };
    assert_eq!(counts(Dimension::Sex), pairs(&[("male", 2), ("female", 1)]));
    assert_eq!(
        counts(Dimension::AgeBand),
        pairs(&[
            ("18-30", 1),
            ("31-40", 1),
            ("41-50", 0),
            ("51-60", 1),
            ("over-60", 0)
        ])
    );
    assert_eq!(counts(Dimension::Ethnicity), pairs(&[("1", 2), ("4", 1)]));
    assert_eq!(
        br.table(Dimension::Ethnicity).unwrap().rows[1].label,
        "Mường"
    );
    assert_eq!(
        counts(Dimension::Religion),
        pairs(&[("", 1), ("Công giáo", 1), ("Phật giáo", 1)])
    );
    assert_eq!(
        br.table(Dimension::Religion).unwrap().rows[0].label,
        "Không"
    );
    assert_eq!(
        counts(Dimension::Education),
        pairs(&[("12/12", 2), ("9/12", 1)])
    );
    assert_eq!(
        counts(Dimension::PoliticalTheory),
        pairs(&[("", 2), ("Sơ cấp", 1)])
    );
    assert_eq!(
        counts(Dimension::Occupation),
        pairs(&[("Giáo viên", 2), ("Công nhân", 1)])
    );
    assert_eq!(
        counts(Dimension::Sector),
        pairs(&[("education", 2), ("residential", 1)])
    );
    assert_eq!(
        counts(Dimension::YouthUnion),
        pairs(&[("yes", 1), ("no", 2)])
    );
    assert!(close(
        br.table(Dimension::Sex).unwrap().rows[0].share,
        2.0 / 3.0
    ));

    // ---- Targets 2026 ----
    store
        .set_target(&officer, &city, &TargetKey::overall(t.ward, 2026), 5)
        .await
        .unwrap();
    store
        .set_target(&officer, &ward, &TargetKey::overall(t.school, 2026), 2)
        .await
        .unwrap();
    let education = |subgroup| TargetKey {
        unit: t.ward,
        year: 2026,
        sector: Some(SectorCode("education".into())),
        subgroup,
    };
    store
        .set_target(&officer, &ward, &education(Subgroup::All), 2)
        .await
        .unwrap();
    store
        .set_target(&officer, &ward, &education(Subgroup::Teachers), 1)
        .await
        .unwrap();
    let set = store.targets(&ward, t.ward, 2026).await.unwrap();
    assert_eq!(set.len(), 4, "{set:?}");

    // Members on 1 January 2026: teachers' cell 32 (headcount); pupils' cell 1 (Bình, from
    // the cases, in the cell he was in that day); school 33; residential 52 (headcount of
    // 1 July 2025); ward 85; the other ward 0 (Cường left before the new year).
    let jan1 = day(2026, 1, 1);
    let members = |unit| store.members_on(&city, unit, jan1);
    assert_eq!(members(t.school_cell).await.unwrap().count, 32);
    let pupils = members(pupils_cell).await.unwrap();
    assert_eq!((pupils.count, pupils.source), (1, MembersSource::Cases));
    assert_eq!(members(t.school).await.unwrap().count, 33);
    let residential = members(t.residential_cell).await.unwrap();
    assert_eq!(
        (residential.count, residential.source, residential.as_of),
        (52, MembersSource::Headcount, Some(day(2025, 7, 1)))
    );
    assert_eq!(members(t.ward).await.unwrap().count, 85);
    assert_eq!(members(t.other_ward).await.unwrap().count, 0);

    let ward_target = store.year_target(&ward, t.ward, 2026).await.unwrap();
    assert_eq!(ward_target.target, 5);
    assert_eq!(ward_target.source, TargetSource::Set);
    assert_eq!(ward_target.default_target, 3); // ceil(3 % × 85) = ceil(2.55)
    assert!(close(ward_target.percent, 3.0));
    let city_target = store.year_target(&city, t.city, 2026).await.unwrap();
    assert_eq!(
        (city_target.target, city_target.source),
        (3, TargetSource::Default)
    );

    let quota = store.quota_check(&ward, t.ward, 2026).await.unwrap();
    let children: Vec<(UnitId, i64, TargetSource)> = quota
        .children
        .iter()
        .map(|(u, y)| (u.id, y.target, y.source))
        .collect();
    assert_eq!(
        children,
        vec![
            (t.school, 2, TargetSource::Set),
            // ceil(3 % × 52) = ceil(1.56)
            (t.residential_cell, 2, TargetSource::Default),
        ]
    );
    assert_eq!(
        (quota.children_total, quota.difference, quota.unset_children),
        (4, -1, 1)
    );
    assert!(!quota.adds_up());
    let quota = store.quota_check(&city, t.city, 2026).await.unwrap();
    assert_eq!(
        (quota.own.target, quota.children_total, quota.difference),
        (3, 5, 2)
    );
    assert!(quota.adds_up());

    // ---- Progress 2026 as of 20 November (day 324 of 365) ----
    let nov20 = day(2026, 11, 20);
    let p = store
        .progress_report(&ward, t.ward, 2026, nov20)
        .await
        .unwrap();
    assert_eq!(p.unit.target.target, 5);
    assert_eq!(p.unit.admitted, 1); // Em
    assert!(close(p.unit.pace, 5.0 * 324.0 / 365.0));
    assert!(!p.unit.on_pace());
    assert_eq!((p.unit.pipeline, p.unit.forecast), (1, 2)); // Phương, decided
    assert!(close(p.unit.percent_of_target().unwrap(), 20.0));
    let school = &p.children[0];
    assert_eq!(school.unit.id, t.school);
    assert_eq!(
        (
            school.target.target,
            school.target.members_at_start.count,
            school.target.default_target,
            school.admitted,
            school.pipeline,
            school.forecast
        ),
        (2, 33, 1, 1, 1, 2)
    );
    let residential = &p.children[1];
    assert_eq!(
        (
            residential.target.target,
            residential.admitted,
            residential.pipeline,
            residential.forecast
        ),
        (2, 0, 0, 0)
    );
    let sectors: Vec<(String, Subgroup, Option<i64>, Option<i64>)> = p
        .sectors
        .iter()
        .map(|s| (s.sector.0.clone(), s.subgroup, s.target, s.admitted))
        .collect();
    assert_eq!(
        sectors,
        vec![
            ("education".into(), Subgroup::All, Some(2), Some(1)),
            // The one 2026 admission in a school cell is a teacher ("Giáo viên").
            ("education".into(), Subgroup::Teachers, Some(1), Some(1)),
        ]
    );
    let p = store
        .progress_report(&city, t.city, 2026, nov20)
        .await
        .unwrap();
    assert_eq!(
        (
            p.unit.target.target,
            p.unit.admitted,
            p.unit.pipeline,
            p.unit.forecast
        ),
        (3, 1, 2, 3)
    );
    let rows: Vec<(UnitId, i64, i64, i64)> = p
        .children
        .iter()
        .map(|r| (r.unit.id, r.target.target, r.admitted, r.pipeline))
        .collect();
    assert_eq!(
        rows,
        vec![(t.ward, 5, 1, 1), (t.other_ward, 0, 0, 1)] // Giang awaits the decision
    );
    let months = store
        .monthly_admissions(&ward, t.ward, Period::new(day(2026, 1, 1), nov20).unwrap())
        .await
        .unwrap();
    // Every month from January to November, the empty ones too; one ceremony in March.
    let expected: Vec<((i32, u32), i64)> =
        (1..=11).map(|m| ((2026, m), i64::from(m == 3))).collect();
    assert_eq!(months, expected);
    // A period of several years starting mid-month: its first month is counted whole, in
    // one list across the years.
    let across = store
        .monthly_admissions(&ward, t.ward, Period::new(day(2025, 9, 30), nov20).unwrap())
        .await
        .unwrap();
    assert_eq!(across.len(), 15);
    assert_eq!(across.first(), Some(&((2025, 9), 2)));
    assert_eq!(&across[..4], &months_25[8..]);
    assert_eq!(&across[4..], &months[..]);

    // ---- Funnel 2026 to 20 November ----
    let this_year = Period::new(day(2026, 1, 1), nov20).unwrap();
    let fr = store.funnel_report(&ward, t.ward, this_year).await.unwrap();
    assert_steps(&fr, [3, 3, 3, 3, 2, 2, 1, 1]);
    assert_conversions(
        &fr,
        [
            None,
            Some(1.0),
            Some(1.0),
            Some(1.0),
            Some(2.0 / 3.0),
            Some(1.0),
            Some(0.5),
            Some(1.0),
        ],
    );
    // Em, Phương, Hà: sympathiser 2,3,2; awareness 17,17,19; file 5,6,3; vote 24,29;
    // decision 21,15; ceremony 14; An official 386 days after the ceremony.
    assert_medians(
        &fr,
        [
            None,
            Some(2.0),
            Some(17.0),
            Some(5.0),
            Some(26.5),
            Some(18.0),
            Some(14.0),
            Some(386.0),
        ],
    );
    let children: Vec<(UnitId, [i64; 8])> = fr.children.iter().map(|(u, c)| (u.id, c.0)).collect();
    assert_eq!(
        children,
        vec![
            (t.school, [2, 2, 2, 2, 2, 2, 1, 1]),
            (t.residential_cell, [1, 1, 1, 1, 0, 0, 0, 0]),
        ]
    );
    let fr = store.funnel_report(&city, t.city, this_year).await.unwrap();
    // Plus Giang and Cường's new case in the other ward.
    assert_steps(&fr, [5, 4, 4, 4, 3, 2, 1, 1]);
    assert_eq!(
        fr.steps[FunnelStep::CellVote.index()].label,
        "Chi bộ đề nghị kết nạp"
    );

    // ---- Bottlenecks on 20 November 2026 ----
    let rules = store.rule_book().await.unwrap();
    let calendar = store.calendar().await.unwrap();
    let qd294 = rules.in_force_on(nov20).unwrap();
    let decision_due =
        |vote: NaiveDate| calendar.add_working_days(vote, qd294.admission.decision_working_days);
    let dung_due = calendar.add_working_days(
        dung.at(3),
        rules
            .in_force_on(dung.at(3))
            .unwrap()
            .admission
            .decision_working_days,
    );
    let phuong_due = calendar.add_working_days(
        phuong.at(4) + Duration::days(2),
        qd294.admission.ceremony_working_days,
    );
    let binh_end = add_months(binh.at(5), 12);
    let binh_due =
        calendar.add_working_days(binh_end, qd294.probation.recognition_vote_working_days);
    assert!(binh_due < nov20, "{binh_due}");
    let bn = store.bottleneck_report(&ward, t.ward, nov20).await.unwrap();
    assert_eq!(
        bn.by_stage,
        vec![
            (Stage::CellResolved, 1),
            (Stage::Decided, 1),
            (Stage::Probation, 1)
        ]
    );
    let by_unit: Vec<(UnitId, i64)> = bn.by_unit.iter().map(|(u, n)| (u.id, *n)).collect();
    assert_eq!(by_unit, vec![(t.school, 2), (t.residential_cell, 1)]);
    let listed: Vec<(CaseId, &str, NaiveDate, DeadlineStatus)> = bn
        .cases
        .iter()
        .map(|c| (c.case, c.name.as_str(), c.deadline.due, c.deadline.status))
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                d,
                "Phạm Văn Dũng",
                dung_due,
                DeadlineStatus::Overdue((nov20 - dung_due).num_days())
            ),
            (
                f,
                "Hồ Văn Phương",
                phuong_due,
                DeadlineStatus::Overdue((nov20 - phuong_due).num_days())
            ),
            (
                b,
                "Lê Văn Bình",
                binh_due,
                DeadlineStatus::Overdue((nov20 - binh_due).num_days())
            ),
        ]
    );
    assert_eq!(bn.cases[2].cell.id, t.school_cell);
    let bn = store.bottleneck_report(&city, t.city, nov20).await.unwrap();
    assert_eq!(
        bn.by_stage,
        vec![
            (Stage::CellResolved, 2),
            (Stage::Decided, 1),
            (Stage::Probation, 1)
        ]
    );
    let by_unit: Vec<(UnitId, i64)> = bn.by_unit.iter().map(|(u, n)| (u.id, *n)).collect();
    assert_eq!(by_unit, vec![(t.ward, 3), (t.other_ward, 1)]);
    assert_eq!(bn.cases.len(), 4);
    assert!(
        bn.cases
            .iter()
            .any(|c| c.case == g && c.deadline.due == decision_due(giang.at(3)))
    );

    // ---- Recognitions ----
    let rr = store
        .recognition_report(&ward, t.ward, nov20, 30)
        .await
        .unwrap();
    assert!(rr.due.is_empty(), "{:?}", rr.due);
    let overdue: Vec<(CaseId, NaiveDate, NaiveDate)> = rr
        .overdue
        .iter()
        .map(|r| (r.case, r.ceremony_on, r.probation_ends))
        .collect();
    assert_eq!(overdue, vec![(b, binh.at(5), binh_end)]);
    let rr = store
        .recognition_report(&ward, t.ward, nov20, 130)
        .await
        .unwrap();
    let due: Vec<(CaseId, NaiveDate)> = rr.due.iter().map(|r| (r.case, r.probation_ends)).collect();
    assert_eq!(due, vec![(e, add_months(em.at(5), 12))]);
    assert_eq!(rr.overdue.len(), 1);

    // ---- Coverage on 20 November 2026, no admission in the last year ----
    let cov = store
        .coverage_report(
            &city,
            t.city,
            nov20,
            CoverageParams {
                min_ratio: 0.05,
                years_without_admission: 1,
            },
        )
        .await
        .unwrap();
    let low: Vec<(UnitId, i64, i64)> = cov
        .low_ratio
        .iter()
        .map(|l| (l.unit.id, l.members, l.workforce))
        .collect();
    assert_eq!(low, vec![(t.residential_cell, 52, 3000)]); // 1.7 %; the school's 32/600 is 5.3 %
    let empty: Vec<UnitId> = cov.without_members.iter().map(|u| u.id).collect();
    assert_eq!(empty, vec![firm]);
    let idle: Vec<(UnitId, Option<NaiveDate>)> = cov
        .without_admission
        .iter()
        .map(|n| (n.unit.id, n.last_admission))
        .collect();
    assert_eq!(
        idle,
        vec![
            (t.residential_cell, Some(cuong.at(5))),
            (t.other_cell, None),
            (firm, None)
        ]
    );

    // ---- Term plans ----
    let plan = TermPlanInput {
        unit: t.ward,
        first_year: 2025,
        last_year: 2030,
        target_total: 20,
        note: " Kế hoạch nhiệm kỳ 2025–2030 ".into(),
    };
    store.set_term_plan(&officer, &ward, &plan).await.unwrap();
    store
        .set_term_plan(
            &officer,
            &ward,
            &TermPlanInput {
                target_total: 25,
                ..plan.clone()
            },
        )
        .await
        .unwrap();
    let plans = store.term_plans(&ward_viewer, t.ward).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].input.target_total, 25);
    assert_eq!(plans[0].input.note, "Kế hoạch nhiệm kỳ 2025–2030");
    assert_eq!(plans[0].set_by, "officer");

    // ---- Bad input, for every write: refused, nothing written. ----
    let good = headcount(t.residential_cell, day(2026, 6, 1), 50, 0, None);
    for (bad, rule) in [
        (
            HeadcountInput {
                official_members: -1,
                ..good.clone()
            },
            "input.negative",
        ),
        (
            HeadcountInput {
                workforce: Some(-5),
                ..good.clone()
            },
            "input.negative",
        ),
        // Above the country's population: a typing error, and more than the report model
        // keeps.
        (
            HeadcountInput {
                youth_union_members: Some(ketnap_domain::report::HEADCOUNT_LIMIT + 1),
                ..good.clone()
            },
            "input.too-large",
        ),
        (
            HeadcountInput {
                unit: t.other_cell,
                ..good.clone()
            },
            "unit.unknown",
        ),
        (
            HeadcountInput {
                as_of: day(1999, 1, 1),
                ..good.clone()
            },
            "input.year-range",
        ),
        (
            HeadcountInput {
                unit: pupils_cell,
                ..good.clone()
            },
            "unit.inactive",
        ),
    ] {
        rejected(store.record_headcount(&officer, &ward, &bad).await, rule);
    }
    rejected(
        store.record_headcount(&officer, &ward_viewer, &good).await,
        "scope.read-only",
    );
    assert_eq!(
        store
            .headcounts(&ward, t.residential_cell)
            .await
            .unwrap()
            .len(),
        1
    );

    let key = TargetKey::overall(t.residential_cell, 2026);
    rejected(
        store.set_target(&officer, &ward, &key, -1).await,
        "input.negative",
    );
    rejected(
        store
            .set_target(&officer, &ward, &TargetKey::overall(t.other_cell, 2026), 1)
            .await,
        "unit.unknown",
    );
    rejected(
        store
            .set_target(
                &officer,
                &ward,
                &TargetKey {
                    sector: Some(SectorCode("space".into())),
                    ..key.clone()
                },
                1,
            )
            .await,
        "unit.sector",
    );
    rejected(
        store
            .set_target(
                &officer,
                &ward,
                &TargetKey {
                    sector: Some(SectorCode("health".into())),
                    subgroup: Subgroup::Students,
                    ..key.clone()
                },
                1,
            )
            .await,
        "target.subgroup",
    );
    rejected(
        store
            .set_target(
                &officer,
                &ward,
                &TargetKey {
                    year: 2101,
                    ..key.clone()
                },
                1,
            )
            .await,
        "input.year-range",
    );
    rejected(
        store
            .set_target(
                &officer,
                &ward,
                &TargetKey {
                    year: 2024,
                    ..key.clone()
                },
                1,
            )
            .await,
        "unit.inactive",
    );
    rejected(
        store.set_target(&officer, &ward_viewer, &key, 1).await,
        "scope.read-only",
    );
    assert_eq!(store.targets(&ward, t.ward, 2026).await.unwrap().len(), 4);

    rejected(
        store
            .set_term_plan(
                &officer,
                &ward,
                &TermPlanInput {
                    last_year: 2024,
                    ..plan.clone()
                },
            )
            .await,
        "term-plan.years",
    );
    rejected(
        store
            .set_term_plan(
                &officer,
                &ward,
                &TermPlanInput {
                    target_total: -3,
                    ..plan.clone()
                },
            )
            .await,
        "input.negative",
    );
    rejected(
        store
            .set_term_plan(
                &officer,
                &ward,
                &TermPlanInput {
                    first_year: 1990,
                    ..plan.clone()
                },
            )
            .await,
        "input.year-range",
    );
    rejected(
        store
            .set_term_plan(
                &officer,
                &ward,
                &TermPlanInput {
                    unit: t.other_ward,
                    ..plan.clone()
                },
            )
            .await,
        "unit.unknown",
    );
    rejected(
        store.set_term_plan(&officer, &ward_viewer, &plan).await,
        "scope.read-only",
    );
    assert_eq!(store.term_plans(&ward, t.ward).await.unwrap().len(), 1);

    // Reports outside the scope are "not found"; bad periods are refused.
    assert!(matches!(
        store
            .progress_report(&ward, t.other_ward, 2026, nov20)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.funnel_report(&ward, t.city, this_year).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.headcounts(&ward, t.other_cell).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.progress_report(&ward, t.ward, 1990, nov20).await,
        Err(StoreError::Rejected(v)) if v.rule == "input.year-range"
    ));
    assert!(matches!(
        store
            .funnel_report(
                &ward,
                t.ward,
                Period {
                    from: nov20,
                    to: day(2026, 1, 1)
                }
            )
            .await,
        Err(StoreError::Rejected(v)) if v.rule == "period.order"
    ));
    assert!(matches!(
        store.recognition_report(&ward, t.ward, nov20, -1).await,
        Err(StoreError::Rejected(v)) if v.rule == "input.negative"
    ));
    same_as_loaded_afresh(store, url, &t, &[pupils_cell]).await;
}

/// A dataset of one city with a headcount of `official` members.
fn one_city(official: i64) -> ketnap_store::Dataset {
    let mut data = ketnap_store::Dataset::default();
    data.units.push(ketnap_domain::unit::Unit {
        id: UnitId(1),
        code: Some("C".into()),
        name: "Thành phố".into(),
        kind: UnitKind::Province,
        parent: None,
        sector: SectorCode("residential".into()),
        valid_from: day(2000, 1, 1),
        valid_until: None,
        successor: None,
    });
    data.push_headcount(UnitId(1), day(2025, 1, 1), official, 0);
    data
}

#[tokio::test]
async fn a_server_follows_a_demo_reset_made_by_another_process() {
    let (server, dir) = sqlite_store().await;
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let cli = crate::fixtures::open_store(&url, ketnap_store::Create::Never).await;
    cli.load_dataset(&change("cli"), &one_city(100), "demo")
        .await
        .unwrap();
    let scope = Scope::subtree(UnitId(1), Access::Read);
    let members = || server.members_on(&scope, UnitId(1), day(2026, 1, 1));
    assert_eq!(members().await.unwrap().count, 100);
    cli.erase_demo(&change("cli")).await.unwrap();
    assert!(matches!(members().await, Err(StoreError::NotFound(_))));
    cli.load_dataset(&change("cli"), &one_city(7), "demo")
        .await
        .unwrap();
    assert_eq!(members().await.unwrap().count, 7);
    // The reset emptied `meta`; the load wrote the sort keys and says by which collator,
    // so the next start does not make them all again.
    assert_eq!(
        cli.meta("people.name_order").await.unwrap().as_deref(),
        Some(ketnap_domain::text::NameCollator::new().sort_key_version())
    );
}
