//! The pipeline as a pure function: `apply` checks an action against the case, the person,
//! the rule set in force on the action's date and the working-day calendar, and returns the
//! next case with the event to record, or the rule the action breaks.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Violation;
use crate::action::Action;
use crate::calendar::{Calendar, add_months, months_between};
use crate::case::{
    AdmissionDecision, Assessment, Case, DocRef, Exit, Paper, Stage, TestTask, Vote,
};
use crate::person::{BirthDate, PersonDetails};
use crate::rules::{RuleBook, RuleSet};

/// Who acts, as the audit trail and the event history will show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor(pub String);

/// One entry of a case's history (nhật ký hồ sơ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub action: String,
    /// The day it happened in the world.
    pub on: NaiveDate,
    pub summary: String,
    pub document: Option<DocRef>,
    pub stage_before: Stage,
    pub stage_after: Stage,
    pub actor: String,
    /// The rule set that judged the action (`qd-294 v1`).
    pub rule_set: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub case: Case,
    pub event: Event,
}

/// Vietnam's date at `now` (UTC+7, no daylight saving).
pub fn today_in_vietnam(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(7)).date_naive()
}

/// `dd/mm/yyyy`, as Vietnamese screens write dates. Written out rather than through
/// `format("%d/%m/%Y")`, which reads its pattern again for every date: a list page shows
/// a hundred.
pub fn dmy(day: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", day.day(), day.month(), day.year())
}

/// The last day of probation's 12 months: the official date (ngày chính thức).
pub fn probation_end(ceremony_on: NaiveDate, rules: &RuleSet) -> NaiveDate {
    add_months(ceremony_on, rules.probation.months)
}

/// Applies `action` to `case` for the person the case is about.
pub fn apply(
    case: &Case,
    person: &PersonDetails,
    action: &Action,
    actor: &Actor,
    now: DateTime<Utc>,
    rules: &RuleBook,
    calendar: &Calendar,
) -> Result<Transition, Violation> {
    let on = action.date();
    let today = today_in_vietnam(now);
    if on > today {
        return Err(Violation::new(
            "date.future",
            "date",
            format!("Ngày {} ở sau ngày hôm nay ({}).", dmy(on), dmy(today)),
        ));
    }
    if case.stage.is_closed() {
        return Err(not_allowed(action, case.stage));
    }
    let set = rules.in_force_on(on)?;
    let mut next = case.clone();
    let mut document = None;
    // The stage check inside `step` comes first: it tells the user more than a date would.
    let summary = step(&mut next, person, action, set, calendar, &mut document)?;
    if on < case.last_step_on() && !matches!(action, Action::AssessTestTask { .. }) {
        return Err(Violation::new(
            "date.order",
            "date",
            format!(
                "Ngày {} trước bước gần nhất của hồ sơ ({}).",
                dmy(on),
                dmy(case.last_step_on())
            ),
        ));
    }
    Ok(Transition {
        event: Event {
            action: action.code().to_string(),
            on,
            summary,
            document,
            stage_before: case.stage,
            stage_after: next.stage,
            actor: actor.0.clone(),
            rule_set: set.label(),
            recorded_at: now,
        },
        case: next,
    })
}

fn not_allowed(action: &Action, stage: Stage) -> Violation {
    Violation::new(
        "workflow.stage",
        "action",
        format!(
            "Không thể \"{}\" khi hồ sơ đang ở bước \"{}\".",
            action.label_vi().to_lowercase(),
            stage.label_vi()
        ),
    )
}

/// Requires the case to be at one of `stages`.
fn expect(case: &Case, action: &Action, stages: &[Stage]) -> Result<(), Violation> {
    if stages.contains(&case.stage) {
        Ok(())
    } else {
        Err(not_allowed(action, case.stage))
    }
}

pub(crate) fn required_text(text: &str, field: &str, what: &str) -> Result<String, Violation> {
    let cleaned = crate::text::clean(text);
    if cleaned.is_empty() {
        return Err(Violation::new(
            "input.required",
            field,
            format!("Phải ghi {what}."),
        ));
    }
    Ok(cleaned)
}

pub(crate) fn check_doc(doc: &DocRef, field: &str) -> Result<(), Violation> {
    required_text(&doc.number, field, "số văn bản").map(|_| ())
}

