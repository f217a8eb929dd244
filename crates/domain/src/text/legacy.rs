//! Vietnamese text typed in the legacy 8-bit encodings, found in old spreadsheets.
//!
//! Before Unicode, Vietnamese offices typed with fonts that drew Vietnamese letters in the
//! places of Western ones. When such a file is opened today the text shows as gibberish:
//!
//! * **TCVN3 (ABC)**, the national standard TCVN 5712:1993 (VN3) of the `.Vn…` fonts: one
//!   byte per letter, lower-case letters only (upper-case fonts such as `.VnTimeH` draw the
//!   same bytes as capitals), plus the upper-case Ă Â Ê Ô Ơ Ư Đ without tone.
//!   "Nguyễn Văn An" is stored as `NguyÔn V¨n An`; "ư" is byte 0xAD, the invisible soft
//!   hyphen.
//! * **VNI Windows** (`VNI-…` fonts): a base letter followed by a mark byte for the
//!   circumflex, breve or tone: "Nguyễn Văn An" is stored as `Nguyeãn Vaên An`; ơ, ư, đ and
//!   some i/y forms are single bytes.
//!
//! A spreadsheet keeps those bytes as the Windows-1252 characters of the same numbers, so
//! the converters here work on characters (U+00A0–U+00FF). The tables were checked against
//! two independent published converters (xvnkb's `tcvn.h`/`vni.h` and BoGo's
//! `utf8ToTCVN3`) and against known words; the tests round-trip every Vietnamese letter.
//!
//! Detection ([`detect`]) never guesses from one odd character: a text is only taken as
//! legacy when it could be legacy at all (every character is one a legacy file can hold, so
//! "Nguyễn" with its "ễ" never is), when as written it contains words that are not
//! Vietnamese syllables, and when converted every word is one. A per-column hint
//! ([`repair_with`]) settles the few texts that read as Vietnamese both ways ("Tám" is also
//! TCVN3 for "Tỏm").

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// A legacy Vietnamese encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Legacy {
    /// TCVN 5712:1993 VN3, the "ABC" fonts (.VnTime, .VnArial …).
    Tcvn3,
    /// VNI Windows (VNI-Times …).
    Vni,
}

impl Legacy {
    /// The name users know the encoding by: "TCVN3 (ABC)", "VNI".
    pub fn label(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3 (ABC)",
            Legacy::Vni => "VNI",
        }
    }
}

