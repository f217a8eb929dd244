//! Papers with tables: the list of people proposed for the awareness course, and a unit's
//! yearly development plan with its quotas.

use ketnap_domain::case::{Case, DocRef};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::report::{QuotaCheck, TargetSource};

use super::{Paper, bundle};
use crate::PaperError;
use crate::format::{number, percent};
use crate::input::{Letterhead, PersonLine, Signature};
use crate::layout::{BLANK, Writer, clean, column, fill, t};

/// One person on the awareness-course list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nominee {
    pub person: PersonLine,
    /// Ghi chú: "Đoàn viên; cảm tình Đảng từ 01/03/2025".
    pub note: String,
}

impl Nominee {
    /// The person's record, noted with union membership and the day the cell put them on
    /// its sympathiser list.
    pub fn from_case(case: &Case, person: &PersonDetails) -> Nominee {
        let mut notes = Vec::new();
        if person.youth_union_member {
            notes.push("Đoàn viên".to_string());
        }
        if person.trade_union_member {
            notes.push("Công đoàn viên".to_string());
        }
        if let Some(day) = case.sympathiser_on {
            notes.push(format!(
                "Cảm tình Đảng từ {}",
                ketnap_domain::workflow::dmy(day)
            ));
        }
        Nominee {
            person: PersonLine::from(person),
            note: notes.join("; "),
        }
    }
}

/// Danh sách đề nghị học lớp bồi dưỡng nhận thức về Đảng: a cell's (or a committee's)
/// list of outstanding people proposed for the course, as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwarenessNominees {
    pub letterhead: Letterhead,
    /// The list's number (may be empty: lists often have none) and date.
    pub document: DocRef,
    /// Kính gửi: "Đảng ủy phường Thủ Dầu Một", "Trung tâm Chính trị …".
    pub addressee: String,
    /// The class, when known: "khóa 3, năm 2025". Printed under the title.
    pub course: String,
    /// In the order to print (sort with `ketnap_domain::text::NameCollator` first).
    pub nominees: Vec<Nominee>,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

