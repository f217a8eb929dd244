//! PLACEHOLDER (being written): JSON API v1.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn openapi() -> WebError {
    WebError::not_found()
}
pub async fn units(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn cases(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn case(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn act(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn people_search(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
