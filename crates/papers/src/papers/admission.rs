//! Admission: the cell's resolution proposing it (6-KNĐ) and the decision (9-KNĐ).

use ketnap_domain::case::{Case, DocRef};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::rules::RuleSet;

use super::{
    Paper, Proposal, birth_phrase, bundle, check_meeting, check_tally, proposals_phrase,
    tally_spans, write_assessment, write_meeting, write_person,
};
use crate::PaperError;
use crate::input::{CellMeeting, Letterhead, PersonLine, Signature, VoteTally};
use crate::layout::{Writer, b, clean, fill, t, upper};

/// Nghị quyết của chi bộ đề nghị kết nạp đảng viên (mẫu 6-KNĐ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionResolution {
    pub letterhead: Letterhead,
    /// The resolution's number ("12-NQ/CB") and date.
    pub resolution: DocRef,
    pub meeting: CellMeeting,
    pub person: PersonLine,
    /// The cell's conclusion on the personal history and its verification ("Lý lịch rõ
    /// ràng, …"); one paragraph per line. Empty prints a blank.
    pub history: String,
    /// Ưu điểm: political quality, ethics and way of life, ability, relations with people.
    pub strengths: String,
    /// Khuyết điểm.
    pub weaknesses: String,
    pub tally: VoteTally,
    /// The committee asked to decide: "Đảng ủy phường Thủ Dầu Một".
    pub proposed_to: String,
    /// Nơi nhận, without the dashes: "Đảng ủy phường Thủ Dầu Một", "Lưu chi bộ".
    pub recipients: Vec<String>,
    pub signature: Signature,
}

impl AdmissionResolution {
    /// From a case whose cell vote is recorded: the number, date and count come from
    /// `case.cell_vote`, the person from their record. The assessment is left to write.
    pub fn from_case(
        case: &Case,
        person: &PersonDetails,
        letterhead: Letterhead,
        cell: &str,
        proposed_to: &str,
        signature: Signature,
    ) -> Result<AdmissionResolution, PaperError> {
        let vote = case.cell_vote.as_ref().ok_or(PaperError::Missing {
            field: "cell_vote",
            what: "nghị quyết của chi bộ đề nghị kết nạp",
        })?;
        let mut meeting = CellMeeting::new(cell, vote.resolution.dated);
        meeting.official_members = Some(vote.official_members);
        Ok(AdmissionResolution {
            letterhead,
            resolution: vote.resolution.clone(),
            meeting,
            person: PersonLine::from(person),
            history: String::new(),
            strengths: String::new(),
            weaknesses: String::new(),
            tally: VoteTally::from(vote),
            proposed_to: proposed_to.to_string(),
            recipients: vec![proposed_to.to_string(), "Lưu chi bộ".into()],
            signature,
        })
    }

    pub(crate) fn check(&self) -> Result<(), PaperError> {
        check_meeting(&self.meeting)?;
        check_tally(&self.tally, &self.meeting)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let name = fill(&self.person.full_name);
        w.letterhead(
            &self.letterhead,
            &self.resolution.number,
            self.resolution.dated,
        );
        w.title("Nghị quyết", &["đề nghị kết nạp đảng viên"]);
        w.body(vec![t("Căn cứ Điều 4 Điều lệ Đảng Cộng sản Việt Nam,")]);
        write_meeting(
            w,
            &self.meeting,
            &format!("đề nghị kết nạp quần chúng {name} vào Đảng"),
        );
        w.body(vec![t(format!(
            "Sau khi nghe báo cáo và thảo luận, chi bộ thống nhất kết luận về quần chúng {name} như sau:"
        ))]);
        w.body(vec![b("1. Lý lịch")]);
        write_person(w, &self.person);
        w.body_text(&self.history);
        w.body(vec![b("2. Những ưu điểm, khuyết điểm chính")]);
        write_assessment(w, &self.strengths, &self.weaknesses);
        w.body(vec![b("3. Kết quả biểu quyết")]);
        w.body(tally_spans(
            &self.tally,
            &format!("việc kết nạp quần chúng {name} vào Đảng"),
        ));
        w.closing(vec![t(format!(
            "Chi bộ đề nghị {} xem xét, kết nạp quần chúng {name} vào Đảng Cộng sản Việt Nam.",
            fill(&self.proposed_to)
        ))]);
        w.signature(&self.recipients, &self.signature);
    }
}

/// Quyết định kết nạp đảng viên (mẫu 9-KNĐ). Party age counts from its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionDecision {
    pub letterhead: Letterhead,
    /// The decision's number ("45-QĐ/ĐU") and date.
    pub decision: DocRef,
    /// Who decides, as printed above "QUYẾT ĐỊNH": "Ban Thường vụ Đảng ủy phường Thủ Dầu Một".
    pub decided_by: String,
    /// "Căn cứ …;" lines; see [`AdmissionDecision::standard_grounds`].
    pub grounds: Vec<String>,
    /// The resolutions proposing admission: the cell's, and the base committee's where the
    /// cell sits under one. Printed as the "Xét đề nghị …" line.
    pub proposals: Vec<Proposal>,
    /// The cell that holds the ceremony: "Chi bộ Khu phố 1".
    pub cell: String,
    pub person: PersonLine,
    /// Thời gian dự bị, from the rule set in force (`probation.months`).
    pub probation_months: u32,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

