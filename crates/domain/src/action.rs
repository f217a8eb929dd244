//! What a user can do to a case. Each action carries the dates and papers it records.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::{
    Certificate, DocRef, Introducer, PartyMember, PriorMembership, TaskResult, Vote,
};
use crate::ids::UnitId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// The cell's resolution puts a source on the sympathiser list.
    AddToSympathisers {
        resolution: DocRef,
        helpers: Vec<PartyMember>,
    },
    AssignHelper {
        on: NaiveDate,
        helper: PartyMember,
    },
    AssignTestTask {
        on: NaiveDate,
        what: String,
        due_on: NaiveDate,
    },
    AssessTestTask {
        on: NaiveDate,
        task: usize,
        result: TaskResult,
        note: String,
    },
    RecordAwarenessCertificate {
        certificate: Certificate,
    },
    /// Application (1-KNĐ) and personal history (2-KNĐ) handed in.
    OpenFile {
        on: NaiveDate,
        prior_membership: Option<PriorMembership>,
    },
    RecordIntroductions {
        on: NaiveDate,
        introducers: Vec<Introducer>,
        /// A Youth Union or Trade Union resolution standing in for one introducer.
        mass_org_resolution: Option<DocRef>,
    },
    RecordOpinions {
        summary: DocRef,
    },
    CompleteVerification {
        conclusion: DocRef,
    },
    /// Redo introductions and opinions after the file went stale.
    RenewFile {
        on: NaiveDate,
    },
    CellVote {
        vote: Vote,
        over_age_consent: Option<DocRef>,
    },
    BaseResolution {
        resolution: DocRef,
        approved: bool,
    },
    ExtendDecisionDeadline {
        on: NaiveDate,
        working_days: u32,
        reason: String,
    },
    DecideAdmission {
        decision: DocRef,
        received_on: NaiveDate,
        approved: bool,
        late_reason: Option<String>,
    },
    HoldCeremony {
        on: NaiveDate,
        mentor: PartyMember,
        superior_consent: Option<DocRef>,
    },
    RecordNewMemberCourse {
        certificate: Certificate,
    },
    RecordSelfReview {
        document: DocRef,
    },
    RecordMentorReview {
        document: DocRef,
    },
    RecognitionVote {
        vote: Vote,
        late_reason: Option<String>,
    },
    RecognitionBaseResolution {
        resolution: DocRef,
        approved: bool,
    },
    DecideRecognition {
        decision: DocRef,
        late_reason: Option<String>,
    },
    Withdraw {
        on: NaiveDate,
        reason: String,
    },
    TransferOut {
        on: NaiveDate,
        to_unit: UnitId,
        reason: String,
    },
    StrikeOff {
        decision: DocRef,
        reason: String,
    },
    RecordDeath {
        on: NaiveDate,
    },
}

