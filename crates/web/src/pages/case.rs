//! Một hồ sơ: the person (each view is a logged read), the timeline, the checklist of
//! papers, the dates people confuse kept apart, the next deadline, and the actions allowed
//! now as small forms. A refused action comes back beside the field it concerns.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use ketnap_domain::Violation;
use ketnap_domain::access::Need;
use ketnap_domain::action::Action;
use ketnap_domain::case::{
    Case, Certificate, DocRef, Introducer, Paper, PartyMember, PriorMembership, Stage, TaskResult,
    Vote,
};
use ketnap_domain::checklist::checklist;
use ketnap_domain::deadline::next_deadline;
use ketnap_domain::ids::CaseId;
use ketnap_domain::ports::{
    AuditEntry, AuditStore, CaseRecord, CaseStore, PersonStore, RuleStore, StoreError,
};
use ketnap_domain::scope::Scope;
use ketnap_domain::workflow::{Actor, apply, probation_end};

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy, vn_time};

/// Days ahead in which a deadline counts as close.
const WARN_DAYS: i64 = 14;

/// Every action with its Vietnamese label (as `Action::label_vi` has it). `transfer_out` is
/// no longer offered on the page (a transfer is asked of the receiving unit, see
/// `transfers`), but audit rows and the API's case actions still name it.
const ACTIONS: [(&str, &str); 25] = [
    ("add_to_sympathisers", "Chi bộ công nhận cảm tình Đảng"),
    ("assign_helper", "Phân công đảng viên giúp đỡ"),
    ("assign_test_task", "Giao nhiệm vụ thử thách"),
    ("assess_test_task", "Đánh giá nhiệm vụ thử thách"),
    (
        "record_awareness_certificate",
        "Ghi giấy chứng nhận lớp nhận thức về Đảng",
    ),
    ("open_file", "Nhận đơn xin vào Đảng và lý lịch"),
    ("record_introductions", "Ghi người giới thiệu"),
    ("record_opinions", "Ghi tổng hợp ý kiến nhận xét"),
    ("complete_verification", "Kết luận thẩm tra lý lịch"),
    ("renew_file", "Làm lại hồ sơ quá hạn"),
    ("cell_vote", "Chi bộ xét, đề nghị kết nạp"),
    ("base_resolution", "Nghị quyết đảng ủy cơ sở"),
    (
        "extend_decision_deadline",
        "Gia hạn thời gian ra quyết định",
    ),
    ("decide_admission", "Quyết định kết nạp"),
    ("hold_ceremony", "Tổ chức lễ kết nạp"),
    (
        "record_new_member_course",
        "Ghi giấy chứng nhận lớp đảng viên mới",
    ),
    ("record_self_review", "Ghi bản tự kiểm điểm"),
    ("record_mentor_review", "Ghi nhận xét của đảng viên giúp đỡ"),
    (
        "recognition_vote",
        "Chi bộ xét công nhận đảng viên chính thức",
    ),
    (
        "recognition_base_resolution",
        "Nghị quyết đảng ủy cơ sở về công nhận chính thức",
    ),
    (
        "decide_recognition",
        "Quyết định công nhận đảng viên chính thức",
    ),
    ("withdraw", "Rút khỏi danh sách"),
    ("transfer_out", "Chuyển sang đơn vị khác"),
    ("strike_off", "Xóa tên"),
    ("record_death", "Ghi từ trần"),
];

fn action_label(code: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Actions that close the case: the browser asks for confirmation (static/app.js).
fn closes(code: &str) -> bool {
    matches!(code, "withdraw" | "strike_off" | "record_death")
}

const TASK_RESULTS: [(&str, TaskResult); 4] = [
    ("excellent", TaskResult::Excellent),
    ("good", TaskResult::Good),
    ("completed", TaskResult::Completed),
    ("not_completed", TaskResult::NotCompleted),
];

// ---------------------------------------------------------------------------------------
// Which actions a case offers now.

/// The actions offered at the case's stage: the next step(s) first, then the side steps.
fn offered(case: &Case) -> Vec<&'static str> {
    use Stage::*;
    let has = |paper: Paper| case.papers.iter().any(|p| p.paper == paper);
    let mut list: Vec<&'static str> = match case.stage {
        Source => vec!["add_to_sympathisers"],
        Sympathiser => vec!["record_awareness_certificate"],
        AwarenessCertified => vec!["open_file"],
        FileOpened => vec!["record_introductions", "renew_file"],
        Introduced => vec!["record_opinions", "renew_file"],
        OpinionsCollected => vec!["complete_verification", "renew_file"],
        Verified => vec!["cell_vote", "renew_file"],
        CellResolved if case.cell_under_base_committee => {
            vec!["base_resolution", "extend_decision_deadline"]
        }
        CellResolved | BaseResolved => vec!["decide_admission", "extend_decision_deadline"],
        Decided => vec!["hold_ceremony"],
        Probation => vec!["recognition_vote"],
        RecognitionProposed if case.cell_under_base_committee => {
            vec!["recognition_base_resolution"]
        }
        RecognitionProposed | RecognitionBaseResolved => vec!["decide_recognition"],
        _ => Vec::new(),
    };
    if case.stage.is_probation() {
        if case.new_member_certificate.is_none() {
            list.push("record_new_member_course");
        }
        if !has(Paper::SelfReview) {
            list.push("record_self_review");
        }
        if !has(Paper::MentorReview) {
            list.push("record_mentor_review");
        }
    }
    if (Sympathiser..=Verified).contains(&case.stage) {
        list.push("assign_helper");
        list.push("assign_test_task");
        if case.test_tasks.iter().any(|t| t.assessment.is_none()) {
            list.push("assess_test_task");
        }
    }
    if case.stage.is_closed() {
        return list;
    }
    if case.stage.is_before_decision() {
        list.push("withdraw");
    }
    if case.stage.is_probation() {
        list.push("strike_off");
    }
    list.push("record_death");
    list
}

