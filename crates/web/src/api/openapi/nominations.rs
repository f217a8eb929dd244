//! The description of nominations (`api::nominations`): what a mass organisation's system
//! sends and reads, what the party unit's system lists and decides, and their paths.

use ketnap_domain::coordination::Status;
use serde_json::{Value, json};

use super::{
    array, boolean, codes, date, date_or_null, described, id_number, id_param, integer, integer_in,
    json_body, object, object_with, ok, ok_linked, or_null, person_schema, query_param, r,
    read_case_link, required_text, resp, string, text,
};

/// The statuses a nomination takes.
const NOMINATION_STATUSES: [Status; 3] = [Status::Pending, Status::Accepted, Status::Declined];

pub(super) fn schemas(add: &mut impl FnMut(&str, Value)) {
    add(
        "NominationStatus",
        described(
            codes(&NOMINATION_STATUSES, Status::code),
            "pending: chờ tổ chức đảng xem xét; accepted: đã tiếp nhận (có hồ sơ quần chúng ưu tú); declined: không tiếp nhận (có lý do).",
        ),
    );
    add(
        "MassOrgName",
        described(
            object(vec![("id", integer()), ("name", string())]),
            "Đoàn thể: mã số và tên.",
        ),
    );
    add(
        "NominationPerson",
        described(
            object_with(
                vec![
                    ("family_name", text("Họ.")),
                    ("middle_name", text("Tên đệm; có thể bỏ trống.")),
                    ("given_name", text("Tên.")),
                    ("birth_date", r("BirthDateText")),
                    (
                        "sex",
                        json!({ "type": "string", "enum": ["male", "female"] }),
                    ),
                    (
                        "citizen_id",
                        described(
                            json!({ "type": ["string", "null"], "pattern": "^[0-9]{9}([0-9]{3})?$" }),
                            "Số CCCD 12 chữ số (hoặc CMND cũ 9 chữ số); phải khớp giới tính và năm sinh.",
                        ),
                    ),
                    (
                        "ethnicity",
                        described(
                            integer_in(1, ketnap_domain::ethnicity::all().len() as u64),
                            "Mã dân tộc (1: Kinh …).",
                        ),
                    ),
                    (
                        "religion",
                        text("Tôn giáo; bỏ trống nếu không theo tôn giáo."),
                    ),
                    (
                        "education_general",
                        text("Giáo dục phổ thông, ví dụ 12/12."),
                    ),
                    ("education_professional", string()),
                    ("education_political", string()),
                    ("occupation", string()),
                    ("workplace", text("Nơi làm việc, học tập.")),
                    ("residence", text("Nơi cư trú.")),
                    ("youth_union_member", boolean()),
                    ("trade_union_member", boolean()),
                    ("phone", string()),
                ],
                &[
                    "family_name",
                    "given_name",
                    "birth_date",
                    "sex",
                    "ethnicity",
                ],
            ),
            "Người được giới thiệu. Trường không ghi thì để trống (false với đoàn viên).",
        ),
    );
    add(
        "NominationRequest",
        json!({
            "type": "object",
            "required": ["unit", "person", "resolution", "reasons"],
            "additionalProperties": false,
            "properties": {
                "unit": described(
                    id_number(),
                    "Tổ chức đảng nhận giới thiệu: tổ chức đảng mà đoàn thể trực thuộc, hoặc một chi bộ của tổ chức đó, đang hoạt động.",
                ),
                "person": r("NominationPerson"),
                "resolution": described(
                    json!({
                        "type": "object",
                        "required": ["number", "dated"],
                        "additionalProperties": false,
                        "properties": {
                            "number": required_text(),
                            "dated": described(date(), "Không sau hôm nay."),
                        },
                    }),
                    "Nghị quyết giới thiệu của đoàn thể: số và ngày.",
                ),
                "reasons": described(required_text(), "Lý do giới thiệu: những điểm ưu tú."),
            },
        }),
    );
    add(
        "NominationCreated",
        object(vec![
            ("id", described(integer(), "Mã giới thiệu.")),
            ("status", r("NominationStatus")),
            ("status_label", string()),
        ]),
    );
    add(
        "NomineeProgress",
        described(
            object(vec![
                ("stage", r("StageCode")),
                ("stage_label", string()),
                (
                    "identified_on",
                    described(date(), "Ngày đưa vào danh sách quần chúng ưu tú."),
                ),
                ("sympathiser_on", date_or_null()),
                (
                    "decided_on",
                    described(date_or_null(), "Ngày quyết định kết nạp."),
                ),
                (
                    "ceremony_on",
                    described(date_or_null(), "Ngày kết nạp (lễ kết nạp)."),
                ),
                ("official_on", described(date_or_null(), "Ngày chính thức.")),
            ]),
            "Người được giới thiệu đã đến bước nào, và ngày của các bước chính.",
        ),
    );
    add(
        "OwnNomination",
        described(
            object(
                nomination_fields()
                    .into_iter()
                    .chain([("progress", or_null(r("NomineeProgress")))])
                    .collect(),
            ),
            "Giới thiệu của đoàn thể, như đoàn thể thấy: không có thông tin nào khác về người được giới thiệu ngoài họ tên.",
        ),
    );
    add(
        "OwnNominationList",
        object(vec![("items", array(r("OwnNomination")))]),
    );
    add("IncomingNomination", object(incoming_fields()));
    add(
        "IncomingNominationList",
        object(vec![("items", array(r("IncomingNomination")))]),
    );
    add(
        "NomineeDetails",
        described(
            nominee_schema(),
            "Người được giới thiệu, như đoàn thể đã ghi: hồ sơ cá nhân (chưa có mã người), với họ tên đầy đủ và ngày sinh dạng chữ.",
        ),
    );
    add(
        "NominationDetail",
        described(
            object(
                incoming_fields()
                    .into_iter()
                    .chain([
                        ("person", or_null(r("NomineeDetails"))),
                        (
                            "reasons",
                            described(
                                json!({ "type": ["string", "null"] }),
                                "Lý do giới thiệu: những điểm ưu tú.",
                            ),
                        ),
                    ])
                    .collect(),
            ),
            "Giới thiệu đầy đủ, cho tổ chức đảng nhận: người được giới thiệu và lý do; null khi thông tin cá nhân đã được xóa hết thời hạn lưu giữ (giới thiệu không được tiếp nhận).",
        ),
    );
    add(
        "AcceptRequest",
        json!({
            "type": "object",
            "required": ["cell"],
            "additionalProperties": false,
            "properties": {
                "cell": described(id_number(), "Chi bộ phụ trách, đang hoạt động, trong phạm vi của tài khoản."),
                "identified_on": described(
                    date(),
                    "Ngày đưa vào danh sách quần chúng ưu tú: không trước ngày nghị quyết giới thiệu, không sau hôm nay (mặc định hôm nay).",
                ),
            },
        }),
    );
    add(
        "Accepted",
        object(vec![
            ("id", integer()),
            ("status", r("NominationStatus")),
            ("status_label", string()),
            (
                "case_id",
                described(integer(), "Hồ sơ quần chúng ưu tú vừa tạo."),
            ),
            ("person_id", integer()),
        ]),
    );
    add(
        "DeclineRequest",
        json!({
            "type": "object",
            "required": ["reason"],
            "additionalProperties": false,
            "properties": {
                "reason": described(required_text(), "Lý do; đoàn thể giới thiệu sẽ thấy."),
            },
        }),
    );
    add(
        "Declined",
        object(vec![
            ("id", integer()),
            ("status", r("NominationStatus")),
            ("status_label", string()),
        ]),
    );
}

