//! One person's path through the pipeline (hồ sơ phát triển đảng viên): its stage and
//! everything recorded on the way, as a value that `workflow::apply` turns into the next one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, CourseId, MassOrgId, PersonId, UnitId};

/// Where a case stands. The order of the variants is the order of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Quần chúng ưu tú: identified, not yet on the cell's list.
    Source,
    /// Cảm tình Đảng: on the cell's list, with a helper and test tasks.
    Sympathiser,
    /// Has the awareness-course certificate.
    AwarenessCertified,
    /// Application and personal history handed in: the file is open.
    FileOpened,
    /// Introductions by members or a mass organisation received.
    Introduced,
    /// Opinions of mass organisations and the place of residence collected.
    OpinionsCollected,
    /// Background verification finished.
    Verified,
    /// The cell voted to propose admission.
    CellResolved,
    /// The base committee's resolution proposes admission.
    BaseResolved,
    /// The admission decision is issued; the ceremony is due.
    Decided,
    /// Ceremony held: probationary member (đảng viên dự bị).
    Probation,
    /// The cell voted to recognise the member as official.
    RecognitionProposed,
    /// The base committee's resolution proposes recognition.
    RecognitionBaseResolved,
    /// Đảng viên chính thức.
    Official,
    /// Rút khỏi danh sách nguồn / cảm tình Đảng.
    Withdrawn,
    /// Không được kết nạp.
    NotAdmitted,
    /// Chuyển sang đơn vị khác.
    TransferredOut,
    /// Xóa tên trong thời kỳ dự bị.
    StruckOff,
    /// Từ trần.
    Deceased,
}

impl Stage {
    pub const ALL: [Stage; 19] = [
        Stage::Source,
        Stage::Sympathiser,
        Stage::AwarenessCertified,
        Stage::FileOpened,
        Stage::Introduced,
        Stage::OpinionsCollected,
        Stage::Verified,
        Stage::CellResolved,
        Stage::BaseResolved,
        Stage::Decided,
        Stage::Probation,
        Stage::RecognitionProposed,
        Stage::RecognitionBaseResolved,
        Stage::Official,
        Stage::Withdrawn,
        Stage::NotAdmitted,
        Stage::TransferredOut,
        Stage::StruckOff,
        Stage::Deceased,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Source => "source",
            Stage::Sympathiser => "sympathiser",
            Stage::AwarenessCertified => "awareness_certified",
            Stage::FileOpened => "file_opened",
            Stage::Introduced => "introduced",
            Stage::OpinionsCollected => "opinions_collected",
            Stage::Verified => "verified",
            Stage::CellResolved => "cell_resolved",
            Stage::BaseResolved => "base_resolved",
            Stage::Decided => "decided",
            Stage::Probation => "probation",
            Stage::RecognitionProposed => "recognition_proposed",
            Stage::RecognitionBaseResolved => "recognition_base_resolved",
            Stage::Official => "official",
            Stage::Withdrawn => "withdrawn",
            Stage::NotAdmitted => "not_admitted",
            Stage::TransferredOut => "transferred_out",
            Stage::StruckOff => "struck_off",
            Stage::Deceased => "deceased",
        }
    }

    pub fn from_code(code: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Stage::Source => "Quần chúng ưu tú (nguồn)",
            Stage::Sympathiser => "Cảm tình Đảng",
            Stage::AwarenessCertified => "Đã học lớp nhận thức về Đảng",
            Stage::FileOpened => "Đã nộp đơn và lý lịch",
            Stage::Introduced => "Đã có người giới thiệu",
            Stage::OpinionsCollected => "Đã lấy ý kiến nhận xét",
            Stage::Verified => "Đã thẩm tra lý lịch",
            Stage::CellResolved => "Chi bộ đã đề nghị kết nạp",
            Stage::BaseResolved => "Đảng ủy cơ sở đã đề nghị",
            Stage::Decided => "Đã có quyết định kết nạp",
            Stage::Probation => "Đảng viên dự bị",
            Stage::RecognitionProposed => "Chi bộ đã đề nghị công nhận chính thức",
            Stage::RecognitionBaseResolved => "Đảng ủy cơ sở đã đề nghị công nhận",
            Stage::Official => "Đảng viên chính thức",
            Stage::Withdrawn => "Đã rút khỏi danh sách",
            Stage::NotAdmitted => "Không được kết nạp",
            Stage::TransferredOut => "Đã chuyển đơn vị",
            Stage::StruckOff => "Đã xóa tên",
            Stage::Deceased => "Từ trần",
        }
    }

    /// A closed case takes no more actions.
    pub fn is_closed(self) -> bool {
        self >= Stage::Official
    }

    /// Before the admission decision (the case is still a candidate's).
    pub fn is_before_decision(self) -> bool {
        self < Stage::Decided
    }

    /// Probationary member, up to official recognition.
    pub fn is_probation(self) -> bool {
        (Stage::Probation..=Stage::RecognitionBaseResolved).contains(&self)
    }
}

