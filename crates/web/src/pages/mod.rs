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
