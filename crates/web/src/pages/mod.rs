//! The pages, one module per screen.

pub mod admin;
pub mod case;
pub mod cases;
pub mod courses;
pub mod home;
pub mod imports;
pub mod nominations;
pub mod nominees;
pub mod notifications;
pub mod papers;
pub mod people;
pub mod person_form;
pub mod probation;
pub mod reports;
pub mod requests;
pub mod sources;
pub mod transfers;
pub mod unit_papers;
pub mod units;

use crate::error::WebError;

/// A record's id from the path (a transfer, a request, a nomination): anything but a
/// positive number names nothing.
pub(crate) fn parse_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(WebError::not_found)
}
