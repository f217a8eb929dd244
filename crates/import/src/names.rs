//! When two names of units or organisations are the same one.
//!
//! Lists are often typed without diacritics, so names are matched without them ("Chi bo
//! Khu pho 3" is "Chi bộ Khu phố 3"). But real names differ only by their marks — the city
//! has both "Xã Thạnh An" and "Xã Thanh An" — so two names both written with diacritics
//! must agree on them too, wherever the tone mark sits ("Hòa" and "Hoà" are the same).

use std::collections::HashMap;

use ketnap_domain::unit::Unit;
use ketnap_sheets::header_key;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The five tone marks (huyền, sắc, ngã, hỏi, nặng) as combining characters.
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// The name with its diacritics, lower case, punctuation as spaces, and each word's tone
/// mark moved to the word's end (old and new tone placement agree).
fn spelling(name: &str) -> String {
    let repaired = ketnap_sheets::text(&ketnap_sheets::Value::Text(name.to_owned())).text;
    let mut out = Vec::new();
    for word in repaired
        .to_lowercase()
        .nfd()
        .map(|c| {
            if c.is_alphanumeric() || is_combining_mark(c) {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
    {
        let mut letters: String = word.chars().filter(|c| !TONES.contains(c)).collect();
        letters.extend(word.chars().filter(|c| TONES.contains(c)));
        out.push(letters);
    }
    out.join(" ")
}

/// Whether `a` and `b` name the same: without diacritics when either is written without
/// them, with them when both are.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    let (key_a, key_b) = (header_key(a), header_key(b));
    if key_a != key_b {
        return false;
    }
    let (spelled_a, spelled_b) = (spelling(a), spelling(b));
    // Without any diacritic (a mark, or đ), the spelling is the key.
    let accented = |spelled: &str, key: &str| spelled.nfc().collect::<String>() != key;
    spelled_a == spelled_b || !accented(&spelled_a, &key_a) || !accented(&spelled_b, &key_b)
}

/// A unit's code as lists are compared by: trimmed, upper case.
pub(crate) fn code_key(code: &str) -> String {
    code.trim().to_uppercase()
}

/// Units a row may name, by code and by name (without diacritics; `same_name` then tells
/// namesakes apart).
#[derive(Debug, Default)]
pub(crate) struct UnitIndex {
    by_code: HashMap<String, Unit>,
    by_name: HashMap<String, Vec<Unit>>,
}

impl UnitIndex {
    pub(crate) fn add(&mut self, unit: Unit) {
        if let Some(code) = unit.code.as_deref().map(code_key).filter(|c| !c.is_empty()) {
            self.by_code.insert(code, unit.clone());
        }
        self.by_name
            .entry(header_key(&unit.name))
            .or_default()
            .push(unit);
    }

    pub(crate) fn with_code(&self, code: &str) -> Option<&Unit> {
        self.by_code.get(&code_key(code))
    }

    /// The units whose name matches `name` without diacritics.
    pub(crate) fn named(&self, name: &str) -> &[Unit] {
        self.by_name
            .get(&header_key(name))
            .map_or(&[], Vec::as_slice)
    }
}