/// The number and date of a paper (resolution, decision, certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRef {
    pub number: String,
    pub dated: NaiveDate,
}

/// An official member who helps, introduces or mentors; most are not in ketnap themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyMember {
    pub name: String,
    /// Số thẻ đảng viên, when known.
    #[serde(default)]
    pub card_number: String,
}

/// Người giới thiệu: an official member who has worked with the applicant for at least a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introducer {
    pub member: PartyMember,
    pub worked_together_since: NaiveDate,
}

/// Nhiệm vụ thử thách: a test task the cell gives a sympathiser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestTask {
    pub what: String,
    pub assigned_on: NaiveDate,
    pub due_on: NaiveDate,
    pub assessment: Option<Assessment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub on: NaiveDate,
    pub result: TaskResult,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskResult {
    Excellent,
    Good,
    Completed,
    NotCompleted,
}

impl TaskResult {
    pub fn label_vi(self) -> &'static str {
        match self {
            TaskResult::Excellent => "Hoàn thành xuất sắc",
            TaskResult::Good => "Hoàn thành tốt",
            TaskResult::Completed => "Hoàn thành",
            TaskResult::NotCompleted => "Không hoàn thành",
        }
    }
}

/// A course certificate (giấy chứng nhận), linked to the class when it was recorded as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub number: String,
    pub issued_on: NaiveDate,
    #[serde(default)]
    pub course: Option<CourseId>,
}

/// A cell's vote (nghị quyết chi bộ) with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub resolution: DocRef,
    pub votes_for: u32,
    pub official_members: u32,
}

/// The admission decision (quyết định kết nạp). Party age counts from `decision.dated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmissionDecision {
    pub decision: DocRef,
    /// The day the cell received it: the ceremony clock starts here.
    pub received_on: NaiveDate,
}

/// How a case left the pipeline before becoming official.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    pub on: NaiveDate,
    pub reason: String,
    pub document: Option<DocRef>,
    /// For a transfer: the unit the person went to.
    pub to_unit: Option<UnitId>,
}

/// A former member applying again (kết nạp lại).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorMembership {
    pub left_on: NaiveDate,
    pub reason: String,
    /// When a minor criminal record was cleared, if there was one.
    pub criminal_record_cleared_on: Option<NaiveDate>,
}

/// The papers of the file (hồ sơ), one kind per checklist line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    Nomination,
    SympathiserResolution,
    AwarenessCertificate,
    Application,
    PersonalHistory,
    Introduction,
    MassOrgIntroduction,
    OpinionSummary,
    VerificationConclusion,
    CellResolution,
    BaseResolution,
    AdmissionDecision,
    CeremonyConsent,
    NewMemberCertificate,
    SelfReview,
    MentorReview,
    RecognitionResolution,
    RecognitionBaseResolution,
    RecognitionDecision,
}

impl Paper {
    pub fn label_vi(self) -> &'static str {
        match self {
            Paper::Nomination => "Nghị quyết giới thiệu của đoàn thể",
            Paper::SympathiserResolution => "Nghị quyết chi bộ công nhận cảm tình Đảng",
            Paper::AwarenessCertificate => "Giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng",
            Paper::Application => "Đơn xin vào Đảng (mẫu 1-KNĐ)",
            Paper::PersonalHistory => "Lý lịch người xin vào Đảng (mẫu 2-KNĐ)",
            Paper::Introduction => "Giấy giới thiệu của đảng viên (mẫu 3-KNĐ)",
            Paper::MassOrgIntroduction => "Nghị quyết giới thiệu của Đoàn / Công đoàn (mẫu 4-KNĐ)",
            Paper::OpinionSummary => "Tổng hợp ý kiến nhận xét (mẫu 5-KNĐ)",
            Paper::VerificationConclusion => "Kết luận thẩm tra lý lịch",
            Paper::CellResolution => "Nghị quyết chi bộ đề nghị kết nạp (mẫu 6-KNĐ)",
            Paper::BaseResolution => "Nghị quyết đảng ủy cơ sở (mẫu 8-KNĐ)",
            Paper::AdmissionDecision => "Quyết định kết nạp đảng viên (mẫu 9-KNĐ)",
            Paper::CeremonyConsent => "Ý kiến đồng ý của cấp ủy cấp trên (lễ kết nạp quá hạn)",
            Paper::NewMemberCertificate => "Giấy chứng nhận lớp bồi dưỡng đảng viên mới",
            Paper::SelfReview => "Bản tự kiểm điểm của đảng viên dự bị (mẫu 10-KNĐ)",
            Paper::MentorReview => "Nhận xét của đảng viên giúp đỡ (mẫu 11-KNĐ)",
            Paper::RecognitionResolution => {
                "Nghị quyết chi bộ đề nghị công nhận chính thức (mẫu 13-KNĐ)"
            }
            Paper::RecognitionBaseResolution => {
                "Nghị quyết đảng ủy cơ sở đề nghị công nhận (mẫu 15-KNĐ)"
            }
            Paper::RecognitionDecision => "Quyết định công nhận đảng viên chính thức",
        }
    }
}

