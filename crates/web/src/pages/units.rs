//! PLACEHOLDER (being written): the unit tree.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn tree(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
pub async fn unit(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