impl Action {
    pub fn code(&self) -> &'static str {
        match self {
            Action::AddToSympathisers { .. } => "add_to_sympathisers",
            Action::AssignHelper { .. } => "assign_helper",
            Action::AssignTestTask { .. } => "assign_test_task",
            Action::AssessTestTask { .. } => "assess_test_task",
            Action::RecordAwarenessCertificate { .. } => "record_awareness_certificate",
            Action::OpenFile { .. } => "open_file",
            Action::RecordIntroductions { .. } => "record_introductions",
            Action::RecordOpinions { .. } => "record_opinions",
            Action::CompleteVerification { .. } => "complete_verification",
            Action::RenewFile { .. } => "renew_file",
            Action::CellVote { .. } => "cell_vote",
            Action::BaseResolution { .. } => "base_resolution",
            Action::ExtendDecisionDeadline { .. } => "extend_decision_deadline",
            Action::DecideAdmission { .. } => "decide_admission",
            Action::HoldCeremony { .. } => "hold_ceremony",
            Action::RecordNewMemberCourse { .. } => "record_new_member_course",
            Action::RecordSelfReview { .. } => "record_self_review",
            Action::RecordMentorReview { .. } => "record_mentor_review",
            Action::RecognitionVote { .. } => "recognition_vote",
            Action::RecognitionBaseResolution { .. } => "recognition_base_resolution",
            Action::DecideRecognition { .. } => "decide_recognition",
            Action::Withdraw { .. } => "withdraw",
            Action::TransferOut { .. } => "transfer_out",
            Action::StrikeOff { .. } => "strike_off",
            Action::RecordDeath { .. } => "record_death",
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            Action::AddToSympathisers { .. } => "Chi bộ công nhận cảm tình Đảng",
            Action::AssignHelper { .. } => "Phân công đảng viên giúp đỡ",
            Action::AssignTestTask { .. } => "Giao nhiệm vụ thử thách",
            Action::AssessTestTask { .. } => "Đánh giá nhiệm vụ thử thách",
            Action::RecordAwarenessCertificate { .. } => {
                "Ghi giấy chứng nhận lớp nhận thức về Đảng"
            }
            Action::OpenFile { .. } => "Nhận đơn xin vào Đảng và lý lịch",
            Action::RecordIntroductions { .. } => "Ghi người giới thiệu",
            Action::RecordOpinions { .. } => "Ghi tổng hợp ý kiến nhận xét",
            Action::CompleteVerification { .. } => "Kết luận thẩm tra lý lịch",
            Action::RenewFile { .. } => "Làm lại hồ sơ quá hạn",
            Action::CellVote { .. } => "Chi bộ xét, đề nghị kết nạp",
            Action::BaseResolution { .. } => "Nghị quyết đảng ủy cơ sở",
            Action::ExtendDecisionDeadline { .. } => "Gia hạn thời gian ra quyết định",
            Action::DecideAdmission { .. } => "Quyết định kết nạp",
            Action::HoldCeremony { .. } => "Tổ chức lễ kết nạp",
            Action::RecordNewMemberCourse { .. } => "Ghi giấy chứng nhận lớp đảng viên mới",
            Action::RecordSelfReview { .. } => "Ghi bản tự kiểm điểm",
            Action::RecordMentorReview { .. } => "Ghi nhận xét của đảng viên giúp đỡ",
            Action::RecognitionVote { .. } => "Chi bộ xét công nhận đảng viên chính thức",
            Action::RecognitionBaseResolution { .. } => {
                "Nghị quyết đảng ủy cơ sở về công nhận chính thức"
            }
            Action::DecideRecognition { .. } => "Quyết định công nhận đảng viên chính thức",
            Action::Withdraw { .. } => "Rút khỏi danh sách",
            Action::TransferOut { .. } => "Chuyển sang đơn vị khác",
            Action::StrikeOff { .. } => "Xóa tên",
            Action::RecordDeath { .. } => "Ghi từ trần",
        }
    }

    /// The day the action happened in the world (not the day it was typed in).
    pub fn date(&self) -> NaiveDate {
        match self {
            Action::AddToSympathisers {
                resolution: doc, ..
            }
            | Action::RecordOpinions { summary: doc }
            | Action::CompleteVerification { conclusion: doc }
            | Action::BaseResolution {
                resolution: doc, ..
            }
            | Action::DecideAdmission { decision: doc, .. }
            | Action::RecordSelfReview { document: doc }
            | Action::RecordMentorReview { document: doc }
            | Action::RecognitionBaseResolution {
                resolution: doc, ..
            }
            | Action::DecideRecognition { decision: doc, .. }
            | Action::StrikeOff { decision: doc, .. } => doc.dated,
            Action::CellVote { vote, .. } | Action::RecognitionVote { vote, .. } => {
                vote.resolution.dated
            }
            Action::RecordAwarenessCertificate { certificate }
            | Action::RecordNewMemberCourse { certificate } => certificate.issued_on,
            Action::AssignHelper { on, .. }
            | Action::AssignTestTask { on, .. }
            | Action::AssessTestTask { on, .. }
            | Action::OpenFile { on, .. }
            | Action::RecordIntroductions { on, .. }
            | Action::RenewFile { on }
            | Action::ExtendDecisionDeadline { on, .. }
            | Action::HoldCeremony { on, .. }
            | Action::Withdraw { on, .. }
            | Action::TransferOut { on, .. }
            | Action::RecordDeath { on } => *on,
        }
    }
}
