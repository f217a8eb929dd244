//! The next statutory deadline of an open case, its source rule and its status on a day.

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
    Ok(found.map(|(due, what, rule)| Deadline {
        due,
        what,
        rule,
        status: status_on(due, today, warn_days),
    }))
}

fn status_on(due: NaiveDate, today: NaiveDate, warn_days: i64) -> DeadlineStatus {
    let left = (due - today).num_days();
    if left < 0 {
        DeadlineStatus::Overdue(-left)
    } else if left <= warn_days {
        DeadlineStatus::DueSoon(left)
    } else {
        DeadlineStatus::OnTime
    }
}
