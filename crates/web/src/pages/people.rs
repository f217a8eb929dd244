//! PLACEHOLDER (being written): person search and person page.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn search(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn page(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
