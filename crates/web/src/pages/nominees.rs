//! PLACEHOLDER (being written): a mass-organisation officer's nominees.
use crate::ctx::Ctx;
use crate::error::WebError;
pub async fn list(_ctx: Ctx) -> WebError {
    WebError::not_found()
}