/// A paper received, with its number and date, and until when it counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperRecord {
    pub paper: Paper,
    pub number: String,
    pub dated: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// The case itself. Fields fill in as the case moves on; none is erased on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub person: PersonId,
    /// The responsible cell (chi bộ).
    pub cell: UnitId,
    /// Whether that cell sits under a base committee, so a base resolution is needed.
    pub cell_under_base_committee: bool,
    pub stage: Stage,
    /// The day the person was identified as a source.
    pub identified_on: NaiveDate,
    pub nominated_by: Option<MassOrgId>,
    pub sympathiser_on: Option<NaiveDate>,
    pub helpers: Vec<PartyMember>,
    pub test_tasks: Vec<TestTask>,
    pub awareness_certificate: Option<Certificate>,
    pub file_opened_on: Option<NaiveDate>,
    pub introducers: Vec<Introducer>,
    pub introduced_on: Option<NaiveDate>,
    pub opinions_on: Option<NaiveDate>,
    pub verified_on: Option<NaiveDate>,
    pub prior_membership: Option<PriorMembership>,
    pub cell_vote: Option<Vote>,
    pub base_resolution: Option<DocRef>,
    /// Working days added to the decision deadline.
    pub decision_extension_days: u32,
    pub decision: Option<AdmissionDecision>,
    /// Ngày kết nạp (joining date): the ceremony; probation starts here.
    pub ceremony_on: Option<NaiveDate>,
    pub mentor: Option<PartyMember>,
    pub new_member_certificate: Option<Certificate>,
    pub recognition_vote: Option<Vote>,
    pub recognition_base_resolution: Option<DocRef>,
    pub recognition_decision: Option<DocRef>,
    /// Ngày chính thức: the end of probation, whenever the recognition was decided.
    pub official_on: Option<NaiveDate>,
    pub exit: Option<Exit>,
    pub papers: Vec<PaperRecord>,
}

impl Case {
    /// A new source (quần chúng ưu tú).
    pub fn new_source(
        id: CaseId,
        person: PersonId,
        cell: UnitId,
        cell_under_base_committee: bool,
        identified_on: NaiveDate,
        nomination: Option<(MassOrgId, DocRef)>,
    ) -> Case {
        let mut case = Case {
            id,
            person,
            cell,
            cell_under_base_committee,
            stage: Stage::Source,
            identified_on,
            nominated_by: None,
            sympathiser_on: None,
            helpers: Vec::new(),
            test_tasks: Vec::new(),
            awareness_certificate: None,
            file_opened_on: None,
            introducers: Vec::new(),
            introduced_on: None,
            opinions_on: None,
            verified_on: None,
            prior_membership: None,
            cell_vote: None,
            base_resolution: None,
            decision_extension_days: 0,
            decision: None,
            ceremony_on: None,
            mentor: None,
            new_member_certificate: None,
            recognition_vote: None,
            recognition_base_resolution: None,
            recognition_decision: None,
            official_on: None,
            exit: None,
            papers: Vec::new(),
        };
        if let Some((mass_org, resolution)) = nomination {
            case.nominated_by = Some(mass_org);
            case.add_paper(Paper::Nomination, &resolution, None);
        }
        case
    }

    pub fn add_paper(&mut self, paper: Paper, doc: &DocRef, valid_until: Option<NaiveDate>) {
        self.papers.push(PaperRecord {
            paper,
            number: doc.number.clone(),
            dated: doc.dated,
            valid_until,
        });
    }

    /// Points certificates from a class recorded as `from` at its stored id `to` (a class
    /// gets its id when it is saved, after its certificates were applied).
    pub fn relink_course(&mut self, from: CourseId, to: CourseId) {
        for certificate in [
            &mut self.awareness_certificate,
            &mut self.new_member_certificate,
        ]
        .into_iter()
        .flatten()
        {
            if certificate.course == Some(from) {
                certificate.course = Some(to);
            }
        }
    }

    /// Party age counts from here (the date written in the admission decision).
    pub fn party_age_from(&self) -> Option<NaiveDate> {
        self.decision.as_ref().map(|d| d.decision.dated)
    }

    /// The date of the latest step taken, which later steps may not precede.
    pub fn last_step_on(&self) -> NaiveDate {
        [
            Some(self.identified_on),
            self.sympathiser_on,
            self.awareness_certificate.as_ref().map(|c| c.issued_on),
            self.file_opened_on,
            self.introduced_on,
            self.opinions_on,
            self.verified_on,
            self.cell_vote.as_ref().map(|v| v.resolution.dated),
            self.base_resolution.as_ref().map(|d| d.dated),
            self.decision.as_ref().map(|d| d.received_on),
            self.ceremony_on,
            self.recognition_vote.as_ref().map(|v| v.resolution.dated),
            self.recognition_base_resolution.as_ref().map(|d| d.dated),
            self.recognition_decision.as_ref().map(|d| d.dated),
            self.exit.as_ref().map(|e| e.on),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(self.identified_on)
    }
}
