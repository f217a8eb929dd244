//! Work between organisations (phối hợp): nominations from mass organisations, transfers
//! of a file to another unit, and requests one unit sends another. The rules here are pure;
//! the store keeps the records and checks who may act on them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Violation;
use crate::calendar::Calendar;
use crate::case::{Case, DocRef};
use crate::ids::UnitId;
use crate::person::PersonDetails;
use crate::rules::RuleSet;
use crate::workflow::{Event, Transition, check_doc, dmy, required_text};

/// Where a nomination, a transfer or a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the receiving side.
    Pending,
    Accepted,
    Declined,
    /// Taken back by the side that sent it.
    Cancelled,
    /// A request whose answer is recorded.
    Answered,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Accepted,
        Status::Declined,
        Status::Cancelled,
        Status::Answered,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::Declined => "declined",
            Status::Cancelled => "cancelled",
            Status::Answered => "answered",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Pending => "Đang chờ",
            Status::Accepted => "Đã tiếp nhận",
            Status::Declined => "Không tiếp nhận",
            Status::Cancelled => "Đã rút lại",
            Status::Answered => "Đã trả lời",
        }
    }
}

/// Giới thiệu quần chúng ưu tú: what a mass organisation sends its party unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nomination {
    pub details: PersonDetails,
    /// The organisation's resolution (nghị quyết giới thiệu).
    pub resolution: DocRef,
    /// Why the person is outstanding.
    pub reasons: String,
}

impl Nomination {
    /// Checks the person's details and the resolution; returns the nomination cleaned.
    pub fn checked(self, today: NaiveDate) -> Result<Nomination, Violation> {
        check_doc(&self.resolution, "resolution_number")?;
        if self.resolution.dated > today {
            return Err(Violation::new(
                "nomination.future",
                "resolution_dated",
                "Ngày của nghị quyết giới thiệu không thể sau hôm nay.",
            ));
        }
        let reasons = required_text(&self.reasons, "reasons", "lý do giới thiệu")?;
        let (details, _) = self.details.checked(today)?;
        Ok(Nomination {
            details,
            resolution: DocRef {
                number: crate::text::clean(&self.resolution.number),
                dated: self.resolution.dated,
            },
            reasons,
        })
    }
}

/// A reason a receiving side gives when it declines, or a sender when it transfers.
pub fn reason(text: &str, field: &str) -> Result<String, Violation> {
    required_text(text, field, "lý do")
}

/// The day a pending transfer goes to the two units' common parent.
pub fn transfer_escalates_on(
    started_on: NaiveDate,
    rules: &RuleSet,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    rules
        .coordination
        .as_ref()
        .map(|c| calendar.add_working_days(started_on, c.transfer_escalation_working_days))
}

/// The answer date a request gets unless its sender sets one.
pub fn request_due_on(
    sent_on: NaiveDate,
    rules: &RuleSet,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    rules
        .coordination
        .as_ref()
        .map(|c| calendar.add_working_days(sent_on, c.request_due_working_days))
}

/// The nearest unit both chains of ancestors share; each chain starts at the unit itself
/// and climbs to the root.
pub fn common_parent(from: &[UnitId], to: &[UnitId]) -> Option<UnitId> {
    from.iter().find(|unit| to.contains(unit)).copied()
}

/// What the receiving unit's acceptance does to the case: it moves to `to_cell` with its
/// whole history — stage, papers, dates — so every statutory clock keeps running.
#[derive(Debug)]
pub struct Arrival<'a> {
    pub to_cell: UnitId,
    pub to_cell_under_base_committee: bool,
    pub from_name: &'a str,
    pub to_name: &'a str,
    pub reason: &'a str,
    pub on: NaiveDate,
}

impl Arrival<'_> {
    pub fn apply(
        &self,
        case: &Case,
        actor: &str,
        rules: &RuleSet,
        now: DateTime<Utc>,
    ) -> Result<Transition, Violation> {
        if case.stage.is_closed() {
            return Err(Violation::new(
                "transfer.closed",
                "case",
                "Hồ sơ đã kết thúc nên không chuyển được.",
            ));
        }
        if self.to_cell == case.cell {
            return Err(Violation::new(
                "transfer.same-unit",
                "to_unit",
                "Đơn vị chuyển đến trùng đơn vị hiện tại.",
            ));
        }
        let mut moved = case.clone();
        moved.cell = self.to_cell;
        moved.cell_under_base_committee = self.to_cell_under_base_committee;
        let event = Event {
            action: TRANSFER_ACTION.into(),
            on: self.on,
            summary: format!(
                "Chuyển sinh hoạt từ {} đến {} (tiếp nhận ngày {}): {}",
                self.from_name,
                self.to_name,
                dmy(self.on),
                self.reason
            ),
            document: None,
            stage_before: case.stage,
            stage_after: case.stage,
            actor: actor.to_string(),
            rule_set: rules.label(),
            recorded_at: now,
        };
        Ok(Transition { case: moved, event })
    }
}

