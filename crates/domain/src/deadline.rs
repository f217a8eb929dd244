//! The next statutory deadline of an open case, its source rule and its status on a day.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::Violation;
use crate::calendar::Calendar;
use crate::case::{Case, Stage};
use crate::rules::RuleBook;
use crate::workflow::{decision_due, file_stale_after, probation_end};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub due: NaiveDate,
    /// What must happen by then, in Vietnamese.
    pub what: &'static str,
    /// `rule-set-id/field`, e.g. `qd-294/admission.decision_working_days`.
    pub rule: String,
    pub status: DeadlineStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "days", rename_all = "snake_case")]
pub enum DeadlineStatus {
    OnTime,
    /// Due within the warning window: calendar days left (0 = due today).
    DueSoon(i64),
    /// Calendar days past the due date.
    Overdue(i64),
}

impl DeadlineStatus {
    pub fn code(self) -> &'static str {
        match self {
            DeadlineStatus::OnTime => "on_time",
            DeadlineStatus::DueSoon(_) => "due_soon",
            DeadlineStatus::Overdue(_) => "overdue",
        }
    }

    pub fn label_vi(self) -> String {
        match self {
            DeadlineStatus::OnTime => "Trong hạn".to_string(),
            DeadlineStatus::DueSoon(0) => "Đến hạn hôm nay".to_string(),
            DeadlineStatus::DueSoon(days) => format!("Còn {days} ngày"),
            DeadlineStatus::Overdue(days) => format!("Quá hạn {days} ngày"),
        }
    }
}

/// The next deadline of `case` as seen on `today`; `None` for a case with no running clock
/// (a source, a sympathiser before the file is opened, a closed case).
/// `warn_days` is the window in which a deadline counts as "due soon".
pub fn next_deadline(
    case: &Case,
    rules: &RuleBook,
    calendar: &Calendar,
    today: NaiveDate,
    warn_days: i64,
) -> Result<Option<Deadline>, Violation> {
    Ok(next_due(case, rules, calendar)?.map(|due| due.on(today, warn_days)))
}

/// The next due date of `case` with what must happen and the rule behind it: the part of
/// a deadline that does not depend on the day it is looked at, so it can be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub due: NaiveDate,
    pub what: &'static str,
    /// Shared: the country's open cases name a handful of rules.
    pub rule: Arc<str>,
}

/// Which list of the home page an open case's deadline puts it on, in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    /// A committee's decision due within the week (cấp ủy cần quyết định trong tuần).
    DecisionThisWeek,
    Overdue,
    /// Due within the warning days, other than a committee's decision this week.
    DueSoon,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [
        Urgency::DecisionThisWeek,
        Urgency::Overdue,
        Urgency::DueSoon,
    ];

    /// The list a case at `stage` with a deadline of `status` on `due` belongs on; `None`
    /// when it is on time.
    pub fn of(
        stage: Stage,
        due: NaiveDate,
        status: DeadlineStatus,
        today: NaiveDate,
    ) -> Option<Urgency> {
        let committee_decides = matches!(
            stage,
            Stage::CellResolved
                | Stage::BaseResolved
                | Stage::RecognitionProposed
                | Stage::RecognitionBaseResolved
        );
        match status {
            DeadlineStatus::OnTime => None,
            DeadlineStatus::Overdue(_) => Some(Urgency::Overdue),
            DeadlineStatus::DueSoon(_) if committee_decides && (due - today).num_days() <= 7 => {
                Some(Urgency::DecisionThisWeek)
            }
            DeadlineStatus::DueSoon(_) => Some(Urgency::DueSoon),
        }
    }
}

impl Due {
    /// The deadline as seen on `today`.
    pub fn on(&self, today: NaiveDate, warn_days: i64) -> Deadline {
        Deadline {
            due: self.due,
            what: self.what,
            rule: self.rule.to_string(),
            status: status_on(self.due, today, warn_days),
        }
    }
}

