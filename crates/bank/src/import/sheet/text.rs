//! Text helpers: decoding CSV bytes, telling text from binary junk, numbers as people write
//! them, and the pieces of Vietnamese messages.

use encoding_rs::{Encoding, WINDOWS_1258};

use super::super::FileError;

/// Decodes CSV bytes: a BOM (UTF-8, UTF-16LE/BE) decides; else valid UTF-8 is UTF-8; else
/// UTF-8 damaged in places (at least as many well-formed non-ASCII characters as invalid
/// sequences) is UTF-8 with each invalid sequence as U+FFFD, which the rows holding it report
/// as `invalid_text`; else Windows-1258 (which decodes any byte). Tone marks that
/// Windows-1258 writes as combining characters are composed later, per cell, by
/// `normalize_text` (NFC). Binary junk (a NUL, or more than 1 % control characters) is
/// [`FileError::Unreadable`].
pub(crate) fn decode(bytes: &[u8]) -> Result<String, FileError> {
    let text = decode_lossy(bytes);
    if looks_binary(&text) {
        return Err(binary_junk());
    }
    Ok(text)
}

/// Decodes like [`decode`] without the junk check; a UTF-8 sequence cut at the very end (a
/// prefix of a longer file) does not make the text Windows-1258.
pub(crate) fn decode_lossy(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or_default();
        let (text, _) = encoding.decode_without_bom_handling(rest);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(e) if e.error_len().is_none() => {
            // Only an incomplete sequence at the end: UTF-8 cut short.
            String::from_utf8_lossy(bytes).into_owned()
        }
        Err(_) if damaged_utf8(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Err(_) => {
            let (text, _) = WINDOWS_1258.decode_without_bom_handling(bytes);
            text.into_owned()
        }
    }
}

/// Whether bytes that are not valid UTF-8 are still UTF-8 with a few damaged places (a stray
/// byte, a bad copy) rather than Windows-1258: at least one well-formed non-ASCII character,
/// and at least as many of them as invalid sequences. Windows-1258 text almost never forms a
/// valid multi-byte sequence (a lead byte is a letter, a continuation byte punctuation), so
/// its invalid sequences far outnumber its accidental valid ones.
fn damaged_utf8(bytes: &[u8]) -> bool {
    let mut valid: usize = 0;
    let mut invalid: usize = 0;
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid > 0 && valid >= invalid
}

/// Whether decoded text is really binary: any NUL, or control characters (other than tab,
/// line feed, carriage return, form feed and the DOS end-of-file mark) making up over 1 %.
pub(crate) fn looks_binary(text: &str) -> bool {
    let mut total: usize = 0;
    let mut control: usize = 0;
    for c in text.chars() {
        total += 1;
        if c == '\0' {
            return true;
        }
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1a') {
            control += 1;
        }
    }
    control > 0 && control.saturating_mul(100) > total
}

pub(crate) fn binary_junk() -> FileError {
    FileError::Unreadable(
        "Tệp không phải văn bản (có ký tự nhị phân): không đọc được như tệp CSV. Hãy lưu bảng \
         tính dưới dạng .xlsx hoặc CSV UTF-8."
            .to_owned(),
    )
}

/// A float as Excel shows it in a General cell: whole numbers without a decimal part
/// (`2013`, not `2013.0`), others to 15 significant digits (`0.3`, not
/// `0.30000000000000004`).
pub(crate) fn format_float(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        // Exact: the value is a whole number well inside i64.
        return format!("{}", value as i64);
    }
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        return format!("{}", rounded as i64);
    }
    format!("{rounded}")
}

/// Reads a whole number as people type it: `12`, `12.0`, `12,00`, `1.000` / `1,000` /
/// `1 000` (thousands grouped by threes, as Vietnamese writes them). Anything else, or a value
/// over `u64`, is `None`.
pub(crate) fn parse_whole(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    // Thousands groups: 1-3 digits, then groups of exactly three after one kind of separator.
    for sep in ['.', ',', ' ', '\u{a0}'] {
        let mut parts = t.split(sep);
        let head = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        if !rest.is_empty()
            && (1..=3).contains(&head.len())
            && head.bytes().all(|b| b.is_ascii_digit())
            && rest
                .iter()
                .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        {
            let joined: String = std::iter::once(head).chain(rest).collect();
            return joined.parse().ok();
        }
    }
    // A decimal with only zeros after the point.
    for sep in ['.', ','] {
        if let Some((whole, frac)) = t.split_once(sep) {
            if !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b == b'0')
            {
                return whole.parse().ok();
            }
        }
    }
    None
}

/// A count with Vietnamese thousands separators: `10.000`.
pub(crate) fn format_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    let len = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A value quoted in a message, cut to 60 characters.
pub(crate) fn quote(value: &str) -> String {
    const MAX: usize = 60;
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() {
        format!("\"{head}…\"")
    } else {
        format!("\"{head}\"")
    }
}

/// `Dòng {row}, cột "{field}": {body}`.
pub(crate) fn row_message(row: u32, field: &str, body: &str) -> String {
    format!("Dòng {row}, cột \"{field}\": {body}")
}

/// Spreadsheet column letters of a 0-based index: 0 → `A`, 26 → `AA`.
pub(crate) fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Megabytes with one decimal, Vietnamese style: `20 MB`, `25,3 MB`.
pub(crate) fn format_mb(bytes: usize) -> String {
    let tenths = (bytes as u128 * 10 + 512 * 1024) / (1024 * 1024);
    let (whole, frac) = (tenths / 10, tenths % 10);
    if frac == 0 {
        format!("{whole} MB")
    } else {
        format!("{whole},{frac} MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_naturally() {
        assert_eq!(format_float(2013.0), "2013");
        assert_eq!(format_float(1.0), "1");
        assert_eq!(format_float(-0.0), "0");
        assert_eq!(format_float(0.1 + 0.2), "0.3");
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_float(-12.25), "-12.25");
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_whole("12"), Some(12));
        assert_eq!(parse_whole(" 12 "), Some(12));
        assert_eq!(parse_whole("12.0"), Some(12));
        assert_eq!(parse_whole("12,00"), Some(12));
        assert_eq!(parse_whole("1.000"), Some(1000));
        assert_eq!(parse_whole("1 000 000"), Some(1_000_000));
        assert_eq!(parse_whole("1.5"), None);
        assert_eq!(parse_whole("-1"), None);
        assert_eq!(parse_whole("abc"), None);
        assert_eq!(parse_whole("1.00.0"), None);
        assert_eq!(parse_whole("99999999999999999999999"), None);
    }

    #[test]
    fn damaged_utf8_stays_utf8_and_windows_1258_stays_windows_1258() {
        // A UTF-8 file with one stray byte: UTF-8, the byte as U+FFFD.
        let mut bytes = "Sông Hồng chảy qua đâu".as_bytes().to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice("?,Hà Nội".as_bytes());
        assert_eq!(
            decode_lossy(&bytes),
            "Sông Hồng chảy qua đâu\u{fffd}?,Hà Nội"
        );
        // Windows-1258 ("Câu hỏi" with the hook as a combining mark): every high byte is an
        // invalid sequence.
        assert_eq!(decode_lossy(b"C\xE2u ho\xD2i"), "Câu ho\u{309}i");
        // No well-formed non-ASCII character at all: Windows-1258.
        assert_eq!(decode_lossy(b"H\xE9\xE9?"), "Héé?");
    }

    #[test]
    fn counts_and_letters() {
        assert_eq!(format_count(10_000), "10.000");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000_000), "1.000.000");
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(format_mb(20 * 1024 * 1024), "20 MB");
    }
}
