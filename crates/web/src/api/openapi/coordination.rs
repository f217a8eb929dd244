//! The description of transfers and requests between units (`api::coordination`): their
//! schemas, with the statuses and kinds taken from the domain's lists, and their paths.

use ketnap_domain::coordination::{RequestKind, Status};
use serde_json::{Value, json};

use super::{
    array, case_id_param, codes, date, date_or_null, described, id_number, id_param, integer,
    json_body, object, object_with, ok, ok_linked, or_null, post_responses, query_param, r,
    read_case_link, required_text, resp, string, text,
};
use crate::api::coordination::TRANSFER_STATUSES;

const REQUEST_STATUSES: [Status; 2] = [Status::Pending, Status::Answered];

/// A body's object: only the listed properties, `required` among them.
fn body(properties: Vec<(&str, Value)>, required: &[&str]) -> Value {
    with(
        "additionalProperties",
        false.into(),
        object_with(properties, required),
    )
}

/// `schema` with one more keyword.
fn with(keyword: &str, value: Value, mut schema: Value) -> Value {
    if let Some(map) = schema.as_object_mut() {
        map.insert(keyword.into(), value);
    }
    schema
}

fn nullable_text(description: &str) -> Value {
    described(json!({ "type": ["string", "null"] }), description)
}

/// The fields of a request as lists show it; the detail adds what was asked and answered.
fn request_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", integer()),
        ("case_id", integer()),
        ("kind", r("RequestKind")),
        ("kind_label", string()),
        ("applicant", text("Họ và tên người xin vào Đảng.")),
        ("applicant_birth_date", r("BirthDateText")),
        (
            "from_unit",
            described(
                r("UnitName"),
                "Chi bộ gửi yêu cầu (chi bộ của hồ sơ khi gửi).",
            ),
        ),
        (
            "to_unit",
            described(
                json!({ "type": ["integer", "null"] }),
                "Đơn vị được hỏi, khi đơn vị đó dùng ketnap; null: gửi công văn.",
            ),
        ),
        ("to_name", text("Tên đơn vị được hỏi.")),
        (
            "to_address",
            nullable_text("Địa chỉ của đơn vị nhận công văn; null với đơn vị trên ketnap."),
        ),
        ("sent_on", date()),
        ("sent_by", text("Tài khoản đã gửi.")),
        ("due_on", described(date(), "Hạn trả lời.")),
        (
            "overdue",
            described(json!({ "type": "boolean" }), "Chưa trả lời mà đã quá hạn."),
        ),
        ("status", r("RequestStatus")),
        ("status_label", string()),
        ("answered_on", date_or_null()),
        (
            "answered_by",
            nullable_text("Tài khoản đã ghi câu trả lời."),
        ),
    ]
}