/// From the sympathiser list up to the cell's vote: helpers and test tasks belong here.
const SYMPATHISER_UNTIL_VOTE: [Stage; 6] = [
    Stage::Sympathiser,
    Stage::AwarenessCertified,
    Stage::FileOpened,
    Stage::Introduced,
    Stage::OpinionsCollected,
    Stage::Verified,
];
const FILE_OPEN: [Stage; 4] = [
    Stage::FileOpened,
    Stage::Introduced,
    Stage::OpinionsCollected,
    Stage::Verified,
];
const PROBATION: [Stage; 3] = [
    Stage::Probation,
    Stage::RecognitionProposed,
    Stage::RecognitionBaseResolved,
];

/// Changes `case` for one action and returns the event's summary.
fn step(
    case: &mut Case,
    person: &PersonDetails,
    action: &Action,
    rules: &RuleSet,
    calendar: &Calendar,
    document: &mut Option<DocRef>,
) -> Result<String, Violation> {
    let on = action.date();
    let summary = match action {
        Action::AddToSympathisers {
            resolution,
            helpers,
        } => {
            expect(case, action, &[Stage::Source])?;
            check_doc(resolution, "resolution")?;
            case.sympathiser_on = Some(resolution.dated);
            case.helpers.extend(helpers.iter().cloned());
            case.add_paper(Paper::SympathiserResolution, resolution, None);
            case.stage = Stage::Sympathiser;
            *document = Some(resolution.clone());
            "Chi bộ ra nghị quyết công nhận cảm tình Đảng".to_string()
        }
        Action::AssignHelper { helper, .. } => {
            expect(case, action, &SYMPATHISER_UNTIL_VOTE)?;
            let name = required_text(&helper.name, "helper", "họ tên đảng viên giúp đỡ")?;
            case.helpers.push(helper.clone());
            format!("Phân công đồng chí {name} giúp đỡ")
        }
        Action::AssignTestTask { on, what, due_on } => {
            expect(case, action, &SYMPATHISER_UNTIL_VOTE)?;
            let what = required_text(what, "what", "nội dung nhiệm vụ")?;
            if due_on < on {
                return Err(Violation::new(
                    "test-task.due",
                    "due_on",
                    "Hạn hoàn thành nhiệm vụ phải sau ngày giao.",
                ));
            }
            case.test_tasks.push(TestTask {
                what: what.clone(),
                assigned_on: *on,
                due_on: *due_on,
                assessment: None,
            });
            format!("Giao nhiệm vụ thử thách: {what} (hạn {})", dmy(*due_on))
        }
        Action::AssessTestTask {
            on,
            task,
            result,
            note,
        } => {
            expect(case, action, &SYMPATHISER_UNTIL_VOTE)?;
            let Some(item) = case.test_tasks.get_mut(*task) else {
                return Err(Violation::new(
                    "test-task.unknown",
                    "task",
                    "Không có nhiệm vụ thử thách này.",
                ));
            };
            if item.assessment.is_some() {
                return Err(Violation::new(
                    "test-task.assessed",
                    "task",
                    "Nhiệm vụ này đã được đánh giá.",
                ));
            }
            if *on < item.assigned_on {
                return Err(Violation::new(
                    "date.order",
                    "on",
                    "Ngày đánh giá trước ngày giao nhiệm vụ.",
                ));
            }
            item.assessment = Some(Assessment {
                on: *on,
                result: *result,
                note: crate::text::clean(note),
            });
            format!("Đánh giá nhiệm vụ \"{}\": {}", item.what, result.label_vi())
        }
        Action::RecordAwarenessCertificate { certificate } => {
            expect(case, action, &[Stage::Sympathiser])?;
            required_text(&certificate.number, "certificate", "số giấy chứng nhận")?;
            let valid_until = add_months(
                certificate.issued_on,
                rules.awareness_certificate.validity_months,
            );
            case.awareness_certificate = Some(certificate.clone());
            case.add_paper(
                Paper::AwarenessCertificate,
                &DocRef {
                    number: certificate.number.clone(),
                    dated: certificate.issued_on,
                },
                Some(valid_until),
            );
            case.stage = Stage::AwarenessCertified;
            format!(
                "Giấy chứng nhận lớp nhận thức về Đảng số {}",
                certificate.number
            )
        }
        Action::OpenFile {
            on,
            prior_membership,
        } => {
            expect(case, action, &[Stage::AwarenessCertified])?;
            case.file_opened_on = Some(*on);
            case.prior_membership = prior_membership.clone();
            let doc = DocRef {
                number: String::new(),
                dated: *on,
            };
            case.add_paper(Paper::Application, &doc, None);
            case.add_paper(Paper::PersonalHistory, &doc, None);
            case.stage = Stage::FileOpened;
            "Nhận đơn xin vào Đảng và lý lịch: hồ sơ được mở".to_string()
        }
        Action::RecordIntroductions {
            on,
            introducers,
            mass_org_resolution,
        } => {
            expect(case, action, &[Stage::FileOpened])?;
            let needed = rules.admission.introducers_required as usize;
            let counted = introducers.len() + usize::from(mass_org_resolution.is_some());
            if counted < needed || introducers.is_empty() {
                return Err(Violation::new(
                    format!("{}/admission.introducers_required", rules.id),
                    "introducers",
                    format!(
                        "Cần {needed} đảng viên chính thức giới thiệu, hoặc 1 đảng viên và nghị quyết giới thiệu của Đoàn / Công đoàn; mới có {}.",
                        counted
                    ),
                ));
            }
            if mass_org_resolution.is_some()
                && !person.youth_union_member
                && !person.trade_union_member
            {
                return Err(Violation::new(
                    "admission.mass-org-introduction",
                    "mass_org_resolution",
                    "Chỉ đoàn viên Đoàn TNCS Hồ Chí Minh hoặc đoàn viên công đoàn mới được tổ chức đó giới thiệu thay một đảng viên.",
                ));
            }
            for introducer in introducers {
                let name = required_text(
                    &introducer.member.name,
                    "introducers",
                    "họ tên người giới thiệu",
                )?;
                let months = months_between(introducer.worked_together_since, *on);
                if months < rules.admission.introducer_months_together as i32 {
                    return Err(Violation::new(
                        format!("{}/admission.introducer_months_together", rules.id),
                        "introducers",
                        format!(
                            "Đồng chí {name} mới công tác cùng người xin vào Đảng {months} tháng; cần ít nhất {} tháng.",
                            rules.admission.introducer_months_together
                        ),
                    ));
                }
            }
            case.introducers = introducers.clone();
            case.introduced_on = Some(*on);
            for introducer in introducers {
                case.add_paper(
                    Paper::Introduction,
                    &DocRef {
                        number: introducer.member.name.clone(),
                        dated: *on,
                    },
                    None,
                );
            }
            if let Some(resolution) = mass_org_resolution {
                case.add_paper(Paper::MassOrgIntroduction, resolution, None);
            }
            case.stage = Stage::Introduced;
            format!("Có {} người giới thiệu", introducers.len())
                + if mass_org_resolution.is_some() {
                    " và nghị quyết giới thiệu của đoàn thể"
                } else {
                    ""
                }
        }
        Action::RecordOpinions { summary } => {
            expect(case, action, &[Stage::Introduced])?;
            case.opinions_on = Some(summary.dated);
            case.add_paper(Paper::OpinionSummary, summary, None);
            case.stage = Stage::OpinionsCollected;
            *document = Some(summary.clone());
            "Tổng hợp ý kiến nhận xét của đoàn thể và chi bộ nơi cư trú".to_string()
        }
        Action::CompleteVerification { conclusion } => {
            expect(case, action, &[Stage::OpinionsCollected])?;
            case.verified_on = Some(conclusion.dated);
            case.add_paper(Paper::VerificationConclusion, conclusion, None);
            case.stage = Stage::Verified;
            *document = Some(conclusion.clone());
            "Kết luận thẩm tra lý lịch".to_string()
        }
        Action::RenewFile { on } => {
            expect(case, action, &FILE_OPEN)?;
            case.file_opened_on = Some(*on);
            case.introducers.clear();
            case.introduced_on = None;
            case.opinions_on = None;
            case.verified_on = None;
            case.papers.retain(|p| {
                !matches!(
                    p.paper,
                    Paper::Introduction
                        | Paper::MassOrgIntroduction
                        | Paper::OpinionSummary
                        | Paper::VerificationConclusion
                )
            });
            case.stage = Stage::FileOpened;
            "Làm lại giới thiệu, nhận xét và thẩm tra vì hồ sơ quá hạn".to_string()
        }
        Action::CellVote {
            vote,
            over_age_consent,
        } => {
            expect(case, action, &[Stage::Verified])?;
            check_vote(vote)?;
            check_file_fresh(case, on, rules)?;
            check_age(person, on, over_age_consent.as_ref(), rules)?;
            check_certificate(case, on, rules)?;
            check_readmission(case, on, rules)?;
            case.cell_vote = Some(vote.clone());
            case.add_paper(Paper::CellResolution, &vote.resolution, None);
            *document = Some(vote.resolution.clone());
            if rules.vote_passes(vote.votes_for, vote.official_members) {
                case.stage = Stage::CellResolved;
                format!(
                    "Chi bộ biểu quyết đề nghị kết nạp: {}/{} tán thành",
                    vote.votes_for, vote.official_members
                )
            } else {
                close(
                    case,
                    Stage::NotAdmitted,
                    on,
                    "Chi bộ không đủ số tán thành",
                    Some(&vote.resolution),
                );
                format!(
                    "Chi bộ không đề nghị kết nạp: {}/{} tán thành",
                    vote.votes_for, vote.official_members
                )
            }
        }
        Action::BaseResolution {
            resolution,
            approved,
        } => {
            *document = Some(resolution.clone());
            base_resolution(case, action, resolution, *approved, &ADMISSION_BASE_STEP)?
        }
        Action::ExtendDecisionDeadline {
            working_days,
            reason,
            ..
        } => {
            expect(case, action, &[Stage::CellResolved, Stage::BaseResolved])?;
            let reason = required_text(reason, "reason", "lý do gia hạn")?;
            let total = case.decision_extension_days + working_days;
            let max = rules.admission.decision_extension_max_working_days;
            if *working_days == 0 || total > max {
                return Err(Violation::new(
                    format!("{}/admission.decision_extension_max_working_days", rules.id),
                    "working_days",
                    format!(
                        "Chỉ được gia hạn tổng cộng không quá {max} ngày làm việc (đã gia hạn {}).",
                        case.decision_extension_days
                    ),
                ));
            }
            case.decision_extension_days = total;
            format!("Gia hạn {working_days} ngày làm việc: {reason}")
        }
        Action::DecideAdmission {
            decision,
            received_on,
            approved,
            late_reason,
        } => {
            let ready = if case.cell_under_base_committee {
                Stage::BaseResolved
            } else {
                Stage::CellResolved
            };
            expect(case, action, &[ready])?;
            check_doc(decision, "decision")?;
            if *received_on < decision.dated {
                return Err(Violation::new(
                    "date.order",
                    "received_on",
                    "Ngày chi bộ nhận quyết định trước ngày ký quyết định.",
                ));
            }
            let mut summary = format!(
                "Quyết định kết nạp số {} ngày {}",
                decision.number,
                dmy(decision.dated)
            );
            if let Some(due) = decision_due(case, rules, calendar)
                && decision.dated > due
            {
                let reason = late_reason
                    .as_deref()
                    .map(crate::text::clean)
                    .unwrap_or_default();
                if reason.is_empty() {
                    return Err(Violation::new(
                        format!("{}/admission.decision_working_days", rules.id),
                        "decision",
                        format!(
                            "Quyết định ngày {} quá hạn {} ngày làm việc kể từ nghị quyết chi bộ (hạn {}). Hãy ghi lý do chậm.",
                            dmy(decision.dated),
                            rules.admission.decision_working_days + case.decision_extension_days,
                            dmy(due)
                        ),
                    ));
                }
                summary.push_str(&format!(" (chậm so với hạn {}: {reason})", dmy(due)));
            }
            *document = Some(decision.clone());
            if *approved {
                case.decision = Some(AdmissionDecision {
                    decision: decision.clone(),
                    received_on: *received_on,
                });
                case.add_paper(Paper::AdmissionDecision, decision, None);
                case.stage = Stage::Decided;
                summary
            } else {
                close(
                    case,
                    Stage::NotAdmitted,
                    on,
                    "Cấp ủy có thẩm quyền không kết nạp",
                    Some(decision),
                );
                format!(
                    "Cấp ủy có thẩm quyền quyết định không kết nạp (văn bản số {})",
                    decision.number
                )
            }
        }
        Action::HoldCeremony {
            on,
            mentor,
            superior_consent,
        } => {
            expect(case, action, &[Stage::Decided])?;
            let Some(decision) = case.decision.clone() else {
                return Err(not_allowed(action, case.stage));
            };
            if *on < decision.received_on {
                return Err(Violation::new(
                    "date.order",
                    "on",
                    "Lễ kết nạp không thể trước ngày nhận quyết định.",
                ));
            }
            let mentor_name = required_text(
                &mentor.name,
                "mentor",
                "họ tên đảng viên giúp đỡ đảng viên dự bị",
            )?;
            let due = calendar
                .add_working_days(decision.received_on, rules.admission.ceremony_working_days);
            let mut summary = format!("Lễ kết nạp; đảng viên giúp đỡ: {mentor_name}");
            if *on > due {
                let Some(consent) = superior_consent else {
                    return Err(Violation::new(
                        format!("{}/admission.ceremony_working_days", rules.id),
                        "on",
                        format!(
                            "Lễ kết nạp ngày {} quá {} ngày làm việc kể từ khi nhận quyết định (hạn {}); cần ý kiến đồng ý của cấp ủy cấp trên.",
                            dmy(*on),
                            rules.admission.ceremony_working_days,
                            dmy(due)
                        ),
                    ));
                };
                check_doc(consent, "superior_consent")?;
                case.add_paper(Paper::CeremonyConsent, consent, None);
                summary.push_str(&format!(
                    " (quá hạn {}, có ý kiến đồng ý số {})",
                    dmy(due),
                    consent.number
                ));
            }
            case.ceremony_on = Some(*on);
            case.mentor = Some(mentor.clone());
            case.stage = Stage::Probation;
            summary
        }
        Action::RecordNewMemberCourse { certificate } => {
            expect(case, action, &PROBATION)?;
            required_text(&certificate.number, "certificate", "số giấy chứng nhận")?;
            case.new_member_certificate = Some(certificate.clone());
            case.add_paper(
                Paper::NewMemberCertificate,
                &DocRef {
                    number: certificate.number.clone(),
                    dated: certificate.issued_on,
                },
                None,
            );
            format!(
                "Giấy chứng nhận lớp đảng viên mới số {}",
                certificate.number
            )
        }
        Action::RecordSelfReview { document: doc } => {
            expect(case, action, &PROBATION)?;
            case.add_paper(Paper::SelfReview, doc, None);
            "Bản tự kiểm điểm của đảng viên dự bị".to_string()
        }
        Action::RecordMentorReview { document: doc } => {
            expect(case, action, &PROBATION)?;
            case.add_paper(Paper::MentorReview, doc, None);
            "Nhận xét của đảng viên giúp đỡ".to_string()
        }
        Action::RecognitionVote { vote, late_reason } => {
            expect(case, action, &[Stage::Probation])?;
            check_vote(vote)?;
            let Some(ceremony_on) = case.ceremony_on else {
                return Err(not_allowed(action, case.stage));
            };
            let end = probation_end(ceremony_on, rules);
            if on < end {
                return Err(Violation::new(
                    format!("{}/probation.months", rules.id),
                    "date",
                    format!(
                        "Chưa hết {} tháng dự bị (hết ngày {}).",
                        rules.probation.months,
                        dmy(end)
                    ),
                ));
            }
            let due = calendar.add_working_days(end, rules.probation.recognition_vote_working_days);
            let late = late_note(on, due, late_reason.as_deref(), || {
                Violation::new(
                    format!("{}/probation.recognition_vote_working_days", rules.id),
                    "date",
                    format!(
                        "Chi bộ xét công nhận ngày {} quá {} ngày làm việc sau khi hết dự bị (hạn {}). Hãy ghi lý do chậm.",
                        dmy(on),
                        rules.probation.recognition_vote_working_days,
                        dmy(due)
                    ),
                )
            })?;
            case.recognition_vote = Some(vote.clone());
            case.add_paper(Paper::RecognitionResolution, &vote.resolution, None);
            *document = Some(vote.resolution.clone());
            if rules.vote_passes(vote.votes_for, vote.official_members) {
                case.stage = Stage::RecognitionProposed;
                format!(
                    "Chi bộ đề nghị công nhận đảng viên chính thức: {}/{} tán thành{late}",
                    vote.votes_for, vote.official_members
                )
            } else {
                close(
                    case,
                    Stage::StruckOff,
                    on,
                    "Chi bộ không đề nghị công nhận chính thức",
                    Some(&vote.resolution),
                );
                format!(
                    "Chi bộ không công nhận chính thức ({}/{} tán thành): đề nghị xóa tên{late}",
                    vote.votes_for, vote.official_members
                )
            }
        }
        Action::RecognitionBaseResolution {
            resolution,
            approved,
        } => {
            *document = Some(resolution.clone());
            base_resolution(case, action, resolution, *approved, &RECOGNITION_BASE_STEP)?
        }
        Action::DecideRecognition {
            decision,
            late_reason,
        } => {
            let ready = if case.cell_under_base_committee {
                Stage::RecognitionBaseResolved
            } else {
                Stage::RecognitionProposed
            };
            expect(case, action, &[ready])?;
            check_doc(decision, "decision")?;
            let (Some(ceremony_on), Some(vote)) =
                (case.ceremony_on, case.recognition_vote.as_ref())
            else {
                return Err(not_allowed(action, case.stage));
            };
            let due = calendar.add_working_days(
                vote.resolution.dated,
                rules.probation.recognition_decision_working_days,
            );
            let late = late_note(on, due, late_reason.as_deref(), || {
                Violation::new(
                    format!("{}/probation.recognition_decision_working_days", rules.id),
                    "decision",
                    format!(
                        "Quyết định công nhận ngày {} quá {} ngày làm việc kể từ nghị quyết chi bộ (hạn {}). Hãy ghi lý do chậm.",
                        dmy(on),
                        rules.probation.recognition_decision_working_days,
                        dmy(due)
                    ),
                )
            })?;
            let official_on = probation_end(ceremony_on, rules);
            case.recognition_decision = Some(decision.clone());
            case.official_on = Some(official_on);
            case.add_paper(Paper::RecognitionDecision, decision, None);
            case.stage = Stage::Official;
            *document = Some(decision.clone());
            format!(
                "Công nhận đảng viên chính thức từ ngày {} (quyết định số {}){late}",
                dmy(official_on),
                decision.number
            )
        }
        Action::Withdraw { on, reason } => {
            if !case.stage.is_before_decision() {
                return Err(not_allowed(action, case.stage));
            }
            let reason = required_text(reason, "reason", "lý do")?;
            close(case, Stage::Withdrawn, *on, &reason, None);
            format!("Rút khỏi danh sách: {reason}")
        }
        Action::TransferOut {
            on,
            to_unit,
            reason,
        } => {
            if *to_unit == case.cell {
                return Err(Violation::new(
                    "transfer.same-unit",
                    "to_unit",
                    "Đơn vị chuyển đến trùng đơn vị hiện tại.",
                ));
            }
            let reason = required_text(reason, "reason", "lý do chuyển")?;
            close(case, Stage::TransferredOut, *on, &reason, None);
            if let Some(exit) = case.exit.as_mut() {
                exit.to_unit = Some(*to_unit);
            }
            format!("Chuyển sang đơn vị khác: {reason}")
        }
        Action::StrikeOff { decision, reason } => {
            expect(case, action, &PROBATION)?;
            check_doc(decision, "decision")?;
            let reason = required_text(reason, "reason", "lý do xóa tên")?;
            close(case, Stage::StruckOff, on, &reason, Some(decision));
            *document = Some(decision.clone());
            format!("Xóa tên: {reason}")
        }
        Action::RecordDeath { on } => {
            close(case, Stage::Deceased, *on, "Từ trần", None);
            "Từ trần".to_string()
        }
    };
    Ok(summary)
}

