//! The admission pipeline of party membership development as pure data and functions.
//!
//! No I/O happens here: callers pass the current time, the rule book and the calendar in,
//! and persist what comes out. See `docs/GLOSSARY.md` for the Vietnamese term of each type.

pub mod calendar;
pub mod citizen_id;
pub mod ethnicity;
pub mod text;
pub mod violation;

pub use violation::Violation;
