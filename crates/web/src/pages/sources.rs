//! PLACEHOLDER (being written): new source form.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn form(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn check(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn create(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