/// What differs between the base committee's resolution on admission and on recognition.
struct BaseStep {
    waits_at: Stage,
    paper: Paper,
    /// Where the case keeps the resolution.
    slot: fn(&mut Case) -> &mut Option<DocRef>,
    next: Stage,
    /// Where a refusal leads.
    refused: Stage,
    approved_summary: &'static str,
    refused_reason: &'static str,
    refused_summary: &'static str,
}

const ADMISSION_BASE_STEP: BaseStep = BaseStep {
    waits_at: Stage::CellResolved,
    paper: Paper::BaseResolution,
    slot: |case| &mut case.base_resolution,
    next: Stage::BaseResolved,
    refused: Stage::NotAdmitted,
    approved_summary: "Đảng ủy cơ sở đề nghị kết nạp",
    refused_reason: "Đảng ủy cơ sở không đề nghị kết nạp",
    refused_summary: "Đảng ủy cơ sở không đề nghị kết nạp",
};

const RECOGNITION_BASE_STEP: BaseStep = BaseStep {
    waits_at: Stage::RecognitionProposed,
    paper: Paper::RecognitionBaseResolution,
    slot: |case| &mut case.recognition_base_resolution,
    next: Stage::RecognitionBaseResolved,
    refused: Stage::StruckOff,
    approved_summary: "Đảng ủy cơ sở đề nghị công nhận chính thức",
    refused_reason: "Đảng ủy cơ sở không đề nghị công nhận chính thức",
    refused_summary: "Đảng ủy cơ sở không đề nghị công nhận: đề nghị xóa tên",
};

