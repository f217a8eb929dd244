//! Delimited text (.csv, .txt): the encoding and the delimiter found from the content.

use encoding_rs::{UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, WINDOWS_1258};
use ketnap_domain::text::legacy::{self, Legacy};
use ketnap_domain::text::nfc;

use crate::error::SheetError;
use crate::read::{too_many_cells, too_many_rows};
use crate::values::Value;
use crate::{Limits, Sheet, Workbook};

/// The name of the one sheet of a CSV file.
pub const SHEET: &str = "CSV";

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How a text file was decoded (for tests and messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1258,
    /// Bytes of TCVN3 or VNI fonts, kept as their Windows-1252 characters for the cells'
    /// legacy conversion.
    Legacy(Legacy),
}

fn not_text() -> SheetError {
    SheetError::new(
        "Tệp tải lên không phải bảng tính (không phải .xlsx, .xls, .ods, cũng không phải văn bản .csv). Hãy tải lên tệp .xlsx, .xls, .ods hoặc .csv.",
    )
}

/// Whether the bytes are text (in one of the encodings read), and so a CSV file.
pub(crate) fn check_text(bytes: &[u8]) -> Result<(), SheetError> {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    if looks_binary(&decode(sample).0) {
        return Err(not_text());
    }
    Ok(())
}

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Workbook, SheetError> {
    let (text, _) = decode(bytes);
    if looks_binary(&text) {
        return Err(not_text());
    }
    let (body, hinted) = sep_hint(&text);
    let delimiter = hinted.unwrap_or_else(|| sniff_delimiter(body));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut cells = 0usize;
    // The csv reader skips blank lines, which Excel shows as empty rows: they are put back,
    // so that row numbers are the ones the user sees. A record's position is where the
    // reader started looking for it, before the blank lines it skipped.
    for record in reader.records() {
        let record = record.map_err(|e| {
            SheetError::new(format!("không đọc được dòng này của tệp CSV ({e})"))
                .in_sheet(SHEET)
                .at_row(rows.len() + 1)
        })?;
        let start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(0);
        let mut ahead = body.get(start..).unwrap_or("");
        // After a record ended by "\r", its "\n" is still ahead.
        if start > 0 && body.as_bytes().get(start - 1) == Some(&b'\r') {
            ahead = ahead.strip_prefix('\n').unwrap_or(ahead);
        }
        let blank = line_breaks(leading_breaks(ahead));
        for _ in 0..blank {
            if rows.len() >= limits.max_rows {
                break;
            }
            rows.push(Vec::new());
        }
        let number = rows.len() + 1;
        if number > limits.max_rows {
            return Err(too_many_rows(SHEET, number as u64, limits));
        }
        let mut row: Vec<Value> = record
            .iter()
            .map(|field| {
                if field.is_empty() {
                    Value::Empty
                } else {
                    Value::Text(field.to_owned())
                }
            })
            .collect();
        while row.last().is_some_and(Value::is_empty) {
            row.pop();
        }
        cells = cells.saturating_add(row.len());
        if cells > limits.max_cells {
            return Err(too_many_cells(limits));
        }
        rows.push(row);
    }
    while rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    Ok(Workbook {
        sheets: vec![Sheet {
            name: SHEET.to_owned(),
            rows,
        }],
    })
}

/// The line breaks at the start of a text.
fn leading_breaks(s: &str) -> &str {
    let rest = s.trim_start_matches(['\r', '\n']).len();
    &s[..s.len() - rest]
}

/// Counts line breaks: "\r\n", "\n" or a lone "\r".
fn line_breaks(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut n = 0;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'\n' => n += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => n += 1,
            _ => {}
        }
    }
    n
}

/// Decodes text: a byte-order mark decides (UTF-8, UTF-16 LE/BE); else UTF-16 is recognised
/// by its zero bytes, then valid UTF-8 is UTF-8, and anything else is Windows-1258 (the
/// Vietnamese Windows code page, whose tone marks combine: the text is composed to NFC) —
/// unless it reads better as the bytes of TCVN3 or VNI fonts.
pub(crate) fn decode(bytes: &[u8]) -> (String, Encoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (
            UTF_8.decode_without_bom_handling(rest).0.into_owned(),
            Encoding::Utf8,
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return (
            UTF_16LE.decode_without_bom_handling(rest).0.into_owned(),
            Encoding::Utf16Le,
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return (
            UTF_16BE.decode_without_bom_handling(rest).0.into_owned(),
            Encoding::Utf16Be,
        );
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let decoder = if encoding == Encoding::Utf16Le {
            UTF_16LE
        } else {
            UTF_16BE
        };
        return (
            decoder.decode_without_bom_handling(bytes).0.into_owned(),
            encoding,
        );
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_owned(), Encoding::Utf8);
    }
    let vietnamese = nfc(&WINDOWS_1258.decode_without_bom_handling(bytes).0);
    let western = WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned();
    // Decide on a sample: the first 256 KB of text.
    let sample = |s: &str| -> String { s.chars().take(256 * 1024).collect() };
    let as_1258 = legacy::reading(&sample(&vietnamese));
    let score = |r: legacy::Reading| r.good as i64 - 2 * r.bad as i64;
    let mut best = (score(as_1258), Encoding::Windows1258);
    let western_sample = sample(&western);
    for l in [Legacy::Tcvn3, Legacy::Vni] {
        let s = score(legacy::reading(&legacy::to_unicode(&western_sample, l)));
        if s > best.0 {
            best = (s, Encoding::Legacy(l));
        }
    }
    match best.1 {
        Encoding::Legacy(_) => (western, best.1),
        other => (vietnamese, other),
    }
}

