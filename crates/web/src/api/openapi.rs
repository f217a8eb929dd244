//! The OpenAPI 3.1 description of `/api/v1`, built once from the domain's own lists (stage
//! codes, unit kinds, action kinds) so the document cannot drift from the code that answers.
//!
//! The action schemas come from `action_fields`, which destructures every `Action` variant
//! field by field: a new variant or field does not compile until it is documented here. Each
//! variant carries an example that the integration tests deserialize as an `Action`.

use std::sync::LazyLock;

use axum::Json;
use chrono::NaiveDate;
use ketnap_domain::action::Action;
use ketnap_domain::case::{
    Certificate, DocRef, Introducer, Paper, PartyMember, PriorMembership, Stage, TaskResult, Vote,
};
use ketnap_domain::ids::{CourseId, UnitId};
use ketnap_domain::unit::UnitKind;
use serde_json::{Map, Value, json};

use crate::pages::reports::{MAX_YEAR, MIN_YEAR};

mod coordination;
mod nominations;

static DOCUMENT: LazyLock<Value> = LazyLock::new(document);

/// `GET /api/v1/openapi.json` (public): the description of the API.
pub async fn openapi() -> Json<&'static Value> {
    Json(&*DOCUMENT)
}

// ---------------------------------------------------------------------------------------
// Schema helpers

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn or_null(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn text(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn integer() -> Value {
    json!({ "type": "integer" })
}

/// An integer within the range of the Rust type that reads it, so the document does not
/// promise numbers the server cannot hold.
fn integer_in(minimum: i64, maximum: u64) -> Value {
    json!({ "type": "integer", "minimum": minimum, "maximum": maximum })
}

fn i64_integer() -> Value {
    integer_in(i64::MIN, i64::MAX as u64)
}

fn u32_integer() -> Value {
    integer_in(0, u32::MAX.into())
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

fn date() -> Value {
    json!({ "type": "string", "format": "date" })
}

fn date_or_null() -> Value {
    json!({ "type": ["string", "null"], "format": "date" })
}

fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// A two-item array (`[unit, count]`).
fn pair(first: Value, second: Value) -> Value {
    json!({ "type": "array", "prefixItems": [first, second], "minItems": 2, "maxItems": 2 })
}

fn described(mut schema: Value, description: &str) -> Value {
    if let Some(map) = schema.as_object_mut() {
        map.insert("description".into(), description.into());
    }
    schema
}

/// An object whose every listed property is present in answers (possibly `null`).
fn object(properties: Vec<(&str, Value)>) -> Value {
    let required: Vec<&str> = properties.iter().map(|(name, _)| *name).collect();
    object_with(properties, &required)
}

fn object_with(properties: Vec<(&str, Value)>, required: &[&str]) -> Value {
    let props: Map<String, Value> = properties
        .into_iter()
        .map(|(name, schema)| (name.to_string(), schema))
        .collect();
    json!({ "type": "object", "required": required, "properties": props })
}

fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Value {
    json!({ "type": "string", "enum": all.iter().map(|v| code(*v)).collect::<Vec<_>>() })
}

fn serde_code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Actions

/// Every paper kind, for the `Paper` enum.
const PAPERS: [Paper; 19] = [
    Paper::Nomination,
    Paper::SympathiserResolution,
    Paper::AwarenessCertificate,
    Paper::Application,
    Paper::PersonalHistory,
    Paper::Introduction,
    Paper::MassOrgIntroduction,
    Paper::OpinionSummary,
    Paper::VerificationConclusion,
    Paper::CellResolution,
    Paper::BaseResolution,
    Paper::AdmissionDecision,
    Paper::CeremonyConsent,
    Paper::NewMemberCertificate,
    Paper::SelfReview,
    Paper::MentorReview,
    Paper::RecognitionResolution,
    Paper::RecognitionBaseResolution,
    Paper::RecognitionDecision,
];

const TASK_RESULTS: [TaskResult; 4] = [
    TaskResult::Excellent,
    TaskResult::Good,
    TaskResult::Completed,
    TaskResult::NotCompleted,
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn doc(number: &str, dated: NaiveDate) -> DocRef {
    DocRef {
        number: number.into(),
        dated,
    }
}

fn member(name: &str) -> PartyMember {
    PartyMember {
        name: name.into(),
        card_number: "79.012345".into(),
    }
}

fn vote(number: &str, dated: NaiveDate) -> Vote {
    Vote {
        resolution: doc(number, dated),
        votes_for: 9,
        official_members: 10,
    }
}

fn certificate(number: &str, issued_on: NaiveDate) -> Certificate {
    Certificate {
        number: number.into(),
        issued_on,
        course: Some(CourseId(3)),
    }
}

/// One example of every action, every optional field filled in.
fn examples() -> Vec<Action> {
    vec![
        Action::AddToSympathisers {
            resolution: doc("12-NQ/CB", day(2025, 7, 3)),
            helpers: vec![member("Lê Văn Tám")],
        },
        Action::AssignHelper {
            on: day(2025, 7, 10),
            helper: member("Phạm Thị Hoa"),
        },
        Action::AssignTestTask {
            on: day(2025, 7, 10),
            what: "Phụ trách phong trào thanh niên khu phố".into(),
            due_on: day(2025, 10, 10),
        },
        Action::AssessTestTask {
            on: day(2025, 10, 12),
            task: 0,
            result: TaskResult::Good,
            note: "Hoàn thành tốt, được khu phố ghi nhận".into(),
        },
        Action::RecordAwarenessCertificate {
            certificate: certificate("NT-1024", day(2025, 7, 20)),
        },
        Action::OpenFile {
            on: day(2025, 7, 25),
            prior_membership: Some(PriorMembership {
                left_on: day(2015, 3, 1),
                reason: "Xin ra khỏi Đảng vì hoàn cảnh gia đình".into(),
                criminal_record_cleared_on: None,
            }),
        },
        Action::RecordIntroductions {
            on: day(2025, 7, 28),
            introducers: vec![Introducer {
                member: member("Lê Văn Tám"),
                worked_together_since: day(2023, 1, 1),
            }],
            mass_org_resolution: Some(doc("05-NQ/ĐTN", day(2025, 7, 27))),
        },
        Action::RecordOpinions {
            summary: doc("TH-01", day(2025, 8, 4)),
        },
        Action::CompleteVerification {
            conclusion: doc("KL-07", day(2025, 8, 11)),
        },
        Action::RenewFile {
            on: day(2026, 3, 1),
        },
        Action::CellVote {
            vote: vote("20-NQ/CB", day(2025, 8, 18)),
            over_age_consent: Some(doc("15-CV/ĐU", day(2025, 8, 15))),
        },
        Action::BaseResolution {
            resolution: doc("33-NQ/ĐU", day(2025, 8, 25)),
            approved: true,
        },
        Action::ExtendDecisionDeadline {
            on: day(2025, 10, 1),
            working_days: 30,
            reason: "Chờ kết quả thẩm tra bổ sung".into(),
        },
        Action::DecideAdmission {
            decision: doc("145-QĐ/ĐU", day(2025, 9, 8)),
            received_on: day(2025, 9, 10),
            approved: true,
            late_reason: Some("Cấp ủy họp chậm do thiên tai".into()),
        },
        Action::HoldCeremony {
            on: day(2025, 9, 22),
            mentor: member("Lê Văn Tám"),
            superior_consent: Some(doc("20-CV/ĐU", day(2025, 9, 20))),
        },
        Action::RecordNewMemberCourse {
            certificate: certificate("ĐVM-311", day(2025, 12, 5)),
        },
        Action::RecordSelfReview {
            document: doc("TKĐ-1", day(2026, 9, 15)),
        },
        Action::RecordMentorReview {
            document: doc("NX-1", day(2026, 9, 16)),
        },
        Action::RecognitionVote {
            vote: vote("41-NQ/CB", day(2026, 9, 29)),
            late_reason: Some("Chi bộ họp chậm".into()),
        },
        Action::RecognitionBaseResolution {
            resolution: doc("52-NQ/ĐU", day(2026, 10, 6)),
            approved: true,
        },
        Action::DecideRecognition {
            decision: doc("301-QĐ/ĐU", day(2026, 10, 13)),
            late_reason: Some("Cấp ủy họp chậm".into()),
        },
        Action::Withdraw {
            on: day(2026, 3, 2),
            reason: "Chuyển đi nơi khác học tập".into(),
        },
        Action::TransferOut {
            on: day(2026, 3, 2),
            to_unit: UnitId(42),
            reason: "Chuyển công tác".into(),
        },
        Action::StrikeOff {
            decision: doc("77-QĐ/ĐU", day(2026, 5, 4)),
            reason: "Vi phạm tư cách đảng viên trong thời kỳ dự bị".into(),
        },
        Action::RecordDeath {
            on: day(2026, 6, 1),
        },
    ]
}

/// One field of an action: name, schema, required.
type Field = (&'static str, Value, bool);

fn req(name: &'static str, schema: Value) -> Field {
    (name, schema, true)
}

fn opt(name: &'static str, schema: Value) -> Field {
    (name, or_null(schema), false)
}

/// The fields of each action. Every variant is destructured field by field, so adding a
/// variant or a field to `Action` fails to compile until it is described here.
fn action_fields(action: &Action) -> Vec<Field> {
    let on = || req("on", described(date(), "Ngày việc diễn ra."));
    match action {
        Action::AddToSympathisers {
            resolution: _,
            helpers: _,
        } => vec![
            req("resolution", r("DocRef")),
            req("helpers", array(r("PartyMember"))),
        ],
        Action::AssignHelper { on: _, helper: _ } => vec![on(), req("helper", r("PartyMember"))],
        Action::AssignTestTask {
            on: _,
            what: _,
            due_on: _,
        } => vec![on(), req("what", string()), req("due_on", date())],
        Action::AssessTestTask {
            on: _,
            task: _,
            result: _,
            note: _,
        } => vec![
            on(),
            req(
                "task",
                described(
                    integer_in(0, usize::MAX as u64),
                    "Số thứ tự nhiệm vụ trong test_tasks của hồ sơ, từ 0.",
                ),
            ),
            req("result", r("TaskResult")),
            req("note", string()),
        ],
        Action::RecordAwarenessCertificate { certificate: _ }
        | Action::RecordNewMemberCourse { certificate: _ } => {
            vec![req("certificate", r("Certificate"))]
        }
        Action::OpenFile {
            on: _,
            prior_membership: _,
        } => vec![on(), opt("prior_membership", r("PriorMembership"))],
        Action::RecordIntroductions {
            on: _,
            introducers: _,
            mass_org_resolution: _,
        } => vec![
            on(),
            req("introducers", array(r("Introducer"))),
            opt("mass_org_resolution", r("DocRef")),
        ],
        Action::RecordOpinions { summary: _ } => vec![req("summary", r("DocRef"))],
        Action::CompleteVerification { conclusion: _ } => vec![req("conclusion", r("DocRef"))],
        Action::RenewFile { on: _ } | Action::RecordDeath { on: _ } => vec![on()],
        Action::CellVote {
            vote: _,
            over_age_consent: _,
        } => vec![req("vote", r("Vote")), opt("over_age_consent", r("DocRef"))],
        Action::BaseResolution {
            resolution: _,
            approved: _,
        }
        | Action::RecognitionBaseResolution {
            resolution: _,
            approved: _,
        } => vec![req("resolution", r("DocRef")), req("approved", boolean())],
        Action::ExtendDecisionDeadline {
            on: _,
            working_days: _,
            reason: _,
        } => vec![
            on(),
            req("working_days", u32_integer()),
            req("reason", string()),
        ],
        Action::DecideAdmission {
            decision: _,
            received_on: _,
            approved: _,
            late_reason: _,
        } => vec![
            req("decision", r("DocRef")),
            req(
                "received_on",
                described(date(), "Ngày chi bộ nhận quyết định."),
            ),
            req("approved", boolean()),
            opt("late_reason", string()),
        ],
        Action::HoldCeremony {
            on: _,
            mentor: _,
            superior_consent: _,
        } => vec![
            on(),
            req("mentor", r("PartyMember")),
            opt("superior_consent", r("DocRef")),
        ],
        Action::RecordSelfReview { document: _ } | Action::RecordMentorReview { document: _ } => {
            vec![req("document", r("DocRef"))]
        }
        Action::RecognitionVote {
            vote: _,
            late_reason: _,
        } => vec![req("vote", r("Vote")), opt("late_reason", string())],
        Action::DecideRecognition {
            decision: _,
            late_reason: _,
        } => vec![req("decision", r("DocRef")), opt("late_reason", string())],
        Action::Withdraw { on: _, reason: _ } => vec![on(), req("reason", string())],
        Action::TransferOut {
            on: _,
            to_unit: _,
            reason: _,
        } => vec![
            on(),
            req(
                "to_unit",
                described(i64_integer(), "Mã số tổ chức đảng nơi chuyển đến."),
            ),
            req("reason", string()),
        ],
        Action::StrikeOff {
            decision: _,
            reason: _,
        } => vec![req("decision", r("DocRef")), req("reason", string())],
    }
}

fn action_schema_name(code: &str) -> String {
    format!("Action.{code}")
}

/// The schema of one action kind, with its example.
fn action_variant(action: &Action) -> Value {
    let code = action.code();
    let fields = action_fields(action);
    let mut properties = Map::new();
    properties.insert("action".into(), json!({ "const": code }));
    let mut required = vec!["action"];
    for (name, schema, is_required) in fields {
        properties.insert(name.into(), schema);
        if is_required {
            required.push(name);
        }
    }
    json!({
        "title": action.label_vi(),
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false,
        "examples": [serde_json::to_value(action).unwrap_or(Value::Null)],
    })
}

// ---------------------------------------------------------------------------------------
// Components

fn schemas() -> Map<String, Value> {
    let mut s = Map::new();
    let mut add = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    add(
        "Error",
        described(
            object(vec![
                ("error", text("Tên mã trạng thái HTTP (\"Not Found\" …).")),
                (
                    "message",
                    text("Lời báo lỗi bằng tiếng Việt, để hiện cho người dùng."),
                ),
                (
                    "field",
                    described(
                        json!({ "type": ["string", "null"] }),
                        "Trường cần sửa (tham số, trường của nội dung gửi lên).",
                    ),
                ),
                (
                    "rule",
                    described(
                        json!({ "type": ["string", "null"] }),
                        "Mã quy định bị vi phạm (qd-294/admission.ceremony_working_days, \
                         workflow.stage, api.query.unknown …).",
                    ),
                ),
                ("request_id", text("Mã yêu cầu, để báo cho quản trị viên.")),
            ]),
            "Mọi lỗi đều trả về thân JSON này.",
        ),
    );
    add(
        "StageCode",
        described(
            codes(&Stage::ALL, Stage::code),
            "Bước của hồ sơ (source quần chúng ưu tú … official đảng viên chính thức; \
             withdrawn, not_admitted, transferred_out, struck_off, deceased là các lối ra).",
        ),
    );
    add(
        "Stage",
        object(vec![("code", r("StageCode")), ("label", text("Tên bước."))]),
    );
    add("UnitKind", codes(&UnitKind::ALL, UnitKind::code));
    add(
        "Paper",
        json!({ "type": "string",
                "enum": PAPERS.iter().map(serde_code).collect::<Vec<_>>() }),
    );
    add(
        "TaskResult",
        json!({ "type": "string",
                "enum": TASK_RESULTS.iter().map(serde_code).collect::<Vec<_>>() }),
    );
    add(
        "ActionCode",
        json!({ "type": "string",
                "enum": examples().iter().map(Action::code).collect::<Vec<_>>() }),
    );
    add(
        "Unit",
        object(vec![
            ("id", integer()),
            ("code", json!({ "type": ["string", "null"] })),
            ("name", string()),
            ("kind", r("UnitKind")),
            ("kind_label", string()),
            ("parent", json!({ "type": ["integer", "null"] })),
            (
                "sector",
                text("Mã lĩnh vực (education, health, residential …)."),
            ),
            ("valid_from", date()),
            (
                "valid_until",
                described(date_or_null(), "Ngày cuối cùng tổ chức tồn tại."),
            ),
            (
                "successor",
                described(
                    json!({ "type": ["integer", "null"] }),
                    "Tổ chức đã hợp nhất vào.",
                ),
            ),
        ]),
    );
    add("UnitList", object(vec![("items", array(r("Unit")))]));
    add(
        "Deadline",
        object(vec![
            ("due", date()),
            ("what", text("Việc phải làm trước hạn.")),
            (
                "rule",
                text("Quy định đặt ra thời hạn (qd-294/admission.decision_working_days …)."),
            ),
            (
                "status",
                json!({ "type": "string", "enum": ["on_time", "due_soon", "overdue"] }),
            ),
            (
                "days",
                described(
                    json!({ "type": ["integer", "null"] }),
                    "Số ngày còn lại (due_soon) hoặc đã quá (overdue); null khi còn trong hạn.",
                ),
            ),
            ("status_label", string()),
        ]),
    );
    add(
        "CaseSummary",
        object(vec![
            ("id", integer()),
            (
                "version",
                described(integer(), "Phiên bản mà thao tác tiếp theo phải ghi."),
            ),
            ("person_id", integer()),
            ("full_name", string()),
            ("birth_date", r("BirthDateText")),
            ("cell_id", integer()),
            ("cell_name", string()),
            ("stage", r("StageCode")),
            ("stage_label", string()),
            ("identified_on", date()),
            (
                "decided_on",
                described(
                    date_or_null(),
                    "Ngày quyết định kết nạp: tuổi đảng tính từ ngày này.",
                ),
            ),
            (
                "ceremony_on",
                described(date_or_null(), "Ngày kết nạp (lễ kết nạp)."),
            ),
            ("official_on", described(date_or_null(), "Ngày chính thức.")),
            ("next_deadline", or_null(r("Deadline"))),
        ]),
    );
    add(
        "CaseList",
        object(vec![
            (
                "total",
                described(integer(), "Số hồ sơ khớp bộ lọc, trước khi chia trang."),
            ),
            ("limit", integer()),
            ("offset", integer()),
            ("items", array(r("CaseSummary"))),
        ]),
    );
    add(
        "BirthDateText",
        json!({ "type": "string", "pattern": "^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$",
                "description": "YYYY-MM-DD, hoặc chỉ năm sinh YYYY." }),
    );
    add(
        "DocRef",
        described(
            object(vec![("number", string()), ("dated", date())]),
            "Số và ngày của văn bản.",
        ),
    );
    add(
        "PartyMember",
        object_with(
            vec![
                ("name", string()),
                ("card_number", text("Số thẻ đảng viên; có thể bỏ trống.")),
            ],
            &["name"],
        ),
    );
    add(
        "Introducer",
        object(vec![
            ("member", r("PartyMember")),
            ("worked_together_since", date()),
        ]),
    );
    add(
        "Certificate",
        object_with(
            vec![
                ("number", string()),
                ("issued_on", date()),
                (
                    "course",
                    described(
                        json!({ "type": ["integer", "null"], "minimum": i64::MIN, "maximum": i64::MAX }),
                        "Lớp bồi dưỡng đã ghi trong ketnap, nếu có.",
                    ),
                ),
            ],
            &["number", "issued_on"],
        ),
    );
    add(
        "Vote",
        object(vec![
            ("resolution", r("DocRef")),
            ("votes_for", u32_integer()),
            ("official_members", u32_integer()),
        ]),
    );
    add(
        "PriorMembership",
        object_with(
            vec![
                ("left_on", date()),
                ("reason", string()),
                ("criminal_record_cleared_on", date_or_null()),
            ],
            &["left_on", "reason"],
        ),
    );
    add(
        "Assessment",
        object(vec![
            ("on", date()),
            ("result", r("TaskResult")),
            ("note", string()),
        ]),
    );
    add(
        "TestTask",
        object(vec![
            ("what", string()),
            ("assigned_on", date()),
            ("due_on", date()),
            ("assessment", or_null(r("Assessment"))),
        ]),
    );
    add(
        "AdmissionDecision",
        object(vec![("decision", r("DocRef")), ("received_on", date())]),
    );
    add(
        "Exit",
        object(vec![
            ("on", date()),
            ("reason", string()),
            ("document", or_null(r("DocRef"))),
            ("to_unit", json!({ "type": ["integer", "null"] })),
        ]),
    );
    add(
        "PaperRecord",
        object(vec![
            ("paper", r("Paper")),
            ("number", string()),
            ("dated", date()),
            ("valid_until", date_or_null()),
        ]),
    );
    add("Case", case_schema());
    add("Person", person_schema());
    add(
        "Event",
        object(vec![
            (
                "action",
                described(
                    json!({ "anyOf": [
                        r("ActionCode"),
                        { "const": ketnap_domain::coordination::TRANSFER_ACTION },
                    ] }),
                    "Thao tác đã ghi; transfer: hồ sơ được chi bộ khác tiếp nhận (chuyển sinh hoạt, bước không đổi).",
                ),
            ),
            ("on", described(date(), "Ngày việc diễn ra.")),
            ("summary", string()),
            ("document", or_null(r("DocRef"))),
            ("stage_before", r("StageCode")),
            ("stage_after", r("StageCode")),
            ("actor", string()),
            ("rule_set", text("Bộ quy định đã xét thao tác (qd-294 v1).")),
            (
                "recorded_at",
                json!({ "type": "string", "format": "date-time" }),
            ),
        ]),
    );
    add(
        "ChecklistLine",
        object(vec![
            ("paper", r("Paper")),
            ("label", string()),
            ("needed_by", r("StageCode")),
            ("record", or_null(r("PaperRecord"))),
            ("expired", boolean()),
        ]),
    );
    add(
        "CaseDetail",
        object(vec![
            ("id", integer()),
            (
                "version",
                described(integer(), "Phiên bản mà thao tác tiếp theo phải ghi."),
            ),
            ("stage", r("Stage")),
            ("cell", object(vec![("id", integer()), ("name", string())])),
            (
                "party_age_from",
                described(date_or_null(), "Tuổi đảng tính từ ngày này."),
            ),
            ("next_deadline", or_null(r("Deadline"))),
            ("case", r("Case")),
            ("person", r("Person")),
            ("events", array(r("Event"))),
            ("checklist", array(r("ChecklistLine"))),
        ]),
    );
    add(
        "Action",
        json!({
            "description": "Một thao tác trên hồ sơ; trường `action` cho biết loại thao tác.",
            "oneOf": examples().iter().map(|a| r(&action_schema_name(a.code()))).collect::<Vec<_>>(),
            "discriminator": {
                "propertyName": "action",
                "mapping": examples().iter().map(|a| {
                    (a.code().to_string(),
                     Value::String(format!("#/components/schemas/{}", action_schema_name(a.code()))))
                }).collect::<Map<String, Value>>(),
            },
        }),
    );
    for action in examples() {
        add(&action_schema_name(action.code()), action_variant(&action));
    }
    add(
        "ActRequest",
        json!({
            "type": "object",
            "required": ["version", "action"],
            "additionalProperties": false,
            "properties": {
                "version": described(
                    i64_integer(),
                    "Phiên bản hồ sơ đã đọc; khác phiên bản hiện tại thì trả lời 409.",
                ),
                "action": r("Action"),
            },
        }),
    );
    add(
        "ActResult",
        object(vec![
            ("id", integer()),
            ("version", described(integer(), "Phiên bản mới của hồ sơ.")),
            ("stage", r("Stage")),
            ("event", r("Event")),
            ("next_deadline", or_null(r("Deadline"))),
        ]),
    );
    add(
        "PersonCase",
        object(vec![
            ("id", integer()),
            ("stage", r("StageCode")),
            ("stage_label", string()),
            ("cell_id", integer()),
            ("cell_name", string()),
        ]),
    );
    add(
        "PersonHit",
        object(vec![
            ("id", integer()),
            ("full_name", string()),
            ("birth_date", r("BirthDateText")),
            ("cases", array(r("PersonCase"))),
        ]),
    );
    add("PeopleList", object(vec![("items", array(r("PersonHit")))]));
    add(
        "SearchRequest",
        json!({
            "type": "object",
            "required": ["q"],
            "additionalProperties": false,
            "properties": {
                "q": described(
                    json!({ "type": "string", "minLength": 1, "maxLength": 100, "pattern": NOT_BLANK }),
                    "Họ tên (một phần) hoặc số CCCD; không chỉ có khoảng trắng. Gửi trong thân yêu cầu, không bao giờ trong địa chỉ.",
                ),
                "limit": described(
                    json!({ "type": ["integer", "null"], "minimum": 1, "maximum": super::SEARCH_LIMIT, "default": super::SEARCH_LIMIT }),
                    "Số người tối đa trả về; bỏ trống (hoặc null) là mặc định.",
                ),
            },
        }),
    );
    add(
        "UnitName",
        described(
            object(vec![("id", integer()), ("name", string())]),
            "Tổ chức đảng: mã số và tên.",
        ),
    );
    nominations::schemas(&mut add);
    coordination::schemas(&mut add);
    add(
        "UnitRef",
        object(vec![
            ("id", integer()),
            ("name", string()),
            ("kind", r("UnitKind")),
            ("sector", text("Mã lĩnh vực.")),
            (
                "active",
                described(boolean(), "false: đã giải thể hoặc hợp nhất."),
            ),
        ]),
    );
    add(
        "Members",
        object(vec![
            ("count", integer()),
            (
                "source",
                json!({ "type": "string", "enum": ["headcount", "sub_units", "cases"],
                        "description": "Số lượng đã ghi của chính tổ chức, tổng của các tổ chức trực thuộc, hoặc đếm từ hồ sơ." }),
            ),
            ("as_of", date_or_null()),
        ]),
    );
    add(
        "YearTarget",
        object(vec![
            ("unit", integer()),
            ("year", integer()),
            ("target", integer()),
            (
                "source",
                json!({ "type": "string", "enum": ["set", "default"],
                        "description": "set: cấp ủy giao; default: tỷ lệ của bộ quy định × số đảng viên ngày 01/01, làm tròn lên." }),
            ),
            ("members_at_start", r("Members")),
            ("percent", json!({ "type": "number" })),
            ("default_target", integer()),
        ]),
    );
    add(
        "ProgressRow",
        object(vec![
            ("unit", r("UnitRef")),
            ("target", r("YearTarget")),
            (
                "admitted",
                described(integer(), "Lễ kết nạp từ 01/01 đến ngày tính."),
            ),
            (
                "pace",
                json!({ "type": "number", "description": "Số cần đạt đến ngày tính nếu chia đều chỉ tiêu theo ngày." }),
            ),
            (
                "pipeline",
                described(
                    integer(),
                    "Hồ sơ đã được chi bộ đề nghị hoặc đã có quyết định, lễ kết nạp dự kiến trong năm.",
                ),
            ),
            ("forecast", described(integer(), "admitted + pipeline.")),
        ]),
    );
    add(
        "SectorProgress",
        object(vec![
            ("sector", string()),
            (
                "subgroup",
                json!({ "type": "string", "enum": ["all", "teachers", "students"] }),
            ),
            ("target", json!({ "type": ["integer", "null"] })),
            ("admitted", json!({ "type": ["integer", "null"] })),
        ]),
    );
    add(
        "ProgressReport",
        object(vec![
            ("year", integer()),
            ("as_of", described(date(), "Ngày tính số liệu.")),
            ("unit", r("ProgressRow")),
            ("children", array(r("ProgressRow"))),
            ("sectors", array(r("SectorProgress"))),
        ]),
    );
    add(
        "FunnelRow",
        object(vec![
            (
                "step",
                json!({ "type": "string", "enum": ketnap_domain::report::FunnelStep::ALL.iter().map(|s| s.code()).collect::<Vec<_>>() }),
            ),
            ("label", string()),
            ("count", integer()),
            (
                "conversion",
                json!({ "type": ["number", "null"], "description": "count / số của bước trước." }),
            ),
            (
                "median_days",
                json!({ "type": ["number", "null"], "description": "Số ngày trung vị từ bước trước." }),
            ),
        ]),
    );
    add(
        "FunnelReport",
        object(vec![
            ("unit", r("UnitRef")),
            ("period", object(vec![("from", date()), ("to", date())])),
            ("steps", array(r("FunnelRow"))),
            (
                "children",
                described(
                    array(
                        json!({ "type": "array", "prefixItems": [r("UnitRef"), array(integer())], "minItems": 2, "maxItems": 2 }),
                    ),
                    "Mỗi tổ chức trực thuộc với số người đạt từng bước, theo thứ tự của steps.",
                ),
            ),
        ]),
    );
    add(
        "ReportDeadline",
        object(vec![
            ("due", date()),
            ("what", text("Việc phải làm trước hạn.")),
            (
                "rule",
                text("Quy định đặt ra thời hạn (qd-294/admission.decision_working_days …)."),
            ),
            (
                "status",
                object_with(
                    vec![
                        (
                            "status",
                            json!({ "type": "string", "enum": ["on_time", "due_soon", "overdue"] }),
                        ),
                        (
                            "days",
                            described(
                                integer(),
                                "Số ngày còn lại (due_soon) hoặc đã quá (overdue); không có khi on_time.",
                            ),
                        ),
                    ],
                    &["status"],
                ),
            ),
        ]),
    );
    add(
        "CaseDue",
        object(vec![
            ("case", described(integer(), "Mã hồ sơ.")),
            ("person", described(integer(), "Mã người.")),
            ("name", text("Họ và tên.")),
            ("cell", r("UnitRef")),
            ("stage", r("StageCode")),
            ("deadline", r("ReportDeadline")),
        ]),
    );
    add(
        "BottleneckReport",
        object(vec![
            ("unit", r("UnitRef")),
            ("as_of", described(date(), "Ngày tính số liệu.")),
            (
                "by_stage",
                described(
                    array(pair(r("StageCode"), integer())),
                    "Số hồ sơ quá hạn ở từng bước, theo thứ tự các bước (bước không có hồ sơ quá hạn thì bỏ).",
                ),
            ),
            (
                "by_unit",
                described(
                    array(pair(r("UnitRef"), integer())),
                    "Số hồ sơ quá hạn của từng tổ chức trực thuộc, nhiều nhất trước (tổ chức không có thì bỏ).",
                ),
            ),
            (
                "cases",
                described(
                    array(r("CaseDue")),
                    "Các hồ sơ quá hạn, hạn sớm nhất trước.",
                ),
            ),
        ]),
    );
    add(
        "CoverageParams",
        object(vec![
            ("min_ratio", json!({ "type": "number" })),
            ("years_without_admission", integer()),
        ]),
    );
    add(
        "LowRatio",
        object(vec![
            ("unit", r("UnitRef")),
            ("members", integer()),
            (
                "workforce",
                described(integer(), "Số người lao động hoặc quần chúng."),
            ),
            (
                "ratio",
                json!({ "type": "number", "description": "members / workforce." }),
            ),
            (
                "headcount_on",
                described(date(), "Ngày của số lượng đã ghi được dùng."),
            ),
        ]),
    );
    add(
        "NoAdmission",
        object(vec![
            ("unit", r("UnitRef")),
            (
                "last_admission",
                described(
                    date_or_null(),
                    "Lễ kết nạp gần nhất trong tổ chức; null: chưa từng.",
                ),
            ),
        ]),
    );
    add(
        "CoverageReport",
        object(vec![
            ("unit", r("UnitRef")),
            ("as_of", described(date(), "Ngày tính số liệu.")),
            ("params", r("CoverageParams")),
            (
                "low_ratio",
                described(
                    array(r("LowRatio")),
                    "Tổ chức có tỉ lệ đảng viên / người lao động dưới min_ratio, thấp nhất trước.",
                ),
            ),
            (
                "without_members",
                described(
                    array(r("UnitRef")),
                    "Tổ chức cơ sở, chi bộ trường học và doanh nghiệp chưa có đảng viên.",
                ),
            ),
            (
                "without_admission",
                described(
                    array(r("NoAdmission")),
                    "Tổ chức cơ sở và chi bộ không kết nạp được ai trong years_without_admission năm.",
                ),
            ),
        ]),
    );
    add(
        "BreakdownRow",
        object(vec![
            (
                "key",
                text("Khóa ổn định (female, 18-30, mã dân tộc, chữ như đã ghi …)."),
            ),
            ("label", string()),
            ("count", integer()),
            (
                "share",
                json!({ "type": "number", "description": "count / total (0 khi không có ai)." }),
            ),
        ]),
    );
    add(
        "BreakdownTable",
        object(vec![
            (
                "dimension",
                codes(
                    &ketnap_domain::report::Dimension::ALL,
                    ketnap_domain::report::Dimension::code,
                ),
            ),
            ("title", string()),
            ("rows", array(r("BreakdownRow"))),
        ]),
    );
    add(
        "BreakdownReport",
        object(vec![
            ("unit", r("UnitRef")),
            ("period", object(vec![("from", date()), ("to", date())])),
            (
                "total",
                described(integer(), "Số người được kết nạp trong kỳ."),
            ),
            ("tables", array(r("BreakdownTable"))),
        ]),
    );
    add(
        "RecognitionDue",
        object(vec![
            ("case", described(integer(), "Mã hồ sơ.")),
            ("person", described(integer(), "Mã người.")),
            ("name", text("Họ và tên.")),
            ("cell", r("UnitRef")),
            ("stage", r("StageCode")),
            ("ceremony_on", described(date(), "Ngày kết nạp.")),
            (
                "probation_ends",
                described(date(), "Ngày hết thời kỳ dự bị: ngày chính thức."),
            ),
            (
                "deadline",
                described(
                    or_null(r("ReportDeadline")),
                    "Việc công nhận kế tiếp (biểu quyết, quyết định) và thời hạn của nó.",
                ),
            ),
        ]),
    );
    add(
        "RecognitionReport",
        object(vec![
            ("unit", r("UnitRef")),
            ("as_of", described(date(), "Ngày tính số liệu.")),
            ("within_days", integer()),
            (
                "due",
                described(
                    array(r("RecognitionDue")),
                    "Hết dự bị trong within_days ngày (hoặc đã hết) và chưa quá hạn công nhận; sớm nhất trước.",
                ),
            ),
            (
                "overdue",
                described(
                    array(r("RecognitionDue")),
                    "Việc công nhận đã quá hạn; quá hạn lâu nhất trước.",
                ),
            ),
        ]),
    );
    s
}

/// A character that is not a space. JSON Schema's `\S` is ECMAScript's, which counts
/// U+0085 (next line) as a letter; the server trims it as Unicode whitespace.
const NOT_BLANK: &str = "[^\\s\\u0085]";

/// A text that must hold more than spaces.
fn required_text() -> Value {
    json!({ "type": "string", "minLength": 1, "pattern": NOT_BLANK })
}

/// An id of a record: a positive whole number.
fn id_number() -> Value {
    integer_in(1, i64::MAX as u64)
}

fn case_schema() -> Value {
    described(
        object(vec![
            ("id", integer()),
            ("person", integer()),
            ("cell", described(integer(), "Chi bộ phụ trách.")),
            ("cell_under_base_committee", boolean()),
            ("stage", r("StageCode")),
            ("identified_on", date()),
            ("nominated_by", json!({ "type": ["integer", "null"] })),
            ("sympathiser_on", date_or_null()),
            ("helpers", array(r("PartyMember"))),
            ("test_tasks", array(r("TestTask"))),
            ("awareness_certificate", or_null(r("Certificate"))),
            ("file_opened_on", date_or_null()),
            ("introducers", array(r("Introducer"))),
            ("introduced_on", date_or_null()),
            ("opinions_on", date_or_null()),
            ("verified_on", date_or_null()),
            ("prior_membership", or_null(r("PriorMembership"))),
            ("cell_vote", or_null(r("Vote"))),
            ("base_resolution", or_null(r("DocRef"))),
            (
                "decision_extension_days",
                json!({ "type": "integer", "minimum": 0 }),
            ),
            ("decision", or_null(r("AdmissionDecision"))),
            (
                "ceremony_on",
                described(date_or_null(), "Ngày kết nạp: thời kỳ dự bị tính từ đây."),
            ),
            ("mentor", or_null(r("PartyMember"))),
            ("new_member_certificate", or_null(r("Certificate"))),
            ("recognition_vote", or_null(r("Vote"))),
            ("recognition_base_resolution", or_null(r("DocRef"))),
            ("recognition_decision", or_null(r("DocRef"))),
            ("official_on", described(date_or_null(), "Ngày chính thức.")),
            ("exit", or_null(r("Exit"))),
            ("papers", array(r("PaperRecord"))),
        ]),
        "Hồ sơ phát triển đảng viên, đầy đủ.",
    )
}

fn person_schema() -> Value {
    object(vec![
        ("id", integer()),
        (
            "name",
            object(vec![
                ("family", string()),
                ("middle", string()),
                ("given", string()),
            ]),
        ),
        (
            "birth",
            json!({ "oneOf": [
                { "type": "object", "required": ["precision", "value"],
                  "properties": { "precision": { "const": "full" }, "value": date() } },
                { "type": "object", "required": ["precision", "value"],
                  "properties": { "precision": { "const": "year_only" }, "value": integer() } },
            ] }),
        ),
        (
            "sex",
            json!({ "type": "string", "enum": ["male", "female"] }),
        ),
        (
            "citizen_id",
            described(
                json!({ "type": ["string", "null"] }),
                "Số CCCD (12 chữ số) hoặc CMND (9 chữ số).",
            ),
        ),
        ("ethnicity", described(integer(), "Mã dân tộc.")),
        ("religion", string()),
        (
            "education",
            object(vec![
                ("general", string()),
                ("professional", string()),
                ("political_theory", string()),
            ]),
        ),
        ("occupation", string()),
        ("workplace", string()),
        ("residence", string()),
        ("youth_union_member", boolean()),
        ("trade_union_member", boolean()),
        ("phone", string()),
        ("email", string()),
        ("full_name", string()),
        ("birth_date", r("BirthDateText")),
    ])
}

fn responses() -> Value {
    let error = |description: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": r("Error") } },
        })
    };
    let mut unauthorized =
        error("Thiếu mã truy cập, hoặc mã đã bị thu hồi, hoặc tài khoản đã bị khóa.");
    if let Some(map) = unauthorized.as_object_mut() {
        map.insert(
            "headers".into(),
            json!({ "WWW-Authenticate": { "schema": { "type": "string", "const": "Bearer" } } }),
        );
    }
    json!({
        "Unauthorized": unauthorized,
        "NotFound": error(
            "Không có, hoặc không thuộc phạm vi của tài khoản, hoặc vai trò không được làm việc này \
             (không bao giờ trả lời 403).",
        ),
        "BadParameter": error("Tham số sai; `field` nêu tên tham số."),
        "BadJson": error("Thân yêu cầu không phải JSON hợp lệ; lời báo nêu dòng và cột."),
        "Unprocessable": error(
            "Thân yêu cầu không đúng mẫu (field: trường sai, như version, action, \
             person.birth_date, hoặc body; lời báo nêu dòng và cột), hoặc việc làm vi phạm quy \
             định (rule, field).",
        ),
        "Conflict": error("Hồ sơ đã đổi phiên bản: hãy đọc lại rồi thử lại."),
        "UnsupportedMediaType": error("Content-Type không phải application/json."),
    })
}

fn resp(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": r(schema) } },
    })
}