/// The base committee's resolution, which only a cell under a base committee needs.
fn base_resolution(
    case: &mut Case,
    action: &Action,
    resolution: &DocRef,
    approved: bool,
    step: &BaseStep,
) -> Result<String, Violation> {
    expect(case, action, &[step.waits_at])?;
    if !case.cell_under_base_committee {
        return Err(Violation::new(
            "workflow.base-not-needed",
            "action",
            "Chi bộ cơ sở trình thẳng cấp ủy có thẩm quyền, không cần nghị quyết đảng ủy cơ sở.",
        ));
    }
    check_doc(resolution, "resolution")?;
    *(step.slot)(case) = Some(resolution.clone());
    case.add_paper(step.paper, resolution, None);
    if approved {
        case.stage = step.next;
        Ok(step.approved_summary.to_string())
    } else {
        close(
            case,
            step.refused,
            resolution.dated,
            step.refused_reason,
            Some(resolution),
        );
        Ok(step.refused_summary.to_string())
    }
}

fn close(case: &mut Case, stage: Stage, on: NaiveDate, reason: &str, document: Option<&DocRef>) {
    case.stage = stage;
    case.exit = Some(Exit {
        on,
        reason: reason.to_string(),
        document: document.cloned(),
        to_unit: None,
    });
}

