//! The admission pipeline of party membership development as pure data and functions.
//!
//! No I/O happens here: callers pass the current time, the rule book and the calendar in,
//! and persist what comes out through the traits in `ports`. See `docs/GLOSSARY.md` for
//! the Vietnamese term of each type.

pub mod access;
pub mod action;
pub mod calendar;
pub mod case;
pub mod checklist;
pub mod citizen_id;
pub mod coordination;
pub mod course;
pub mod deadline;
pub mod ethnicity;
pub mod ids;
pub mod person;
pub mod ports;
pub mod reminder;
pub mod report;
pub mod rules;
pub mod scope;
pub mod takeover;
pub mod text;
pub mod unit;
pub mod violation;
pub mod workflow;

pub use violation::Violation;
