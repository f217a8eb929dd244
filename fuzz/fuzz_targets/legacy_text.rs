//! Arbitrary text through the legacy (TCVN3/VNI) detection and repair, and through the
//! sheets' cell text cleaning, checking what the modules promise.
//!
//! The first byte chooses how the rest is decoded (UTF-8, or Windows-1252 as a spreadsheet
//! shows legacy bytes, which makes TCVN3/VNI text easy to reach) and the column hint.

#![no_main]

use ketnap_domain::text::legacy::{
    self, Legacy, Script, detect, from_unicode, is_unicode_vietnamese, is_vietnamese_syllable,
    reading, repair, repair_with, script, tcvn3_to_unicode, to_unicode, vni_to_unicode,
};
use ketnap_domain::text::{clean, nfc, search_key};
use ketnap_sheets::{Value, text_with};
use libfuzzer_sys::fuzz_target;
use unicode_normalization::{UnicodeNormalization, is_nfc};

const HINTS: [Option<Legacy>; 3] = [None, Some(Legacy::Tcvn3), Some(Legacy::Vni)];

fn decode(bytes: &[u8]) -> Option<(String, Option<Legacy>)> {
    let (&control, rest) = bytes.split_first()?;
    let hint = HINTS[usize::from(control % 3)];
    let s = if control & 0x80 == 0 {
        std::str::from_utf8(rest).ok()?.to_owned()
    } else {
        encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(rest)
            .0
            .into_owned()
    };
    Some((s, hint))
}

/// Case and normal form do not matter to [`is_vietnamese_syllable`], for words whose
/// letters change case one to one.
fn check_syllable(word: &str) {
    let yes = is_vietnamese_syllable(word);
    let nfd: String = word.nfd().collect();
    assert_eq!(is_vietnamese_syllable(&nfd), yes, "NFD of {word:?}");
    let simple_case = word.chars().all(|c| {
        let mut lower = c.to_lowercase();
        let mut upper = c.to_uppercase();
        match (lower.next(), lower.next(), upper.next(), upper.next()) {
            (Some(l), None, Some(u), None) => {
                l.to_uppercase().eq(std::iter::once(u)) && u.to_lowercase().eq(std::iter::once(l))
            }
            _ => false,
        }
    });
    if simple_case {
        assert_eq!(
            is_vietnamese_syllable(&word.to_lowercase()),
            yes,
            "{word:?}"
        );
        assert_eq!(
            is_vietnamese_syllable(&word.to_uppercase()),
            yes,
            "{word:?}"
        );
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Some((s, hint)) = decode(bytes) else {
        return;
    };
    let s = s.as_str();

    // The converters give NFC.
    for converted in [tcvn3_to_unicode(s), vni_to_unicode(s)] {
        assert!(is_nfc(&converted), "{s:?} → {converted:?} is not NFC");
    }
    for l in [Legacy::Tcvn3, Legacy::Vni] {
        let _ = from_unicode(s, l);
    }
    let _ = reading(s);

    // Detection: never plain ASCII or Unicode Vietnamese; the text converted to NFC.
    let detected = detect(s);
    if let Some((l, converted)) = &detected {
        assert!(!s.is_ascii(), "ASCII {s:?} taken for {l}");
        assert!(!is_unicode_vietnamese(s), "Unicode {s:?} taken for {l}");
        assert_ne!(converted, s, "{s:?}: {l} detected but nothing converted");
        assert_eq!(*converted, to_unicode(s, *l), "{s:?}");
        assert!(is_nfc(converted), "{s:?} → {converted:?} is not NFC");
    }
    assert_eq!(repair(s), repair_with(s, None), "{s:?}");

    // Repair: unchanged when nothing was converted; converted text is NFC; ASCII and
    // Unicode Vietnamese are never converted, whatever the hint.
    for h in HINTS {
        let (out, converted) = repair_with(s, h);
        match converted {
            None => assert_eq!(out, s, "{s:?} changed without a conversion (hint {h:?})"),
            Some(l) => {
                assert_eq!(out, to_unicode(s, l), "{s:?} (hint {h:?})");
                assert!(is_nfc(&out), "{s:?} → {out:?} is not NFC (hint {h:?})");
                assert!(!s.is_ascii(), "ASCII {s:?} converted (hint {h:?})");
                assert!(
                    !is_unicode_vietnamese(s),
                    "Unicode {s:?} converted (hint {h:?})"
                );
            }
        }
        if h.is_none() {
            assert_eq!(converted, detected.as_ref().map(|(l, _)| *l), "{s:?}");
        }
    }

    match script(s) {
        Script::Unicode => assert!(is_unicode_vietnamese(s), "{s:?}"),
        Script::Legacy(l) => assert_eq!(Some(l), detected.map(|(l, _)| l), "{s:?}"),
        Script::Plain => assert!(
            !is_unicode_vietnamese(s) && detected.is_none(),
            "{s:?} is plain"
        ),
    }

    for word in s.split(|c: char| !c.is_alphanumeric()).take(16) {
        check_syllable(word);
    }
    check_syllable(s);

    // A cell's text: NFC, trimmed, single spaces, no invisible characters.
    let value = Value::Text(s.to_owned());
    let repaired = text_with(&value, hint);
    let t = repaired.text.as_str();
    assert!(is_nfc(t), "{s:?} → {t:?} is not NFC");
    assert_eq!(t, t.trim(), "{s:?} → {t:?} not trimmed");
    assert!(!t.contains("  "), "{s:?} → {t:?} has double spaces");
    assert!(
        !t.chars().any(|c| (c.is_whitespace() && c != ' ')
            || c.is_control()
            || matches!(
                c,
                '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )),
        "{s:?} → {t:?} keeps invisible or control characters"
    );
    if s.is_ascii() {
        assert_eq!(repaired.converted, None, "ASCII {s:?} converted");
    }
    if repaired.converted.is_none() && s.is_ascii() && !s.chars().any(|c| c.is_control()) {
        // Cleaned, less the apostrophe an export puts before `= + - @` (write::neutralise).
        let cleaned = clean(s);
        let expected = match cleaned.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => cleaned.as_str(),
        };
        assert_eq!(t, expected, "ASCII {s:?}");
    }
    let _ = legacy::to_unicode(t, Legacy::Vni);
    let _ = search_key(s);
    let _ = nfc(s);
});
