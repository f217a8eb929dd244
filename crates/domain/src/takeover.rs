//! Taking over a case from the paper file (tiếp nhận hồ sơ từ sổ sách). A committee that
//! starts using ketnap has people part-way through the pipeline, and its lists say only
//! where each one stands and the dates of the main steps. Those steps become the case's
//! fields and events (so reports count them when they happened); the steps the list does
//! not hold stay empty, and the case goes on from there through `workflow::apply`.
//!
//! Only stages a list can describe completely are taken over: a source, a sympathiser, a
//! holder of the awareness certificate, an applicant whose file is open, an admitted person
//! before or after the ceremony, and an official member. The votes and resolutions between
//! them carry counts and numbers that belong on the case page.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Violation;
use crate::case::{AdmissionDecision, Case, Certificate, DocRef, Paper, Stage};
use crate::ids::{CaseId, PersonId, UnitId};
use crate::rules::RuleBook;
use crate::workflow::{Event, dmy, probation_end};

/// The stages a list can bring in, in pipeline order.
pub const STAGES: [Stage; 7] = [
    Stage::Source,
    Stage::Sympathiser,
    Stage::AwarenessCertified,
    Stage::FileOpened,
    Stage::Decided,
    Stage::Probation,
    Stage::Official,
];

/// What a list says about one case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Milestones {
    /// The stage the list names, if it has such a column; else the last step with a date.
    pub stage: Option<Stage>,
    pub identified_on: Option<NaiveDate>,
    pub sympathiser_on: Option<NaiveDate>,
    pub awareness_certificate: Option<DocRef>,
    pub file_opened_on: Option<NaiveDate>,
    pub decision: Option<DocRef>,
    pub ceremony_on: Option<NaiveDate>,
    pub recognition_decision: Option<DocRef>,
}

impl Milestones {
    /// The milestones a case holds: what an export writes and a re-import compares.
    pub fn of(case: &Case) -> Milestones {
        Milestones {
            stage: Some(case.stage),
            identified_on: Some(case.identified_on),
            sympathiser_on: case.sympathiser_on,
            awareness_certificate: case.awareness_certificate.as_ref().map(|c| DocRef {
                number: c.number.clone(),
                dated: c.issued_on,
            }),
            file_opened_on: case.file_opened_on,
            decision: case.decision.as_ref().map(|d| d.decision.clone()),
            ceremony_on: case.ceremony_on,
            recognition_decision: case.recognition_decision.clone(),
        }
    }

    /// Whether a stored case says the same as this list row (blank cells of the row are
    /// not compared: a list may hold fewer columns than ketnap).
    pub fn agrees_with(&self, case: &Case) -> bool {
        let held = Milestones::of(case);
        fn same<T: PartialEq>(row: &Option<T>, held: &Option<T>) -> bool {
            row.is_none() || row == held
        }
        same(&self.stage, &held.stage)
            && same(&self.identified_on, &held.identified_on)
            && same(&self.sympathiser_on, &held.sympathiser_on)
            && same(&self.awareness_certificate, &held.awareness_certificate)
            && same(&self.file_opened_on, &held.file_opened_on)
            && same(&self.decision, &held.decision)
            && same(&self.ceremony_on, &held.ceremony_on)
            && same(&self.recognition_decision, &held.recognition_decision)
    }

    /// The steps with a date, in pipeline order: (stage reached, field, day).
    fn steps(&self) -> Vec<(Stage, &'static str, NaiveDate)> {
        [
            (Stage::Source, "identified_on", self.identified_on),
            (Stage::Sympathiser, "sympathiser_on", self.sympathiser_on),
            (
                Stage::AwarenessCertified,
                "awareness_certificate",
                self.awareness_certificate.as_ref().map(|d| d.dated),
            ),
            (Stage::FileOpened, "file_opened_on", self.file_opened_on),
            (
                Stage::Decided,
                "decision",
                self.decision.as_ref().map(|d| d.dated),
            ),
            (Stage::Probation, "ceremony_on", self.ceremony_on),
            (
                Stage::Official,
                "recognition_decision",
                self.recognition_decision.as_ref().map(|d| d.dated),
            ),
        ]
        .into_iter()
        .filter_map(|(stage, field, day)| Some((stage, field, day?)))
        .collect()
    }
}