// ---------------------------------------------------------------------------------------
// The form fields of each action.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Date,
    Text,
    Number,
    Area,
    Select,
    YesNo,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Date => "date",
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::Area => "textarea",
            Kind::Select => "select",
            Kind::YesNo => "yesno",
        }
    }
}

/// One input of an action form: its name, label, and the `Violation::field` values it answers.
struct Spec {
    name: &'static str,
    label: &'static str,
    kind: Kind,
    required: bool,
    answers: &'static [&'static str],
    hint: &'static str,
}

const fn spec(
    name: &'static str,
    label: &'static str,
    kind: Kind,
    required: bool,
    answers: &'static [&'static str],
) -> Spec {
    Spec {
        name,
        label,
        kind,
        required,
        answers,
        hint: "",
    }
}

impl Spec {
    const fn hint(mut self, hint: &'static str) -> Spec {
        self.hint = hint;
        self
    }
}

use Kind::{Area, Date, Number, Select, Text, YesNo};

fn specs(code: &str) -> Vec<Spec> {
    const DATE: &[&str] = &["date"];
    const NONE: &[&str] = &[];
    match code {
        "add_to_sympathisers" => vec![
            spec(
                "number",
                "Số nghị quyết của chi bộ",
                Text,
                true,
                &["resolution"],
            ),
            spec("dated", "Ngày nghị quyết", Date, true, DATE),
            spec("helper", "Đảng viên giúp đỡ", Text, false, &["helper"]),
            spec("helper_card", "Số thẻ đảng viên giúp đỡ", Text, false, NONE),
        ],
        "assign_helper" => vec![
            spec("on", "Ngày phân công", Date, true, DATE),
            spec(
                "helper",
                "Họ tên đảng viên giúp đỡ",
                Text,
                true,
                &["helper"],
            ),
            spec("helper_card", "Số thẻ đảng viên", Text, false, NONE),
        ],
        "assign_test_task" => vec![
            spec("on", "Ngày giao", Date, true, DATE),
            spec("what", "Nội dung nhiệm vụ", Area, true, &["what"]),
            spec("due_on", "Hạn hoàn thành", Date, true, &["due_on"]),
        ],
        "assess_test_task" => vec![
            spec("task", "Nhiệm vụ", Select, true, &["task"]),
            spec("on", "Ngày đánh giá", Date, true, &["on", "date"]),
            spec("result", "Kết quả", Select, true, &["result"]),
            spec("note", "Nhận xét", Area, false, NONE),
        ],
        "record_awareness_certificate" | "record_new_member_course" => vec![
            spec("number", "Số giấy chứng nhận", Text, true, &["certificate"]),
            spec("dated", "Ngày cấp", Date, true, DATE),
        ],
        "open_file" => vec![
            spec("on", "Ngày nhận đơn và lý lịch", Date, true, DATE),
            spec(
                "prior_left_on",
                "Kết nạp lại: ngày ra khỏi Đảng",
                Date,
                false,
                &["prior_membership"],
            )
            .hint("Chỉ ghi khi người này từng là đảng viên."),
            spec(
                "prior_reason",
                "Kết nạp lại: lý do ra khỏi Đảng",
                Text,
                false,
                NONE,
            ),
            spec(
                "prior_cleared_on",
                "Kết nạp lại: ngày được xóa án tích (nếu có)",
                Date,
                false,
                NONE,
            ),
        ],
        "record_introductions" => vec![
            spec("on", "Ngày nhận giấy giới thiệu", Date, true, DATE),
            spec(
                "introducer_1",
                "Người giới thiệu thứ nhất",
                Text,
                true,
                &["introducers"],
            ),
            spec(
                "introducer_1_since",
                "Công tác cùng người xin vào Đảng từ ngày",
                Date,
                true,
                NONE,
            ),
            spec(
                "introducer_2",
                "Người giới thiệu thứ hai",
                Text,
                false,
                NONE,
            ),
            spec(
                "introducer_2_since",
                "Người thứ hai công tác cùng từ ngày",
                Date,
                false,
                NONE,
            ),
            spec(
                "mass_org_number",
                "Hoặc: số nghị quyết giới thiệu của Đoàn / Công đoàn",
                Text,
                false,
                &["mass_org_resolution"],
            )
            .hint("Thay cho người giới thiệu thứ hai, với đoàn viên."),
            spec(
                "mass_org_dated",
                "Ngày nghị quyết của đoàn thể",
                Date,
                false,
                NONE,
            ),
        ],
        "record_opinions" => vec![
            spec(
                "number",
                "Số văn bản tổng hợp ý kiến",
                Text,
                true,
                &["summary"],
            ),
            spec("dated", "Ngày văn bản", Date, true, DATE),
        ],
        "complete_verification" => vec![
            spec(
                "number",
                "Số văn bản kết luận thẩm tra",
                Text,
                true,
                &["conclusion"],
            ),
            spec("dated", "Ngày kết luận", Date, true, DATE),
        ],
        "renew_file" => vec![
            spec("on", "Ngày làm lại hồ sơ", Date, true, DATE)
                .hint("Người giới thiệu, ý kiến nhận xét và thẩm tra sẽ phải ghi lại."),
        ],
        "cell_vote" | "recognition_vote" => {
            let mut list = vec![
                spec(
                    "number",
                    "Số nghị quyết của chi bộ",
                    Text,
                    true,
                    &["resolution"],
                ),
                spec("dated", "Ngày nghị quyết", Date, true, DATE),
                spec(
                    "votes_for",
                    "Số đảng viên tán thành",
                    Number,
                    true,
                    &["votes_for"],
                ),
                spec(
                    "official_members",
                    "Tổng số đảng viên chính thức của chi bộ",
                    Number,
                    true,
                    NONE,
                ),
            ];
            if code == "cell_vote" {
                list.push(
                    spec(
                        "consent_number",
                        "Số văn bản đồng ý kết nạp người trên 60 tuổi",
                        Text,
                        false,
                        &["over_age_consent"],
                    )
                    .hint("Chỉ cần khi người xin vào Đảng quá 60 tuổi."),
                );
                list.push(spec(
                    "consent_dated",
                    "Ngày văn bản đồng ý",
                    Date,
                    false,
                    NONE,
                ));
            } else {
                list.push(spec(
                    "late_reason",
                    "Lý do chậm (nếu quá hạn)",
                    Area,
                    false,
                    NONE,
                ));
            }
            list
        }
        "base_resolution" | "recognition_base_resolution" => vec![
            spec(
                "number",
                "Số nghị quyết đảng ủy cơ sở",
                Text,
                true,
                &["resolution"],
            ),
            spec("dated", "Ngày nghị quyết", Date, true, DATE),
            spec("approved", "Đảng ủy cơ sở", YesNo, true, NONE),
        ],
        "extend_decision_deadline" => vec![
            spec("on", "Ngày gia hạn", Date, true, DATE),
            spec(
                "working_days",
                "Số ngày làm việc gia hạn",
                Number,
                true,
                &["working_days"],
            ),
            spec("reason", "Lý do gia hạn", Area, true, &["reason"]),
        ],
        "decide_admission" => vec![
            spec("number", "Số quyết định", Text, true, &["decision"]),
            spec("dated", "Ngày ký quyết định", Date, true, DATE)
                .hint("Tuổi đảng tính từ ngày này."),
            spec(
                "received_on",
                "Ngày chi bộ nhận quyết định",
                Date,
                true,
                &["received_on"],
            ),
            spec("approved", "Cấp ủy có thẩm quyền", YesNo, true, NONE),
            spec("late_reason", "Lý do chậm (nếu quá hạn)", Area, false, NONE),
        ],
        "hold_ceremony" => vec![
            spec("on", "Ngày tổ chức lễ kết nạp", Date, true, &["on", "date"])
                .hint("Ngày kết nạp: thời gian dự bị tính từ ngày này."),
            spec(
                "mentor",
                "Đảng viên giúp đỡ đảng viên dự bị",
                Text,
                true,
                &["mentor"],
            ),
            spec("mentor_card", "Số thẻ đảng viên", Text, false, NONE),
            spec(
                "consent_number",
                "Số văn bản đồng ý của cấp ủy cấp trên",
                Text,
                false,
                &["superior_consent"],
            )
            .hint("Chỉ cần khi lễ kết nạp quá hạn."),
            spec("consent_dated", "Ngày văn bản đồng ý", Date, false, NONE),
        ],
        "record_self_review" | "record_mentor_review" => vec![
            spec("number", "Số hoặc ký hiệu văn bản", Text, false, NONE),
            spec("dated", "Ngày viết", Date, true, DATE),
        ],
        "decide_recognition" => vec![
            spec(
                "number",
                "Số quyết định công nhận",
                Text,
                true,
                &["decision"],
            ),
            spec("dated", "Ngày ký quyết định", Date, true, DATE),
            spec("late_reason", "Lý do chậm (nếu quá hạn)", Area, false, NONE),
        ],
        "withdraw" => vec![
            spec("on", "Ngày rút khỏi danh sách", Date, true, DATE),
            spec("reason", "Lý do", Area, true, &["reason"]),
        ],
        "strike_off" => vec![
            spec("number", "Số quyết định xóa tên", Text, true, &["decision"]),
            spec("dated", "Ngày quyết định", Date, true, DATE),
            spec("reason", "Lý do xóa tên", Area, true, &["reason"]),
        ],
        "record_death" => vec![spec("on", "Ngày mất", Date, true, DATE)],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Reading a posted form into an `Action`.

/// Reads `YYYY-MM-DD` (from `<input type="date">`) or `dd/mm/yyyy`.
pub(crate) fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(text, "%d-%m-%Y"))
        .ok()
}

