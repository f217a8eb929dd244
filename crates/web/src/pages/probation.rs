//! PLACEHOLDER (being written): probation view.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn list(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
