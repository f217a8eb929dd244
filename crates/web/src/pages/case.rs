//! PLACEHOLDER (being written): the case page, its actions and its audit trail.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn page(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn act(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn audit(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