/// A posted form's values, read into what an action (or a transfer, a request) needs;
/// each mistake is a `Violation` naming the field.
pub(crate) struct Values<'a>(pub(crate) &'a HashMap<String, String>);

impl Values<'_> {
    pub(crate) fn text(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    fn opt_text(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|t| !t.is_empty())
    }

    pub(crate) fn opt_date(&self, name: &str) -> Result<Option<NaiveDate>, Violation> {
        let text = self.text(name);
        if text.is_empty() {
            return Ok(None);
        }
        parse_day(&text).map(Some).ok_or_else(|| {
            Violation::new(
                "input.date",
                name,
                format!("Ngày “{text}” không đọc được; hãy chọn ngày hoặc ghi dạng 15/03/2026."),
            )
        })
    }

    pub(crate) fn date(&self, name: &str) -> Result<NaiveDate, Violation> {
        self.opt_date(name)?
            .ok_or_else(|| Violation::new("input.required", name, "Phải ghi ngày."))
    }

    fn count(&self, name: &str) -> Result<u32, Violation> {
        let text = self.text(name);
        if text.is_empty() {
            return Err(Violation::new("input.required", name, "Phải ghi số."));
        }
        text.parse().map_err(|_| {
            Violation::new(
                "input.number",
                name,
                format!("“{text}” không phải số nguyên không âm."),
            )
        })
    }

    fn doc(&self, number: &str, dated: &str) -> Result<DocRef, Violation> {
        Ok(DocRef {
            number: self.text(number),
            dated: self.date(dated)?,
        })
    }

    /// A paper that may be absent; when either its number or its date is given, both are.
    pub(crate) fn opt_doc(&self, number: &str, dated: &str) -> Result<Option<DocRef>, Violation> {
        optional_doc((number, self.text(number)), (dated, self.opt_date(dated)?))
    }

    fn yes(&self, name: &str) -> Result<bool, Violation> {
        match self.text(name).as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(Violation::new(
                "input.required",
                name,
                "Hãy chọn đồng ý hay không đồng ý.",
            )),
        }
    }

    fn member(&self, name: &str, card: &str) -> PartyMember {
        PartyMember {
            name: self.text(name),
            card_number: self.text(card),
        }
    }

    fn introducer(&self, name: &str, since: &str) -> Result<Option<Introducer>, Violation> {
        if self.text(name).is_empty() {
            return Ok(None);
        }
        Ok(Some(Introducer {
            member: PartyMember {
                name: self.text(name),
                card_number: String::new(),
            },
            worked_together_since: self.date(since)?,
        }))
    }
}