pub(super) fn schemas(add: &mut impl FnMut(&str, Value)) {
    add(
        "TransferStatus",
        described(
            codes(&TRANSFER_STATUSES, Status::code),
            "pending: chờ đơn vị nhận; accepted: đã tiếp nhận (hồ sơ đã chuyển); declined: không tiếp nhận; cancelled: đơn vị gửi đã rút lại.",
        ),
    );
    add(
        "Transfer",
        described(
            object(vec![
                ("id", integer()),
                ("case_id", integer()),
                ("person_id", integer()),
                ("full_name", string()),
                ("birth_date", r("BirthDateText")),
                (
                    "stage",
                    described(r("StageCode"), "Bước của hồ sơ khi đề nghị chuyển."),
                ),
                ("stage_label", string()),
                ("from_cell", described(r("UnitName"), "Chi bộ chuyển đi.")),
                ("to_cell", described(r("UnitName"), "Chi bộ nhận.")),
                (
                    "common_parent",
                    described(
                        json!({ "type": ["integer", "null"] }),
                        "Cấp ủy cấp trên chung của hai chi bộ: nhận việc khi quá hạn.",
                    ),
                ),
                ("reason", string()),
                ("started_on", date()),
                ("started_by", text("Tài khoản đã đề nghị.")),
                (
                    "escalates_on",
                    described(
                        date_or_null(),
                        "Ngày chuyển lên cấp ủy cấp trên chung nếu chưa được xử lý (theo số ngày làm việc của bộ quy định).",
                    ),
                ),
                (
                    "escalated",
                    described(
                        json!({ "type": "boolean" }),
                        "Đang chờ và đã đến escalates_on.",
                    ),
                ),
                ("status", r("TransferStatus")),
                ("status_label", string()),
                ("decided_on", date_or_null()),
                ("decided_by", nullable_text("Tài khoản đã xử lý.")),
                ("decline_reason", nullable_text("Lý do không tiếp nhận.")),
                (
                    "sending",
                    described(
                        json!({ "type": "boolean" }),
                        "Phạm vi của mã truy cập có chi bộ chuyển đi (được rút lại khi còn chờ).",
                    ),
                ),
                (
                    "receiving",
                    described(
                        json!({ "type": "boolean" }),
                        "Phạm vi của mã truy cập có chi bộ nhận (được tiếp nhận hoặc không tiếp nhận).",
                    ),
                ),
            ]),
            "Chuyển sinh hoạt của một hồ sơ sang chi bộ khác.",
        ),
    );
    add(
        "TransferList",
        object(vec![("items", array(r("Transfer")))]),
    );
    add(
        "TransferStartBody",
        body(
            vec![
                (
                    "to_unit",
                    described(
                        id_number(),
                        "Chi bộ nhận: bất kỳ chi bộ nào đang hoạt động trong hệ thống, khác chi bộ hiện tại.",
                    ),
                ),
                ("reason", described(required_text(), "Lý do chuyển.")),
                (
                    "on",
                    described(
                        date(),
                        "Ngày chuyển: từ ngày đưa vào danh sách nguồn đến hôm nay.",
                    ),
                ),
            ],
            &["to_unit", "reason", "on"],
        ),
    );
    add(
        "TransferAcceptBody",
        body(
            vec![(
                "on",
                described(date(), "Ngày tiếp nhận: từ ngày đề nghị đến hôm nay."),
            )],
            &["on"],
        ),
    );
    add(
        "TransferDeclineBody",
        body(
            vec![(
                "reason",
                described(
                    required_text(),
                    "Lý do không tiếp nhận; đơn vị gửi sẽ thấy.",
                ),
            )],
            &["reason"],
        ),
    );
    add("TransferCancelBody", body(Vec::new(), &[]));
    add(
        "RequestKind",
        described(
            codes(&RequestKind::ALL, RequestKind::code),
            "verification: thẩm tra lý lịch; residence_opinion: lấy ý kiến nhận xét nơi cư trú; workplace_opinion: lấy ý kiến nhận xét nơi làm việc, học tập.",
        ),
    );
    add(
        "RequestStatus",
        described(
            codes(&REQUEST_STATUSES, Status::code),
            "pending: chờ trả lời; answered: đã có câu trả lời.",
        ),
    );
    add(
        "UnitRequest",
        described(
            object(request_fields()),
            "Yêu cầu thẩm tra lý lịch hoặc lấy ý kiến nhận xét, không kèm nội dung.",
        ),
    );
    add(
        "UnitRequestList",
        object(vec![("items", array(r("UnitRequest")))]),
    );
    add(
        "UnitRequestAnswer",
        object(vec![
            ("answered_on", date()),
            ("answerer", text("Người trả lời: họ tên, chức vụ.")),
            ("conclusion", text("Nội dung trả lời, kết luận.")),
            (
                "document",
                described(or_null(r("DocRef")), "Văn bản trả lời, nếu có."),
            ),
        ]),
    );
    let mut detail = request_fields();
    detail.extend([
        ("about", text("Thẩm tra, nhận xét về ai, việc gì.")),
        ("questions", text("Nội dung cần hỏi; có thể trống.")),
        ("answer", or_null(r("UnitRequestAnswer"))),
    ]);
    add(
        "UnitRequestDetail",
        described(
            object(detail),
            "Yêu cầu đầy đủ: nội dung và câu trả lời (việc đọc được ghi nhật ký).",
        ),
    );
    add(
        "UnitRequestBody",
        // Exactly one addressee: a unit on ketnap, or one a letter goes to.
        with(
            "oneOf",
            json!([
                { "required": ["to_unit"], "not": { "required": ["to_name"] } },
                { "required": ["to_name"], "not": { "required": ["to_unit"] } },
            ]),
            body(
                vec![
                    ("kind", r("RequestKind")),
                    (
                        "to_unit",
                        described(
                            id_number(),
                            "Đơn vị được hỏi trên ketnap (bất kỳ tổ chức đảng nào đang hoạt động). Ghi to_unit hoặc to_name, không cả hai.",
                        ),
                    ),
                    (
                        "to_name",
                        described(
                            required_text(),
                            "Tên đơn vị chưa dùng ketnap, nhận công văn in từ hệ thống.",
                        ),
                    ),
                    ("to_address", text("Địa chỉ của đơn vị nhận công văn.")),
                    (
                        "about",
                        described(
                            required_text(),
                            "Thẩm tra, nhận xét về ai, việc gì (người thân, nơi cư trú …).",
                        ),
                    ),
                    ("questions", text("Nội dung cần hỏi.")),
                    ("sent_on", described(date(), "Ngày gửi: không sau hôm nay.")),
                    (
                        "due_on",
                        described(
                            date(),
                            "Hạn trả lời, từ ngày gửi; mặc định theo số ngày làm việc của bộ quy định.",
                        ),
                    ),
                ],
                &["kind", "about", "sent_on"],
            ),
        ),
    );
    add(
        "AnswerBody",
        // The reply letter's number and date go together.
        with(
            "dependentRequired",
            json!({
                "document_number": ["document_dated"],
                "document_dated": ["document_number"],
            }),
            body(
                vec![
                    (
                        "answered_on",
                        described(date(), "Ngày trả lời: từ ngày gửi đến hôm nay."),
                    ),
                    (
                        "answerer",
                        described(required_text(), "Người trả lời: họ tên, chức vụ."),
                    ),
                    (
                        "conclusion",
                        described(required_text(), "Nội dung trả lời."),
                    ),
                    (
                        "document_number",
                        described(
                            required_text(),
                            "Số văn bản trả lời; cùng với document_dated.",
                        ),
                    ),
                    (
                        "document_dated",
                        described(date(), "Ngày văn bản trả lời; cùng với document_number."),
                    ),
                ],
                &["answered_on", "answerer", "conclusion"],
            ),
        ),
    );
}