impl std::fmt::Display for Legacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One vowel (or đ) with its six tones, in the order: none, sắc, huyền, hỏi, ngã, nặng.
struct Group {
    letters: [char; 6],
    /// TCVN3 byte of each form; 0 for the plain ASCII letter.
    tcvn3: [u8; 6],
    /// VNI spelling of each form (lower case).
    vni: [&'static str; 6],
}

const GROUPS: [Group; 12] = [
    Group {
        letters: ['a', 'á', 'à', 'ả', 'ã', 'ạ'],
        tcvn3: [0, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9],
        vni: ["a", "aù", "aø", "aû", "aõ", "aï"],
    },
    Group {
        letters: ['ă', 'ắ', 'ằ', 'ẳ', 'ẵ', 'ặ'],
        tcvn3: [0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6],
        vni: ["aê", "aé", "aè", "aú", "aü", "aë"],
    },
    Group {
        letters: ['â', 'ấ', 'ầ', 'ẩ', 'ẫ', 'ậ'],
        tcvn3: [0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB],
        vni: ["aâ", "aá", "aà", "aå", "aã", "aä"],
    },
    Group {
        letters: ['e', 'é', 'è', 'ẻ', 'ẽ', 'ẹ'],
        tcvn3: [0, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1],
        vni: ["e", "eù", "eø", "eû", "eõ", "eï"],
    },
    Group {
        letters: ['ê', 'ế', 'ề', 'ể', 'ễ', 'ệ'],
        tcvn3: [0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6],
        vni: ["eâ", "eá", "eà", "eå", "eã", "eä"],
    },
    Group {
        letters: ['i', 'í', 'ì', 'ỉ', 'ĩ', 'ị'],
        tcvn3: [0, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE],
        vni: ["i", "í", "ì", "æ", "ó", "ò"],
    },
    Group {
        letters: ['o', 'ó', 'ò', 'ỏ', 'õ', 'ọ'],
        tcvn3: [0, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4],
        vni: ["o", "où", "oø", "oû", "oõ", "oï"],
    },
    Group {
        letters: ['ô', 'ố', 'ồ', 'ổ', 'ỗ', 'ộ'],
        tcvn3: [0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9],
        vni: ["oâ", "oá", "oà", "oå", "oã", "oä"],
    },
    Group {
        letters: ['ơ', 'ớ', 'ờ', 'ở', 'ỡ', 'ợ'],
        tcvn3: [0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE],
        vni: ["ô", "ôù", "ôø", "ôû", "ôõ", "ôï"],
    },
    Group {
        letters: ['u', 'ú', 'ù', 'ủ', 'ũ', 'ụ'],
        tcvn3: [0, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4],
        vni: ["u", "uù", "uø", "uû", "uõ", "uï"],
    },
    Group {
        letters: ['ư', 'ứ', 'ừ', 'ử', 'ữ', 'ự'],
        tcvn3: [0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9],
        vni: ["ö", "öù", "öø", "öû", "öõ", "öï"],
    },
    Group {
        letters: ['y', 'ý', 'ỳ', 'ỷ', 'ỹ', 'ỵ'],
        tcvn3: [0, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE],
        vni: ["y", "yù", "yø", "yû", "yõ", "î"],
    },
];

/// đ in TCVN3 and VNI.
const TCVN3_D: u8 = 0xAE;
const VNI_D: &str = "ñ";

/// The upper-case letters TCVN3 (VN3) has a byte of their own for.
const TCVN3_UPPER: [(char, u8); 7] = [
    ('Ă', 0xA1),
    ('Â', 0xA2),
    ('Ê', 0xA3),
    ('Ô', 0xA4),
    ('Ơ', 0xA5),
    ('Ư', 0xA6),
    ('Đ', 0xA7),
];

fn upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

struct Tables {
    /// TCVN3 character (U+00A0..=U+00FF) → Unicode letter.
    tcvn3_decode: HashMap<char, char>,
    /// Unicode letter → TCVN3 character.
    tcvn3_encode: HashMap<char, char>,
    /// VNI two-character spelling (lower case) → Unicode lower-case letter.
    vni_pairs: HashMap<(char, char), char>,
    /// VNI one-character spelling (either case) → Unicode letter.
    vni_singles: HashMap<char, char>,
    /// Unicode letter (either case) → VNI spelling.
    vni_encode: HashMap<char, String>,
    /// Vietnamese letter (either case, NFC) → (lower-case base letter, tone 0..=5).
    letters: HashMap<char, (char, u8)>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Tables {
            tcvn3_decode: HashMap::new(),
            tcvn3_encode: HashMap::new(),
            vni_pairs: HashMap::new(),
            vni_singles: HashMap::new(),
            vni_encode: HashMap::new(),
            letters: HashMap::new(),
        };
        for group in &GROUPS {
            let base = group.letters[0];
            for tone in 0..6 {
                let letter = group.letters[tone];
                let cap = upper(letter);
                t.letters.insert(letter, (base, tone as u8));
                t.letters.insert(cap, (base, tone as u8));

                let byte = group.tcvn3[tone];
                if byte != 0 {
                    let ch = char::from(byte);
                    t.tcvn3_decode.insert(ch, letter);
                    t.tcvn3_encode.insert(letter, ch);
                    // VN3 has no capitals with tones: they share the lower-case byte.
                    t.tcvn3_encode.insert(cap, ch);
                }

                let spelling = group.vni[tone];
                let chars: Vec<char> = spelling.chars().collect();
                match chars.as_slice() {
                    [single] if *single != letter => {
                        t.vni_singles.insert(*single, letter);
                        t.vni_singles.insert(upper(*single), cap);
                    }
                    [b, m] => {
                        t.vni_pairs.insert((*b, *m), letter);
                    }
                    _ => {}
                }
                if spelling != letter.to_string() {
                    t.vni_encode.insert(letter, spelling.to_owned());
                    t.vni_encode
                        .insert(cap, spelling.chars().map(upper).collect());
                }
            }
        }
        for c in ['d', 'D'] {
            t.letters.insert(c, ('d', 0));
        }
        for c in ['đ', 'Đ'] {
            t.letters.insert(c, ('đ', 0));
        }
        for c in ('a'..='z').chain('A'..='Z') {
            t.letters.entry(c).or_insert((lower(c), 0));
        }
        t.tcvn3_decode.insert(char::from(TCVN3_D), 'đ');
        t.tcvn3_encode.insert('đ', char::from(TCVN3_D));
        for (cap, byte) in TCVN3_UPPER {
            t.tcvn3_decode.insert(char::from(byte), cap);
            t.tcvn3_encode.insert(cap, char::from(byte));
        }
        // Đ has its own byte; the capitals Ă Â … were inserted above with the lower-case
        // byte and are now overwritten with their own.
        t.vni_singles.insert('ñ', 'đ');
        t.vni_singles.insert('Ñ', 'Đ');
        t.vni_encode.insert('đ', VNI_D.to_owned());
        t.vni_encode.insert('Đ', VNI_D.to_uppercase());
        t
    })
}