/// See [`next_deadline`]; the due date without its status.
pub fn next_due(
    case: &Case,
    rules: &RuleBook,
    calendar: &Calendar,
) -> Result<Option<Due>, Violation> {
    let found = match case.stage {
        Stage::FileOpened | Stage::Introduced | Stage::OpinionsCollected | Stage::Verified => {
            let Some(opened) = case.file_opened_on else {
                return Ok(None);
            };
            let set = rules.in_force_on(opened)?;
            Some((
                file_stale_after(opened, set),
                "Chi bộ xét, biểu quyết đề nghị kết nạp trước khi hồ sơ quá hạn",
                format!("{}/admission.file_staleness_months", set.id),
            ))
        }
        Stage::CellResolved | Stage::BaseResolved => {
            let Some(vote) = &case.cell_vote else {
                return Ok(None);
            };
            let set = rules.in_force_on(vote.resolution.dated)?;
            decision_due(case, set, calendar).map(|due| {
                (
                    due,
                    "Cấp ủy có thẩm quyền ra quyết định kết nạp",
                    format!("{}/admission.decision_working_days", set.id),
                )
            })
        }
        Stage::Decided => {
            let Some(decision) = &case.decision else {
                return Ok(None);
            };
            let set = rules.in_force_on(decision.received_on)?;
            Some((
                calendar
                    .add_working_days(decision.received_on, set.admission.ceremony_working_days),
                "Tổ chức lễ kết nạp",
                format!("{}/admission.ceremony_working_days", set.id),
            ))
        }
        Stage::Probation => {
            let Some(ceremony_on) = case.ceremony_on else {
                return Ok(None);
            };
            let set = rules.in_force_on(ceremony_on)?;
            let end = probation_end(ceremony_on, set);
            let end_set = rules.in_force_on(end)?;
            Some((
                calendar.add_working_days(end, end_set.probation.recognition_vote_working_days),
                "Chi bộ xét công nhận đảng viên chính thức",
                format!("{}/probation.recognition_vote_working_days", end_set.id),
            ))
        }
        Stage::RecognitionProposed | Stage::RecognitionBaseResolved => {
            let Some(vote) = &case.recognition_vote else {
                return Ok(None);
            };
            let set = rules.in_force_on(vote.resolution.dated)?;
            Some((
                calendar.add_working_days(
                    vote.resolution.dated,
                    set.probation.recognition_decision_working_days,
                ),
                "Ra quyết định công nhận đảng viên chính thức",
                format!("{}/probation.recognition_decision_working_days", set.id),
            ))
        }
        _ => None,
    };
    Ok(found.map(|(due, what, rule)| Due {
        due,
        what,
        rule: rule.into(),
    }))
}