/// Accepts a late step only with a reason, which the event then records.
fn late_note(
    on: NaiveDate,
    due: NaiveDate,
    reason: Option<&str>,
    violation: impl FnOnce() -> Violation,
) -> Result<String, Violation> {
    if on <= due {
        return Ok(String::new());
    }
    let reason = reason.map(crate::text::clean).unwrap_or_default();
    if reason.is_empty() {
        return Err(violation());
    }
    Ok(format!(" (chậm so với hạn {}: {reason})", dmy(due)))
}

fn check_vote(vote: &Vote) -> Result<(), Violation> {
    check_doc(&vote.resolution, "resolution")?;
    if vote.official_members == 0 || vote.votes_for > vote.official_members {
        return Err(Violation::new(
            "vote.count",
            "votes_for",
            format!(
                "Số tán thành ({}) phải không vượt quá số đảng viên chính thức ({}), và chi bộ phải có đảng viên chính thức.",
                vote.votes_for, vote.official_members
            ),
        ));
    }
    Ok(())
}

/// The decision deadline: working days from the cell's resolution, plus any extension.
pub fn decision_due(case: &Case, rules: &RuleSet, calendar: &Calendar) -> Option<NaiveDate> {
    let voted = case.cell_vote.as_ref()?.resolution.dated;
    Some(calendar.add_working_days(
        voted,
        rules.admission.decision_working_days + case.decision_extension_days,
    ))
}