/// What the organisation's and the party unit's views of a nomination share.
fn nomination_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", integer()),
        ("name", text("Họ và tên người được giới thiệu.")),
        ("unit", r("UnitName")),
        ("resolution", r("DocRef")),
        ("status", r("NominationStatus")),
        ("status_label", string()),
        ("submitted_on", date()),
        ("decided_on", date_or_null()),
        (
            "decline_reason",
            described(
                json!({ "type": ["string", "null"] }),
                "Lý do không tiếp nhận.",
            ),
        ),
    ]
}

/// A nomination as the party unit it is addressed to lists it.
fn incoming_fields() -> Vec<(&'static str, Value)> {
    let mut fields = nomination_fields();
    fields.extend([
        ("mass_org", r("MassOrgName")),
        (
            "case_id",
            described(
                json!({ "type": ["integer", "null"] }),
                "Hồ sơ quần chúng ưu tú tạo khi tiếp nhận.",
            ),
        ),
    ]);
    fields
}

/// The person of a nomination: a person's record without the id (none is on file yet).
fn nominee_schema() -> Value {
    let mut schema = person_schema();
    if let Some(properties) = schema["properties"].as_object_mut() {
        properties.remove("id");
    }
    if let Some(required) = schema["required"].as_array_mut() {
        required.retain(|name| name != "id");
    }
    schema
}

