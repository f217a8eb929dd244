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
mod canary;
mod cli;
mod coordination;
mod crash_loop;
mod data_keys;
mod demo;
mod fixtures;
mod import;
mod import_people;
mod import_units;
mod matrix;
mod name_search;
mod offline;
mod overview;
mod processes;
mod reliability;
mod reminders;
mod reports;
mod served;
mod story;
mod subtree;
mod two_factor;
pub mod web;
mod web_api;
mod web_cases;
mod web_nominations;
mod web_papers;
mod web_people;
mod web_plan;
mod web_reports;
mod web_reports_api;
mod web_requests;
mod web_transfers;
mod xss;
