//! The one integration-test binary: the store story on every backend, and the CLI.

// A test crate: a failed unwrap is a failed test, and skipped stories say so on stderr.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod backup;
mod browser;
mod cli;
mod demo;
mod fixtures;
mod import;
mod import_people;
mod import_units;
mod matrix;
mod reports;
mod story;
pub mod web;
mod web_api;
mod web_cases;
mod web_papers;
mod web_people;
mod web_plan;
mod web_reports;
mod web_reports_api;
