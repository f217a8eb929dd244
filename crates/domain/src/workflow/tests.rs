//! Table-driven tests of every transition, side exit and rule boundary.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::*;
use crate::case::{Certificate, Introducer, PartyMember, PriorMembership};
use crate::citizen_id::Sex;
use crate::ethnicity::EthnicityId;
use crate::ids::{CaseId, MassOrgId, PersonId, UnitId};
use crate::person::Education;
use crate::text::PersonName;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 3, 0, 0).unwrap()
}

fn doc(number: &str, dated: NaiveDate) -> DocRef {
    DocRef {
        number: number.into(),
        dated,
    }
}

fn member(name: &str) -> PartyMember {
    PartyMember {
        name: name.into(),
        card_number: String::new(),
    }
}

fn person(born: NaiveDate) -> PersonDetails {
    PersonDetails {
        name: PersonName {
            family: "Trần".into(),
            middle: "Thị".into(),
            given: "Bình".into(),
        },
        birth: BirthDate::Full(born),
        sex: Sex::Female,
        citizen_id: None,
        ethnicity: EthnicityId(1),
        religion: String::new(),
        education: Education::default(),
        occupation: "Giáo viên".into(),
        workplace: "Trường THCS Phú Lợi".into(),
        residence: String::new(),
        youth_union_member: true,
        trade_union_member: false,
        phone: String::new(),
        email: String::new(),
    }
}

struct World {
    rules: RuleBook,
    calendar: Calendar,
    person: PersonDetails,
}

impl World {
    fn new() -> World {
        World {
            rules: RuleBook::builtin().unwrap(),
            calendar: Calendar::generated(),
            person: person(d(1995, 6, 1)),
        }
    }

    fn apply(&self, case: &Case, action: Action) -> Result<Case, Violation> {
        apply(
            case,
            &self.person,
            &action,
            &Actor("test".into()),
            now(),
            &self.rules,
            &self.calendar,
        )
        .map(|t| t.case)
    }

    fn run(&self, case: Case, actions: Vec<Action>) -> Case {
        actions.into_iter().fold(case, |case, action| {
            let code = action.code();
            self.apply(&case, action)
                .unwrap_or_else(|v| panic!("{code}: {v}"))
        })
    }
}

fn source(under_base: bool) -> Case {
    Case::new_source(
        CaseId(1),
        PersonId(1),
        UnitId(10),
        under_base,
        d(2024, 9, 2),
        None,
    )
}

/// The steps up to a verified file, starting on `start` (a Monday, ideally).
fn to_verified(start: NaiveDate) -> Vec<Action> {
    let day = |n: i64| start + chrono::Duration::days(n);
    vec![
        Action::AddToSympathisers {
            resolution: doc("12-NQ/CB", day(0)),
            helpers: vec![member("Lê Văn Tám")],
        },
        Action::AssignTestTask {
            on: day(1),
            what: "Phụ trách phong trào văn nghệ".into(),
            due_on: day(60),
        },
        Action::AssessTestTask {
            on: day(60),
            task: 0,
            result: crate::case::TaskResult::Good,
            note: String::new(),
        },
        Action::RecordAwarenessCertificate {
            certificate: Certificate {
                number: "NT-1024".into(),
                issued_on: day(61),
                course: None,
            },
        },
        Action::OpenFile {
            on: day(70),
            prior_membership: None,
        },
        Action::RecordIntroductions {
            on: day(75),
            introducers: vec![Introducer {
                member: member("Lê Văn Tám"),
                worked_together_since: day(-400),
            }],
            mass_org_resolution: Some(doc("05-NQ/ĐTN", day(74))),
        },
        Action::RecordOpinions {
            summary: doc("TH-01", day(90)),
        },
        Action::CompleteVerification {
            conclusion: doc("KL-07", day(120)),
        },
    ]
}

fn vote(number: &str, on: NaiveDate, votes_for: u32, members: u32) -> Vote {
    Vote {
        resolution: doc(number, on),
        votes_for,
        official_members: members,
    }
}