/// The Vietnamese name of a milestone field, for messages.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "stage" => "giai đoạn",
        "identified_on" => "ngày xác định là quần chúng ưu tú",
        "sympathiser_on" => "ngày công nhận cảm tình Đảng",
        "awareness_certificate" => "giấy chứng nhận lớp nhận thức về Đảng",
        "file_opened_on" => "ngày nộp đơn và lý lịch",
        "decision" => "quyết định kết nạp",
        "ceremony_on" => "ngày kết nạp (lễ kết nạp)",
        "recognition_decision" => "quyết định công nhận đảng viên chính thức",
        _ => "ô này",
    }
}

/// A case built from a list row, and the events of its dated steps.
#[derive(Debug, Clone, PartialEq)]
pub struct TakenOver {
    pub case: Case,
    pub events: Vec<Event>,
}

/// Builds the case of `person` in `cell` from a list row, judged on `today`; `actor` and
/// `now` sign its events.
#[allow(clippy::too_many_arguments)]
pub fn take_over(
    row: &Milestones,
    person: PersonId,
    cell: UnitId,
    cell_under_base_committee: bool,
    rules: &RuleBook,
    today: NaiveDate,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<TakenOver, Violation> {
    let steps = row.steps();
    let Some(&(reached, last_field, _)) = steps.last() else {
        return Err(Violation::new(
            "takeover.identified",
            "identified_on",
            "Thiếu ngày xác định là quần chúng ưu tú (hoặc ngày của bước xa nhất đã qua).",
        ));
    };
    for &(_, field, day) in &steps {
        if day > today {
            return Err(Violation::new(
                "takeover.future",
                field,
                format!(
                    "{} là {}, sau hôm nay ({}).",
                    capitalised(field_label(field)),
                    dmy(day),
                    dmy(today)
                ),
            ));
        }
    }
    for pair in steps.windows(2) {
        let ((_, earlier, a), (_, later, b)) = (pair[0], pair[1]);
        if b < a {
            return Err(Violation::new(
                "takeover.order",
                later,
                format!(
                    "{} ({}) trước {} ({}).",
                    capitalised(field_label(later)),
                    dmy(b),
                    field_label(earlier),
                    dmy(a)
                ),
            ));
        }
    }
    let stage = match row.stage {
        None => reached,
        Some(named) if !STAGES.contains(&named) => {
            return Err(Violation::new(
                "takeover.stage",
                "stage",
                format!(
                    "Giai đoạn \"{}\" không nhập từ bảng tính được: hãy nhập hồ sơ ở giai đoạn trước đó rồi ghi tiếp trên trang hồ sơ.",
                    named.label_vi()
                ),
            ));
        }
        Some(named) if named != reached => {
            let (rule, field, message) = if named > reached {
                let needed = match named {
                    Stage::Sympathiser => "sympathiser_on",
                    Stage::AwarenessCertified => "awareness_certificate",
                    Stage::FileOpened => "file_opened_on",
                    Stage::Decided => "decision",
                    Stage::Probation => "ceremony_on",
                    _ => "recognition_decision",
                };
                (
                    "takeover.stage-missing-date",
                    needed,
                    format!(
                        "Giai đoạn \"{}\" cần {}.",
                        named.label_vi(),
                        field_label(needed)
                    ),
                )
            } else {
                (
                    "takeover.stage-behind",
                    "stage",
                    format!(
                        "Giai đoạn ghi \"{}\" nhưng đã có {}.",
                        named.label_vi(),
                        field_label(last_field)
                    ),
                )
            };
            return Err(Violation::new(rule, field, message));
        }
        Some(named) => named,
    };
    if stage >= Stage::Decided && row.decision.is_none() {
        return Err(Violation::new(
            "takeover.decision",
            "decision",
            "Đã kết nạp thì cần số và ngày quyết định kết nạp.",
        ));
    }
    if stage == Stage::Official && row.ceremony_on.is_none() {
        return Err(Violation::new(
            "takeover.ceremony",
            "ceremony_on",
            "Đảng viên chính thức cần ngày kết nạp (lễ kết nạp).",
        ));
    }
    let identified_on = steps[0].2;
    let mut case = Case::new_source(
        CaseId(0),
        person,
        cell,
        cell_under_base_committee,
        identified_on,
        None,
    );
    case.stage = stage;
    case.sympathiser_on = row.sympathiser_on;
    case.file_opened_on = row.file_opened_on;
    if let Some(doc) = &row.awareness_certificate {
        case.awareness_certificate = Some(Certificate {
            number: doc.number.clone(),
            issued_on: doc.dated,
            course: None,
        });
        case.add_paper(Paper::AwarenessCertificate, doc, None);
    }
    if let Some(doc) = &row.decision {
        case.decision = Some(AdmissionDecision {
            decision: doc.clone(),
            received_on: doc.dated,
        });
        case.add_paper(Paper::AdmissionDecision, doc, None);
    }
    case.ceremony_on = row.ceremony_on;
    if let (Some(doc), Some(ceremony)) = (&row.recognition_decision, row.ceremony_on) {
        let set = rules.in_force_on(doc.dated)?;
        let ends = probation_end(ceremony, set);
        if doc.dated < ends {
            return Err(Violation::new(
                format!("{}/probation.months", set.id),
                "recognition_decision",
                format!(
                    "Quyết định công nhận chính thức ngày {} trước khi hết {} tháng dự bị ({}).",
                    dmy(doc.dated),
                    set.probation.months,
                    dmy(ends)
                ),
            ));
        }
        case.recognition_decision = Some(doc.clone());
        case.official_on = Some(ends);
        case.add_paper(Paper::RecognitionDecision, doc, None);
    }
    let mut events = Vec::new();
    let mut before = Stage::Source;
    for (after, field, on) in steps {
        let Some(action) = action_of(after) else {
            continue;
        };
        let document = match field {
            "awareness_certificate" => row.awareness_certificate.clone(),
            "decision" => row.decision.clone(),
            "recognition_decision" => row.recognition_decision.clone(),
            _ => None,
        };
        events.push(Event {
            action: action.to_string(),
            on,
            summary: "Tiếp nhận từ danh sách của đơn vị (nhập từ bảng tính).".to_string(),
            document,
            stage_before: before,
            stage_after: after,
            actor: actor.to_string(),
            rule_set: rules.in_force_on(on)?.label(),
            recorded_at: now,
        });
        before = after;
    }
    Ok(TakenOver { case, events })
}

/// The workflow action whose event marks reaching `stage` (reports count these).
fn action_of(stage: Stage) -> Option<&'static str> {
    match stage {
        Stage::Sympathiser => Some("add_to_sympathisers"),
        Stage::AwarenessCertified => Some("record_awareness_certificate"),
        Stage::FileOpened => Some("open_file"),
        Stage::Decided => Some("decide_admission"),
        Stage::Probation => Some("hold_ceremony"),
        Stage::Official => Some("decide_recognition"),
        _ => None,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::FunnelStep;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn doc(number: &str, dated: NaiveDate) -> DocRef {
        DocRef {
            number: number.into(),
            dated,
        }
    }

    fn run(row: &Milestones) -> Result<TakenOver, Violation> {
        take_over(
            row,
            PersonId(7),
            UnitId(3),
            true,
            &RuleBook::builtin().unwrap(),
            day(2026, 11, 28),
            "nhập",
            DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap(),
        )
    }

    fn probationary() -> Milestones {
        Milestones {
            stage: None,
            identified_on: Some(day(2025, 1, 10)),
            sympathiser_on: Some(day(2025, 2, 1)),
            awareness_certificate: Some(doc("12/GCN", day(2025, 4, 2))),
            file_opened_on: Some(day(2025, 5, 5)),
            decision: Some(doc("45-QĐ/ĐU", day(2025, 9, 1))),
            ceremony_on: Some(day(2025, 9, 20)),
            recognition_decision: None,
        }
    }

    #[test]
    fn a_probationary_member_keeps_each_date_and_gets_an_event_per_step() {
        let taken = run(&probationary()).unwrap();
        assert_eq!(taken.case.stage, Stage::Probation);
        assert_eq!(taken.case.party_age_from(), Some(day(2025, 9, 1)));
        assert_eq!(taken.case.ceremony_on, Some(day(2025, 9, 20)));
        assert_eq!(taken.case.identified_on, day(2025, 1, 10));
        let steps: Vec<_> = taken
            .events
            .iter()
            .map(|e| (FunnelStep::from_action(&e.action), e.on, e.stage_after))
            .collect();
        assert_eq!(
            steps,
            vec![
                (
                    Some(FunnelStep::Sympathiser),
                    day(2025, 2, 1),
                    Stage::Sympathiser
                ),
                (
                    Some(FunnelStep::Awareness),
                    day(2025, 4, 2),
                    Stage::AwarenessCertified
                ),
                (
                    Some(FunnelStep::Application),
                    day(2025, 5, 5),
                    Stage::FileOpened
                ),
                (Some(FunnelStep::Decision), day(2025, 9, 1), Stage::Decided),
                (
                    Some(FunnelStep::Ceremony),
                    day(2025, 9, 20),
                    Stage::Probation
                ),
            ]
        );
        assert_eq!(taken.events[0].stage_before, Stage::Source);
        assert_eq!(taken.events[4].stage_before, Stage::Decided);
        assert_eq!(taken.events[3].rule_set, "qd-294 v1");
        assert!(Milestones::of(&taken.case).agrees_with(&taken.case));
        assert!(probationary().agrees_with(&taken.case));
    }

    #[test]
    fn missing_early_dates_are_left_empty_and_the_stage_comes_from_the_last_one() {
        let row = Milestones {
            decision: Some(doc("9-QĐ", day(2024, 3, 1))),
            ceremony_on: Some(day(2024, 3, 19)),
            recognition_decision: Some(doc("30-QĐ", day(2025, 3, 25))),
            ..Milestones::default()
        };
        let taken = run(&row).unwrap();
        assert_eq!(taken.case.stage, Stage::Official);
        assert_eq!(taken.case.identified_on, day(2024, 3, 1));
        assert_eq!(taken.case.official_on, Some(day(2025, 3, 19)));
        assert_eq!(taken.case.sympathiser_on, None);
        assert_eq!(taken.events.len(), 3);
    }

    #[test]
    fn rows_that_do_not_hold_together_are_refused_with_the_field() {
        let cases: Vec<(Milestones, &str, &str)> = vec![
            (
                Milestones::default(),
                "takeover.identified",
                "identified_on",
            ),
            (
                Milestones {
                    ceremony_on: Some(day(2025, 8, 1)),
                    ..probationary()
                },
                "takeover.order",
                "ceremony_on",
            ),
            (
                Milestones {
                    file_opened_on: Some(day(2027, 1, 1)),
                    ..probationary()
                },
                "takeover.future",
                "file_opened_on",
            ),
            (
                Milestones {
                    stage: Some(Stage::Official),
                    ..probationary()
                },
                "takeover.stage-missing-date",
                "recognition_decision",
            ),
            (
                Milestones {
                    stage: Some(Stage::Sympathiser),
                    ..probationary()
                },
                "takeover.stage-behind",
                "stage",
            ),
            (
                Milestones {
                    stage: Some(Stage::CellResolved),
                    ..probationary()
                },
                "takeover.stage",
                "stage",
            ),
            (
                Milestones {
                    decision: None,
                    ..probationary()
                },
                "takeover.decision",
                "decision",
            ),
            (
                Milestones {
                    recognition_decision: Some(doc("1", day(2026, 6, 1))),
                    ..probationary()
                },
                "qd-294/probation.months",
                "recognition_decision",
            ),
        ];
        for (row, rule, field) in cases {
            let v = run(&row).unwrap_err();
            assert_eq!((v.rule.as_str(), v.field.as_str()), (rule, field), "{v:?}");
            assert!(!v.message.is_empty());
        }
    }

    #[test]
    fn a_row_with_blank_cells_agrees_with_a_fuller_case() {
        let taken = run(&probationary()).unwrap();
        let sparse = Milestones {
            identified_on: Some(day(2025, 1, 10)),
            ..Milestones::default()
        };
        assert!(sparse.agrees_with(&taken.case));
        let other = Milestones {
            ceremony_on: Some(day(2025, 9, 21)),
            ..Milestones::default()
        };
        assert!(!other.agrees_with(&taken.case));
    }
}
