//! Any text as a participant's name, phone, national ID, PIN and birth year: never a panic,
//! and what parses is normalised and parses to itself.
#![no_main]

use cuocthi_domain::identity::{
    fold_for_search, normalize_text, BirthYear, NationalId, PersonName, Phone, Pin,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    let normal = normalize_text(&text);
    assert_eq!(
        normalize_text(&normal),
        normal,
        "normalize_text is idempotent"
    );
    assert!(
        !normal.starts_with(char::is_whitespace)
            && !normal.ends_with(char::is_whitespace)
            && !normal
                .chars()
                .zip(normal.chars().skip(1))
                .any(|(a, b)| a.is_whitespace() && b.is_whitespace()),
        "white space left in {normal:?}"
    );
    let _ = fold_for_search(&text);

    if let Ok(name) = PersonName::parse(&text) {
        let n = name.as_str();
        assert!(
            !n.is_empty() && n.chars().count() <= PersonName::MAX_CHARS,
            "{n:?}"
        );
        assert!(!n.chars().any(char::is_control), "{n:?}");
        assert_eq!(
            PersonName::parse(n).as_ref(),
            Ok(&name),
            "a name parses to itself"
        );
        let _ = name.match_key();
    }
    if let Ok(phone) = Phone::parse(&text) {
        let p = phone.as_str();
        assert!(
            p.starts_with('0') && (p.len() == 10 || p.len() == 11),
            "{p:?}"
        );
        assert!(p.bytes().all(|b| b.is_ascii_digit()), "{p:?}");
        assert_eq!(
            Phone::parse(p).as_ref(),
            Ok(&phone),
            "a phone parses to itself"
        );
        let masked = phone.masked();
        assert!(masked.ends_with(&p[p.len() - 3..]), "{masked:?}");
    }
    if let Ok(id) = NationalId::parse(&text) {
        let d = id.as_str();
        assert!(
            d.len() == 12 && d.bytes().all(|b| b.is_ascii_digit()),
            "{d:?}"
        );
        assert_eq!(NationalId::parse(d).as_ref(), Ok(&id));
    }
    if let Ok(pin) = Pin::parse(&text) {
        let d = pin.expose();
        assert!((4..=8).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()));
    }
    // The first eight bytes as a birth year and the current year.
    let mut raw = [0u8; 8];
    for (slot, byte) in raw.iter_mut().zip(data) {
        *slot = *byte;
    }
    let year = i64::from_le_bytes(raw);
    let current = i32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
    if let Ok(birth) = BirthYear::parse(year, current) {
        assert!((1900..=current).contains(&birth.value()));
        assert_eq!(i64::from(birth.value()), year);
    }
    // Also the text as a number, as a form would send it.
    if let Ok(n) = text.trim().parse::<i64>() {
        if let Ok(birth) = BirthYear::parse(n, 2026) {
            assert!((1900..=2026).contains(&birth.value()));
        }
    }
});