/// `ok` with OpenAPI links: which operation can follow this answer, with what from it.
fn ok_linked(description: &str, schema: &str, links: Value) -> Value {
    let mut response = ok(description, schema);
    if let Some(map) = response.as_object_mut() {
        map.insert("links".into(), links);
    }
    response
}

/// A link to `GET /api/v1/cases/{case_id}` with the case id at `pointer` in the answer.
fn read_case_link(pointer: &str) -> Value {
    json!({
        "operationId": "case",
        "parameters": { "case_id": format!("$response.body#{pointer}") },
        "description": "Đọc hồ sơ này.",
    })
}

/// A link to `POST /api/v1/cases/{case_id}/actions` with the id and version of the case in
/// the answer: the next action on it.
fn act_link() -> Value {
    json!({
        "operationId": "act",
        "parameters": { "case_id": "$response.body#/id" },
        "requestBody": { "version": "$response.body#/version" },
        "description": "Thao tác tiếp theo trên hồ sơ, ở phiên bản vừa đọc.",
    })
}

fn query_param(name: &str, description: &str, schema: Value, required: bool) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    })
}

/// A path parameter naming a record by its id.
fn id_param(name: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "schema": { "type": "integer", "minimum": 1 },
    })
}

fn case_id_param() -> Value {
    id_param("case_id")
}