/// UTF-16 without a byte-order mark: most characters of Vietnamese or Western text in UTF-16
/// have a zero byte, on the odd side for little-endian.
fn utf16_without_bom(bytes: &[u8]) -> Option<Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zero_even = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let zero_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if zero_odd * 10 >= pairs * 3 && zero_even * 20 < pairs {
        Some(Encoding::Utf16Le)
    } else if zero_even * 10 >= pairs * 3 && zero_odd * 20 < pairs {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Text that is really binary: NUL characters, or more than 1 in 100 control characters.
fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars().take(64 * 1024) {
        total += 1;
        if c == '\0' {
            return true;
        }
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0C}')) || c == '\u{FFFD}' {
            control += 1;
        }
    }
    control * 100 > total
}

/// Excel's "sep=;" first line names the delimiter.
fn sep_hint(text: &str) -> (&str, Option<u8>) {
    let first_end = text.find('\n').unwrap_or(text.len());
    let first = text[..first_end].trim_end_matches('\r');
    if let Some(rest) = first.strip_prefix("sep=")
        && let [d] = rest.as_bytes()
        && DELIMITERS.contains(d)
    {
        let body = text.get(first_end + 1..).unwrap_or("");
        return (body, Some(*d));
    }
    (text, None)
}

/// The delimiter among `,` `;` tab `|` that splits the first lines most consistently (the
/// same number of times on the most lines), outside quotes.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    let mut best = (0usize, 0usize, b',');
    for d in DELIMITERS {
        let counts: Vec<usize> = lines
            .iter()
            .map(|line| {
                let mut quoted = false;
                let mut n = 0;
                for b in line.bytes() {
                    if b == b'"' {
                        quoted = !quoted;
                    } else if b == d && !quoted {
                        n += 1;
                    }
                }
                n
            })
            .collect();
        // The most common non-zero count, and on how many lines it occurs.
        let mut tally: Vec<(usize, usize)> = Vec::new();
        for c in counts.iter().copied().filter(|c| *c > 0) {
            match tally.iter_mut().find(|(k, _)| *k == c) {
                Some((_, n)) => *n += 1,
                None => tally.push((c, 1)),
            }
        }
        let Some(&(mode, lines_with_mode)) =
            tally.iter().max_by_key(|(count, lines)| (*lines, *count))
        else {
            continue;
        };
        if (lines_with_mode, mode) > (best.0, best.1) {
            best = (lines_with_mode, mode, d);
        }
    }
    best.2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n4;5,5;6\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
        assert_eq!(sniff_delimiter("Danh sách\n\"Lê, Văn\";b\nx;y\n"), b';');
        assert_eq!(sniff_delimiter("one column\nonly\n"), b',');
    }

    #[test]
    fn blank_lines_keep_row_numbers() {
        for text in [
            "a\n\nb\n\n\nc\n",
            "a\r\n\r\nb\r\n\r\n\r\nc\r\n",
            "a\r\rb\r\r\rc\r",
            "\na\n\"x\ny\"\nb\n\n\nc",
        ] {
            let book = read(text.as_bytes(), &Limits::default()).unwrap();
            let rows = &book.sheets[0].rows;
            let at = |s: &str| {
                rows.iter()
                    .position(|r| r.first() == Some(&Value::Text(s.to_owned())))
                    .map(|i| i + 1)
            };
            let shift = usize::from(text.starts_with('\n'));
            assert_eq!(at("a"), Some(1 + shift), "{text:?}");
            // A quoted cell over two lines is one row.
            assert_eq!(at("b"), Some(3 + shift), "{text:?}");
            assert_eq!(at("c"), Some(6 + shift), "{text:?}");
        }
    }

    #[test]
    fn encodings() {
        assert_eq!(decode(b"\xEF\xBB\xBFa").1, Encoding::Utf8);
        assert_eq!(decode(b"\xFF\xFEa\0").1, Encoding::Utf16Le);
        assert_eq!(decode(b"\xFE\xFF\0a").1, Encoding::Utf16Be);
        assert_eq!(decode(b"a\0b\0c\0d\0").1, Encoding::Utf16Le);
        assert_eq!(decode("Lê Văn".as_bytes()).1, Encoding::Utf8);
        // "Lê Văn" in Windows-1258: ê is 0xEA, ă is 0xE3.
        let (text, enc) = decode(b"L\xEA V\xE3n");
        assert_eq!((text.as_str(), enc), ("Lê Văn", Encoding::Windows1258));
        // "Nguyễn" in Windows-1258 is e-circumflex (0xEA) and the combining tilde (0xDE).
        let (text, _) = decode(b"Nguy\xEA\xDEn");
        assert_eq!(text, "Nguyễn");
        // TCVN3 bytes of "Nguyễn Văn An".
        let (text, enc) = decode(b"Nguy\xD4n V\xA8n An");
        assert_eq!(enc, Encoding::Legacy(Legacy::Tcvn3));
        assert_eq!(text, "NguyÔn V¨n An");
    }
}