/// A paper that may be absent, as `(field, value)` for its number and its date: none when
/// neither is given, else both (the pages' forms and the API say the same).
pub(crate) fn optional_doc(
    (number_field, number): (&str, String),
    (dated_field, dated): (&str, Option<NaiveDate>),
) -> Result<Option<DocRef>, Violation> {
    let number = number.trim().to_string();
    match (number.is_empty(), dated) {
        (true, None) => Ok(None),
        (false, Some(dated)) => Ok(Some(DocRef { number, dated })),
        (false, None) => Err(Violation::new(
            "input.required",
            dated_field,
            "Phải ghi ngày của văn bản.",
        )),
        (true, Some(_)) => Err(Violation::new(
            "input.required",
            number_field,
            "Phải ghi số văn bản.",
        )),
    }
}

fn parse_action(code: &str, values: &HashMap<String, String>) -> Result<Action, Violation> {
    let v = Values(values);
    let action = match code {
        "add_to_sympathisers" => Action::AddToSympathisers {
            resolution: v.doc("number", "dated")?,
            helpers: v
                .opt_text("helper")
                .map(|_| v.member("helper", "helper_card"))
                .into_iter()
                .collect(),
        },
        "assign_helper" => Action::AssignHelper {
            on: v.date("on")?,
            helper: v.member("helper", "helper_card"),
        },
        "assign_test_task" => Action::AssignTestTask {
            on: v.date("on")?,
            what: v.text("what"),
            due_on: v.date("due_on")?,
        },
        "assess_test_task" => Action::AssessTestTask {
            task: v.count("task")? as usize,
            on: v.date("on")?,
            result: TASK_RESULTS
                .iter()
                .find(|(c, _)| *c == v.text("result"))
                .map(|(_, r)| *r)
                .ok_or_else(|| Violation::new("input.required", "result", "Hãy chọn kết quả."))?,
            note: v.text("note"),
        },
        "record_awareness_certificate" => Action::RecordAwarenessCertificate {
            certificate: Certificate {
                number: v.text("number"),
                issued_on: v.date("dated")?,
                course: None,
            },
        },
        "open_file" => {
            let left_on = v.opt_date("prior_left_on")?;
            let reason = v.text("prior_reason");
            let cleared = v.opt_date("prior_cleared_on")?;
            let prior_membership = match left_on {
                Some(left_on) if !reason.is_empty() => Some(PriorMembership {
                    left_on,
                    reason,
                    criminal_record_cleared_on: cleared,
                }),
                Some(_) => {
                    return Err(Violation::new(
                        "input.required",
                        "prior_reason",
                        "Phải ghi lý do ra khỏi Đảng khi kết nạp lại.",
                    ));
                }
                None if !reason.is_empty() || cleared.is_some() => {
                    return Err(Violation::new(
                        "input.required",
                        "prior_left_on",
                        "Phải ghi ngày ra khỏi Đảng khi kết nạp lại.",
                    ));
                }
                None => None,
            };
            Action::OpenFile {
                on: v.date("on")?,
                prior_membership,
            }
        }
        "record_introductions" => Action::RecordIntroductions {
            on: v.date("on")?,
            introducers: [
                v.introducer("introducer_1", "introducer_1_since")?,
                v.introducer("introducer_2", "introducer_2_since")?,
            ]
            .into_iter()
            .flatten()
            .collect(),
            mass_org_resolution: v.opt_doc("mass_org_number", "mass_org_dated")?,
        },
        "record_opinions" => Action::RecordOpinions {
            summary: v.doc("number", "dated")?,
        },
        "complete_verification" => Action::CompleteVerification {
            conclusion: v.doc("number", "dated")?,
        },
        "renew_file" => Action::RenewFile { on: v.date("on")? },
        "cell_vote" | "recognition_vote" => {
            let vote = Vote {
                resolution: v.doc("number", "dated")?,
                votes_for: v.count("votes_for")?,
                official_members: v.count("official_members")?,
            };
            if code == "cell_vote" {
                Action::CellVote {
                    vote,
                    over_age_consent: v.opt_doc("consent_number", "consent_dated")?,
                }
            } else {
                Action::RecognitionVote {
                    vote,
                    late_reason: v.opt_text("late_reason"),
                }
            }
        }
        "base_resolution" => Action::BaseResolution {
            resolution: v.doc("number", "dated")?,
            approved: v.yes("approved")?,
        },
        "recognition_base_resolution" => Action::RecognitionBaseResolution {
            resolution: v.doc("number", "dated")?,
            approved: v.yes("approved")?,
        },
        "extend_decision_deadline" => Action::ExtendDecisionDeadline {
            on: v.date("on")?,
            working_days: v.count("working_days")?,
            reason: v.text("reason"),
        },
        "decide_admission" => Action::DecideAdmission {
            decision: v.doc("number", "dated")?,
            received_on: v.date("received_on")?,
            approved: v.yes("approved")?,
            late_reason: v.opt_text("late_reason"),
        },
        "hold_ceremony" => Action::HoldCeremony {
            on: v.date("on")?,
            mentor: v.member("mentor", "mentor_card"),
            superior_consent: v.opt_doc("consent_number", "consent_dated")?,
        },
        "record_new_member_course" => Action::RecordNewMemberCourse {
            certificate: Certificate {
                number: v.text("number"),
                issued_on: v.date("dated")?,
                course: None,
            },
        },
        "record_self_review" => Action::RecordSelfReview {
            document: v.doc("number", "dated")?,
        },
        "record_mentor_review" => Action::RecordMentorReview {
            document: v.doc("number", "dated")?,
        },
        "decide_recognition" => Action::DecideRecognition {
            decision: v.doc("number", "dated")?,
            late_reason: v.opt_text("late_reason"),
        },
        "withdraw" => Action::Withdraw {
            on: v.date("on")?,
            reason: v.text("reason"),
        },
        "strike_off" => Action::StrikeOff {
            decision: v.doc("number", "dated")?,
            reason: v.text("reason"),
        },
        "record_death" => Action::RecordDeath { on: v.date("on")? },
        _ => {
            return Err(Violation::new(
                "input.action",
                "action",
                "Không có thao tác này; hãy tải lại trang.",
            ));
        }
    };
    Ok(action)
}

