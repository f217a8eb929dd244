//! One error type for pages and the API. A handler returns it; `security::request_context`
//! turns it into an HTML page or a JSON body carrying the request id users can quote.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ketnap_domain::Violation;
use ketnap_domain::ports::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebError {
    pub status: StatusCode,
    /// Vietnamese, for the user.
    pub message: String,
    pub field: Option<String>,
    pub rule: Option<String>,
}

impl WebError {
    pub fn not_found() -> WebError {
        WebError {
            status: StatusCode::NOT_FOUND,
            message:
                "Không tìm thấy trang hoặc hồ sơ này, hoặc nó không thuộc phạm vi của tài khoản."
                    .into(),
            field: None,
            rule: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> WebError {
        WebError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            field: None,
            rule: None,
        }
    }

    pub fn internal() -> WebError {
        WebError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Hệ thống gặp lỗi. Hãy thử lại; nếu vẫn lỗi, báo cho quản trị viên mã yêu cầu bên dưới.".into(),
            field: None,
            rule: None,
        }
    }
}

impl From<Violation> for WebError {
    fn from(v: Violation) -> WebError {
        WebError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: v.message,
            field: Some(v.field),
            rule: Some(v.rule),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> WebError {
        match error {
            StoreError::Rejected(v) => v.into(),
            StoreError::NotFound(_) => WebError::not_found(),
            StoreError::Conflict => WebError {
                status: StatusCode::CONFLICT,
                message: error.to_string(),
                field: None,
                rule: None,
            },
            StoreError::Full => {
                tracing::error!("the disk holding the database is full");
                WebError {
                    status: StatusCode::INSUFFICIENT_STORAGE,
                    message: error.to_string(),
                    field: None,
                    rule: None,
                }
            }
            StoreError::Backend(detail) => {
                tracing::error!(detail = %ketnap_domain::text::redact(&detail), "store failed");
                WebError::internal()
            }
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> WebError {
        tracing::error!(%error, "template failed");
        WebError::internal()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
