//! Công văn đề nghị thẩm tra lý lịch / lấy ý kiến nhận xét: the letter a unit sends to one
//! that is not on ketnap (a commune's committee, a company, a school), printed and signed.

use chrono::NaiveDate;
use ketnap_domain::case::DocRef;
use ketnap_domain::coordination::RequestKind;

use super::{Paper, birth_phrase, bundle, invalid};
use crate::PaperError;
use crate::format::date_words;
use crate::input::{Letterhead, Signature};
use crate::layout::{Writer, b, clean, fill, t};

/// A request for background verification or for an opinion, as a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLetter {
    pub letterhead: Letterhead,
    /// The letter's number ("15-CV/CB"; empty to write by hand) and date.
    pub document: DocRef,
    pub kind: RequestKind,
    /// The sending unit as the text names it: "Chi bộ Khu phố 3".
    pub from: String,
    /// The unit asked: "Ủy ban nhân dân xã Bình Mỹ", "Công ty TNHH Minh Phát".
    pub to: String,
    /// Its address; may be empty.
    pub to_address: String,
    /// The applicant: "Nguyễn Thị Ngọc Ánh", born "04/05/2003" (or a year).
    pub applicant: String,
    pub applicant_birth: String,
    /// Whom or what to verify or give an opinion on; one paragraph per line.
    pub about: String,
    /// What is asked; the usual questions of the kind when empty.
    pub questions: String,
    /// The day the answer is asked for.
    pub due_on: NaiveDate,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

/// The letter's subject (trích yếu), under its number.
fn subject(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Verification => "V/v đề nghị thẩm tra lý lịch người xin vào Đảng",
        RequestKind::ResidenceOpinion => {
            "V/v lấy ý kiến nhận xét nơi cư trú đối với người xin vào Đảng"
        }
        RequestKind::WorkplaceOpinion => {
            "V/v lấy ý kiến nhận xét nơi làm việc, học tập đối với người xin vào Đảng"
        }
    }
}

/// What the unit asked is to do, after "đề nghị … ".
fn asked(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Verification => "thẩm tra, xác minh lý lịch của",
        RequestKind::ResidenceOpinion => "cho ý kiến nhận xét nơi cư trú đối với",
        RequestKind::WorkplaceOpinion => "cho ý kiến nhận xét nơi làm việc, học tập đối với",
    }
}

/// The questions a letter of the kind usually asks, printed when the sender wrote none.
fn usual_questions(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Verification => {
            "Lịch sử chính trị, quan hệ xã hội; việc chấp hành chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước và quy định nơi cư trú."
        }
        RequestKind::ResidenceOpinion => {
            "Phẩm chất đạo đức, lối sống; việc chấp hành chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước và nghĩa vụ công dân nơi cư trú."
        }
        RequestKind::WorkplaceOpinion => {
            "Phẩm chất chính trị, đạo đức, lối sống; kết quả công tác, học tập; quan hệ với quần chúng nơi làm việc, học tập."
        }
    }
}

impl RequestLetter {
    pub(crate) fn check(&self) -> Result<(), PaperError> {
        if self.due_on < self.document.dated {
            return Err(invalid(
                "due_on",
                format!(
                    "Hạn trả lời ({}) phải từ ngày gửi công văn ({}) trở đi",
                    ketnap_domain::workflow::dmy(self.due_on),
                    ketnap_domain::workflow::dmy(self.document.dated)
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let from = fill(&self.from);
        let to = fill(&self.to);
        w.letter_head(
            &self.letterhead,
            &self.document.number,
            self.document.dated,
            subject(self.kind),
        );
        w.addressee(&self.to, &self.to_address);
        w.body(vec![
            t("Để có cơ sở xem xét, kết nạp quần chúng "),
            b(fill(&self.applicant)),
            t(format!(
                ", {}, vào Đảng Cộng sản Việt Nam, {from} đề nghị {to} {}:",
                birth_phrase(&self.applicant_birth),
                asked(self.kind)
            )),
        ]);
        w.body_text(&self.about);
        w.body(vec![t("Nội dung đề nghị:")]);
        if clean(&self.questions).is_empty() {
            w.body(vec![t(usual_questions(self.kind))]);
        } else {
            w.body_text(&self.questions);
        }
        w.body(vec![t(format!(
            "Đề nghị {to} trả lời bằng văn bản (ghi rõ họ tên, chức vụ người trả lời, ký tên và đóng dấu) trước {}, gửi về {from}.",
            date_words(self.due_on)
        ))]);
        w.closing(vec![t(
            "Trân trọng cảm ơn sự phối hợp của quý cơ quan, đơn vị.",
        )]);
        w.signature(&self.recipients, &self.signature);
    }
}

/// The request letter, as a `.docx`.
pub fn request_letter(paper: &RequestLetter) -> Result<Vec<u8>, PaperError> {
    bundle(&[Paper::RequestLetter(paper)])
}