#[test]
fn a_case_goes_all_the_way_under_a_base_committee_and_directly() {
    let w = World::new();
    for under_base in [true, false] {
        let mut steps = to_verified(d(2024, 9, 2));
        steps.push(Action::CellVote {
            vote: vote("20-NQ/CB", d(2025, 1, 6), 9, 10),
            over_age_consent: None,
        });
        if under_base {
            steps.push(Action::BaseResolution {
                resolution: doc("33-NQ/ĐU", d(2025, 1, 20)),
                approved: true,
            });
        }
        steps.extend([
            Action::DecideAdmission {
                decision: doc("145-QĐ/ĐU", d(2025, 2, 14)),
                received_on: d(2025, 2, 17),
                approved: true,
                late_reason: None,
            },
            Action::HoldCeremony {
                on: d(2025, 3, 3),
                mentor: member("Lê Văn Tám"),
                superior_consent: None,
            },
            Action::RecordNewMemberCourse {
                certificate: Certificate {
                    number: "ĐVM-88".into(),
                    issued_on: d(2025, 6, 1),
                    course: None,
                },
            },
            Action::RecordSelfReview {
                document: doc("TKĐ", d(2026, 2, 20)),
            },
            Action::RecordMentorReview {
                document: doc("NX", d(2026, 2, 25)),
            },
            Action::RecognitionVote {
                vote: vote("41-NQ/CB", d(2026, 3, 10), 10, 10),
                late_reason: None,
            },
        ]);
        if under_base {
            steps.push(Action::RecognitionBaseResolution {
                resolution: doc("52-NQ/ĐU", d(2026, 3, 20)),
                approved: true,
            });
        }
        steps.push(Action::DecideRecognition {
            decision: doc("301-QĐ/ĐU", d(2026, 4, 1)),
            late_reason: None,
        });
        let case = w.run(source(under_base), steps);
        assert_eq!(case.stage, Stage::Official);
        // Party age runs from the decision, membership from the ceremony, official from the end of 12 months.
        assert_eq!(case.party_age_from(), Some(d(2025, 2, 14)));
        assert_eq!(case.ceremony_on, Some(d(2025, 3, 3)));
        assert_eq!(case.official_on, Some(d(2026, 3, 3)));
        assert!(
            case.papers
                .iter()
                .any(|p| p.paper == Paper::RecognitionDecision)
        );
    }
}

#[test]
fn events_record_stage_rule_set_and_actor() {
    let w = World::new();
    let t = apply(
        &source(true),
        &w.person,
        &Action::AddToSympathisers {
            resolution: doc("12-NQ/CB", d(2025, 8, 4)),
            helpers: vec![],
        },
        &Actor("cán bộ A".into()),
        now(),
        &w.rules,
        &w.calendar,
    )
    .unwrap();
    assert_eq!(
        (t.event.stage_before, t.event.stage_after),
        (Stage::Source, Stage::Sympathiser)
    );
    assert_eq!(t.event.rule_set, "qd-294 v1");
    assert_eq!(t.event.actor, "cán bộ A");
    assert_eq!(t.event.document.unwrap().number, "12-NQ/CB");
    // The same action dated before 1 July 2025 is judged by QĐ 232.
    let t = apply(
        &source(true),
        &w.person,
        &Action::AddToSympathisers {
            resolution: doc("12-NQ/CB", d(2025, 6, 30)),
            helpers: vec![],
        },
        &Actor("x".into()),
        now(),
        &w.rules,
        &w.calendar,
    )
    .unwrap();
    assert_eq!(t.event.rule_set, "qd-232 v1");
}

