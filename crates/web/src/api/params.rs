//! Query parameters of the API, read strictly: an unknown, repeated or malformed parameter
//! answers 422 naming it, rather than being ignored. And the reading of JSON bodies the way
//! JSON Schema reads them.

use std::fmt;

use axum::http::StatusCode;
use ketnap_domain::case::Stage;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

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

    /// Refuses a blank value of any of `names`. The report pages read `?to=` as "not
    /// given"; the API says it is wrong rather than guess.
    pub fn refuse_blank(&self, names: &[&str]) -> Result<(), WebError> {
        match self
            .pairs
            .iter()
            .find(|(name, value)| names.contains(&name.as_str()) && value.trim().is_empty())
        {
            Some((name, _)) => Err(bad(
                name,
                &format!("api.query.{name}"),
                format!("Tham số \"{name}\" để trống: hãy ghi giá trị, hoặc bỏ hẳn tham số."),
            )),
            None => Ok(()),
        }
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

    /// One of a fixed list of codes (`?status=pending`, `?box=in`).
    pub fn code<T: Copy>(
        &mut self,
        name: &str,
        all: &[T],
        code: impl Fn(T) -> &'static str,
    ) -> Result<Option<T>, WebError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        match all.iter().copied().find(|v| code(*v) == value) {
            Some(found) => Ok(Some(found)),
            None => {
                let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
                Err(bad(
                    name,
                    "api.query.code",
                    format!(
                        "Tham số \"{name}\" không nhận \"{value}\"; các giá trị được nhận: {}.",
                        codes.join(", ")
                    ),
                ))
            }
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
}

/// Search text sent in a body: required, not blank, not too long.
pub fn search_text(name: &str, text: &str) -> Result<String, WebError> {
    let value = ketnap_domain::text::clean(text);
    if value.is_empty() {
        return Err(bad(
            name,
            "api.body.required",
            format!("Phải ghi nội dung tìm (trường \"{name}\"): họ tên hoặc số CCCD."),
        ));
    }
    if value.chars().count() > MAX_SEARCH_CHARS {
        return Err(bad(
            name,
            "api.body.length",
            format!("Nội dung tìm dài quá {MAX_SEARCH_CHARS} ký tự."),
        ));
    }
    Ok(value)
}

/// A number of a body within `min..=max`, when given.
pub fn within(name: &str, value: Option<u32>, min: u32, max: u32) -> Result<Option<u32>, WebError> {
    match value {
        Some(n) if !(min..=max).contains(&n) => Err(bad(
            name,
            "api.body.range",
            format!("Trường \"{name}\" phải là số nguyên từ {min} đến {max} (nhận được {n})."),
        )),
        other => Ok(other),
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
    } else if let Some(rest) = text.strip_prefix("duplicate field ") {
        format!("trường {rest} được ghi hai lần")
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

/// A JSON body as JSON Schema reads it: a whole number written with a fraction or an
/// exponent (`174.0`, `1e2`) is that integer. The document says "integer", which JSON
/// Schema takes to include `174.0`; serde refuses it where Rust wants an integer. A key
/// given twice is refused (`None`), as serde refuses it in a struct.
pub fn json_with_whole_numbers(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice::<WholeNumbers>(bytes)
        .ok()
        .map(|w| w.0)
}

struct WholeNumbers(Value);

impl<'de> Deserialize<'de> for WholeNumbers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<WholeNumbers, D::Error> {
        deserializer
            .deserialize_any(WholeNumbersVisitor)
            .map(WholeNumbers)
    }
}

struct WholeNumbersVisitor;

impl<'de> Visitor<'de> for WholeNumbersVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // Below 2^63 (2^64) in magnitude a whole f64 converts to i64 (u64) exactly.
        const I64_END: f64 = 9_223_372_036_854_775_808.0;
        const U64_END: f64 = 18_446_744_073_709_551_616.0;
        Ok(if v.fract() != 0.0 {
            Value::from(v)
        } else if (-I64_END..I64_END).contains(&v) {
            Value::from(v as i64)
        } else if (0.0..U64_END).contains(&v) {
            Value::from(v as u64)
        } else {
            Value::from(v)
        })
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(WholeNumbers(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let WholeNumbers(value) = map.next_value()?;
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate field `{key}`")));
            }
            fields.insert(key, value);
        }
        Ok(Value::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::json_with_whole_numbers;

    #[test]
    fn whole_numbers_become_integers_and_the_rest_stays() {
        let read = json_with_whole_numbers(
            br#"{"a": 174.0, "b": [1e2, -0.0, 1.5], "c": {"d": 1e19, "e": 1e300, "f": "9.0"}}"#,
        );
        assert_eq!(
            read,
            Some(json!({"a": 174, "b": [100, 0, 1.5],
                        "c": {"d": 10_000_000_000_000_000_000_u64, "e": 1e300, "f": "9.0"}}))
        );
        // Read exactly (serde_json's `float_roundtrip`): the default parser made this one
        // -3887226142767950.5, a fraction, and the API refused a whole number.
        assert_eq!(
            json_with_whole_numbers(br#"{"to_unit": -3887226142767950.0}"#),
            Some(json!({"to_unit": -3_887_226_142_767_950_i64}))
        );
        assert!(json_with_whole_numbers(br#"{"a": 1, "b": {"a": 2}}"#).is_some());
        assert_eq!(json_with_whole_numbers(br#"{"a": 1, "a": 1}"#), None);
        assert_eq!(
            json_with_whole_numbers(br#"{"b": [{"a": 1, "a": 2}]}"#),
            None
        );
    }
}