// ---------------------------------------------------------------------------------------
// What the case page shows.

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Field {
    pub name: &'static str,
    pub id: String,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
    pub hint: &'static str,
    pub options: Vec<Choice>,
    pub error: Option<String>,
}

pub struct ActionForm {
    pub code: &'static str,
    pub label: &'static str,
    pub primary: bool,
    pub open: bool,
    pub confirm: Option<String>,
    pub fields: Vec<Field>,
    /// A refusal that names no field of this form.
    pub error: Option<String>,
    pub rule: Option<String>,
}

pub struct PersonView {
    pub name: String,
    pub birth: String,
    pub sex: &'static str,
    pub citizen_id: String,
    pub ethnicity: String,
    pub occupation: String,
    pub workplace: String,
    pub unions: String,
}

pub struct EventView {
    pub on: String,
    pub summary: String,
    pub actor: String,
    pub document: String,
    pub rule_set: String,
    pub stage: &'static str,
    pub recorded: String,
}

pub struct PaperView {
    pub label: &'static str,
    pub needed_by: &'static str,
    pub number: String,
    pub dated: String,
    pub valid_until: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

pub struct DeadlineView {
    pub what: &'static str,
    pub due: String,
    pub rule: String,
    pub status: &'static str,
    pub status_label: String,
}

pub struct TaskView {
    pub what: String,
    pub assigned: String,
    pub due: String,
    pub result: String,
}

/// A refusal told at the top of the page.
pub struct Alert {
    pub message: String,
    pub rule: Option<String>,
    /// The id of the field to correct, for the link.
    pub target: Option<String>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    case_id: i64,
    person_id: i64,
    version: i64,
    person: PersonView,
    cell: String,
    stage: &'static str,
    closed: bool,
    identified_on: String,
    nominated_by: Option<String>,
    sympathiser_on: Option<String>,
    helpers: Vec<String>,
    tasks: Vec<TaskView>,
    awareness: Option<String>,
    file_opened_on: Option<String>,
    introducers: Vec<String>,
    decision: Option<String>,
    ceremony_on: Option<String>,
    party_age_from: Option<String>,
    official_on: Option<String>,
    expected_official_on: Option<String>,
    mentor: Option<String>,
    exit: Option<String>,
    deadline: Option<DeadlineView>,
    events: Vec<EventView>,
    papers: Vec<PaperView>,
    forms: Vec<ActionForm>,
    can_edit: bool,
    can_audit: bool,
    alert: Option<Alert>,
    conflict: Option<String>,
    /// The transfer waiting for the receiving unit, if one is.
    transfer: Option<super::transfers::PendingNote>,
    requests: Vec<super::requests::CaseRequest>,
}

/// What was posted, when the page is shown again after a refusal.
struct Submitted {
    code: String,
    values: HashMap<String, String>,
    violation: Option<Violation>,
    conflict: bool,
}

/// A posted form's fields by name.
pub(crate) fn read_form(body: &Bytes) -> Result<HashMap<String, String>, WebError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| WebError::bad_request("Không đọc được dữ liệu biểu mẫu."))
}