impl AdmissionDecision {
    /// The grounds every admission decision cites: the Party Charter and the rules that
    /// carry it out (named generally, since they change: QĐ 232, then QĐ 294 in 2025).
    pub fn standard_grounds() -> Vec<String> {
        vec![
            "Căn cứ Điều lệ Đảng Cộng sản Việt Nam;".into(),
            "Căn cứ Quy định và Hướng dẫn thi hành Điều lệ Đảng hiện hành;".into(),
        ]
    }

    /// From a case with its decision recorded: the number and date from `case.decision`,
    /// the proposals from the cell's vote and (when `base` names the base committee and the
    /// case has it) the base resolution, the probation from `rules`.
    #[allow(clippy::too_many_arguments)]
    pub fn from_case(
        case: &Case,
        person: &PersonDetails,
        letterhead: Letterhead,
        decided_by: &str,
        cell: &str,
        base: Option<&str>,
        rules: &RuleSet,
        signature: Signature,
    ) -> Result<AdmissionDecision, PaperError> {
        let decision = case.decision.as_ref().ok_or(PaperError::Missing {
            field: "decision",
            what: "quyết định kết nạp",
        })?;
        Ok(AdmissionDecision {
            letterhead,
            decision: decision.decision.clone(),
            decided_by: decided_by.to_string(),
            grounds: AdmissionDecision::standard_grounds(),
            proposals: case_proposals(case, cell, base)?,
            cell: cell.to_string(),
            person: PersonLine::from(person),
            probation_months: rules.probation.months,
            recipients: vec![cell.to_string(), "Lưu Văn phòng Đảng ủy".into()],
            signature,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let name = fill(&self.person.full_name);
        w.letterhead(&self.letterhead, &self.decision.number, self.decision.dated);
        w.title("Quyết định", &["kết nạp đảng viên"]);
        write_decision_preamble(w, &self.decided_by, &self.grounds, &self.proposals);
        w.body(vec![
            b("Điều 1. "),
            t("Kết nạp quần chúng "),
            b(name.clone()),
            t(format!(
                ", {}, dân tộc {}, nơi cư trú: {}, vào Đảng Cộng sản Việt Nam. Thời gian dự bị {} tháng, kể từ ngày chi bộ tổ chức lễ kết nạp.",
                birth_phrase(&self.person.birth),
                fill(&self.person.ethnicity),
                fill(&self.person.residence),
                self.probation_months
            )),
        ]);
        let cell = fill(&self.cell);
        w.body(vec![
            b("Điều 2. "),
            t(format!(
                "{cell} có trách nhiệm tổ chức lễ kết nạp cho đồng chí {name} theo quy định của Điều lệ Đảng và phân công đảng viên chính thức giúp đỡ đồng chí {name} trong thời gian dự bị."
            )),
        ]);
        w.closing(vec![
            b("Điều 3. "),
            t(format!(
                "{cell}, các tổ chức, cá nhân có liên quan và đồng chí {name} thi hành Quyết định này."
            )),
        ]);
        w.signature(&self.recipients, &self.signature);
    }
}

/// The proposals of a case: the cell's vote, then the base resolution when named.
pub(crate) fn case_proposals(
    case: &Case,
    cell: &str,
    base: Option<&str>,
) -> Result<Vec<Proposal>, PaperError> {
    let vote = case.cell_vote.as_ref().ok_or(PaperError::Missing {
        field: "cell_vote",
        what: "nghị quyết của chi bộ đề nghị kết nạp",
    })?;
    let mut proposals = vec![Proposal {
        by: cell.to_string(),
        resolution: vote.resolution.clone(),
    }];
    if let (Some(base), Some(resolution)) = (base, &case.base_resolution) {
        proposals.push(Proposal {
            by: base.to_string(),
            resolution: resolution.clone(),
        });
    }
    Ok(proposals)
}

/// "Căn cứ …", "Xét đề nghị …", then who decides and "QUYẾT ĐỊNH".
pub(crate) fn write_decision_preamble(
    w: &mut Writer,
    decided_by: &str,
    grounds: &[String],
    proposals: &[Proposal],
) {
    for ground in grounds {
        let ground = clean(ground);
        if !ground.is_empty() {
            w.body(vec![t(ground)]);
        }
    }
    w.body(vec![t(proposals_phrase(proposals))]);
    let decided_by = upper(decided_by);
    if !decided_by.is_empty() {
        w.centred_bold(&decided_by);
    }
    w.centred_bold("QUYẾT ĐỊNH");
}

/// The cell's resolution proposing admission, as a `.docx`.
pub fn admission_resolution(paper: &AdmissionResolution) -> Result<Vec<u8>, PaperError> {
    bundle(&[Paper::AdmissionResolution(paper)])
}

/// The admission decision, as a `.docx`.
pub fn admission_decision(paper: &AdmissionDecision) -> Result<Vec<u8>, PaperError> {
    bundle(&[Paper::AdmissionDecision(paper)])
}