/// Every action refused at a stage where it does not belong.
#[test]
fn actions_out_of_order_are_refused_with_the_stage_rule() {
    let w = World::new();
    let fresh = source(true);
    let day = d(2025, 9, 1);
    let refused_at_source = vec![
        Action::AssignHelper {
            on: day,
            helper: member("A"),
        },
        Action::AssignTestTask {
            on: day,
            what: "x".into(),
            due_on: day,
        },
        Action::RecordAwarenessCertificate {
            certificate: Certificate {
                number: "1".into(),
                issued_on: day,
                course: None,
            },
        },
        Action::OpenFile {
            on: day,
            prior_membership: None,
        },
        Action::RecordIntroductions {
            on: day,
            introducers: vec![],
            mass_org_resolution: None,
        },
        Action::RecordOpinions {
            summary: doc("1", day),
        },
        Action::CompleteVerification {
            conclusion: doc("1", day),
        },
        Action::RenewFile { on: day },
        Action::CellVote {
            vote: vote("1", day, 3, 3),
            over_age_consent: None,
        },
        Action::BaseResolution {
            resolution: doc("1", day),
            approved: true,
        },
        Action::ExtendDecisionDeadline {
            on: day,
            working_days: 10,
            reason: "x".into(),
        },
        Action::DecideAdmission {
            decision: doc("1", day),
            received_on: day,
            approved: true,
            late_reason: None,
        },
        Action::HoldCeremony {
            on: day,
            mentor: member("A"),
            superior_consent: None,
        },
        Action::RecordNewMemberCourse {
            certificate: Certificate {
                number: "1".into(),
                issued_on: day,
                course: None,
            },
        },
        Action::RecordSelfReview {
            document: doc("1", day),
        },
        Action::RecordMentorReview {
            document: doc("1", day),
        },
        Action::RecognitionVote {
            vote: vote("1", day, 3, 3),
            late_reason: None,
        },
        Action::RecognitionBaseResolution {
            resolution: doc("1", day),
            approved: true,
        },
        Action::DecideRecognition {
            decision: doc("1", day),
            late_reason: None,
        },
        Action::StrikeOff {
            decision: doc("1", day),
            reason: "x".into(),
        },
    ];
    for action in refused_at_source {
        let err = w.apply(&fresh, action.clone()).unwrap_err();
        assert_eq!(
            err.rule,
            "workflow.stage",
            "{} at source: {err}",
            action.code()
        );
        assert!(err.message.contains("Quần chúng ưu tú"), "{}", err.message);
    }
    // A closed case takes nothing, not even a side exit.
    let withdrawn = w
        .apply(
            &fresh,
            Action::Withdraw {
                on: day,
                reason: "Chuyển công tác".into(),
            },
        )
        .unwrap();
    assert_eq!(withdrawn.stage, Stage::Withdrawn);
    for action in [
        Action::RecordDeath { on: day },
        Action::Withdraw {
            on: day,
            reason: "x".into(),
        },
    ] {
        assert_eq!(
            w.apply(&withdrawn, action).unwrap_err().rule,
            "workflow.stage"
        );
    }
}

#[test]
fn side_exits_from_the_stages_they_belong_to() {
    let w = World::new();
    let verified = w.run(source(true), to_verified(d(2024, 9, 2)));
    let on = d(2025, 2, 3);
    let cases: Vec<(Action, Stage)> = vec![
        (
            Action::Withdraw {
                on,
                reason: "Xin rút".into(),
            },
            Stage::Withdrawn,
        ),
        (
            Action::TransferOut {
                on,
                to_unit: UnitId(99),
                reason: "Chuyển nơi cư trú".into(),
            },
            Stage::TransferredOut,
        ),
        (Action::RecordDeath { on }, Stage::Deceased),
        (
            Action::CellVote {
                vote: vote("1", on, 5, 9),
                over_age_consent: None,
            },
            Stage::NotAdmitted,
        ),
    ];
    for (action, stage) in cases {
        let after = w.apply(&verified, action).unwrap();
        assert_eq!(after.stage, stage);
        assert_eq!(after.exit.as_ref().unwrap().on, on);
    }
    let transferred = w
        .apply(
            &verified,
            Action::TransferOut {
                on,
                to_unit: UnitId(99),
                reason: "x".into(),
            },
        )
        .unwrap();
    assert_eq!(transferred.exit.unwrap().to_unit, Some(UnitId(99)));
    assert_eq!(
        w.apply(
            &verified,
            Action::TransferOut {
                on,
                to_unit: UnitId(10),
                reason: "x".into()
            }
        )
        .unwrap_err()
        .rule,
        "transfer.same-unit"
    );
    assert_eq!(
        w.apply(
            &verified,
            Action::Withdraw {
                on,
                reason: " ".into()
            }
        )
        .unwrap_err()
        .field,
        "reason"
    );

    // Probation: strike-off allowed, withdrawal not; a failed recognition vote strikes off.
    let probation = probation_case(&w, d(2025, 3, 3));
    let strike = Action::StrikeOff {
        decision: doc("9-QĐ", d(2025, 9, 1)),
        reason: "Vi phạm tư cách".into(),
    };
    assert_eq!(w.apply(&probation, strike).unwrap().stage, Stage::StruckOff);
    assert_eq!(
        w.apply(
            &probation,
            Action::Withdraw {
                on: d(2025, 9, 1),
                reason: "x".into()
            }
        )
        .unwrap_err()
        .rule,
        "workflow.stage"
    );
    let failed = w
        .apply(
            &probation,
            Action::RecognitionVote {
                vote: vote("1", d(2026, 3, 4), 4, 9),
                late_reason: None,
            },
        )
        .unwrap();
    assert_eq!(failed.stage, Stage::StruckOff);
    // Not admitted by the base committee or the competent committee.
    let voted = w
        .apply(
            &verified,
            Action::CellVote {
                vote: vote("1", on, 6, 9),
                over_age_consent: None,
            },
        )
        .unwrap();
    assert_eq!(voted.stage, Stage::CellResolved, "6 of 9 is two thirds");
    let refused = w
        .apply(
            &voted,
            Action::BaseResolution {
                resolution: doc("2", on),
                approved: false,
            },
        )
        .unwrap();
    assert_eq!(refused.stage, Stage::NotAdmitted);
}