/// Converts TCVN3 text to Unicode (NFC).
///
/// TCVN3 has no capitals with tones, so a word written in capitals ("NGUYÔN", with the
/// ASCII letters in capitals) comes out in capitals ("NGUYỄN"), as does the whole text when
/// all its ASCII letters are capitals.
pub fn tcvn3_to_unicode(s: &str) -> String {
    let t = tables();
    let ascii_letters: Vec<char> = s.chars().filter(char::is_ascii_alphabetic).collect();
    let all_caps = ascii_letters.len() >= 2 && ascii_letters.iter().all(char::is_ascii_uppercase);
    let parts = words_and_gaps(s);
    // Names are written with capitals ("Nguyễn Thị Ngọc Ánh"), but TCVN3 has no "Á": when
    // every other word starts with a capital, a word starting with a toned vowel gets one.
    let words: Vec<&str> = parts.iter().filter(|p| p.1).map(|p| p.0).collect();
    let title_case = words.len() >= 2
        && words
            .iter()
            .filter(|w| !starts_with_tcvn3_letter(w))
            .all(|w| {
                w.chars().next().is_some_and(|c| {
                    tables()
                        .tcvn3_decode
                        .get(&c)
                        .copied()
                        .unwrap_or(c)
                        .is_uppercase()
                })
            })
        && words.iter().any(|w| !starts_with_tcvn3_letter(w));
    let mut out = String::with_capacity(s.len());
    for (word, is_word) in parts {
        if !is_word {
            out.push_str(word);
            continue;
        }
        let mut converted = String::with_capacity(word.len());
        let mut caps_letters = 0;
        let mut small_letters = 0;
        let mut capital_base = false;
        for c in word.chars() {
            if c.is_ascii_uppercase() {
                caps_letters += 1;
            } else if c.is_ascii_lowercase() {
                small_letters += 1;
            }
            match t.tcvn3_decode.get(&c) {
                Some(&u) => {
                    capital_base |= u.is_uppercase();
                    converted.push(u);
                }
                None => converted.push(c),
            }
        }
        let word_caps =
            small_letters == 0 && caps_letters >= 1 && (caps_letters >= 2 || capital_base);
        if all_caps || word_caps {
            out.extend(converted.chars().map(upper));
        } else if title_case && starts_with_tcvn3_letter(word) {
            let mut chars = converted.chars();
            if let Some(first) = chars.next() {
                out.push(upper(first));
            }
            out.extend(chars);
        } else {
            out.push_str(&converted);
        }
    }
    out.nfc().collect()
}

/// Whether a word starts with a TCVN3 lower-case letter (which has no capital).
fn starts_with_tcvn3_letter(word: &str) -> bool {
    word.chars()
        .next()
        .and_then(|c| tables().tcvn3_decode.get(&c))
        .is_some_and(|u| u.is_lowercase())
}

/// Converts VNI text to Unicode (NFC).
pub fn vni_to_unicode(s: &str) -> String {
    let t = tables();
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if let Some(&m) = chars.get(i + 1)
            && let Some(&letter) = t.vni_pairs.get(&(lower(c), lower(m)))
        {
            out.push(if c.is_uppercase() {
                upper(letter)
            } else {
                letter
            });
            i += 2;
            continue;
        }
        out.push(t.vni_singles.get(&c).copied().unwrap_or(c));
        i += 1;
    }
    out.nfc().collect()
}