impl AwarenessNominees {
    pub(crate) fn check(&self) -> Result<(), PaperError> {
        if self.nominees.is_empty() {
            return Err(PaperError::Invalid {
                field: "nominees",
                message: "Danh sách chưa có quần chúng nào".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.letterhead(&self.letterhead, &self.document.number, self.document.dated);
        let course = clean(&self.course);
        let mut subject = vec!["quần chúng ưu tú đề nghị học lớp bồi dưỡng nhận thức về Đảng"];
        if !course.is_empty() {
            subject.push(&course);
        }
        w.title("Danh sách", &subject);
        w.centred_bold(&format!("Kính gửi: {}", fill(&self.addressee)));
        w.body(vec![t(format!(
            "{} đề nghị {} xem xét, cho {} quần chúng ưu tú có tên sau đây được học lớp bồi dưỡng nhận thức về Đảng:",
            fill(&self.letterhead.committee),
            fill(&self.addressee),
            self.nominees.len()
        ))]);
        let columns = [
            column("STT", 600, true),
            column("Họ và tên", 1_700, false),
            column("Ngày sinh", 1_250, true),
            column("Giới tính", 650, true),
            column("Dân tộc, tôn giáo", 1_150, true),
            column("Trình độ", 1_150, false),
            column("Nghề nghiệp, nơi làm việc", 1_600, false),
            column("Ghi chú", 1_255, false),
        ];
        let rows: Vec<Vec<String>> = self
            .nominees
            .iter()
            .enumerate()
            .map(|(i, nominee)| {
                let p = &nominee.person;
                vec![
                    (i + 1).to_string(),
                    clean(&p.full_name),
                    clean(&p.birth),
                    clean(&p.sex),
                    stacked(&[&p.ethnicity, &p.religion]),
                    stacked(&[&p.general_education, &p.professional]),
                    stacked(&[&p.occupation, &p.workplace]),
                    clean(&nominee.note),
                ]
            })
            .collect();
        w.data_table(&columns, &rows, None);
        w.closing(vec![t(format!(
            "Danh sách này có {} quần chúng.",
            self.nominees.len()
        ))]);
        w.signature(&self.recipients, &self.signature);
    }
}

/// The non-empty parts, cleaned, one line each in the cell.
fn stacked(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| clean(p))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One sub-unit's quota in a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaLine {
    /// "Chi bộ Khu phố 1".
    pub unit: String,
    /// Members on 1 January, when known.
    pub members: Option<i64>,
    /// Chỉ tiêu kết nạp.
    pub target: i64,
    pub note: String,
}

/// Kế hoạch phát triển đảng viên năm …: the target of a unit and the quotas of its
/// sub-units, with the purposes, tasks and arrangements the committee writes.
#[derive(Debug, Clone, PartialEq)]
pub struct DevelopmentPlan {
    pub letterhead: Letterhead,
    /// The plan's number ("05-KH/ĐU") and date.
    pub document: DocRef,
    pub year: i32,
    /// The organisation the plan is for, as the text names it: "Đảng bộ phường Thủ Dầu Một".
    pub unit: String,
    /// "Căn cứ …;" lines (NQ 21-NQ/TW, the superior's directive …).
    pub grounds: Vec<String>,
    /// Members on 1 January.
    pub members_at_start: i64,
    /// Chỉ tiêu kết nạp of the year.
    pub target: i64,
    /// I. Mục đích, yêu cầu: one item each.
    pub purposes: Vec<String>,
    /// II. Chỉ tiêu: the sub-units' quotas, as a table.
    pub quotas: Vec<QuotaLine>,
    /// III. Nhiệm vụ, giải pháp.
    pub tasks: Vec<String>,
    /// IV. Tổ chức thực hiện.
    pub arrangements: Vec<String>,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

impl DevelopmentPlan {
    /// The target and quotas of a [`QuotaCheck`] (the unit's target, each active child's
    /// with its members on 1 January; a child without a set target is noted as having the
    /// default). Purposes, tasks and arrangements are left to write.
    pub fn from_quota_check(
        check: &QuotaCheck,
        letterhead: Letterhead,
        document: DocRef,
        signature: Signature,
    ) -> DevelopmentPlan {
        let quotas = check
            .children
            .iter()
            .map(|(unit, target)| QuotaLine {
                unit: unit.name.clone(),
                members: Some(target.members_at_start.count),
                target: target.target,
                note: match target.source {
                    TargetSource::Set => String::new(),
                    TargetSource::Default => "Chỉ tiêu mặc định".into(),
                },
            })
            .collect();
        DevelopmentPlan {
            letterhead,
            document,
            year: check.year,
            unit: check.unit.name.clone(),
            grounds: Vec::new(),
            members_at_start: check.own.members_at_start.count,
            target: check.own.target,
            purposes: Vec::new(),
            quotas,
            tasks: Vec::new(),
            arrangements: Vec::new(),
            recipients: vec!["Lưu Văn phòng Đảng ủy".into()],
            signature,
        }
    }

    /// The sum of the sub-units' quotas.
    pub fn quotas_total(&self) -> i64 {
        self.quotas.iter().map(|q| q.target).sum()
    }

    pub(crate) fn check(&self) -> Result<(), PaperError> {
        if self.target < 0 || self.quotas.iter().any(|q| q.target < 0) {
            return Err(PaperError::Invalid {
                field: "target",
                message: "Chỉ tiêu kết nạp không được âm".into(),
            });
        }
        if self.members_at_start < 0 || self.quotas.iter().any(|q| q.members.unwrap_or(0) < 0) {
            return Err(PaperError::Invalid {
                field: "members_at_start",
                message: "Số đảng viên không được âm".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let unit = fill(&self.unit);
        w.letterhead(&self.letterhead, &self.document.number, self.document.dated);
        let subject = format!("phát triển đảng viên năm {}", self.year);
        w.title("Kế hoạch", &[&subject]);
        for ground in &self.grounds {
            let ground = clean(ground);
            if !ground.is_empty() {
                w.body(vec![t(ground)]);
            }
        }
        w.body(vec![t(format!(
            "{unit} xây dựng kế hoạch phát triển đảng viên năm {} như sau:",
            self.year
        ))]);

        w.heading("I. MỤC ĐÍCH, YÊU CẦU");
        numbered(w, &self.purposes, false);

        w.heading("II. CHỈ TIÊU");
        let share = percent(self.target, self.members_at_start)
            .map(|p| format!(", bằng {p}% tổng số đảng viên đầu năm"))
            .unwrap_or_default();
        w.body(vec![t(format!(
            "Năm {}, {unit} phấn đấu kết nạp {} đảng viên mới{share} ({} đảng viên tại ngày 01/01/{}).",
            self.year,
            number(self.target),
            number(self.members_at_start),
            self.year
        ))]);
        if !self.quotas.is_empty() {
            w.body(vec![t(
                "Phân bổ chỉ tiêu cho các tổ chức đảng trực thuộc như sau:",
            )]);
            let members_title = "Số đảng viên đầu năm";
            let columns = [
                column("STT", 700, true),
                column("Tổ chức đảng trực thuộc", 3_455, false),
                column(members_title, 1_500, true),
                column("Chỉ tiêu kết nạp", 1_400, true),
                column("Tỉ lệ (%)", 1_000, true),
                column("Ghi chú", 1_300, false),
            ];
            let rows: Vec<Vec<String>> = self
                .quotas
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    vec![
                        (i + 1).to_string(),
                        clean(&q.unit),
                        q.members.map(number).unwrap_or_default(),
                        number(q.target),
                        q.members
                            .and_then(|m| percent(q.target, m))
                            .unwrap_or_default(),
                        clean(&q.note),
                    ]
                })
                .collect();
            let members: Option<i64> = self.quotas.iter().map(|q| q.members).sum();
            let total = self.quotas_total();
            let total_row = vec![
                String::new(),
                "Tổng cộng".to_string(),
                members.map(number).unwrap_or_default(),
                number(total),
                members.and_then(|m| percent(total, m)).unwrap_or_default(),
                String::new(),
            ];
            w.data_table(&columns, &rows, Some(total_row));
        }

        w.heading("III. NHIỆM VỤ, GIẢI PHÁP");
        numbered(w, &self.tasks, false);

        w.heading("IV. TỔ CHỨC THỰC HIỆN");
        numbered(w, &self.arrangements, true);

        w.signature(&self.recipients, &self.signature);
    }
}

/// "1. …", "2. …", or a blank to write in; `last` keeps the final one with the signature.
fn numbered(w: &mut Writer, items: &[String], last: bool) {
    let items: Vec<String> = items
        .iter()
        .map(|item| clean(item))
        .filter(|item| !item.is_empty())
        .collect();
    let mut lines: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| format!("{}. {item}", i + 1))
        .collect();
    if lines.is_empty() {
        lines.push(BLANK.repeat(3));
    }
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        if last && i + 1 == count {
            w.closing(vec![t(line)]);
        } else {
            w.body(vec![t(line)]);
        }
    }
}

/// The awareness-course list, as a `.docx`.
pub fn awareness_nominees(paper: &AwarenessNominees) -> Result<Vec<u8>, PaperError> {
    bundle(&[Paper::AwarenessNominees(paper)])
}

/// The yearly development plan, as a `.docx`.
pub fn development_plan(paper: &DevelopmentPlan) -> Result<Vec<u8>, PaperError> {
    bundle(&[Paper::DevelopmentPlan(paper)])
}