/// A decision on a nomination: who may take it, and its answers.
fn decision(operation_id: &str, summary: &str, body: &str, success: Value) -> Value {
    json!({
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": "Cần vai trò được sửa; vai trò khác nhận 404. Mỗi giới thiệu chỉ xử lý một lần: lần sau trả lời 422 (rule: coordination.decided).",
            "parameters": [id_param("nomination_id")],
            "requestBody": json_body(body, true),
            "responses": {
                "200": success,
                "400": resp("BadJson"),
                "401": resp("Unauthorized"),
                "404": resp("NotFound"),
                "415": resp("UnsupportedMediaType"),
                "422": resp("Unprocessable"),
            },
        },
    })
}

/// `paths` with the nomination routes added.
pub(super) fn with_paths(mut paths: Value) -> Value {
    let added = json!({
        "/api/v1/nominations": {
            "get": {
                "operationId": "nominations",
                "summary": "Các giới thiệu của đoàn thể (mã truy cập của cán bộ đoàn thể), mới nhất trước: trạng thái, ngày, lý do không tiếp nhận và, khi đã tiếp nhận, bước và ngày của các bước chính mà người được giới thiệu đã đến.",
                "description": "Chỉ tài khoản cán bộ đoàn thể; tài khoản khác nhận 404. Không có thông tin nào khác về người được giới thiệu ngoài họ tên.",
                "responses": {
                    "200": ok("Các giới thiệu của đoàn thể.", "OwnNominationList"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
            "post": {
                "operationId": "submit_nomination",
                "summary": "Đoàn thể giới thiệu đoàn viên ưu tú lên tổ chức đảng mà đoàn thể trực thuộc (hoặc một chi bộ của tổ chức đó), kèm nghị quyết giới thiệu và lý do.",
                "description": "Chỉ tài khoản cán bộ đoàn thể; tài khoản khác nhận 404. Không cần mã chống giả mạo (CSRF). Tổ chức đảng khác trả lời 422 (field: unit, rule: nomination.unit) và không ghi gì.",
                "requestBody": json_body("NominationRequest", true),
                "responses": {
                    "201": ok("Đã gửi giới thiệu; tổ chức đảng sẽ xem xét.", "NominationCreated"),
                    "400": resp("BadJson"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "415": resp("UnsupportedMediaType"),
                    "422": resp("Unprocessable"),
                },
            },
        },
        "/api/v1/nominations/incoming": {
            "get": {
                "operationId": "incoming_nominations",
                "summary": "Giới thiệu của các đoàn thể gửi tổ chức đảng trong phạm vi, mới nhất trước.",
                "parameters": [
                    query_param("pending", "true: chỉ những giới thiệu đang chờ xem xét.", json!({ "type": "boolean", "default": false }), false),
                ],
                "responses": {
                    "200": ok("Các giới thiệu.", "IncomingNominationList"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/nominations/{nomination_id}": {
            "get": {
                "operationId": "nomination",
                "summary": "Một giới thiệu đầy đủ, cho tổ chức đảng được gửi: người được giới thiệu (hồ sơ cá nhân), nghị quyết và lý do giới thiệu, trạng thái. Việc đọc được ghi nhật ký.",
                "description": "Cần vai trò được xem, trong phạm vi của tổ chức đảng được gửi; tài khoản khác (kể cả đoàn thể giới thiệu) nhận 404. Sau khi giới thiệu không được tiếp nhận và hết thời hạn lưu giữ, person và reasons là null.",
                "parameters": [id_param("nomination_id")],
                "responses": {
                    "200": ok("Giới thiệu.", "NominationDetail"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                },
            },
        },
        "/api/v1/nominations/{nomination_id}/accept": decision(
            "accept_nomination",
            "Tiếp nhận giới thiệu: người được giới thiệu vào danh sách quần chúng ưu tú của chi bộ, hồ sơ gắn với giới thiệu và nghị quyết của đoàn thể.",
            "AcceptRequest",
            ok_linked("Đã tiếp nhận; hồ sơ quần chúng ưu tú vừa tạo.", "Accepted",
                json!({ "ReadCase": read_case_link("/case_id") })),
        ),
        "/api/v1/nominations/{nomination_id}/decline": decision(
            "decline_nomination",
            "Không tiếp nhận giới thiệu, với lý do đoàn thể sẽ thấy.",
            "DeclineRequest",
            ok("Đã ghi: không tiếp nhận.", "Declined"),
        ),
    });
    if let (Some(all), Value::Object(added)) = (paths.as_object_mut(), added) {
        all.extend(added);
    }
    paths
}