/// Converts legacy text to Unicode.
pub fn to_unicode(s: &str, legacy: Legacy) -> String {
    match legacy {
        Legacy::Tcvn3 => tcvn3_to_unicode(s),
        Legacy::Vni => vni_to_unicode(s),
    }
}

/// Writes Unicode text in a legacy encoding, as the old fonts expect it (the characters of
/// the Windows-1252 bytes). TCVN3 loses the case of capitals with tones ("Ễ" → "Ô", the
/// byte of "ễ"), as the encoding does.
pub fn from_unicode(s: &str, legacy: Legacy) -> String {
    let t = tables();
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        match legacy {
            Legacy::Tcvn3 => out.push(t.tcvn3_encode.get(&c).copied().unwrap_or(c)),
            Legacy::Vni => match t.vni_encode.get(&c) {
                Some(spelling) => out.push_str(spelling),
                None => out.push(c),
            },
        }
    }
    out
}

/// Splits text into runs of word characters and runs of separators (whitespace, ASCII
/// punctuation and digits, general punctuation), in order; `true` marks a word.
fn words_and_gaps(s: &str) -> Vec<(&str, bool)> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_word: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let word = !is_separator(c);
        match in_word {
            Some(w) if w == word => {}
            Some(w) => {
                parts.push((&s[start..i], w));
                start = i;
                in_word = Some(word);
            }
            None => in_word = Some(word),
        }
    }
    if let Some(w) = in_word {
        parts.push((&s[start..], w));
    }
    parts
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || c.is_ascii_digit()
        || c.is_ascii_control()
        || ('\u{2000}'..='\u{206F}').contains(&c)
        || matches!(c, '€' | 'ƒ' | 'ˆ' | '˜' | '™')
}

/// Characters a legacy file shown in Windows-1252 can hold: ASCII, Latin-1 and the
/// Windows-1252 punctuation.
fn legacy_repertoire(c: char) -> bool {
    c.is_ascii()
        || ('\u{00A0}'..='\u{00FF}').contains(&c)
        || matches!(
            c,
            '€' | '‚'
                | 'ƒ'
                | '„'
                | '…'
                | '†'
                | '‡'
                | 'ˆ'
                | '‰'
                | 'Š'
                | '‹'
                | 'Œ'
                | 'Ž'
                | '‘'
                | '’'
                | '“'
                | '”'
                | '•'
                | '–'
                | '—'
                | '˜'
                | '™'
                | 'š'
                | '›'
                | 'œ'
                | 'ž'
                | 'Ÿ'
        )
}

/// Whether the text can only be Unicode Vietnamese: it holds a Vietnamese letter outside
/// Latin-1 (ă đ ĩ ũ ơ ư and the letters of U+1EA0–U+1EF9) or a combining mark, which no
/// legacy file shown in Windows-1252 contains.
pub fn is_unicode_vietnamese(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(
            c,
            'Ă' | 'ă' | 'Đ' | 'đ' | 'Ĩ' | 'ĩ' | 'Ũ' | 'ũ' | 'Ơ' | 'ơ' | 'Ư' | 'ư'
        ) || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
            || ('\u{0300}'..='\u{036F}').contains(&c)
    })
}

/// How Vietnamese a text reads: the number of words with a non-ASCII character that are
/// Vietnamese syllables (`good`) and that are not (`bad`). Plain ASCII words count for
/// neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reading {
    pub good: usize,
    pub bad: usize,
}

/// Reads every word of the text (see [`Reading`]).
pub fn reading(s: &str) -> Reading {
    let composed: String = s.nfc().collect();
    let mut r = Reading::default();
    for (word, is_word) in words_and_gaps(&composed) {
        if !is_word || word.is_ascii() {
            continue;
        }
        if is_vietnamese_syllable(word) {
            r.good += 1;
        } else {
            r.bad += 1;
        }
    }
    r
}

/// Whether a legacy text has been recognised confidently.
fn accept(before: Reading, after: Reading) -> bool {
    after.good > 0 && (after.bad == 0 || (after.bad < before.bad && after.good >= 3 * after.bad))
}

