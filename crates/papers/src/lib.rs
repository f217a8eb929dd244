//! Drafts of the party's papers as `.docx` files that an officer opens in Word, checks,
//! signs and prints.
//!
//! Pure: every function takes plain data (the structs of [`input`] and [`papers`], filled by
//! the caller from `ketnap_domain` types or from a form) and returns the bytes of a `.docx`
//! file. Nothing is read from or written to disk, and no clock is read.
//!
//! # Papers
//!
//! | function | paper | form in HD 12-HD/BTCTW (2022) |
//! |---|---|---|
//! | [`admission_resolution`] | nghị quyết của chi bộ đề nghị kết nạp đảng viên | 6-KNĐ |
//! | [`admission_decision`] | quyết định kết nạp đảng viên | 9-KNĐ |
//! | [`recognition_resolution`] | nghị quyết của chi bộ đề nghị công nhận đảng viên chính thức | 13-KNĐ |
//! | [`recognition_decision`] | quyết định công nhận đảng viên chính thức | (16-KNĐ in older guidance) |
//! | [`awareness_nominees`] | danh sách đề nghị học lớp bồi dưỡng nhận thức về Đảng | none: a list |
//! | [`development_plan`] | kế hoạch phát triển đảng viên năm … | none: a plan |
//! | [`request_letter`] | công văn đề nghị thẩm tra lý lịch / lấy ý kiến nhận xét | none: a letter |
//!
//! The form numbers follow the project's glossary; the guide warns that the numbering is
//! unverified for the 2025 regulations, so they are not printed on the papers.
//!
//! # Format
//!
//! The party's document format (Hướng dẫn 36-HD/VPTW, 2018, on the form and presentation of
//! party documents): A4 (210 × 297 mm), margins top 20 mm, bottom 20 mm, left 30 mm,
//! right 15 mm; Times New Roman (a Unicode font, TCVN 6909:2001) on every run and as the
//! document default; body 14 pt, justified, first line indented 1 cm.
//!
//! - Letterhead, a borderless table: top left the superior organisation in capitals, the
//!   issuing body in bold capitals, a `*`, the number (`Số 12-NQ/CB`), all 13 pt; top right
//!   `ĐẢNG CỘNG SẢN VIỆT NAM` in bold 15 pt capitals with a rule under it (an underline
//!   here), and the place and date in 14 pt italics. The table reaches 1 cm into the 3 cm
//!   left margin so that "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT" and the date line each fit on a line.
//! - Title: the kind of paper in bold 15 pt capitals (as HD 36 sets it), its subject in
//!   bold 14 pt under it, then a short rule (`-----`).
//! - A letter (công văn) has no title: its subject (`V/v …`) goes under the number in 12 pt
//!   italics, and `Kính gửi: …` (the unit asked, in bold) is centred under the letterhead.
//! - Signature block, a borderless table that never splits across pages (the paragraph
//!   above it is kept with it): `Nơi nhận:` underlined with the recipients in 12 pt on the
//!   left; `T/M CHI BỘ` / `BÍ THƯ`, room to sign, and the name in bold on the right.
//! - Data tables (the list, the quotas): bordered, 12 pt, bold header row, rows that do not
//!   split, so that eight columns fit the width of a portrait page.
//!
//! Not done: the header row of a long table is not repeated on the next page (`docx-rs`
//! has no `w:tblHeader`), pages are not numbered, and papers are not landscape.
//!
//! A field left empty prints as a dotted blank (`…………`), the way the printed forms
//! leave room to write by hand, so a draft can be made before every fact is known.
//!
//! # Several papers at once
//!
//! [`bundle`] puts several papers in **one** document, each starting on a new page, rather
//! than a zip of documents: the officer prints a meeting's papers in one go from Word, the
//! web serves one file with one content type, and page formatting stays the same for every
//! page (one section). Each paper is complete on its own pages, so they separate into the
//! personal files once printed.

mod format;
pub mod input;
mod layout;
pub mod papers;

#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod tests;

pub use format::{date_words, number, percent, vietnamese_date};
pub use input::{CellMeeting, Letterhead, PersonLine, Signature, VoteTally, committee_name};
pub use papers::{
    AdmissionDecision, AdmissionResolution, AwarenessNominees, DevelopmentPlan, Nominee, Paper,
    Proposal, QuotaLine, RecognitionDecision, RecognitionResolution, RequestLetter,
    admission_decision, admission_resolution, awareness_nominees, bundle, development_plan,
    recognition_decision, recognition_resolution, request_letter,
};

/// Why a paper could not be drafted. Messages are Vietnamese, for the officer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaperError {
    /// The case lacks a record the paper is made from (the cell's vote, the decision …).
    #[error("Hồ sơ chưa có {what} (trường: {field}).")]
    Missing {
        field: &'static str,
        what: &'static str,
    },
    /// The data contradicts itself (more votes than members, no paper to bundle …).
    #[error("{message} (trường: {field}).")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Writing the `.docx` package failed.
    #[error("Không tạo được tệp .docx: {0}")]
    Write(String),
}
