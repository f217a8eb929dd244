//! Official recognition: the cell's resolution proposing it (13-KNĐ) and the decision.

use chrono::NaiveDate;
use ketnap_domain::case::{Case, DocRef};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::rules::RuleSet;
use ketnap_domain::workflow::probation_end;

use super::admission::write_decision_preamble;
use super::{
    Paper, Proposal, birth_phrase, bundle, check_meeting, check_tally, doc_phrase, tally_spans,
    write_assessment, write_meeting,
};
use crate::PaperError;
use crate::format::date_words;
use crate::input::{CellMeeting, Letterhead, PersonLine, Signature, VoteTally};
use crate::layout::{Writer, b, fill, t};

/// Nghị quyết của chi bộ đề nghị công nhận đảng viên chính thức (mẫu 13-KNĐ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecognitionResolution {
    pub letterhead: Letterhead,
    /// The resolution's number ("31-NQ/CB") and date.
    pub resolution: DocRef,
    pub meeting: CellMeeting,
    pub person: PersonLine,
    /// The admission decision ("45-QĐ/ĐU" and its date).
    pub admission_decision: DocRef,
    /// Who issued it: "Ban Thường vụ Đảng ủy phường Thủ Dầu Một".
    pub admission_decided_by: String,
    /// The ceremony (ngày kết nạp): probation starts here.
    pub admitted_on: NaiveDate,
    /// The end of probation: the day the member becomes official.
    pub official_from: NaiveDate,
    /// Ưu điểm during probation; one paragraph per line.
    pub strengths: String,
    /// Khuyết điểm during probation.
    pub weaknesses: String,
    pub tally: VoteTally,
    /// The committee asked to decide.
    pub proposed_to: String,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

/// Quyết định công nhận đảng viên chính thức.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecognitionDecision {
    pub letterhead: Letterhead,
    /// The decision's number ("88-QĐ/ĐU") and date.
    pub decision: DocRef,
    /// "Ban Thường vụ Đảng ủy phường Thủ Dầu Một".
    pub decided_by: String,
    /// "Căn cứ …;" lines.
    pub grounds: Vec<String>,
    /// The cell's recognition resolution, and the base committee's where there is one.
    pub proposals: Vec<Proposal>,
    pub cell: String,
    pub person: PersonLine,
    /// The ceremony (ngày kết nạp).
    pub admitted_on: NaiveDate,
    /// The official date: the end of probation, whenever the decision is taken.
    pub official_from: NaiveDate,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

/// What both recognition papers need from a case.
struct Probation {
    decision: DocRef,
    admitted_on: NaiveDate,
    official_from: NaiveDate,
}

fn probation(case: &Case, rules: &RuleSet) -> Result<Probation, PaperError> {
    let decision = case.decision.as_ref().ok_or(PaperError::Missing {
        field: "decision",
        what: "quyết định kết nạp",
    })?;
    let admitted_on = case.ceremony_on.ok_or(PaperError::Missing {
        field: "ceremony_on",
        what: "ngày lễ kết nạp",
    })?;
    Ok(Probation {
        decision: decision.decision.clone(),
        admitted_on,
        official_from: case
            .official_on
            .unwrap_or_else(|| probation_end(admitted_on, rules)),
    })
}