/// A link to `GET /api/v1/requests/{request_id}` with the id at `pointer` in the answer.
fn read_request_link(pointer: &str) -> Value {
    json!({
        "operationId": "unit_request",
        "parameters": { "request_id": format!("$response.body#{pointer}") },
        "description": "Đọc yêu cầu này, với nội dung và câu trả lời.",
    })
}

/// `paths` with the routes of transfers and requests added.
pub(super) fn with_paths(mut paths: Value) -> Value {
    let added = json!({
        "/api/v1/transfers": {
            "get": {
                "operationId": "transfers",
                "summary": "Chuyển sinh hoạt đi khỏi, đến, hoặc (quá hạn) lên cấp ủy trong phạm vi của mã truy cập; mới nhất trước.",
                "parameters": [
                    query_param("status", "Chỉ các chuyển sinh hoạt ở tình trạng này.", r("TransferStatus"), false),
                ],
                "responses": {
                    "200": ok("Danh sách chuyển sinh hoạt.", "TransferList"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/cases/{case_id}/transfers": {
            "post": {
                "operationId": "start_transfer",
                "summary": "Đề nghị chuyển hồ sơ sang một chi bộ bất kỳ trong hệ thống; hồ sơ ở lại cho đến khi chi bộ nhận tiếp nhận.",
                "description": "Cần vai trò được sửa và hồ sơ trong phạm vi. Mỗi hồ sơ chỉ có một đề nghị đang chờ (rule: transfer.pending); hồ sơ đã kết thúc không chuyển được (transfer.closed).",
                "parameters": [case_id_param()],
                "requestBody": json_body("TransferStartBody", true),
                "responses": post_responses(ok_linked("Đề nghị đã ghi, đang chờ.", "Transfer",
                    json!({ "ReadCase": read_case_link("/case_id") }))),
            },
        },
        "/api/v1/transfers/{transfer_id}/accept": {
            "post": {
                "operationId": "accept_transfer",
                "summary": "Chi bộ nhận (hoặc cấp ủy cấp trên của nó, kể cả cấp trên chung) tiếp nhận: hồ sơ chuyển sang cùng toàn bộ quá trình, giấy tờ và thời hạn.",
                "description": "Phạm vi không có chi bộ nhận: 404. Mỗi đề nghị xử lý một lần: lần sau 422 (rule: coordination.decided).",
                "parameters": [id_param("transfer_id")],
                "requestBody": json_body("TransferAcceptBody", true),
                "responses": post_responses(ok_linked("Đã tiếp nhận.", "Transfer",
                    json!({ "ReadCase": read_case_link("/case_id") }))),
            },
        },
        "/api/v1/transfers/{transfer_id}/decline": {
            "post": {
                "operationId": "decline_transfer",
                "summary": "Chi bộ nhận không tiếp nhận, có lý do; hồ sơ ở lại chi bộ cũ.",
                "parameters": [id_param("transfer_id")],
                "requestBody": json_body("TransferDeclineBody", true),
                "responses": post_responses(ok("Đã ghi: không tiếp nhận.", "Transfer")),
            },
        },
        "/api/v1/transfers/{transfer_id}/cancel": {
            "post": {
                "operationId": "cancel_transfer",
                "summary": "Chi bộ chuyển đi rút lại đề nghị còn đang chờ.",
                "description": "Thân yêu cầu có thể bỏ trống.",
                "parameters": [id_param("transfer_id")],
                "requestBody": json_body("TransferCancelBody", false),
                "responses": post_responses(ok("Đã rút lại.", "Transfer")),
            },
        },
        "/api/v1/requests": {
            "get": {
                "operationId": "unit_requests",
                "summary": "Yêu cầu thẩm tra lý lịch, lấy ý kiến nhận xét: cần trả lời (box=in) hoặc đã gửi (box=out); mới nhất trước, không kèm nội dung.",
                "parameters": [
                    query_param("box", "in: yêu cầu gửi đến các đơn vị trong phạm vi; out: yêu cầu của các hồ sơ trong phạm vi.", json!({ "type": "string", "enum": ["in", "out"] }), true),
                ],
                "responses": {
                    "200": ok_linked("Danh sách yêu cầu.", "UnitRequestList",
                        json!({ "ReadFirstRequest": read_request_link("/items/0/id") })),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                    "422": resp("BadParameter"),
                },
            },
        },
        "/api/v1/cases/{case_id}/requests": {
            "post": {
                "operationId": "send_unit_request",
                "summary": "Gửi yêu cầu thẩm tra lý lịch hoặc lấy ý kiến nhận xét cho một đơn vị trên ketnap (to_unit), hoặc ghi công văn gửi đơn vị chưa dùng ketnap (to_name).",
                "parameters": [case_id_param()],
                "requestBody": json_body("UnitRequestBody", true),
                "responses": post_responses(ok_linked("Yêu cầu đã gửi.", "UnitRequestDetail",
                    json!({ "ReadRequest": read_request_link("/id") }))),
            },
        },
        "/api/v1/requests/{request_id}": {
            "get": {
                "operationId": "unit_request",
                "summary": "Một yêu cầu đầy đủ, với câu trả lời; cho đơn vị được hỏi và đơn vị của hồ sơ. Việc đọc được ghi nhật ký.",
                "parameters": [id_param("request_id")],
                "responses": {
                    "200": ok("Yêu cầu.", "UnitRequestDetail"),
                    "401": resp("Unauthorized"),
                    "404": resp("NotFound"),
                },
            },
        },
        "/api/v1/requests/{request_id}/answer": {
            "post": {
                "operationId": "answer_unit_request",
                "summary": "Ghi câu trả lời: đơn vị được hỏi, hoặc (với công văn) đơn vị của hồ sơ khi nhận được văn bản trả lời. Một lần.",
                "description": "Lần trả lời thứ hai: 422 (rule: request.answered), câu trả lời đầu giữ nguyên.",
                "parameters": [id_param("request_id")],
                "requestBody": json_body("AnswerBody", true),
                "responses": post_responses(ok("Đã ghi câu trả lời.", "UnitRequestDetail")),
            },
        },
    });
    if let (Some(paths), Value::Object(added)) = (paths.as_object_mut(), added) {
        paths.extend(added);
    }
    paths
}
