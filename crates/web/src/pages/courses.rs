//! PLACEHOLDER (being written): courses.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn list(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn form(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn create(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
