//! Query parameters of the API, read strictly: an unknown, repeated or malformed parameter
//! answers 422 naming it, rather than being ignored.

use axum::http::StatusCode;
use ketnap_domain::case::Stage;

use crate::error::WebError;

/// The most cases one page of `GET /api/v1/cases` holds.
pub const MAX_LIMIT: usize = 1000;
/// The longest search text accepted.
const MAX_SEARCH_CHARS: usize = 100;

fn bad(name: &str, rule: &str, message: String) -> WebError {
    WebError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message,
        field: Some(name.to_string()),
        rule: Some(rule.to_string()),
    }
}

/// The parameters of one request, each taken at most once.
#[derive(Debug)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes the query string and refuses names outside `known` and repeated names.
    pub fn parse(raw: Option<&str>, known: &[&str]) -> Result<Query, WebError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
            .map_err(|_| {
                bad(
                    "query",
                    "api.query.encoding",
                    "Chuỗi tham số (sau dấu ?) không đọc được.".into(),
                )
            })?;
        for (i, (name, _)) in pairs.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                let accepted = if known.is_empty() {
                    "đường dẫn này không nhận tham số nào".to_string()
                } else {
                    format!("chỉ nhận: {}", known.join(", "))
                };
                return Err(bad(
                    name,
                    "api.query.unknown",
                    format!("Không có tham số \"{name}\" ({accepted})."),
                ));
            }
            if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(bad(
                    name,
                    "api.query.repeated",
                    format!("Tham số \"{name}\" chỉ được ghi một lần."),
                ));
            }
        }
        Ok(Query { pairs })
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let at = self.pairs.iter().position(|(n, _)| n == name)?;
        Some(self.pairs.remove(at).1.trim().to_string())
    }

    /// A stage code (`?stage=probation`).
    pub fn stage(&mut self, name: &str) -> Result<Option<Stage>, WebError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        Stage::from_code(&value).map(Some).ok_or_else(|| {
            let codes: Vec<&str> = Stage::ALL.iter().map(|s| s.code()).collect();
            bad(
                name,
                "api.query.stage",
                format!(
                    "Không có bước \"{value}\"; các mã bước là: {}.",
                    codes.join(", ")
                ),
            )
        })
    }

    /// `true`/`false` (or `1`/`0`).
    pub fn boolean(&mut self, name: &str) -> Result<Option<bool>, WebError> {
        match self.take(name).as_deref() {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(other) => Err(bad(
                name,
                "api.query.boolean",
                format!("Tham số \"{name}\" phải là true hoặc false (nhận được \"{other}\")."),
            )),
        }
    }

    /// A whole number within `min..=max`.
    pub fn number(
        &mut self,
        name: &str,
        min: usize,
        max: usize,
    ) -> Result<Option<usize>, WebError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        match value.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ if max == usize::MAX => Err(bad(
                name,
                "api.query.number",
                format!(
                    "Tham số \"{name}\" phải là số nguyên từ {min} trở lên (nhận được \"{value}\")."
                ),
            )),
            _ => Err(bad(
                name,
                "api.query.number",
                format!(
                    "Tham số \"{name}\" phải là số nguyên từ {min} đến {max} (nhận được \"{value}\")."
                ),
            )),
        }
    }

    /// A decimal number (`0.05`) within `min..=max`; `NaN` and infinities are refused.
    pub fn decimal(&mut self, name: &str, min: f64, max: f64) -> Result<Option<f64>, WebError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        match value.parse::<f64>() {
            Ok(x) if x.is_finite() && (min..=max).contains(&x) => Ok(Some(x)),
            _ => Err(bad(
                name,
                "api.query.decimal",
                format!(
                    "Tham số \"{name}\" phải là số từ {min} đến {max}, phần thập phân ghi sau dấu chấm (nhận được \"{value}\")."
                ),
            )),
        }
    }

    /// Search text: required, not blank, not too long.
    pub fn search_text(&mut self, name: &str) -> Result<String, WebError> {
        let value = ketnap_domain::text::clean(&self.take(name).unwrap_or_default());
        if value.is_empty() {
            return Err(bad(
                name,
                "api.query.required",
                format!("Phải ghi nội dung tìm (tham số \"{name}\"): họ tên hoặc số CCCD."),
            ));
        }
        if value.chars().count() > MAX_SEARCH_CHARS {
            return Err(bad(
                name,
                "api.query.length",
                format!("Nội dung tìm dài quá {MAX_SEARCH_CHARS} ký tự."),
            ));
        }
        Ok(value)
    }
}

/// How chrono says a date did not parse (serde passes its words on).
const CHRONO_ERRORS: [&str; 6] = [
    "input contains invalid characters",
    "input is out of range",
    "premature end of input",
    "trailing input",
    "no possible date and time matching input",
    "input is not enough for unique date and time",
];

/// serde_json's reason for refusing a body, in Vietnamese for the common cases, with the
/// original wording kept for the rest (it names the field or the character at fault).
pub fn json_detail_vi(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // Drop serde_json's own " at line L column C": the caller says where, in Vietnamese.
    let text = match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    // "…, expected one of `a`, `b`": keep the list, say it in Vietnamese.
    let text = text
        .replace(", expected one of ", "; các giá trị được nhận: ")
        .replace(", expected ", "; cần: ")
        .replace("` or `", "` hoặc `");
    if let Some(rest) = text.strip_prefix("missing field ") {
        format!("thiếu trường {rest}")
    } else if let Some(rest) = text.strip_prefix("unknown field ") {
        format!("không có trường {rest}")
    } else if let Some(rest) = text.strip_prefix("unknown variant ") {
        format!("không có loại {rest}")
    } else if let Some(rest) = text.strip_prefix("invalid type: ") {
        format!("sai kiểu dữ liệu ({rest})")
    } else if let Some(rest) = text.strip_prefix("invalid value: ") {
        format!("giá trị không hợp lệ ({rest})")
    } else if CHRONO_ERRORS.contains(&text.as_str()) {
        "ngày tháng không đọc được; hãy ghi dạng YYYY-MM-DD (ví dụ 2026-03-02)".to_string()
    } else if text == "key must be a string" {
        "tên trường phải là chuỗi trong dấu nháy kép".to_string()
    } else if text == "expected value" {
        "thiếu giá trị, hoặc giá trị không phải JSON".to_string()
    } else if text.starts_with("trailing comma") {
        "thừa dấu phẩy".to_string()
    } else if let Some(rest) = text.strip_prefix("expected ") {
        format!("thiếu {rest}")
    } else if text.starts_with("EOF while parsing") {
        "nội dung bị cắt ngang".to_string()
    } else if text.starts_with("trailing characters") {
        "còn ký tự thừa sau khi hết JSON".to_string()
    } else {
        text
    }
}