/// The event a transfer leaves in the case's history; it changes no stage.
pub const TRANSFER_ACTION: &str = "transfer";

/// Which request between units (GUIDE §2, stages 5–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Thẩm tra lý lịch: the applicant's relatives, at the unit where they live or work.
    Verification,
    /// Ý kiến nhận xét nơi cư trú.
    ResidenceOpinion,
    /// Ý kiến nhận xét nơi làm việc, học tập.
    WorkplaceOpinion,
}

impl RequestKind {
    pub const ALL: [RequestKind; 3] = [
        RequestKind::Verification,
        RequestKind::ResidenceOpinion,
        RequestKind::WorkplaceOpinion,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RequestKind::Verification => "verification",
            RequestKind::ResidenceOpinion => "residence_opinion",
            RequestKind::WorkplaceOpinion => "workplace_opinion",
        }
    }

    pub fn from_code(code: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            RequestKind::Verification => "Thẩm tra lý lịch",
            RequestKind::ResidenceOpinion => "Lấy ý kiến nhận xét nơi cư trú",
            RequestKind::WorkplaceOpinion => "Lấy ý kiến nhận xét nơi làm việc, học tập",
        }
    }
}

/// Where a request goes: a unit on ketnap, or one that gets a printed letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Addressee {
    Unit { unit: UnitId },
    Letter { name: String, address: String },
}

/// What the sending unit asks: kept sealed, since it names relatives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBody {
    /// Whom or what to verify or give an opinion on (a relative, the applicant at home …).
    pub about: String,
    pub questions: String,
}

/// What the answering side said, and who said it (kept sealed too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestAnswer {
    pub answered_on: NaiveDate,
    /// The person who gave the answer and their position (họ tên, chức vụ).
    pub answerer: String,
    pub conclusion: String,
    /// The reply letter's number and date, when there is one.
    pub document: Option<DocRef>,
}

/// A request as its sender writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub kind: RequestKind,
    pub to: Addressee,
    pub body: RequestBody,
    pub sent_on: NaiveDate,
    pub due_on: NaiveDate,
}

impl NewRequest {
    pub fn checked(self, today: NaiveDate) -> Result<NewRequest, Violation> {
        let to = match self.to {
            Addressee::Letter { name, address } => Addressee::Letter {
                name: required_text(&name, "to_name", "tên đơn vị nhận công văn")?,
                address: crate::text::clean(&address),
            },
            unit => unit,
        };
        let body = RequestBody {
            about: required_text(
                &self.body.about,
                "about",
                "người hoặc nội dung cần thẩm tra, nhận xét",
            )?,
            questions: crate::text::clean(&self.body.questions),
        };
        if self.sent_on > today {
            return Err(Violation::new(
                "request.future",
                "sent_on",
                "Ngày gửi không thể sau hôm nay.",
            ));
        }
        if self.due_on < self.sent_on {
            return Err(Violation::new(
                "request.due",
                "due_on",
                "Hạn trả lời phải từ ngày gửi trở đi.",
            ));
        }
        Ok(NewRequest { to, body, ..self })
    }
}

