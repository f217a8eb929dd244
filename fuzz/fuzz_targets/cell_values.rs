//! Arbitrary cell values read as text, dates and counts: never a panic, and what is read
//! keeps to what `date` and `count` promise.
//!
//! The first byte chooses the kind of value and the rest gives it: text (UTF-8, or
//! Windows-1252 as legacy-encoded cells are shown), a number (its eight bytes, so NaN and
//! infinities too, or written in decimal), a boolean, or a date (days from the first day of
//! year 1, far outside the years accepted too).

#![no_main]

use chrono::{Datelike, NaiveDate};
use ketnap_sheets::{DateRead, Value, count, date, split_name, text};
use libfuzzer_sys::fuzz_target;

fn value(bytes: &[u8]) -> Option<Value> {
    let (&kind, rest) = bytes.split_first()?;
    let mut eight = [0u8; 8];
    for (to, from) in eight.iter_mut().zip(rest) {
        *to = *from;
    }
    Some(match kind % 7 {
        0 => Value::Empty,
        1 => Value::Text(String::from_utf8_lossy(rest).into_owned()),
        2 => Value::Text(
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(rest)
                .0
                .into_owned(),
        ),
        3 => Value::Number(f64::from_le_bytes(eight)),
        4 => Value::Number(std::str::from_utf8(rest).ok()?.trim().parse().ok()?),
        5 => Value::Bool(rest.first().is_some_and(|b| b & 1 == 1)),
        _ => {
            let days = i32::from_le_bytes([eight[0], eight[1], eight[2], eight[3]]);
            Value::Date(NaiveDate::from_num_days_from_ce_opt(days)?)
        }
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Some(value) = value(bytes) else {
        return;
    };
    let value = &value;
    let repaired = text(value);
    let _ = split_name(&repaired.text);
    let _ = value.shown();
    let nothing = value.is_empty() || repaired.text.is_empty();

    match date(value) {
        Ok(Some(read)) => {
            // Years must be within 1900–2100.
            assert!(
                (1900..=2100).contains(&read.year()),
                "{value:?} read as {read:?}"
            );
            assert!(read.first_day().is_some(), "{value:?} read as {read:?}");
            if let DateRead::Day(d) = read {
                assert_eq!(read.day(), Some(d));
                assert_eq!(read.first_day(), Some(d));
            }
        }
        Ok(None) => assert!(nothing, "{value:?} read as no date"),
        Err(message) => assert!(!message.is_empty(), "{value:?}"),
    }

    match count(value) {
        Ok(Some(n)) => {
            if let Value::Number(x) = value {
                #[allow(clippy::cast_precision_loss)]
                let back = n as f64;
                assert_eq!(back, *x, "{value:?} counted as {n}");
            }
        }
        Ok(None) => assert!(nothing, "{value:?} counted as nothing"),
        Err(message) => assert!(!message.is_empty(), "{value:?}"),
    }

    if let Value::Date(d) = value {
        assert!(count(value).is_err(), "{value:?}");
        if (1900..=2100).contains(&d.year()) {
            assert_eq!(date(value), Ok(Some(DateRead::Day(*d))));
        }
    }
});
