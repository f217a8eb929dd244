//! The pages, one module per screen.

pub mod admin;
pub mod case;
pub mod cases;
pub mod courses;
pub mod home;
pub mod imports;
pub mod nominees;
pub mod papers;
pub mod people;
pub mod probation;
pub mod reports;
pub mod sources;
pub mod unit_papers;
pub mod units;