impl RequestAnswer {
    pub fn checked(self, sent_on: NaiveDate, today: NaiveDate) -> Result<RequestAnswer, Violation> {
        let answerer = required_text(
            &self.answerer,
            "answerer",
            "người trả lời (họ tên, chức vụ)",
        )?;
        let conclusion = required_text(&self.conclusion, "conclusion", "nội dung trả lời")?;
        if self.answered_on < sent_on || self.answered_on > today {
            return Err(Violation::new(
                "request.answer-date",
                "answered_on",
                format!(
                    "Ngày trả lời phải từ ngày gửi ({}) đến hôm nay.",
                    dmy(sent_on)
                ),
            ));
        }
        if let Some(doc) = &self.document {
            check_doc(doc, "document_number")?;
        }
        Ok(RequestAnswer {
            answerer,
            conclusion,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Stage;
    use crate::ids::{CaseId, PersonId};
    use crate::rules::RuleBook;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn common_parent_is_the_nearest_shared_ancestor() {
        let ward_a = [UnitId(11), UnitId(10), UnitId(1)];
        let ward_b = [UnitId(21), UnitId(20), UnitId(1)];
        let same_ward = [UnitId(12), UnitId(10), UnitId(1)];
        assert_eq!(common_parent(&ward_a, &ward_b), Some(UnitId(1)));
        assert_eq!(common_parent(&ward_a, &same_ward), Some(UnitId(10)));
        assert_eq!(common_parent(&ward_a, &[UnitId(99)]), None);
    }

    #[test]
    fn transfers_escalate_after_working_days_from_the_rule_set() {
        let book = RuleBook::builtin().unwrap();
        let rules = book.in_force_on(day(2026, 12, 1)).unwrap();
        let calendar = Calendar::generated();
        let days = rules
            .coordination
            .as_ref()
            .unwrap()
            .transfer_escalation_working_days;
        // Friday 4 Dec 2026 + 5 working days skips the weekend.
        assert_eq!(days, 5);
        assert_eq!(
            transfer_escalates_on(day(2026, 12, 4), rules, &calendar),
            Some(day(2026, 12, 11))
        );
        let mut bare = rules.clone();
        bare.coordination = None;
        assert_eq!(
            transfer_escalates_on(day(2026, 12, 4), &bare, &calendar),
            None
        );
        assert_eq!(request_due_on(day(2026, 12, 4), &bare, &calendar), None);
    }

    #[test]
    fn an_arrival_moves_the_case_and_keeps_its_clocks() {
        let book = RuleBook::builtin().unwrap();
        let rules = book.in_force_on(day(2026, 12, 1)).unwrap();
        let mut case = Case::new_source(
            CaseId(7),
            PersonId(3),
            UnitId(11),
            true,
            day(2026, 1, 5),
            None,
        );
        case.stage = Stage::Probation;
        case.ceremony_on = Some(day(2026, 3, 1));
        let arrival = Arrival {
            to_cell: UnitId(21),
            to_cell_under_base_committee: false,
            from_name: "Chi bộ A",
            to_name: "Chi bộ B",
            reason: "Chuyển nơi cư trú",
            on: day(2026, 12, 2),
        };
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let t = arrival.apply(&case, "can_bo", rules, now).unwrap();
        assert_eq!(t.case.cell, UnitId(21));
        assert!(!t.case.cell_under_base_committee);
        assert_eq!(t.case.ceremony_on, case.ceremony_on);
        assert_eq!(t.case.stage, Stage::Probation);
        assert_eq!(
            (t.event.stage_before, t.event.stage_after),
            (Stage::Probation, Stage::Probation)
        );
        assert_eq!(t.event.action, TRANSFER_ACTION);
        assert!(t.event.summary.contains("Chi bộ A") && t.event.summary.contains("Chi bộ B"));

        let same = Arrival {
            to_cell: UnitId(11),
            ..arrival
        };
        assert_eq!(
            same.apply(&case, "x", rules, now).unwrap_err().rule,
            "transfer.same-unit"
        );
        case.stage = Stage::Official;
        let back = Arrival {
            to_cell: UnitId(21),
            ..same
        };
        assert_eq!(
            back.apply(&case, "x", rules, now).unwrap_err().rule,
            "transfer.closed"
        );
    }

    #[test]
    fn requests_and_answers_are_checked() {
        let today = day(2026, 12, 6);
        let request = NewRequest {
            kind: RequestKind::Verification,
            to: Addressee::Letter {
                name: "  ".into(),
                address: String::new(),
            },
            body: RequestBody {
                about: "Bố: Nguyễn Văn B".into(),
                questions: String::new(),
            },
            sent_on: today,
            due_on: day(2026, 12, 20),
        };
        assert_eq!(request.clone().checked(today).unwrap_err().field, "to_name");
        let early = NewRequest {
            to: Addressee::Unit { unit: UnitId(4) },
            due_on: day(2026, 12, 1),
            ..request.clone()
        };
        assert_eq!(early.checked(today).unwrap_err().rule, "request.due");
        let answer = RequestAnswer {
            answered_on: day(2026, 12, 1),
            answerer: "Trần Văn C, Bí thư".into(),
            conclusion: "Không có vấn đề".into(),
            document: None,
        };
        assert_eq!(
            answer
                .clone()
                .checked(day(2026, 12, 2), today)
                .unwrap_err()
                .rule,
            "request.answer-date"
        );
        let blank = RequestAnswer {
            answerer: " ".into(),
            ..answer.clone()
        };
        assert_eq!(
            blank.checked(day(2026, 11, 30), today).unwrap_err().field,
            "answerer"
        );
        assert!(answer.checked(day(2026, 11, 30), today).is_ok());
    }
}