/// The day after which a file not yet voted on is stale.
pub fn file_stale_after(opened_on: NaiveDate, rules: &RuleSet) -> NaiveDate {
    add_months(opened_on, rules.admission.file_staleness_months)
}

fn check_file_fresh(case: &Case, on: NaiveDate, rules: &RuleSet) -> Result<(), Violation> {
    let Some(opened) = case.file_opened_on else {
        return Ok(());
    };
    let limit = file_stale_after(opened, rules);
    if on > limit {
        return Err(Violation::new(
            format!("{}/admission.file_staleness_months", rules.id),
            "date",
            format!(
                "Hồ sơ mở ngày {} đã quá {} tháng (đến {}) mà chi bộ chưa xét; phải làm lại giới thiệu và nhận xét trước khi biểu quyết.",
                dmy(opened),
                rules.admission.file_staleness_months,
                dmy(limit)
            ),
        ));
    }
    Ok(())
}

fn check_age(
    person: &PersonDetails,
    on: NaiveDate,
    consent: Option<&DocRef>,
    rules: &RuleSet,
) -> Result<(), Violation> {
    let BirthDate::Full(born) = person.birth else {
        return Err(Violation::new(
            "age.birth-date-required",
            "birth_date",
            "Cần ngày sinh đầy đủ (ngày, tháng, năm) để tính tuổi khi chi bộ xét kết nạp.",
        ));
    };
    let months = months_between(born, on);
    let years_months = |m: i32| format!("{} tuổi {} tháng", m / 12, m % 12);
    if months < rules.age.minimum_months as i32 {
        return Err(Violation::new(
            format!("{}/age.minimum_months", rules.id),
            "birth_date",
            format!(
                "Ngày {} người xin vào Đảng mới {}; phải đủ {} tuổi.",
                dmy(on),
                years_months(months),
                rules.age.minimum_months / 12
            ),
        ));
    }
    if months > rules.age.maximum_months as i32 {
        let consented = consent.is_some_and(|doc| !crate::text::clean(&doc.number).is_empty());
        if !(rules.age.over_maximum_needs_consent && consented) {
            return Err(Violation::new(
                format!("{}/age.maximum_months", rules.id),
                "over_age_consent",
                format!(
                    "Ngày {} người xin vào Đảng đã {}, quá {} tuổi; cần văn bản đồng ý trước của cấp ủy trực thuộc Trung ương.",
                    dmy(on),
                    years_months(months),
                    rules.age.maximum_months / 12
                ),
            ));
        }
    }
    Ok(())
}

