//! The papers: one input struct and one function each, and [`bundle`] for several at once.

mod admission;
mod letters;
mod lists;
mod recognition;

use chrono::NaiveDate;
use ketnap_domain::case::DocRef;

pub use admission::{
    AdmissionDecision, AdmissionResolution, admission_decision, admission_resolution,
};
pub use letters::{RequestLetter, request_letter};
pub use lists::{
    AwarenessNominees, DevelopmentPlan, Nominee, QuotaLine, awareness_nominees, development_plan,
};
pub use recognition::{
    RecognitionDecision, RecognitionResolution, recognition_decision, recognition_resolution,
};

use crate::PaperError;
use crate::format::{date_words, percent};
use crate::input::{CellMeeting, PersonLine, VoteTally};
use crate::layout::{BLANK, Span, Writer, b, clean, count, fill, t};

/// A resolution a decision rests on: who proposed, with which paper ("Chi bộ Khu phố 1",
/// Nghị quyết số 12-NQ/CB …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// "Chi bộ Khu phố 1", "Đảng ủy Trường THCS Chánh Nghĩa".
    pub by: String,
    pub resolution: DocRef,
}

/// One paper of a [`bundle`].
#[derive(Debug, Clone, Copy)]
pub enum Paper<'a> {
    AdmissionResolution(&'a AdmissionResolution),
    AdmissionDecision(&'a AdmissionDecision),
    RecognitionResolution(&'a RecognitionResolution),
    RecognitionDecision(&'a RecognitionDecision),
    AwarenessNominees(&'a AwarenessNominees),
    DevelopmentPlan(&'a DevelopmentPlan),
    RequestLetter(&'a RequestLetter),
}

impl Paper<'_> {
    fn dated(&self) -> NaiveDate {
        match self {
            Paper::AdmissionResolution(p) => p.resolution.dated,
            Paper::AdmissionDecision(p) => p.decision.dated,
            Paper::RecognitionResolution(p) => p.resolution.dated,
            Paper::RecognitionDecision(p) => p.decision.dated,
            Paper::AwarenessNominees(p) => p.document.dated,
            Paper::DevelopmentPlan(p) => p.document.dated,
            Paper::RequestLetter(p) => p.document.dated,
        }
    }

    /// Whether the paper can be written. [`bundle`] refuses the whole document for one bad
    /// paper, so a caller that would rather leave a bad one out checks each first.
    pub fn check(&self) -> Result<(), PaperError> {
        match self {
            Paper::AdmissionResolution(p) => p.check(),
            Paper::AdmissionDecision(_) => Ok(()),
            Paper::RecognitionResolution(p) => p.check(),
            Paper::RecognitionDecision(p) => p.check(),
            Paper::AwarenessNominees(p) => p.check(),
            Paper::DevelopmentPlan(p) => p.check(),
            Paper::RequestLetter(p) => p.check(),
        }
    }

    fn write(&self, w: &mut Writer) {
        match self {
            Paper::AdmissionResolution(p) => p.write(w),
            Paper::AdmissionDecision(p) => p.write(w),
            Paper::RecognitionResolution(p) => p.write(w),
            Paper::RecognitionDecision(p) => p.write(w),
            Paper::AwarenessNominees(p) => p.write(w),
            Paper::DevelopmentPlan(p) => p.write(w),
            Paper::RequestLetter(p) => p.write(w),
        }
    }
}

/// Several papers in one `.docx`, each starting on a new page (for the cases of one
/// meeting, say). One document rather than a zip of documents: see the crate documentation.
pub fn bundle(papers: &[Paper<'_>]) -> Result<Vec<u8>, PaperError> {
    let Some(first) = papers.first() else {
        return Err(PaperError::Invalid {
            field: "papers",
            message: "Chưa chọn văn bản nào để in".into(),
        });
    };
    for paper in papers {
        paper.check()?;
    }
    let mut writer = Writer::new(Some(first.dated()));
    for paper in papers {
        writer.start_paper();
        paper.write(&mut writer);
    }
    writer.finish()
}

/// The text with its first letter in capitals: "Ngày 09 tháng 6 năm 2025".
pub(crate) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "sinh ngày 04/05/2003", or "sinh năm 1958" for a year alone.
pub(crate) fn birth_phrase(birth: &str) -> String {
    let birth = clean(birth);
    if birth.is_empty() {
        format!("sinh ngày {BLANK}")
    } else if birth.chars().all(|c| c.is_ascii_digit()) {
        format!("sinh năm {birth}")
    } else {
        format!("sinh ngày {birth}")
    }
}

/// "Nghị quyết số 12-NQ/CB, ngày 09 tháng 6 năm 2025".
pub(crate) fn doc_phrase(kind: &str, doc: &DocRef) -> String {
    format!("{kind} số {}, {}", fill(&doc.number), date_words(doc.dated))
}

/// "Xét đề nghị của Chi bộ Khu phố 1 (Nghị quyết số …) và của Đảng ủy … (Nghị quyết số …),".
pub(crate) fn proposals_phrase(proposals: &[Proposal]) -> String {
    let parts: Vec<String> = proposals
        .iter()
        .map(|p| {
            format!(
                "của {} ({})",
                fill(&p.by),
                doc_phrase("Nghị quyết", &p.resolution)
            )
        })
        .collect();
    if parts.is_empty() {
        format!("Xét đề nghị của {BLANK},")
    } else {
        format!("Xét đề nghị {},", parts.join(" và "))
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> PaperError {
    PaperError::Invalid {
        field,
        message: message.into(),
    }
}

pub(crate) fn check_meeting(meeting: &CellMeeting) -> Result<(), PaperError> {
    let pairs = [
        (
            meeting.present_official,
            meeting.official_members,
            "meeting.present_official",
        ),
        (
            meeting.present_probationary,
            meeting.probationary_members,
            "meeting.present_probationary",
        ),
    ];
    for (present, total, field) in pairs {
        if let (Some(present), Some(total)) = (present, total)
            && present > total
        {
            return Err(invalid(
                field,
                format!("Số có mặt ({present}) lớn hơn số đảng viên của chi bộ ({total})"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn check_tally(tally: &VoteTally, meeting: &CellMeeting) -> Result<(), PaperError> {
    let cast = u64::from(tally.votes_for) + u64::from(tally.votes_against.unwrap_or(0));
    if cast > u64::from(tally.official_members) {
        return Err(invalid(
            "tally.votes_for",
            format!(
                "Số phiếu tán thành và không tán thành ({cast}) lớn hơn số đảng viên chính thức ({})",
                tally.official_members
            ),
        ));
    }
    if tally.official_members == 0 {
        return Err(invalid(
            "tally.official_members",
            "Chi bộ phải có đảng viên chính thức để biểu quyết",
        ));
    }
    if let Some(official) = meeting.official_members
        && official != tally.official_members
    {
        return Err(invalid(
            "tally.official_members",
            format!(
                "Số đảng viên chính thức của hội nghị ({official}) khác số dùng để tính tỉ lệ biểu quyết ({})",
                tally.official_members
            ),
        ));
    }
    Ok(())
}

/// The opening of a cell's resolution: the meeting, who attended, who chaired.
pub(crate) fn write_meeting(w: &mut Writer, meeting: &CellMeeting, purpose: &str) {
    let date = capitalised(&date_words(meeting.held_on));
    w.body(vec![t(format!(
        "{date}, {} đã họp để xét, {purpose}.",
        fill(&meeting.cell)
    ))]);
    let total = meeting
        .official_members
        .zip(meeting.probationary_members)
        .map(|(o, p)| o + p);
    w.body(vec![t(format!(
        "Tổng số đảng viên của chi bộ: {} đồng chí, trong đó chính thức {} đồng chí, dự bị {} đồng chí.",
        count(total),
        count(meeting.official_members),
        count(meeting.probationary_members)
    ))]);
    let present = meeting
        .present_official
        .zip(meeting.present_probationary)
        .map(|(o, p)| o + p);
    w.body(vec![t(format!(
        "Có mặt: {} đồng chí, trong đó chính thức {} đồng chí, dự bị {} đồng chí.",
        count(present),
        count(meeting.present_official),
        count(meeting.present_probationary)
    ))]);
    let absent = |total: Option<u32>, present: Option<u32>| {
        total
            .zip(present)
            .map(|(total, present)| total.saturating_sub(present))
    };
    let absent_official = absent(meeting.official_members, meeting.present_official);
    let absent_probationary = absent(meeting.probationary_members, meeting.present_probationary);
    w.body(vec![t(format!(
        "Vắng mặt: {} đồng chí, trong đó chính thức {} đồng chí, dự bị {} đồng chí.",
        count(absent(total, present)),
        count(absent_official),
        count(absent_probationary)
    ))]);
    let nobody_absent = absent(total, present) == Some(0);
    let reasons = clean(&meeting.absence_reasons);
    if !(nobody_absent && reasons.is_empty()) {
        w.body(vec![t(format!(
            "Lý do vắng mặt: {}.",
            fill(&meeting.absence_reasons)
        ))]);
    }
    w.body(vec![t(format!(
        "Chủ trì hội nghị: đồng chí {}, chức vụ: {}.",
        fill(&meeting.chair),
        fill(&meeting.chair_title)
    ))]);
    w.body(vec![t(format!(
        "Thư ký hội nghị: đồng chí {}.",
        fill(&meeting.clerk)
    ))]);
}

/// The person's particulars, one paragraph per line, the name in bold.
pub(crate) fn write_person(w: &mut Writer, person: &PersonLine) {
    w.body(vec![
        t("Họ và tên: "),
        b(fill(&person.full_name)),
        t(format!(
            "; giới tính: {}; {}.",
            fill(&person.sex),
            birth_phrase(&person.birth)
        )),
    ]);
    w.body(vec![t(format!(
        "Dân tộc: {}; tôn giáo: {}.",
        fill(&person.ethnicity),
        fill(&person.religion)
    ))]);
    w.body(vec![t(format!(
        "Trình độ: giáo dục phổ thông {}; chuyên môn, nghiệp vụ: {}; lý luận chính trị: {}.",
        fill(&person.general_education),
        fill(&person.professional),
        fill(&person.political_theory)
    ))]);
    w.body(vec![t(format!(
        "Nghề nghiệp: {}; nơi làm việc, học tập: {}.",
        fill(&person.occupation),
        fill(&person.workplace)
    ))]);
    w.body(vec![t(format!("Nơi cư trú: {}.", fill(&person.residence)))]);
}

/// Strengths and weaknesses, under "a)" and "b)".
pub(crate) fn write_assessment(w: &mut Writer, strengths: &str, weaknesses: &str) {
    w.body(vec![t("a) Ưu điểm:")]);
    w.body_text(strengths);
    w.body(vec![t("b) Khuyết điểm:")]);
    w.body_text(weaknesses);
}

/// "Số đảng viên chính thức tán thành … là 9 đồng chí, đạt 100% …".
pub(crate) fn tally_spans(tally: &VoteTally, what: &str) -> Vec<Span> {
    let of_all = |n: u32| {
        percent(i64::from(n), i64::from(tally.official_members)).unwrap_or_else(|| "……".into())
    };
    let against = match tally.votes_against {
        Some(n) => format!("{n} đồng chí ({}%)", of_all(n)),
        None => "…… đồng chí (……%)".to_string(),
    };
    vec![t(format!(
        "Số đảng viên chính thức tán thành {what} là {} đồng chí, đạt {}% so với tổng số {} đảng viên chính thức của chi bộ; số không tán thành {against}.",
        tally.votes_for,
        of_all(tally.votes_for),
        tally.official_members
    ))]
}
