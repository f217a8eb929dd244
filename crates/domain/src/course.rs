//! Courses as classes: a political centre's class of a hundred people is recorded once,
//! and each passing participant's certificate then reaches their case.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::Violation;
use crate::action::Action;
use crate::calendar::Calendar;
use crate::case::{Case, Certificate, Stage};
use crate::ids::{CourseId, PersonId, UnitId};
use crate::person::PersonDetails;
use crate::rules::RuleBook;
use crate::workflow::{Actor, Transition, apply};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseKind {
    /// Lớp bồi dưỡng nhận thức về Đảng.
    Awareness,
    /// Lớp bồi dưỡng đảng viên mới.
    NewMember,
}

impl CourseKind {
    pub fn code(self) -> &'static str {
        match self {
            CourseKind::Awareness => "awareness",
            CourseKind::NewMember => "new_member",
        }
    }

    pub fn from_code(code: &str) -> Option<CourseKind> {
        [CourseKind::Awareness, CourseKind::NewMember]
            .into_iter()
            .find(|k| k.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            CourseKind::Awareness => "Lớp bồi dưỡng nhận thức về Đảng",
            CourseKind::NewMember => "Lớp bồi dưỡng đảng viên mới",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub id: CourseId,
    pub kind: CourseKind,
    pub name: String,
    /// Who runs it (trung tâm chính trị, trường chính trị …).
    pub organiser: String,
    /// The committee whose records the class belongs to.
    pub unit: UnitId,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseResult {
    Passed,
    Failed,
    Absent,
}

impl CourseResult {
    pub fn code(self) -> &'static str {
        match self {
            CourseResult::Passed => "passed",
            CourseResult::Failed => "failed",
            CourseResult::Absent => "absent",
        }
    }

    pub fn from_code(code: &str) -> Option<CourseResult> {
        [
            CourseResult::Passed,
            CourseResult::Failed,
            CourseResult::Absent,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub person: PersonId,
    pub result: CourseResult,
    /// Certificate number, for those who passed.
    pub certificate_number: String,
}

impl Course {
    /// Checks the class and its list before it is recorded.
    pub fn check(&self, participants: &[Participant]) -> Result<(), Violation> {
        if crate::text::clean(&self.name).is_empty() {
            return Err(Violation::new(
                "input.required",
                "name",
                "Phải ghi tên lớp.",
            ));
        }
        if self.ends_on < self.starts_on {
            return Err(Violation::new(
                "date.order",
                "ends_on",
                "Ngày kết thúc lớp trước ngày khai giảng.",
            ));
        }
        for (row, p) in participants.iter().enumerate() {
            if p.result == CourseResult::Passed
                && crate::text::clean(&p.certificate_number).is_empty()
            {
                return Err(Violation::new(
                    "course.certificate",
                    format!("participants[{}].certificate_number", row + 1),
                    format!(
                        "Dòng {}: học viên đạt yêu cầu phải có số giấy chứng nhận.",
                        row + 1
                    ),
                ));
            }
            if participants[..row].iter().any(|q| q.person == p.person) {
                return Err(Violation::new(
                    "course.duplicate",
                    format!("participants[{}]", row + 1),
                    format!("Dòng {}: học viên này đã có trong danh sách lớp.", row + 1),
                ));
            }
        }
        Ok(())
    }

    /// The certificate a passing participant's case records, dated the last day of the class.
    pub fn certificate_action(&self, participant: &Participant) -> Option<Action> {
        if participant.result != CourseResult::Passed {
            return None;
        }
        let certificate = Certificate {
            number: crate::text::clean(&participant.certificate_number),
            issued_on: self.ends_on,
            course: Some(self.id),
        };
        Some(match self.kind {
            CourseKind::Awareness => Action::RecordAwarenessCertificate { certificate },
            CourseKind::NewMember => Action::RecordNewMemberCourse { certificate },
        })
    }

    /// Whether `case` is waiting for the certificate this class gives.
    fn awaited_by(&self, case: &Case) -> bool {
        match self.kind {
            CourseKind::Awareness => case.stage == Stage::Sympathiser,
            CourseKind::NewMember => {
                case.stage.is_probation() && case.new_member_certificate.is_none()
            }
        }
    }

    /// The transitions the class's certificates make on the participants' open cases
    /// (`(case, person, version)`), for each passing participant whose case waits for one.
    /// A certificate a case refuses is reported with the participant's line.
    #[allow(clippy::too_many_arguments)]
    pub fn certificate_transitions(
        &self,
        participants: &[Participant],
        cases: &[(Case, PersonDetails, i64)],
        actor: &Actor,
        now: DateTime<Utc>,
        rules: &RuleBook,
        calendar: &Calendar,
    ) -> Result<Vec<(i64, Transition)>, Violation> {
        let mut transitions = Vec::new();
        for (row, participant) in participants.iter().enumerate() {
            let Some(action) = self.certificate_action(participant) else {
                continue;
            };
            let waiting = cases
                .iter()
                .find(|(case, _, _)| case.person == participant.person && self.awaited_by(case));
            let Some((case, person, version)) = waiting else {
                continue;
            };
            let transition =
                apply(case, person, &action, actor, now, rules, calendar).map_err(|v| {
                    Violation::new(
                        v.rule,
                        format!("participants[{}]", row + 1),
                        format!("Dòng {}: {}", row + 1, v.message),
                    )
                })?;
            transitions.push((*version, transition));
        }
        Ok(transitions)
    }
}