fn check_certificate(case: &Case, on: NaiveDate, rules: &RuleSet) -> Result<(), Violation> {
    let Some(certificate) = &case.awareness_certificate else {
        return Err(Violation::new(
            "admission.awareness-certificate",
            "awareness_certificate",
            "Chưa có giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng.",
        ));
    };
    let valid_until = add_months(
        certificate.issued_on,
        rules.awareness_certificate.validity_months,
    );
    if on > valid_until {
        return Err(Violation::new(
            format!("{}/awareness_certificate.validity_months", rules.id),
            "awareness_certificate",
            format!(
                "Giấy chứng nhận lớp nhận thức về Đảng số {} hết giá trị ngày {}; cần học lại.",
                certificate.number,
                dmy(valid_until)
            ),
        ));
    }
    Ok(())
}

fn check_readmission(case: &Case, on: NaiveDate, rules: &RuleSet) -> Result<(), Violation> {
    let Some(prior) = &case.prior_membership else {
        return Ok(());
    };
    let (from, months, rule) = match prior.criminal_record_cleared_on {
        Some(cleared) => (
            cleared,
            rules.readmission.minimum_gap_after_criminal_record_months,
            "minimum_gap_after_criminal_record_months",
        ),
        None => (
            prior.left_on,
            rules.readmission.minimum_gap_months,
            "minimum_gap_months",
        ),
    };
    let earliest = add_months(from, months);
    if on < earliest {
        return Err(Violation::new(
            format!("{}/readmission.{rule}", rules.id),
            "prior_membership",
            format!(
                "Kết nạp lại phải sau ít nhất {months} tháng kể từ {}, tức từ ngày {}.",
                dmy(from),
                dmy(earliest)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