pub(crate) fn parse_case_id(text: &str) -> Result<CaseId, WebError> {
    text.parse::<i64>()
        .map(CaseId)
        .map_err(|_| WebError::not_found())
}

pub(crate) fn doc_text(doc: &DocRef) -> String {
    if doc.number.is_empty() {
        format!("ngày {}", dmy(doc.dated))
    } else {
        format!("số {}, ngày {}", doc.number, dmy(doc.dated))
    }
}

fn member_text(member: &PartyMember) -> String {
    if member.card_number.is_empty() {
        member.name.clone()
    } else {
        format!("{} (thẻ số {})", member.name, member.card_number)
    }
}

fn build_forms(case: &Case, submitted: Option<&Submitted>) -> (Vec<ActionForm>, Option<Alert>) {
    let codes = offered(case);
    let mut alert = None;
    let mut forms = Vec::with_capacity(codes.len());
    for (index, code) in codes.iter().copied().enumerate() {
        let mine = submitted.filter(|s| s.code == code);
        let violation = mine.and_then(|s| s.violation.as_ref());
        let specs = specs(code);
        let target = violation.and_then(|v| {
            specs
                .iter()
                .find(|s| s.name == v.field || s.answers.contains(&v.field.as_str()))
                .map(|s| s.name)
        });
        let fields = specs
            .iter()
            .map(|s| {
                let typed = mine
                    .and_then(|m| m.values.get(s.name))
                    .cloned()
                    .unwrap_or_default();
                let value = if s.kind == YesNo && typed.is_empty() {
                    "yes".to_string()
                } else {
                    typed
                };
                let options = match (s.kind, s.name) {
                    (YesNo, _) => vec![("yes", "Đồng ý"), ("no", "Không đồng ý")]
                        .into_iter()
                        .map(|(v, l)| Choice {
                            selected: value == v,
                            value: v.into(),
                            label: l.into(),
                        })
                        .collect(),
                    (Select, "task") => case
                        .test_tasks
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| t.assessment.is_none())
                        .map(|(i, t)| Choice {
                            selected: value == i.to_string(),
                            value: i.to_string(),
                            label: format!("{} (hạn {})", t.what, dmy(t.due_on)),
                        })
                        .collect(),
                    (Select, "result") => TASK_RESULTS
                        .iter()
                        .map(|(c, r)| Choice {
                            selected: value == *c,
                            value: (*c).into(),
                            label: r.label_vi().into(),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                Field {
                    name: s.name,
                    id: format!("{code}-{}", s.name),
                    label: s.label,
                    kind: s.kind.code(),
                    value,
                    required: s.required,
                    hint: s.hint,
                    options,
                    error: violation
                        .filter(|_| target == Some(s.name))
                        .map(|v| v.message.clone()),
                }
            })
            .collect();
        if let Some(v) = violation {
            alert = Some(Alert {
                message: v.message.clone(),
                rule: Some(v.rule.clone()),
                target: target.map(|t| format!("{code}-{t}")),
            });
        }
        let label = action_label(code).unwrap_or(code);
        forms.push(ActionForm {
            code,
            label,
            primary: index == 0 && !closes(code),
            open: mine.is_some(),
            confirm: closes(code).then(|| format!("“{label}” sẽ kết thúc hồ sơ này. Tiếp tục?")),
            fields,
            error: violation
                .filter(|_| target.is_none())
                .map(|v| v.message.clone()),
            rule: violation.map(|v| v.rule.clone()),
        });
    }
    if alert.is_none()
        && let Some(v) = submitted.and_then(|s| s.violation.as_ref())
    {
        alert = Some(Alert {
            message: v.message.clone(),
            rule: Some(v.rule.clone()),
            target: None,
        });
    }
    (forms, alert)
}

async fn render(
    ctx: &Ctx,
    scope: &Scope,
    record: CaseRecord,
    submitted: Option<Submitted>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let store = &ctx.state.store;
    let case = &record.case;
    // The read of the person's record is logged (person.read), every time it is shown.
    let person = store.person(&ctx.change(), scope, case.person).await?;
    let events = store.events(scope, case.id).await?;
    let rules = store.rule_book().await?;
    let calendar = store.calendar().await?;
    let today = ctx.today();
    let d = &person.details;
    let mut unions = Vec::new();
    if d.youth_union_member {
        unions.push("Đoàn viên Đoàn TNCS Hồ Chí Minh");
    }
    if d.trade_union_member {
        unions.push("Đoàn viên công đoàn");
    }
    let person_view = PersonView {
        name: d.name.full(),
        birth: d.birth.display(),
        sex: d.sex.label_vi(),
        citizen_id: d
            .citizen_id
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|| "Chưa có".into()),
        ethnicity: ketnap_domain::ethnicity::by_id(d.ethnicity)
            .map(|e| e.name.to_string())
            .unwrap_or_else(|| "Không rõ".into()),
        occupation: d.occupation.clone(),
        workplace: d.workplace.clone(),
        unions: if unions.is_empty() {
            "Không".into()
        } else {
            unions.join("; ")
        },
    };
    let nominated_by = match case.nominated_by {
        // A mass organisation is not personal data: named even when it belongs to a unit
        // outside the scope (one that nominated before a transfer).
        Some(id) => Some(
            store
                .mass_org(id)
                .await?
                .map(|m| m.name)
                .unwrap_or_else(|| format!("Đoàn thể số {}", id.0)),
        ),
        None => None,
    };
    let deadline = next_deadline(case, &rules, &calendar, today, WARN_DAYS)
        .ok()
        .flatten()
        .map(|dl| DeadlineView {
            what: dl.what,
            due: dmy(dl.due),
            rule: dl.rule,
            status: dl.status.code(),
            status_label: dl.status.label_vi(),
        });
    let expected_official_on = match (case.ceremony_on, case.official_on) {
        (Some(ceremony), None) if case.stage.is_probation() => {
            Some(dmy(probation_end(ceremony, rules.in_force_on(ceremony)?)))
        }
        _ => None,
    };
    let papers = checklist(case, today)
        .into_iter()
        .map(|line| {
            let (status, status_label) = match (&line.record, line.expired) {
                (Some(_), true) => ("overdue", "Hết hiệu lực"),
                (Some(_), false) => ("on_time", "Đã có"),
                (None, _) => ("missing", "Chưa có"),
            };
            PaperView {
                label: line.label,
                needed_by: line.needed_by.label_vi(),
                number: line
                    .record
                    .as_ref()
                    .map(|r| r.number.clone())
                    .unwrap_or_default(),
                dated: line
                    .record
                    .as_ref()
                    .map(|r| dmy(r.dated))
                    .unwrap_or_default(),
                valid_until: line
                    .record
                    .as_ref()
                    .and_then(|r| r.valid_until)
                    .map(dmy)
                    .unwrap_or_default(),
                status,
                status_label,
            }
        })
        .collect();
    let events = events
        .into_iter()
        .map(|e| EventView {
            on: dmy(e.on),
            summary: e.summary,
            actor: e.actor,
            document: e.document.as_ref().map(doc_text).unwrap_or_default(),
            rule_set: e.rule_set,
            stage: e.stage_after.label_vi(),
            recorded: vn_time(e.recorded_at),
        })
        .collect();
    let can_edit = ctx.auth.role.grants(Need::Edit) && scope.can_edit();
    let (forms, alert) = if can_edit {
        build_forms(case, submitted.as_ref())
    } else {
        (Vec::new(), None)
    };
    let transfer = super::transfers::pending_of_case(ctx, scope, case.id).await?;
    let requests = super::requests::of_case(ctx, scope, case.id).await?;
    let conflict = submitted
        .as_ref()
        .filter(|s| s.conflict)
        .map(|_| StoreError::Conflict.to_string());
    let page = CasePage {
        // No name in the title: browser history keeps titles.
        layout: ctx.layout(&format!("Hồ sơ số {}", record.case.id)).await?,
        case_id: case.id.0,
        person_id: case.person.0,
        version: record.version,
        cell: record.cell_name.clone(),
        stage: case.stage.label_vi(),
        closed: case.stage.is_closed(),
        identified_on: dmy(case.identified_on),
        nominated_by,
        sympathiser_on: case.sympathiser_on.map(dmy),
        helpers: case.helpers.iter().map(member_text).collect(),
        tasks: case
            .test_tasks
            .iter()
            .map(|t| TaskView {
                what: t.what.clone(),
                assigned: dmy(t.assigned_on),
                due: dmy(t.due_on),
                result: t
                    .assessment
                    .as_ref()
                    .map(|a| format!("{} ({})", a.result.label_vi(), dmy(a.on)))
                    .unwrap_or_else(|| "Chưa đánh giá".into()),
            })
            .collect(),
        awareness: case
            .awareness_certificate
            .as_ref()
            .map(|c| format!("số {}, cấp ngày {}", c.number, dmy(c.issued_on))),
        file_opened_on: case.file_opened_on.map(dmy),
        introducers: case
            .introducers
            .iter()
            .map(|i| {
                format!(
                    "{} (công tác cùng từ {})",
                    member_text(&i.member),
                    dmy(i.worked_together_since)
                )
            })
            .collect(),
        decision: case.decision.as_ref().map(|d| {
            format!(
                "{}; chi bộ nhận ngày {}",
                doc_text(&d.decision),
                dmy(d.received_on)
            )
        }),
        ceremony_on: case.ceremony_on.map(dmy),
        party_age_from: case.party_age_from().map(dmy),
        official_on: case.official_on.map(dmy),
        expected_official_on,
        mentor: case.mentor.as_ref().map(member_text),
        exit: case.exit.as_ref().map(|e| {
            let mut text = format!("{}: {}", dmy(e.on), e.reason);
            if let Some(doc) = &e.document {
                text.push_str(&format!(" (văn bản {})", doc_text(doc)));
            }
            text
        }),
        deadline,
        events,
        papers,
        forms,
        can_edit,
        can_audit: ctx.auth.role.grants(Need::Audit),
        alert,
        conflict,
        person: person_view,
        transfer,
        requests,
    };
    let mut response = Html(page.render()?).into_response();
    *response.status_mut() = status;
    Ok(response)
}

pub async fn page(ctx: Ctx, Path(case_id): Path<String>) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_case_id(&case_id)?;
    let record = ctx.state.store.case(scope, id).await?;
    render(&ctx, scope, record, None, StatusCode::OK).await
}