/// A case in probation since `ceremony_on` (base cell: no base resolutions).
fn probation_case(w: &World, ceremony_on: NaiveDate) -> Case {
    let mut case = w.run(source(false), to_verified(d(2024, 9, 2)));
    case.cell_vote = Some(vote("20-NQ/CB", d(2025, 1, 6), 9, 10));
    case.decision = Some(crate::case::AdmissionDecision {
        decision: doc("145-QĐ", ceremony_on),
        received_on: ceremony_on,
    });
    case.ceremony_on = Some(ceremony_on);
    case.stage = Stage::Probation;
    case
}

#[test]
fn age_is_counted_in_months_at_the_cell_vote() {
    let vote_on = d(2025, 6, 16);
    // (born, consent, expected rule or None)
    let table: [(NaiveDate, bool, Option<&str>); 6] = [
        (d(2007, 6, 16), false, None), // 18 years 0 months
        (d(2007, 6, 17), false, Some("qd-232/age.minimum_months")), // 17 years 11 months
        (d(1965, 6, 16), false, None), // 60 years 0 months
        (d(1965, 5, 16), false, Some("qd-232/age.maximum_months")), // 60 years 1 month
        (d(1965, 5, 16), true, None),  // … with prior consent
        (d(1965, 5, 17), false, None), // 60 years 0 months and 30 days
    ];
    for (born, consent, expected) in table {
        let mut w = World::new();
        w.person = person(born);
        let mut steps = to_verified(d(2024, 9, 2));
        steps.truncate(8);
        let case = w.run(source(true), steps);
        let action = Action::CellVote {
            vote: vote("1", vote_on, 9, 9),
            over_age_consent: consent.then(|| doc("123-CV/TU", d(2025, 5, 1))),
        };
        let result = w.apply(&case, action);
        assert_eq!(
            result.as_ref().err().map(|v| v.rule.as_str()),
            expected,
            "born {born}"
        );
        if let Err(v) = result {
            assert!(v.message.contains("tuổi"), "{}", v.message);
        }
    }
    let mut w = World::new();
    w.person.birth = BirthDate::YearOnly(1990);
    let case = w.run(source(true), to_verified(d(2024, 9, 2)));
    let err = w
        .apply(
            &case,
            Action::CellVote {
                vote: vote("1", vote_on, 9, 9),
                over_age_consent: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.rule, "age.birth-date-required");
}

#[test]
fn decision_within_60_working_days_spanning_tet_2026() {
    let w = World::new();
    let verified = w.run(source(false), to_verified(d(2025, 9, 1)));
    let voted = w
        .apply(
            &verified,
            Action::CellVote {
                vote: vote("1", d(2026, 1, 15), 9, 9),
                over_age_consent: None,
            },
        )
        .unwrap();
    // From Thu 15 Jan 2026: 21 working days to Fri 13 Feb, then Tết (Mon 16 – Fri 20 Feb:
    // the last day of the lunar year and lunar 1–4) is skipped, and the 60th working day is
    // Thu 16 Apr 2026 (Hùng Kings' day falls on Sun 26 Apr, after it).
    assert_eq!(
        decision_due(
            &voted,
            w.rules.in_force_on(d(2026, 1, 15)).unwrap(),
            &w.calendar
        ),
        Some(d(2026, 4, 16))
    );
    let decide = |on: NaiveDate, late_reason: Option<&str>| Action::DecideAdmission {
        decision: doc("7-QĐ/ĐU", on),
        received_on: on,
        approved: true,
        late_reason: late_reason.map(str::to_string),
    };
    assert_eq!(
        w.apply(&voted, decide(d(2026, 4, 16), None)).unwrap().stage,
        Stage::Decided
    );
    let late = w.apply(&voted, decide(d(2026, 4, 17), None)).unwrap_err();
    assert_eq!(late.rule, "qd-294/admission.decision_working_days");
    assert!(late.message.contains("16/04/2026"), "{}", late.message);
    assert_eq!(
        w.apply(
            &voted,
            decide(d(2026, 4, 17), Some("Chờ kết quả thẩm tra bổ sung"))
        )
        .unwrap()
        .stage,
        Stage::Decided
    );
    // An extension of up to 30 working days moves the deadline; more is refused.
    let extended = w
        .apply(
            &voted,
            Action::ExtendDecisionDeadline {
                on: d(2026, 4, 1),
                working_days: 30,
                reason: "Thẩm tra thêm".into(),
            },
        )
        .unwrap();
    assert_eq!(
        w.apply(&extended, decide(d(2026, 4, 17), None))
            .unwrap()
            .stage,
        Stage::Decided
    );
    let too_long = w.apply(
        &extended,
        Action::ExtendDecisionDeadline {
            on: d(2026, 4, 2),
            working_days: 1,
            reason: "x".into(),
        },
    );
    assert_eq!(
        too_long.unwrap_err().rule,
        "qd-294/admission.decision_extension_max_working_days"
    );
}

#[test]
fn ceremony_within_30_working_days_of_receiving_the_decision() {
    let w = World::new();
    let mut decided = probation_case(&w, d(2026, 1, 31));
    decided.stage = Stage::Decided;
    decided.ceremony_on = None;
    // Received Sat 31 Jan 2026: 30 working days later, Tết skipped, is Fri 20 Mar 2026.
    let due = w.calendar.add_working_days(d(2026, 1, 31), 30);
    assert_eq!(due, d(2026, 3, 20));
    let hold = |on: NaiveDate, consent: Option<DocRef>| Action::HoldCeremony {
        on,
        mentor: member("Phạm Văn Đồng"),
        superior_consent: consent,
    };
    assert_eq!(
        w.apply(&decided, hold(due, None)).unwrap().stage,
        Stage::Probation
    );
    let late = w.apply(&decided, hold(d(2026, 3, 23), None)).unwrap_err();
    assert_eq!(late.rule, "qd-294/admission.ceremony_working_days");
    assert_eq!(late.field, "on");
    let consented = w
        .apply(
            &decided,
            hold(d(2026, 3, 23), Some(doc("88-CV/ĐU", d(2026, 3, 19)))),
        )
        .unwrap();
    assert!(
        consented
            .papers
            .iter()
            .any(|p| p.paper == Paper::CeremonyConsent)
    );
    let before = w.apply(&decided, hold(d(2026, 1, 30), None)).unwrap_err();
    assert_eq!(before.rule, "date.order");
}

#[test]
fn probation_is_twelve_calendar_months_with_month_ends_clamped() {
    let w = World::new();
    let rules = w.rules.in_force_on(d(2026, 1, 31)).unwrap();
    let table = [
        (d(2026, 1, 31), d(2027, 1, 31)),
        (d(2028, 2, 29), d(2029, 2, 28)),
        (d(2027, 2, 28), d(2028, 2, 28)),
        (d(2025, 12, 31), d(2026, 12, 31)),
    ];
    for (ceremony, official) in table {
        assert_eq!(
            probation_end(ceremony, rules),
            official,
            "ceremony {ceremony}"
        );
        let case = probation_case(&w, ceremony);
        let early = w.apply(
            &case,
            Action::RecognitionVote {
                vote: vote("1", official.pred_opt().unwrap(), 9, 9),
                late_reason: None,
            },
        );
        assert_eq!(early.unwrap_err().rule, "qd-294/probation.months");
        let proposed = w
            .apply(
                &case,
                Action::RecognitionVote {
                    vote: vote("1", official, 9, 9),
                    late_reason: None,
                },
            )
            .unwrap();
        let done = w
            .apply(
                &proposed,
                Action::DecideRecognition {
                    decision: doc("5-QĐ", official),
                    late_reason: None,
                },
            )
            .unwrap();
        assert_eq!(done.official_on, Some(official));
    }
}

#[test]
fn recognition_vote_31_working_days_late_needs_a_reason() {
    let w = World::new();
    let case = probation_case(&w, d(2025, 3, 3));
    let end = d(2026, 3, 3);
    let on_time = w.calendar.add_working_days(end, 30);
    let late = w.calendar.add_working_days(end, 31);
    let vote_on = |on: NaiveDate, reason: Option<&str>| Action::RecognitionVote {
        vote: vote("1", on, 9, 9),
        late_reason: reason.map(str::to_string),
    };
    assert_eq!(
        w.apply(&case, vote_on(on_time, None)).unwrap().stage,
        Stage::RecognitionProposed
    );
    let err = w.apply(&case, vote_on(late, None)).unwrap_err();
    assert_eq!(err.rule, "qd-294/probation.recognition_vote_working_days");
    let with_reason = apply(
        &case,
        &w.person,
        &vote_on(late, Some("Chi bộ họp chậm")),
        &Actor("t".into()),
        now(),
        &w.rules,
        &w.calendar,
    )
    .unwrap();
    assert!(with_reason.event.summary.contains("Chi bộ họp chậm"));
    // The decision also has 30 working days from the cell's resolution; the official date does not move.
    let proposed = with_reason.case;
    let decision_late = w.calendar.add_working_days(late, 31);
    let err = w
        .apply(
            &proposed,
            Action::DecideRecognition {
                decision: doc("9", decision_late),
                late_reason: None,
            },
        )
        .unwrap_err();
    assert_eq!(
        err.rule,
        "qd-294/probation.recognition_decision_working_days"
    );
    let done = w
        .apply(
            &proposed,
            Action::DecideRecognition {
                decision: doc("9", decision_late),
                late_reason: Some("x".into()),
            },
        )
        .unwrap();
    assert_eq!(done.official_on, Some(end));
}

#[test]
fn a_file_left_twelve_months_without_a_vote_must_be_redone() {
    let w = World::new();
    let verified = w.run(source(true), to_verified(d(2024, 9, 2)));
    let opened = verified.file_opened_on.unwrap();
    assert_eq!(opened, d(2024, 11, 11));
    let cell_vote = |on: NaiveDate| Action::CellVote {
        vote: vote("1", on, 9, 9),
        over_age_consent: None,
    };
    assert_eq!(
        w.apply(&verified, cell_vote(d(2025, 11, 11)))
            .unwrap()
            .stage,
        Stage::CellResolved
    );
    let stale = w.apply(&verified, cell_vote(d(2025, 11, 12))).unwrap_err();
    assert_eq!(stale.rule, "qd-294/admission.file_staleness_months");
    let renewed = w
        .apply(
            &verified,
            Action::RenewFile {
                on: d(2025, 11, 12),
            },
        )
        .unwrap();
    assert_eq!(renewed.stage, Stage::FileOpened);
    assert!(renewed.introducers.is_empty());
    let redone = w.run(
        renewed,
        vec![
            Action::RecordIntroductions {
                on: d(2025, 11, 13),
                introducers: vec![
                    Introducer {
                        member: member("A"),
                        worked_together_since: d(2024, 1, 1),
                    },
                    Introducer {
                        member: member("B"),
                        worked_together_since: d(2024, 1, 1),
                    },
                ],
                mass_org_resolution: None,
            },
            Action::RecordOpinions {
                summary: doc("2", d(2025, 11, 20)),
            },
            Action::CompleteVerification {
                conclusion: doc("3", d(2025, 11, 25)),
            },
        ],
    );
    assert_eq!(
        w.apply(&redone, cell_vote(d(2025, 12, 1))).unwrap().stage,
        Stage::CellResolved
    );
}

#[test]
fn introductions_certificates_readmission_and_votes() {
    let w = World::new();
    let steps = to_verified(d(2024, 9, 2));
    let opened = w.run(source(true), steps[..5].to_vec());
    let intro = |since: NaiveDate, count: usize, union: bool| Action::RecordIntroductions {
        on: d(2024, 11, 20),
        introducers: (0..count)
            .map(|i| Introducer {
                member: member(&format!("Đảng viên {i}")),
                worked_together_since: since,
            })
            .collect(),
        mass_org_resolution: union.then(|| doc("5-NQ/ĐTN", d(2024, 11, 18))),
    };
    assert!(
        w.apply(&opened, intro(d(2023, 11, 20), 2, false)).is_ok(),
        "two members who worked 12 months"
    );
    assert_eq!(
        w.apply(&opened, intro(d(2023, 11, 21), 2, false))
            .unwrap_err()
            .rule,
        "qd-24/admission.introducer_months_together"
    );
    assert_eq!(
        w.apply(&opened, intro(d(2023, 1, 1), 1, false))
            .unwrap_err()
            .rule,
        "qd-24/admission.introducers_required"
    );
    assert!(
        w.apply(&opened, intro(d(2023, 1, 1), 1, true)).is_ok(),
        "one member and the Youth Union"
    );
    let mut outsider = World::new();
    outsider.person.youth_union_member = false;
    assert_eq!(
        outsider
            .apply(&opened, intro(d(2023, 1, 1), 1, true))
            .unwrap_err()
            .rule,
        "admission.mass-org-introduction"
    );

    // The awareness certificate is valid 60 months (issued 1 Nov 2024).
    let verified = w.run(opened, steps[5..].to_vec());
    let mut old_certificate = verified.clone();
    old_certificate.awareness_certificate = Some(Certificate {
        number: "NT-1".into(),
        issued_on: d(2019, 11, 1),
        course: None,
    });
    let cell_vote = |on: NaiveDate, f: u32, n: u32| Action::CellVote {
        vote: vote("1", on, f, n),
        over_age_consent: None,
    };
    assert_eq!(
        w.apply(&old_certificate, cell_vote(d(2025, 1, 6), 9, 9))
            .unwrap_err()
            .rule,
        "qd-24/awareness_certificate.validity_months"
    );

    // Re-admission: 36 months after leaving, 60 after a cleared criminal record.
    let mut again = verified.clone();
    again.prior_membership = Some(PriorMembership {
        left_on: d(2022, 1, 7),
        reason: "Xin ra khỏi Đảng vì hoàn cảnh gia đình".into(),
        criminal_record_cleared_on: None,
    });
    assert_eq!(
        w.apply(&again, cell_vote(d(2025, 1, 6), 9, 9))
            .unwrap_err()
            .rule,
        "qd-24/readmission.minimum_gap_months"
    );
    assert!(w.apply(&again, cell_vote(d(2025, 1, 7), 9, 9)).is_ok());
    again
        .prior_membership
        .as_mut()
        .unwrap()
        .criminal_record_cleared_on = Some(d(2020, 3, 1));
    assert_eq!(
        w.apply(&again, cell_vote(d(2025, 1, 7), 9, 9))
            .unwrap_err()
            .rule,
        "qd-24/readmission.minimum_gap_after_criminal_record_months"
    );

    // Vote counts must make sense.
    assert_eq!(
        w.apply(&verified, cell_vote(d(2025, 1, 6), 10, 9))
            .unwrap_err()
            .rule,
        "vote.count"
    );
    assert_eq!(
        w.apply(&verified, cell_vote(d(2025, 1, 6), 0, 0))
            .unwrap_err()
            .rule,
        "vote.count"
    );
}

#[test]
fn dates_in_the_future_or_before_the_last_step_are_refused() {
    let w = World::new();
    let case = source(true);
    let future = Action::AddToSympathisers {
        resolution: doc("1", d(2030, 1, 2)),
        helpers: vec![],
    };
    assert_eq!(w.apply(&case, future).unwrap_err().rule, "date.future");
    let before = Action::AddToSympathisers {
        resolution: doc("1", d(2024, 9, 1)),
        helpers: vec![],
    };
    assert_eq!(w.apply(&case, before).unwrap_err().rule, "date.order");
    let unnumbered = Action::AddToSympathisers {
        resolution: doc(" ", d(2024, 9, 3)),
        helpers: vec![],
    };
    assert_eq!(w.apply(&case, unnumbered).unwrap_err().field, "resolution");
    // Vietnam is 7 hours ahead: at 18:00 UTC on 1 Jan 2030 it is already 2 Jan there.
    let evening = Utc.with_ymd_and_hms(2030, 1, 1, 18, 0, 0).unwrap();
    assert_eq!(today_in_vietnam(evening), d(2030, 1, 2));
}

#[test]
fn nominations_and_courses_reach_the_case() {
    let nominated = Case::new_source(
        CaseId(2),
        PersonId(2),
        UnitId(3),
        false,
        d(2025, 3, 1),
        Some((MassOrgId(4), doc("7-NQ/ĐTN", d(2025, 2, 20)))),
    );
    assert_eq!(nominated.nominated_by, Some(MassOrgId(4)));
    assert_eq!(nominated.papers[0].paper, Paper::Nomination);
}