/// The status on `today` of something due on `due`, "due soon" within `warn_days`.
pub fn status_on(due: NaiveDate, today: NaiveDate, warn_days: i64) -> DeadlineStatus {
    let left = (due - today).num_days();
    if left < 0 {
        DeadlineStatus::Overdue(-left)
    } else if left <= warn_days {
        DeadlineStatus::DueSoon(left)
    } else {
        DeadlineStatus::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::case::{AdmissionDecision, DocRef, Exit, Vote};
    use crate::ids::{CaseId, PersonId, UnitId};

    #[test]
    fn a_deadline_puts_a_case_on_the_home_pages_list() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let on = |days| today + chrono::Duration::days(days);
        let of = |stage, due| Urgency::of(stage, due, status_on(due, today, 14), today);
        assert_eq!(of(Stage::CellResolved, on(-1)), Some(Urgency::Overdue));
        assert_eq!(
            of(Stage::CellResolved, on(7)),
            Some(Urgency::DecisionThisWeek)
        );
        assert_eq!(
            of(Stage::RecognitionBaseResolved, on(0)),
            Some(Urgency::DecisionThisWeek)
        );
        assert_eq!(of(Stage::CellResolved, on(8)), Some(Urgency::DueSoon));
        assert_eq!(of(Stage::Probation, on(3)), Some(Urgency::DueSoon));
        assert_eq!(of(Stage::Probation, on(15)), None);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn doc(dated: NaiveDate) -> DocRef {
        DocRef {
            number: "1".into(),
            dated,
        }
    }

    fn vote(on: NaiveDate) -> Vote {
        Vote {
            resolution: doc(on),
            votes_for: 9,
            official_members: 9,
        }
    }

    fn case_at(stage: Stage) -> Case {
        let mut case =
            Case::new_source(CaseId(1), PersonId(1), UnitId(1), true, d(2025, 1, 6), None);
        case.stage = stage;
        case.file_opened_on = Some(d(2025, 3, 10));
        case.cell_vote = Some(vote(d(2026, 1, 15)));
        case.decision = Some(AdmissionDecision {
            decision: doc(d(2026, 1, 29)),
            received_on: d(2026, 1, 31),
        });
        case.ceremony_on = Some(d(2026, 3, 16));
        case.recognition_vote = Some(vote(d(2027, 3, 22)));
        case
    }

    #[test]
    fn each_stage_has_its_deadline_and_rule() {
        let rules = RuleBook::builtin().unwrap();
        let calendar = Calendar::generated();
        let today = d(2026, 1, 20);
        let table: [(Stage, Option<(NaiveDate, &str)>); 10] = [
            (Stage::Source, None),
            (Stage::Sympathiser, None),
            (
                Stage::FileOpened,
                Some((d(2026, 3, 10), "qd-232/admission.file_staleness_months")),
            ),
            (
                Stage::Verified,
                Some((d(2026, 3, 10), "qd-232/admission.file_staleness_months")),
            ),
            (
                Stage::CellResolved,
                Some((d(2026, 4, 16), "qd-294/admission.decision_working_days")),
            ),
            (
                Stage::BaseResolved,
                Some((d(2026, 4, 16), "qd-294/admission.decision_working_days")),
            ),
            // Received Sat 31 Jan 2026: 30 working days, Tết skipped.
            (
                Stage::Decided,
                Some((d(2026, 3, 20), "qd-294/admission.ceremony_working_days")),
            ),
            (
                Stage::Probation,
                Some((
                    calendar.add_working_days(d(2027, 3, 16), 30),
                    "qd-294/probation.recognition_vote_working_days",
                )),
            ),
            (
                Stage::RecognitionProposed,
                Some((
                    calendar.add_working_days(d(2027, 3, 22), 30),
                    "qd-294/probation.recognition_decision_working_days",
                )),
            ),
            (Stage::Official, None),
        ];
        for (stage, expected) in table {
            let found = next_deadline(&case_at(stage), &rules, &calendar, today, 14).unwrap();
            assert_eq!(
                found.as_ref().map(|f| (f.due, f.rule.as_str())),
                expected,
                "{stage:?}"
            );
        }
        let mut closed = case_at(Stage::Decided);
        closed.stage = Stage::Withdrawn;
        closed.exit = Some(Exit {
            on: today,
            reason: "x".into(),
            document: None,
            to_unit: None,
        });
        assert_eq!(
            next_deadline(&closed, &rules, &calendar, today, 14).unwrap(),
            None
        );
    }

    #[test]
    fn status_is_on_time_due_soon_or_overdue() {
        let rules = RuleBook::builtin().unwrap();
        let calendar = Calendar::generated();
        let decided = case_at(Stage::Decided);
        let due = d(2026, 3, 20);
        let table = [
            (d(2026, 3, 5), DeadlineStatus::OnTime),
            (d(2026, 3, 6), DeadlineStatus::DueSoon(14)),
            (due, DeadlineStatus::DueSoon(0)),
            (d(2026, 3, 21), DeadlineStatus::Overdue(1)),
            (d(2026, 4, 19), DeadlineStatus::Overdue(30)),
        ];
        for (today, status) in table {
            let deadline = next_deadline(&decided, &rules, &calendar, today, 14)
                .unwrap()
                .unwrap();
            assert_eq!(deadline.status, status, "{today}");
        }
        assert_eq!(DeadlineStatus::Overdue(3).label_vi(), "Quá hạn 3 ngày");
        assert_eq!(DeadlineStatus::DueSoon(0).label_vi(), "Đến hạn hôm nay");
    }

    #[test]
    fn an_extension_moves_the_decision_deadline() {
        let rules = RuleBook::builtin().unwrap();
        let calendar = Calendar::generated();
        let mut case = case_at(Stage::CellResolved);
        case.decision_extension_days = 30;
        let deadline = next_deadline(&case, &rules, &calendar, d(2026, 1, 20), 14)
            .unwrap()
            .unwrap();
        assert_eq!(deadline.due, calendar.add_working_days(d(2026, 1, 15), 90));
    }
}