pub async fn act(ctx: Ctx, Path(case_id): Path<String>, body: Bytes) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_case_id(&case_id)?;
    let store = &ctx.state.store;
    let record = store.case(scope, id).await?;
    let values = read_form(&body)?;
    let code = values.get("action").cloned().unwrap_or_default();
    let version = values
        .get("version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            WebError::bad_request("Thiếu phiên bản của hồ sơ; hãy tải lại trang rồi gửi lại.")
        })?;
    let outcome: Result<i64, StoreError> = async {
        let action = parse_action(&code, &values)?;
        let rules = store.rule_book().await?;
        let calendar = store.calendar().await?;
        let transition = apply(
            &record.case,
            &record.person.details,
            &action,
            &Actor(ctx.auth.username.clone()),
            Utc::now(),
            &rules,
            &calendar,
        )?;
        store
            .record_transition(&ctx.change(), scope, version, &transition)
            .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{}", id.0)).into_response()),
        Err(StoreError::Rejected(violation)) => {
            let submitted = Submitted {
                code,
                values,
                violation: Some(violation),
                conflict: false,
            };
            render(
                &ctx,
                scope,
                record,
                Some(submitted),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict) => {
            // Show the case as it is now, with what the user typed kept in its form.
            let fresh = store.case(scope, id).await?;
            let submitted = Submitted {
                code,
                values,
                violation: None,
                conflict: true,
            };
            render(&ctx, scope, fresh, Some(submitted), StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Who saw or changed the case.

pub struct AuditLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub detail: String,
    pub request_id: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "case_audit.html")]
struct AuditPage {
    layout: Layout,
    case_id: i64,
    audit: Vec<AuditLine>,
    reads: usize,
    changes: usize,
}

fn stage_label(code: &str) -> String {
    Stage::from_code(code.trim())
        .map(|s| s.label_vi().to_string())
        .unwrap_or_else(|| code.to_string())
}

pub(crate) fn audit_line(entry: AuditEntry) -> AuditLine {
    let (what, detail) = match entry.action.as_str() {
        "person.read" => ("Xem hồ sơ cá nhân".to_string(), String::new()),
        "person.create" => ("Tạo hồ sơ cá nhân".to_string(), String::new()),
        "person.identity-change" => (
            "Thay đổi họ tên, ngày sinh".to_string(),
            entry
                .after
                .map(|reason| format!("Căn cứ: {reason}"))
                .unwrap_or_default(),
        ),
        "case.open" => (
            "Mở hồ sơ".to_string(),
            entry.after.as_deref().map(stage_label).unwrap_or_default(),
        ),
        "case.transition" => {
            // `after` is "action_code → stage_code".
            let after = entry.after.unwrap_or_default();
            let (action, stage) = after.split_once('→').unwrap_or((after.as_str(), ""));
            let action = action.trim();
            (
                action_label(action)
                    .map(str::to_string)
                    .unwrap_or_else(|| action.to_string()),
                format!(
                    "{} → {}",
                    entry.before.as_deref().map(stage_label).unwrap_or_default(),
                    stage_label(stage)
                ),
            )
        }
        other => (other.to_string(), String::new()),
    };
    AuditLine {
        when: vn_time(entry.at),
        who: entry.actor,
        read: entry.action == "person.read",
        what,
        detail,
        request_id: entry.request_id,
    }
}

pub async fn audit(ctx: Ctx, Path(case_id): Path<String>) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_case_id(&case_id)?;
    let store = &ctx.state.store;
    let record = store.case(scope, id).await?;
    let mut entries = store.audit_trail(scope, "case", &id.0.to_string()).await?;
    entries.extend(
        store
            .audit_trail(scope, "person", &record.case.person.0.to_string())
            .await?,
    );
    entries.sort_by_key(|e| e.at);
    let audit: Vec<AuditLine> = entries.into_iter().map(audit_line).collect();
    let reads = audit.iter().filter(|l| l.read).count();
    let page = AuditPage {
        layout: ctx.layout("Ai đã xem hoặc thay đổi hồ sơ này").await?,
        case_id: id.0,
        changes: audit.len() - reads,
        reads,
        audit,
    };
    Ok(Html(page.render()?).into_response())
}