/// Whether repairing `s` could convert it from a legacy encoding: only text made of the
/// legacy fonts' characters (combining marks allowed, as composing may bring it there).
/// A cheap test that lets callers skip the repair of most Unicode text.
pub fn may_convert(s: &str) -> bool {
    !s.is_ascii()
        && s.chars()
            .all(|c| legacy_repertoire(c) || unicode_normalization::char::is_combining_mark(c))
}

/// The legacy encoding the text is written in, if it is clearly one, with the text
/// converted to Unicode (NFC).
///
/// Plain ASCII, Unicode Vietnamese ("Nguyễn Văn An") and other Western text ("Café",
/// "A&B", "100%") are never taken for legacy text.
pub fn detect(s: &str) -> Option<(Legacy, String)> {
    if s.is_ascii() || !s.chars().all(legacy_repertoire) {
        return None;
    }
    let before = reading(s);
    if before.bad == 0 {
        return None;
    }
    let mut best: Option<(Legacy, String, Reading)> = None;
    for legacy in [Legacy::Tcvn3, Legacy::Vni] {
        let converted = to_unicode(s, legacy);
        if converted == s {
            continue;
        }
        let after = reading(&converted);
        if !accept(before, after) {
            continue;
        }
        let better = match &best {
            None => true,
            Some((_, _, b)) => {
                (after.bad, std::cmp::Reverse(after.good)) < (b.bad, std::cmp::Reverse(b.good))
            }
        };
        if better {
            best = Some((legacy, converted, after));
        }
    }
    best.map(|(legacy, converted, _)| (legacy, converted))
}

/// Converts the text from a legacy encoding when it is one: returns the text to use and
/// the encoding it was converted from (`None`: returned unchanged).
pub fn repair(s: &str) -> (String, Option<Legacy>) {
    repair_with(s, None)
}

/// Like [`repair`], with a hint: the encoding the rest of the column (or file) is known to
/// be in. With a hint, a text that reads as Vietnamese both as written and converted (the
/// TCVN3 "Tám" of "Tỏm") is converted; a text that can only be Unicode never is.
pub fn repair_with(s: &str, hint: Option<Legacy>) -> (String, Option<Legacy>) {
    if let Some(legacy) = hint
        && !s.is_ascii()
        && s.chars().all(legacy_repertoire)
    {
        let converted = to_unicode(s, legacy);
        if converted != s {
            let after = reading(&converted);
            if after.bad == 0 && after.good > 0 {
                return (converted, Some(legacy));
            }
        }
    }
    match detect(s) {
        Some((legacy, converted)) => (converted, Some(legacy)),
        None => (s.to_owned(), None),
    }
}

/// What a text is, for deciding a column's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Nothing to decide: ASCII, or text that reads the same either way.
    Plain,
    /// Certainly Unicode Vietnamese.
    Unicode,
    /// Confidently legacy text.
    Legacy(Legacy),
}

/// Classifies a text (see [`Script`]).
pub fn script(s: &str) -> Script {
    if is_unicode_vietnamese(s) {
        return Script::Unicode;
    }
    match detect(s) {
        Some((legacy, _)) => Script::Legacy(legacy),
        None => Script::Plain,
    }
}

const ONSETS: [&str; 28] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];

const FINALS: [&str; 9] = ["ng", "nh", "ch", "c", "m", "n", "p", "t", ""];

/// Vowel clusters (with the medial o/u) a syllable can have, without tone.
const NUCLEI: [&str; 56] = [
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "oo", "ôi", "ơi", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "uy", "ưa", "ưi", "ưu", "ươ", "yê", "iêu", "yêu", "oai", "oay", "oao", "oeo",
    "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu", "ôô",
];

/// Nuclei that need a final consonant.
const NEEDS_FINAL: [&str; 11] = [
    "ă", "â", "iê", "yê", "uô", "ươ", "uâ", "oă", "uyê", "oo", "ôô",
];

/// Nuclei ending in a glide, which take no final consonant.
const NO_FINAL: [&str; 27] = [
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu",
    "ua", "ưa", "iêu", "yêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi",
];

/// The vowels of a nucleus (by position) that may carry the tone.
fn tone_positions(nucleus: &str, has_final: bool) -> &'static [usize] {
    match nucleus.chars().count() {
        1 => &[0],
        3 => match nucleus {
            "uyê" => &[2],
            "uya" => &[1, 2],
            _ => &[1],
        },
        _ => match nucleus {
            "oa" | "oe" | "uy" | "oo" | "ôô" if !has_final => &[0, 1],
            "oa" | "oe" | "uy" | "oo" | "ôô" | "iê" | "yê" | "uô" | "ươ" | "oă" | "uâ" | "uê"
            | "uơ" => &[1],
            _ => &[0],
        },
    }
}

