//! Report tables as downloads: the HTTP around `ketnap_sheets::write`, which makes the
//! `.xlsx` and CSV bytes (the writer lives next to the reader so that both agree on what a
//! sheet looks like).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ketnap_sheets::write::{self, Table, WriteError};

use crate::error::WebError;

/// A workbook that could not be written is a bug or an impossible size: logged with its
/// cause, shown as the generic error page.
pub(crate) fn write_error(error: WriteError) -> WebError {
    tracing::error!(%error, detail = ?error, "xlsx failed");
    WebError::internal()
}

/// The file name: ASCII letters, digits, dots and dashes only (no personal data ever goes
/// in: callers pass unit ids and periods).
fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.trim_matches(['-', '.']).is_empty() {
        "bao-cao".to_string()
    } else {
        cleaned
    }
}

pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!("attachment; filename=\"{}\"", safe_file_name(file_name));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // Reports hold names of units and sometimes of people: never kept by a proxy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// `file_name` without extension, e.g. `bao-cao-12-2026`.
pub fn xlsx_response(tables: &[Table], file_name: &str) -> Result<Response, WebError> {
    Ok(download(
        write::xlsx(tables).map_err(write_error)?,
        XLSX_TYPE,
        &format!("{file_name}.xlsx"),
    ))
}

pub fn csv_response(table: &Table, file_name: &str) -> Response {
    download(
        write::csv(table).into_bytes(),
        CSV_TYPE,
        &format!("{file_name}.csv"),
    )
}
