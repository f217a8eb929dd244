//! What a bulk export of personal data asks before the file leaves: the password again
//! (`two_factor::reauth_needed`) and the purpose (mục đích xuất), which its audit row keeps
//! (Decree 356/2025: personal data is processed for a stated purpose).

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::Layout;

/// The purposes an export may serve: `(code, label)`. The code travels in the URL, the
/// label goes into the audit row.
pub const PURPOSES: [(&str, &str); 5] = [
    ("report", "Báo cáo cấp ủy cấp trên"),
    ("review", "Rà soát, đối chiếu hồ sơ"),
    ("meeting", "Chuẩn bị hội nghị, họp chi bộ"),
    ("archive", "Lưu trữ theo quy định"),
    ("transfer", "Bàn giao cho đơn vị khác"),
];

#[derive(Template)]
#[template(path = "export_purpose.html")]
struct PurposePage {
    layout: Layout,
    action: String,
    /// The request's own parameters, sent again with the purpose.
    fields: Vec<(String, String)>,
    purposes: Vec<(&'static str, &'static str)>,
    refused: bool,
}

/// The purpose's label when this request may export; else the page to send instead: the
/// re-authentication, or the choice of a purpose.
pub async fn gate(ctx: &Ctx) -> Result<Result<&'static str, Response>, WebError> {
    if let Some(reauth) = crate::two_factor::reauth_needed(ctx) {
        return Ok(Err(reauth));
    }
    let (action, query) = ctx.path.split_once('?').unwrap_or((ctx.path.as_str(), ""));
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let given = pairs
        .iter()
        .find(|(k, _)| k == "purpose")
        .map(|(_, v)| v.clone());
    if let Some(label) = PURPOSES
        .iter()
        .find(|(code, _)| given.as_deref() == Some(*code))
        .map(|(_, label)| *label)
    {
        return Ok(Ok(label));
    }
    let page = PurposePage {
        layout: ctx.layout("Mục đích xuất danh sách").await?,
        action: action.to_string(),
        fields: pairs.into_iter().filter(|(k, _)| k != "purpose").collect(),
        purposes: PURPOSES.to_vec(),
        refused: given.is_some(),
    };
    Ok(Err(Html(page.render()?).into_response()))
}