/// A JSON request body of the schema `schema`.
fn json_body(schema: &str, required: bool) -> Value {
    json!({
        "required": required,
        "content": { "application/json": { "schema": r(schema) } },
    })
}

/// The answers of a POST that reads a body.
fn post_responses(success: Value) -> Value {
    json!({
        "200": success,
        "400": resp("BadJson"),
        "401": resp("Unauthorized"),
        "404": resp("NotFound"),
        "409": resp("Conflict"),
        "415": resp("UnsupportedMediaType"),
        "422": resp("Unprocessable"),
    })
}

fn paths() -> Value {
    json!({
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "Tài liệu này (không cần mã truy cập).",
                "security": [],
                "responses": {
                    "200": {
                        "description": "Tài liệu OpenAPI 3.1.",
                        "content": { "application/json": { "schema": { "type": "object" } } },
                    },
                },
            },
        },
        "/api/v1/units": {
            "get": {
                "operationId": "units",
                "summary": "Các tổ chức đảng trong phạm vi của tài khoản, kể cả đơn vị đã giải thể hoặc hợp nhất.",
                "responses": {
                    "200": ok("Danh sách tổ chức đảng.", "UnitList"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/cases": {
            "get": {
                "operationId": "cases",
                "summary": "Hồ sơ trong phạm vi, xếp theo tên kiểu Việt Nam, chia trang.",
                "parameters": [
                    query_param("stage", "Chỉ các hồ sơ ở bước này.", r("StageCode"), false),
                    query_param("open", "true: chỉ hồ sơ chưa kết thúc (chưa chính thức, chưa ra khỏi danh sách).", json!({ "type": "boolean", "default": false }), false),
                    query_param("limit", "Số hồ sơ tối đa trả về.", json!({ "type": "integer", "minimum": 0, "maximum": super::params::MAX_LIMIT, "default": 100 }), false),
                    query_param("offset", "Bỏ qua chừng này hồ sơ đầu.", json!({ "type": "integer", "minimum": 0, "maximum": usize::MAX as u64, "default": 0 }), false),
                ],
                "responses": {
                    "200": ok_linked("Một trang hồ sơ, với tổng số.", "CaseList",
                        json!({ "ReadFirstCase": read_case_link("/items/0/id") })),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/cases/{case_id}": {
            "get": {
                "operationId": "case",
                "summary": "Toàn bộ hồ sơ: người (việc đọc được ghi nhật ký), nhật ký hồ sơ, danh mục giấy tờ, thời hạn kế tiếp, phiên bản.",
                "parameters": [case_id_param()],
                "responses": {
                    "200": ok_linked("Hồ sơ.", "CaseDetail", json!({ "Act": act_link() })),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                },
            },
        },
        "/api/v1/cases/{case_id}/actions": {
            "post": {
                "operationId": "act",
                "summary": "Thực hiện một thao tác trên hồ sơ đang ở phiên bản `version`.",
                "description": "Cần vai trò được sửa (cán bộ tổ chức, bí thư chi bộ, quản trị); vai trò khác nhận 404. Không cần mã chống giả mạo (CSRF).",
                "parameters": [case_id_param()],
                "requestBody": json_body("ActRequest", true),
                "responses": post_responses(ok_linked("Thao tác đã ghi: bước mới, phiên bản mới và sự kiện.", "ActResult",
                    json!({ "ActAgain": act_link(), "ReadCase": read_case_link("/id") }))),
            },
        },
        "/api/v1/people/search": {
            "post": {
                "operationId": "people_search",
                "summary": "Tìm người trong phạm vi theo họ tên (có dấu hoặc không dấu) hoặc số CCCD; tối đa 50 người, xếp theo tên kiểu Việt Nam.",
                "description": "Nội dung tìm gửi trong thân yêu cầu (POST), không trong địa chỉ: họ tên và số CCCD không lọt vào nhật ký, lịch sử hay máy chủ trung gian.",
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": r("SearchRequest") } },
                },
                "responses": {
                    "200": ok_linked("Những người tìm được, với hồ sơ và chi bộ của họ.", "PeopleList",
                        json!({ "ReadCaseOfFirstPerson": read_case_link("/items/0/cases/0/id") })),
                    "400": resp("BadJson"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "415": resp("UnsupportedMediaType"),
                    "422": resp("Unprocessable"),
                },
            },
        },
        "/api/v1/reports/progress": {
            "get": {
                "operationId": "report_progress",
                "summary": "Tiến độ kết nạp của một tổ chức và các tổ chức trực thuộc so với chỉ tiêu năm: tiến độ cần đạt đến nay và dự báo.",
                "parameters": report_params(Some("Kỳ theo ngày: tiến độ tính theo năm của ngày cuối kỳ.")),
                "responses": {
                    "200": ok("Tiến độ so với chỉ tiêu.", "ProgressReport"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/reports/funnel": {
            "get": {
                "operationId": "report_funnel",
                "summary": "Số người đạt từng bước trong kỳ (nguồn → … → chính thức), tỷ lệ chuyển bước và số ngày trung vị.",
                "parameters": report_params(None),
                "responses": {
                    "200": ok("Các bước phát triển đảng viên.", "FunnelReport"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/reports/bottlenecks": {
            "get": {
                "operationId": "report_bottlenecks",
                "summary": "Hồ sơ đang mở đã quá thời hạn theo quy định: theo bước, theo tổ chức trực thuộc và từng hồ sơ (quá hạn lâu nhất trước).",
                "description": "Tính đến hôm nay, hoặc đến ngày cuối của kỳ đã qua (31/12 với year của năm trước).",
                "parameters": report_params(Some(AS_OF_NOTE)),
                "responses": {
                    "200": ok("Các hồ sơ quá hạn.", "BottleneckReport"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/reports/coverage": {
            "get": {
                "operationId": "report_coverage",
                "summary": "Tổ chức có ít đảng viên so với số người lao động, trường học và doanh nghiệp chưa có đảng viên, tổ chức cơ sở và chi bộ nhiều năm chưa kết nạp.",
                "description": "Tính đến hôm nay, hoặc đến ngày cuối của kỳ đã qua (31/12 với year của năm trước).",
                "parameters": coverage_params(),
                "responses": {
                    "200": ok("Các danh sách độ phủ.", "CoverageReport"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/reports/breakdown": {
            "get": {
                "operationId": "report_breakdown",
                "summary": "Người được kết nạp (lễ kết nạp) trong kỳ, đến hôm nay, theo giới tính, độ tuổi, dân tộc, tôn giáo, học vấn, lý luận chính trị, nghề nghiệp, lĩnh vực và đoàn viên.",
                "parameters": report_params(None),
                "responses": {
                    "200": ok("Cơ cấu người được kết nạp.", "BreakdownReport"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/reports/recognitions": {
            "get": {
                "operationId": "report_recognitions",
                "summary": "Đảng viên dự bị sắp hết thời kỳ dự bị (trong within_days ngày) và các việc công nhận chính thức đã quá hạn.",
                "description": "Tính đến hôm nay, hoặc đến ngày cuối của kỳ đã qua (31/12 với year của năm trước).",
                "parameters": recognition_params(),
                "responses": {
                    "200": ok("Đảng viên dự bị đến hạn và quá hạn công nhận.", "RecognitionReport"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
    })
}

/// What `from`/`to` mean for the reports counted as of one day.
const AS_OF_NOTE: &str = "Kỳ theo ngày: số liệu tính đến hôm nay nếu hôm nay trong kỳ, nếu không thì đến ngày cuối kỳ (hoặc ngày đầu, với kỳ chưa tới).";

// The pattern of `report_day` spells these years out.
const _: () = assert!(MIN_YEAR == 2000 && MAX_YEAR == 2100);

/// A day of a report period: a date in the years the reports cover.
fn report_day() -> Value {
    json!({
        "type": "string",
        "format": "date",
        "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
    })
}

/// `unit`, `year`, `from`, `to`; `days_note`, when given, is added to what `from` and `to`
/// say: what a period of days means for the report (the reports of one day count as of one
/// of its days).
fn report_params(days_note: Option<&str>) -> Vec<Value> {
    let mut list = vec![
        query_param(
            "unit",
            "Tổ chức đảng trong phạm vi (mặc định: gốc của phạm vi).",
            integer_in(1, i64::MAX as u64),
            false,
        ),
        query_param(
            "year",
            "Năm (mặc định: năm nay).",
            json!({ "type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR }),
            false,
        ),
    ];
    let days = [
        query_param(
            "from",
            "Ngày đầu kỳ (cùng với to, thay cho year).",
            report_day(),
            false,
        ),
        query_param(
            "to",
            "Ngày cuối kỳ: cùng với from, không trước from, kỳ dài nhất 10 năm.",
            report_day(),
            false,
        ),
    ];
    match days_note {
        None => list.extend(days),
        Some(note) => list.extend(days.into_iter().map(|mut p| {
            if let Some(map) = p.as_object_mut() {
                let said = map
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let description = format!("{said} {note}");
                map.insert("description".into(), description.into());
            }
            p
        })),
    }
    list
}

/// The report parameters, with `min_ratio` and `years_without`.
fn coverage_params() -> Vec<Value> {
    let defaults = ketnap_domain::report::CoverageParams::default();
    let mut list = report_params(Some(AS_OF_NOTE));
    list.extend([
        query_param(
            "min_ratio",
            "Tỉ lệ đảng viên / người lao động tối thiểu, từ 0 đến 1 (0.05 = 5 %); tổ chức dưới tỉ lệ này vào danh sách low_ratio.",
            json!({ "type": "number", "minimum": 0, "maximum": 1, "default": defaults.min_ratio }),
            false,
        ),
        query_param(
            "years_without",
            "Số năm liền không kết nạp được ai để vào danh sách without_admission.",
            json!({ "type": "integer", "minimum": 1, "maximum": super::reports::MAX_YEARS_WITHOUT, "default": defaults.years_without_admission }),
            false,
        ),
    ]);
    list
}

/// The report parameters, with `within_days`.
fn recognition_params() -> Vec<Value> {
    let mut list = report_params(Some(AS_OF_NOTE));
    list.push(query_param(
        "within_days",
        "Thời kỳ dự bị kết thúc trong chừng này ngày (kể từ ngày tính) thì vào danh sách due.",
        json!({ "type": "integer", "minimum": 0, "maximum": super::reports::MAX_WITHIN_DAYS, "default": crate::pages::reports::RECOGNITION_WITHIN_DAYS }),
        false,
    ));
    list
}

fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ketnap API",
            "version": "1",
            "description": "Theo dõi phát triển đảng viên. Mọi câu trả lời là JSON, không lưu đệm (Cache-Control: no-store). \
                            Những gì ngoài phạm vi của tài khoản trả lời 404, không bao giờ 403. Ngày tháng ghi dạng YYYY-MM-DD.",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": nominations::with_paths(coordination::with_paths(paths())),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Mã truy cập do quản trị viên tạo (`ketnap token create`); gửi trong tiêu đề `Authorization: Bearer …`. Mã có phạm vi và vai trò của tài khoản: mã của cán bộ tổ chức đảng dùng cho tổ chức đó và các tổ chức trực thuộc; mã của cán bộ đoàn thể chỉ dùng cho các giới thiệu của đoàn thể đó.",
                },
            },
            "schemas": schemas(),
            "responses": responses(),
        },
    })
}