/// Whether a word is a well-formed Vietnamese syllable: an onset, a vowel cluster and a
/// final from the language's inventory, at most one tone, and only sắc or nặng before
/// c/ch/p/t. Case and normal form do not matter.
///
/// It accepts syllables that are not in the dictionary but could be ("tỏm"), and rejects
/// legacy gibberish ("nguyôn", "v¨n", "nguyeón") and most foreign words ("café").
pub fn is_vietnamese_syllable(word: &str) -> bool {
    let t = tables();
    let mut bare = String::with_capacity(word.len());
    let mut tone = 0u8;
    // Byte offset of the toned letter in `bare`.
    let mut toned_at = None;
    for c in word.nfc() {
        let Some(&(base, tone_of_c)) = t.letters.get(&c) else {
            return false;
        };
        if tone_of_c != 0 {
            if tone != 0 {
                return false;
            }
            tone = tone_of_c;
            toned_at = Some(bare.len());
        }
        bare.push(base);
    }
    let bare = bare.as_str();
    for onset in ONSETS {
        let Some(rest) = bare.strip_prefix(onset) else {
            continue;
        };
        for fin in FINALS {
            let Some(nucleus) = rest.strip_suffix(fin) else {
                continue;
            };
            if nucleus.is_empty() || !NUCLEI.contains(&nucleus) {
                continue;
            }
            if fin.is_empty() && NEEDS_FINAL.contains(&nucleus) {
                continue;
            }
            if !fin.is_empty() && NO_FINAL.contains(&nucleus) {
                continue;
            }
            // Stops take only the sắc (1) and nặng (5) tones.
            if matches!(fin, "c" | "ch" | "p" | "t") && !matches!(tone, 1 | 5) {
                continue;
            }
            let front = nucleus.starts_with(['i', 'e', 'ê', 'y']);
            if matches!(onset, "k" | "gh" | "ngh") && !front {
                continue;
            }
            if onset == "c" && front {
                continue;
            }
            if onset == "qu" && nucleus.starts_with(['u', 'ư']) {
                continue;
            }
            if let Some(at) = toned_at {
                // The tone sits on a vowel of the nucleus, on the one the spelling rules
                // allow (both the old "hoà" and the new "hòa" style are accepted).
                let Some(offset) = at.checked_sub(onset.len()) else {
                    continue;
                };
                let Some(position) = nucleus.char_indices().position(|(i, _)| i == offset) else {
                    continue;
                };
                if !tone_positions(nucleus, !fin.is_empty()).contains(&position) {
                    continue;
                }
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every Vietnamese letter, lower and upper case.
    fn all_letters() -> Vec<char> {
        let mut v = Vec::new();
        for g in &GROUPS {
            for l in g.letters {
                v.push(l);
                v.push(upper(l));
            }
        }
        v.push('đ');
        v.push('Đ');
        v
    }

    #[test]
    fn known_words() {
        assert_eq!(tcvn3_to_unicode("NguyÔn V¨n An"), "Nguyễn Văn An");
        assert_eq!(vni_to_unicode("Nguyeãn Vaên An"), "Nguyễn Văn An");
        // "Mường Khương", with ư as the soft hyphen U+00AD.
        assert_eq!(tcvn3_to_unicode("M\u{AD}êng Kh\u{AD}¬ng"), "Mường Khương");
        assert_eq!(tcvn3_to_unicode("B¶o Th¾ng"), "Bảo Thắng");
        assert_eq!(tcvn3_to_unicode("B¸t X¸t"), "Bát Xát");
        assert_eq!(
            tcvn3_to_unicode("§¶ng Céng s¶n ViÖt Nam"),
            "Đảng Cộng sản Việt Nam"
        );
        assert_eq!(tcvn3_to_unicode("Hä vµ tªn"), "Họ và tên");
        assert_eq!(tcvn3_to_unicode("Ngµy sinh"), "Ngày sinh");
        assert_eq!(vni_to_unicode("Xin chaøo caùc baïn"), "Xin chào các bạn");
        assert_eq!(vni_to_unicode("Tröôøng Ñaïi hoïc"), "Trường Đại học");
        assert_eq!(vni_to_unicode("Hoï vaø teân"), "Họ và tên");
        assert_eq!(
            vni_to_unicode("ÑAÛNG COÄNG SAÛN VIEÄT NAM"),
            "ĐẢNG CỘNG SẢN VIỆT NAM"
        );
    }

    #[test]
    fn tcvn3_capitals() {
        // Capitals with tones share the lower-case bytes; the word's case decides.
        assert_eq!(tcvn3_to_unicode("NGUYÔN V¡N AN"), "NGUYỄN VĂN AN");
        assert_eq!(tcvn3_to_unicode("§ÆNG"), "ĐẶNG");
        assert_eq!(tcvn3_to_unicode("§øc"), "Đức");
        assert_eq!(tcvn3_to_unicode("Lª ThÞ BÝch"), "Lê Thị Bích");
    }

    #[test]
    fn every_letter_round_trips() {
        for c in all_letters() {
            let s = c.to_string();
            let vni = from_unicode(&s, Legacy::Vni);
            assert_eq!(vni_to_unicode(&vni), s, "VNI {c} as {vni:?}");
            let tcvn3 = from_unicode(&s, Legacy::Tcvn3);
            let back = tcvn3_to_unicode(&tcvn3);
            // TCVN3 keeps the case of Ă Â Ê Ô Ơ Ư Đ and of letters without tone only.
            assert_eq!(
                back.to_lowercase(),
                s.to_lowercase(),
                "TCVN3 {c} as {tcvn3:?}"
            );
            // In a word of capitals the capital comes back.
            let word = format!("X{c}X");
            let back = tcvn3_to_unicode(&from_unicode(&word.to_uppercase(), Legacy::Tcvn3));
            assert_eq!(back, word.to_uppercase(), "TCVN3 capitals {word}");
        }
    }

    #[test]
    fn tcvn3_bytes_are_distinct_and_complete() {
        let mut seen = std::collections::HashSet::new();
        for g in &GROUPS {
            for b in g.tcvn3.iter().filter(|b| **b != 0) {
                assert!(seen.insert(*b), "byte {b:#X} twice");
            }
        }
        assert!(seen.insert(TCVN3_D));
        for (_, b) in TCVN3_UPPER {
            assert!(seen.insert(b));
        }
        // 12 groups: 6 plain vowels have 5 toned forms, 6 marked vowels have 6 forms; đ;
        // 7 capitals.
        assert_eq!(seen.len(), 6 * 5 + 6 * 6 + 1 + 7);
    }

    #[test]
    fn whole_sentences_round_trip() {
        let texts = [
            "Nguyễn Thị Ngọc Ánh",
            "Trần Văn Đức, Phường Bến Thành",
            "Chi bộ Khu phố 3 đề nghị kết nạp quần chúng ưu tú",
            "Huỳnh Quốc Việt; Lữ Thị Tuyết; Ông Ích Khiêm",
            "Nghĩa, Thuỷ, Khuê, Khuỷu, Rượu, Nguyệt, Quỳnh, Giếng",
        ];
        for text in texts {
            let vni = from_unicode(text, Legacy::Vni);
            assert_eq!(vni_to_unicode(&vni), text);
            assert_eq!(detect(&vni).map(|d| d.0), Some(Legacy::Vni), "{vni}");
            let tcvn3 = from_unicode(text, Legacy::Tcvn3);
            assert_eq!(tcvn3_to_unicode(&tcvn3), text);
            assert_eq!(detect(&tcvn3).map(|d| d.0), Some(Legacy::Tcvn3), "{tcvn3}");
        }
    }

    #[test]
    fn only_text_in_the_legacy_fonts_characters_may_convert() {
        assert!(may_convert("NguyÔn V¨n An"));
        assert!(may_convert("Nguyeãn Vaên An"));
        assert!(!may_convert("Nguyễn Văn An"));
        assert!(!may_convert("Nguyen Van An"));
        // Decomposed text is judged after composing, so it is not ruled out here.
        assert!(may_convert("Cafe\u{301}"));
        for text in ["NguyÔn V¨n An", "Nguyeãn Vaên An", "Nguyễn Văn An"] {
            assert_eq!(may_convert(text), detect(text).is_some(), "{text}");
        }
    }

    #[test]
    fn detection_leaves_normal_text_alone() {
        let texts = [
            "Nguyễn Văn An",
            "Café",
            "A&B",
            "100%",
            "Hoà",
            "Bà Tám",
            "São Paulo",
            "naïve",
            "Über",
            "Crème brûlée",
            "Tổ 1 – Khu phố 2",
            "José Martí",
            "Dr. Müller",
            "España",
            "",
            "plain ascii",
        ];
        for text in texts {
            assert_eq!(detect(text), None, "{text}");
            assert_eq!(repair(text), (text.to_owned(), None), "{text}");
        }
        // NFD Unicode is Unicode, not legacy.
        let nfd: String = "Nguyễn Thị Ánh".nfd().collect();
        assert_eq!(detect(&nfd), None);
        assert_eq!(script(&nfd), Script::Unicode);
    }

    #[test]
    fn detection_finds_legacy() {
        assert_eq!(
            detect("NguyÔn V¨n An"),
            Some((Legacy::Tcvn3, "Nguyễn Văn An".to_owned()))
        );
        assert_eq!(
            detect("Nguyeãn Vaên An"),
            Some((Legacy::Vni, "Nguyễn Văn An".to_owned()))
        );
        assert_eq!(script("Lª ThÞ Hoa"), Script::Legacy(Legacy::Tcvn3));
        assert_eq!(script("Leâ Thò Hoa"), Script::Legacy(Legacy::Vni));
        assert_eq!(script("Lê Thị Hoa"), Script::Unicode);
        assert_eq!(script("Hoa"), Script::Plain);
    }

    #[test]
    fn a_hint_settles_ambiguous_text() {
        // "Tám" is Unicode Vietnamese, and TCVN3 for "Tỏm".
        assert_eq!(repair("Tám"), ("Tám".to_owned(), None));
        assert_eq!(
            repair_with("Tám", Some(Legacy::Tcvn3)),
            ("Tỏm".to_owned(), Some(Legacy::Tcvn3))
        );
        // Text that can only be Unicode is never converted, whatever the hint.
        assert_eq!(
            repair_with("Nguyễn Tám", Some(Legacy::Tcvn3)),
            ("Nguyễn Tám".to_owned(), None)
        );
        // A hint that does not give Vietnamese is ignored.
        assert_eq!(
            repair_with("Café", Some(Legacy::Tcvn3)),
            ("Café".to_owned(), None)
        );
    }

    #[test]
    fn syllables() {
        let good = [
            "Nguyễn",
            "Văn",
            "Thị",
            "Trường",
            "Phượng",
            "Hoà",
            "Hòa",
            "Đức",
            "Ánh",
            "Ngọc",
            "Khuê",
            "Quyên",
            "Giang",
            "Huỳnh",
            "Nghĩa",
            "Hồ",
            "Chí",
            "Minh",
            "Quốc",
            "Quý",
            "Giáp",
            "Hiếu",
            "Yến",
            "Ưng",
            "Ơn",
            "Oanh",
            "Uyên",
            "Diễm",
            "Hương",
            "Tuấn",
            "Xuân",
            "Chiến",
            "Lợi",
            "Huyền",
            "Khỏe",
            "Thoại",
            "Lụa",
            "Mười",
            "Rượu",
            "Khuya",
            "Khuỷu",
            "Đặng",
            "Bảy",
            "Gìn",
            "Nghiêm",
            "Kiều",
            "Quỳnh",
            "Ất",
            "Ưu",
            "Ếch",
            "Ích",
            "Ổi",
            "Bích",
            "bệnh",
            "xoong",
            "NGUYỄN",
            "Thuở",
            "Kỳ",
            "Ý",
        ];
        for w in good {
            assert!(is_vietnamese_syllable(w), "{w}");
        }
        let bad = [
            "NguyÔn",
            "V¨n",
            "Nguyeón",
            "Vaờn",
            "Café",
            "naïve",
            "Über",
            "Tãt",
            "kan",
            "ca\u{301}\u{300}",
            "Cafộ",
            "nguyôn",
        ];
        for w in bad {
            assert!(!is_vietnamese_syllable(w), "{w}");
        }
    }
}
