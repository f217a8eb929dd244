//! The description of nominations (`api::nominations`): what a mass organisation's system
//! sends and reads, what the party unit's system lists and decides, and their paths.

use ketnap_domain::coordination::Status;
use serde_json::{Value, json};

use super::{
    array, boolean, codes, date, date_or_null, described, id_number, integer, integer_in, object,
    object_with, ok, ok_linked, or_null, query_param, r, read_case_link, required_text, resp,
    string, text,
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
            object(vec![
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
                ("progress", or_null(r("NomineeProgress"))),
            ]),
            "Giới thiệu của đoàn thể, như đoàn thể thấy: không có thông tin nào khác về người được giới thiệu ngoài họ tên.",
        ),
    );
    add(
        "OwnNominationList",
        object(vec![("items", array(r("OwnNomination")))]),
    );
    add(
        "IncomingNomination",
        object(vec![
            ("id", integer()),
            ("name", text("Họ và tên người được giới thiệu.")),
            ("mass_org", r("MassOrgName")),
            ("unit", r("UnitName")),
            ("resolution", r("DocRef")),
            ("status", r("NominationStatus")),
            ("status_label", string()),
            ("submitted_on", date()),
            ("decided_on", date_or_null()),
            ("decline_reason", json!({ "type": ["string", "null"] })),
            (
                "case_id",
                described(
                    json!({ "type": ["integer", "null"] }),
                    "Hồ sơ quần chúng ưu tú tạo khi tiếp nhận.",
                ),
            ),
        ]),
    );
    add(
        "IncomingNominationList",
        object(vec![("items", array(r("IncomingNomination")))]),
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

fn nomination_id_param() -> Value {
    json!({
        "name": "nomination_id",
        "in": "path",
        "required": true,
        "schema": { "type": "integer", "minimum": 1 },
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
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": r("NominationRequest") } },
                },
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
        "/api/v1/nominations/{nomination_id}/accept": {
            "post": {
                "operationId": "accept_nomination",
                "summary": "Tiếp nhận giới thiệu: người được giới thiệu vào danh sách quần chúng ưu tú của chi bộ, hồ sơ gắn với giới thiệu và nghị quyết của đoàn thể.",
                "description": "Cần vai trò được sửa; vai trò khác nhận 404. Mỗi giới thiệu chỉ xử lý một lần: lần sau trả lời 422 (rule: coordination.decided).",
                "parameters": [nomination_id_param()],
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": r("AcceptRequest") } },
                },
                "responses": {
                    "200": ok_linked("Đã tiếp nhận; hồ sơ quần chúng ưu tú vừa tạo.", "Accepted",
                        json!({ "ReadCase": read_case_link("/case_id") })),
                    "400": resp("BadJson"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "415": resp("UnsupportedMediaType"),
                    "422": resp("Unprocessable"),
                },
            },
        },
        "/api/v1/nominations/{nomination_id}/decline": {
            "post": {
                "operationId": "decline_nomination",
                "summary": "Không tiếp nhận giới thiệu, với lý do đoàn thể sẽ thấy.",
                "description": "Cần vai trò được sửa; vai trò khác nhận 404. Mỗi giới thiệu chỉ xử lý một lần: lần sau trả lời 422 (rule: coordination.decided).",
                "parameters": [nomination_id_param()],
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": r("DeclineRequest") } },
                },
                "responses": {
                    "200": ok("Đã ghi: không tiếp nhận.", "Declined"),
                    "400": resp("BadJson"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "415": resp("UnsupportedMediaType"),
                    "422": resp("Unprocessable"),
                },
            },
        }
    });
    if let (Some(all), Value::Object(added)) = (paths.as_object_mut(), added) {
        all.extend(added);
    }
    paths
}