impl RecognitionResolution {
    /// From a case whose recognition vote is recorded (`case.recognition_vote`), with the
    /// admission decision and the ceremony; the official date is the case's, or the end of
    /// probation under `rules`.
    #[allow(clippy::too_many_arguments)]
    pub fn from_case(
        case: &Case,
        person: &PersonDetails,
        rules: &RuleSet,
        letterhead: Letterhead,
        cell: &str,
        admission_decided_by: &str,
        proposed_to: &str,
        signature: Signature,
    ) -> Result<RecognitionResolution, PaperError> {
        let vote = case.recognition_vote.as_ref().ok_or(PaperError::Missing {
            field: "recognition_vote",
            what: "nghị quyết của chi bộ đề nghị công nhận đảng viên chính thức",
        })?;
        let probation = probation(case, rules)?;
        let mut meeting = CellMeeting::new(cell, vote.resolution.dated);
        meeting.official_members = Some(vote.official_members);
        Ok(RecognitionResolution {
            letterhead,
            resolution: vote.resolution.clone(),
            meeting,
            person: PersonLine::from(person),
            admission_decision: probation.decision,
            admission_decided_by: admission_decided_by.to_string(),
            admitted_on: probation.admitted_on,
            official_from: probation.official_from,
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
        check_tally(&self.tally, &self.meeting)?;
        check_dates(self.admitted_on, self.official_from)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let name = fill(&self.person.full_name);
        w.letterhead(
            &self.letterhead,
            &self.resolution.number,
            self.resolution.dated,
        );
        w.title("Nghị quyết", &["đề nghị công nhận đảng viên chính thức"]);
        w.body(vec![t("Căn cứ Điều 5 Điều lệ Đảng Cộng sản Việt Nam,")]);
        write_meeting(
            w,
            &self.meeting,
            &format!("đề nghị công nhận đảng viên dự bị {name} trở thành đảng viên chính thức"),
        );
        w.body(vec![
            t("Đồng chí "),
            b(name.clone()),
            t(format!(
                ", {}, được kết nạp vào Đảng {} theo {} của {}; hết thời gian dự bị {}.",
                birth_phrase(&self.person.birth),
                date_words(self.admitted_on),
                doc_phrase("Quyết định", &self.admission_decision),
                fill(&self.admission_decided_by),
                date_words(self.official_from)
            )),
        ]);
        w.body(vec![t(format!(
            "Sau khi nghe báo cáo và thảo luận, chi bộ thống nhất nhận xét đồng chí {name} trong thời gian dự bị như sau:"
        ))]);
        write_assessment(w, &self.strengths, &self.weaknesses);
        w.body(vec![b("Kết quả biểu quyết")]);
        w.body(tally_spans(
            &self.tally,
            &format!("việc công nhận đồng chí {name} là đảng viên chính thức"),
        ));
        w.closing(vec![t(format!(
            "Chi bộ đề nghị {} xem xét, công nhận đồng chí {name} là đảng viên chính thức của Đảng Cộng sản Việt Nam kể từ {}.",
            fill(&self.proposed_to),
            date_words(self.official_from)
        ))]);
        w.signature(&self.recipients, &self.signature);
    }
}

impl RecognitionDecision {
    /// From a case with its recognition vote and decision recorded; `base` names the base committee whose
    /// recognition resolution the case holds, if any.
    #[allow(clippy::too_many_arguments)]
    pub fn from_case(
        case: &Case,
        person: &PersonDetails,
        rules: &RuleSet,
        letterhead: Letterhead,
        decided_by: &str,
        cell: &str,
        base: Option<&str>,
        signature: Signature,
    ) -> Result<RecognitionDecision, PaperError> {
        let decision = case
            .recognition_decision
            .clone()
            .ok_or(PaperError::Missing {
                field: "recognition_decision",
                what: "quyết định công nhận đảng viên chính thức",
            })?;
        let vote = case.recognition_vote.as_ref().ok_or(PaperError::Missing {
            field: "recognition_vote",
            what: "nghị quyết của chi bộ đề nghị công nhận đảng viên chính thức",
        })?;
        let probation = probation(case, rules)?;
        let mut proposals = vec![Proposal {
            by: cell.to_string(),
            resolution: vote.resolution.clone(),
        }];
        if let (Some(base), Some(resolution)) = (base, &case.recognition_base_resolution) {
            proposals.push(Proposal {
                by: base.to_string(),
                resolution: resolution.clone(),
            });
        }
        Ok(RecognitionDecision {
            letterhead,
            decision,
            decided_by: decided_by.to_string(),
            grounds: super::AdmissionDecision::standard_grounds(),
            proposals,
            cell: cell.to_string(),
            person: PersonLine::from(person),
            admitted_on: probation.admitted_on,
            official_from: probation.official_from,
            recipients: vec![cell.to_string(), "Lưu Văn phòng Đảng ủy".into()],
            signature,
        })
    }

    pub(crate) fn check(&self) -> Result<(), PaperError> {
        check_dates(self.admitted_on, self.official_from)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let name = fill(&self.person.full_name);
        w.letterhead(&self.letterhead, &self.decision.number, self.decision.dated);
        w.title("Quyết định", &["công nhận đảng viên chính thức"]);
        write_decision_preamble(w, &self.decided_by, &self.grounds, &self.proposals);
        w.body(vec![
            b("Điều 1. "),
            t("Công nhận đồng chí "),
            b(name.clone()),
            t(format!(
                ", {}, đảng viên dự bị, được kết nạp vào Đảng {}, là đảng viên chính thức của Đảng Cộng sản Việt Nam kể từ {}.",
                birth_phrase(&self.person.birth),
                date_words(self.admitted_on),
                date_words(self.official_from)
            )),
        ]);
        w.closing(vec![
            b("Điều 2. "),
            t(format!(
                "{}, các tổ chức, cá nhân có liên quan và đồng chí {name} thi hành Quyết định này.",
                fill(&self.cell)
            )),
        ]);
        w.signature(&self.recipients, &self.signature);
    }
}

fn check_dates(admitted_on: NaiveDate, official_from: NaiveDate) -> Result<(), PaperError> {
    if official_from <= admitted_on {
        return Err(PaperError::Invalid {
            field: "official_from",
            message: format!(
                "Ngày chính thức ({}) phải sau ngày kết nạp ({})",
                ketnap_domain::workflow::dmy(official_from),
                ketnap_domain::workflow::dmy(admitted_on)
            ),
        });
    }
    Ok(())
}

/// The cell's resolution proposing official recognition, as a `.docx`.
pub fn recognition_resolution(paper: &RecognitionResolution) -> Result<Vec<u8>, PaperError> {
    bundle(&[Paper::RecognitionResolution(paper)])
}

/// The decision recognising an official member, as a `.docx`.
pub fn recognition_decision(paper: &RecognitionDecision) -> Result<Vec<u8>, PaperError> {
    bundle(&[Paper::RecognitionDecision(paper)])
}
