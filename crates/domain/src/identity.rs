//! Identity values of a participant, parsed once at the edge ("parse, don't validate").
//!
//! Each newtype has a private field and a `parse` constructor; holding one proves the value is
//! normalised as spec/contest-rules.md ("Participants and identity") requires.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A field-level validation failure: the stable code sent to clients in `fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The value is missing or empty.
    #[error("required")]
    Required,
    /// The value is longer than allowed.
    #[error("too_long")]
    TooLong,
    /// The value is not a possible phone number.
    #[error("invalid_phone")]
    InvalidPhone,
    /// The value is not a 12-digit national ID (CCCD).
    #[error("invalid_national_id")]
    InvalidNationalId,
    /// The birth year is outside the possible range.
    #[error("invalid_birth_year")]
    InvalidBirthYear,
    /// The PIN is not 4 to 8 digits.
    #[error("invalid_pin")]
    InvalidPin,
    /// The value is not acceptable for another reason.
    #[error("invalid")]
    Invalid,
}

impl FieldError {
    /// The stable snake_case code of this error, as sent in `fields`.
    pub fn code(self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::TooLong => "too_long",
            FieldError::InvalidPhone => "invalid_phone",
            FieldError::InvalidNationalId => "invalid_national_id",
            FieldError::InvalidBirthYear => "invalid_birth_year",
            FieldError::InvalidPin => "invalid_pin",
            FieldError::Invalid => "invalid",
        }
    }
}

/// Normalises free text: Unicode NFC, trimmed, inner runs of white space collapsed to one
/// space. Guarantees the result has no leading, trailing or doubled white space.
pub fn normalize_text(raw: &str) -> String {
    let nfc: String = raw.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds text for searching and heading matching: NFC-independent, diacritics removed (with
/// `đ` → `d`), lowercase, white space collapsed. "Phường  Bắc Hồng" and "phuong bac hong" fold
/// to the same string.
pub fn fold_for_search(raw: &str) -> String {
    let stripped: String = raw
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .collect();
    stripped
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person's full name: NFC, trimmed, inner spaces collapsed, 1–100 characters, no control
/// characters, at least one letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses and normalises a name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = normalize_text(raw);
        if name.is_empty() {
            return Err(FieldError::Required);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::TooLong);
        }
        if name.chars().any(char::is_control) || !name.chars().any(char::is_alphabetic) {
            return Err(FieldError::Invalid);
        }
        Ok(Self(name))
    }

    /// The normalised name as stored and displayed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key two registrations are compared by: the normalised name in lowercase, so that
    /// "Nguyễn Văn An" typed precomposed or decomposed, in any case, is the same person.
    pub fn match_key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A Vietnamese phone number in the national form: `0xxxxxxxxx` (10 digits, mobile: `03`, `05`,
/// `07`, `08`, `09`) or `02xxxxxxxxx` (11 digits, fixed line with its area code).
///
/// Accepts `+84`, `84` and `0` prefixes with spaces, dots, dashes and parentheses between
/// digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number into the national form.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::Required);
        }
        if trimmed.chars().count() > 32 {
            return Err(FieldError::InvalidPhone);
        }
        let mut has_plus = false;
        let mut digits = String::with_capacity(12);
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !has_plus => has_plus = true,
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return Err(FieldError::InvalidPhone),
            }
        }
        let national = if has_plus {
            match digits.strip_prefix("84") {
                Some(local) => format!("0{local}"),
                None => return Err(FieldError::InvalidPhone),
            }
        } else if digits.starts_with("84") && (digits.len() == 11 || digits.len() == 12) {
            format!("0{}", &digits[2..])
        } else {
            digits
        };
        let bytes = national.as_bytes();
        let mobile = bytes.len() == 10
            && bytes[0] == b'0'
            && matches!(bytes[1], b'3' | b'5' | b'7' | b'8' | b'9');
        let fixed_line = bytes.len() == 11 && bytes[0] == b'0' && bytes[1] == b'2';
        let valid = mobile || fixed_line;
        if valid {
            Ok(Self(national))
        } else {
            Err(FieldError::InvalidPhone)
        }
    }

    /// The national form, starting with `0`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The masked form shown to staff in lists: `09xx xxx 123`.
    pub fn masked(&self) -> String {
        let tail = &self.0[self.0.len() - 3..];
        format!("{}xx xxx {tail}", &self.0[..2])
    }
}

/// A national ID (CCCD): exactly 12 digits, spaces ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NationalId(String);

impl NationalId {
    /// Parses a CCCD number.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(FieldError::Required);
        }
        if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(FieldError::InvalidNationalId)
        }
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A birth year between 1900 and the current year (the caller passes the year, keeping this
/// pure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthYear(i32);

impl BirthYear {
    /// Parses a birth year; valid from 1900 up to `current_year`.
    pub fn parse(raw: i64, current_year: i32) -> Result<Self, FieldError> {
        if raw >= 1900 && raw <= i64::from(current_year) {
            // The range check above guarantees the value fits.
            Ok(Self(raw as i32))
        } else {
            Err(FieldError::InvalidBirthYear)
        }
    }

    /// The year.
    pub fn value(self) -> i32 {
        self.0
    }
}

/// A participant's PIN: 4 to 8 ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(****)")
    }
}

impl Pin {
    /// Parses a PIN.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let pin = raw.trim();
        if pin.is_empty() {
            return Err(FieldError::Required);
        }
        if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(pin.to_owned()))
        } else {
            Err(FieldError::InvalidPin)
        }
    }

    /// The digits; only for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_typed_precomposed_or_decomposed_are_the_same_person() {
        let precomposed = PersonName::parse("Nguyễn Văn An").unwrap();
        let decomposed = PersonName::parse("  Nguye\u{0302}\u{0303}n   Va\u{0306}n An ").unwrap();
        assert_eq!(precomposed, decomposed);
        assert_eq!(precomposed.as_str(), "Nguyễn Văn An");
        assert_eq!(
            PersonName::parse("NGUYỄN VĂN AN").unwrap().match_key(),
            precomposed.match_key()
        );
    }

    #[test]
    fn empty_long_or_symbol_only_names_are_refused() {
        assert_eq!(PersonName::parse("   "), Err(FieldError::Required));
        assert_eq!(
            PersonName::parse(&"a".repeat(101)),
            Err(FieldError::TooLong)
        );
        assert_eq!(PersonName::parse("123 !!"), Err(FieldError::Invalid));
        assert_eq!(PersonName::parse("An\u{0007}"), Err(FieldError::Invalid));
    }

    #[test]
    fn phone_forms_normalise_to_the_national_form() {
        for raw in [
            "0912345678",
            "+84912345678",
            "84912345678",
            "+84 91 234 5678",
            "091.234.5678",
            "091-234-5678",
            "(+84) 912 345 678",
        ] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "0912345678", "{raw}");
        }
        assert_eq!(
            Phone::parse("024 3826 1234").unwrap().as_str(),
            "02438261234"
        );
        assert_eq!(
            Phone::parse("+84 24 3826 1234").unwrap().as_str(),
            "02438261234"
        );
    }

    #[test]
    fn impossible_phones_are_refused() {
        for raw in [
            "",
            "12345",
            "0112345678",
            "09123456789",
            "+1 912 345 678",
            "09a2345678",
            "+0912345678",
        ] {
            assert!(Phone::parse(raw).is_err(), "{raw}");
        }
        assert_eq!(Phone::parse(""), Err(FieldError::Required));
    }

    #[test]
    fn phones_are_masked_for_staff_lists() {
        assert_eq!(Phone::parse("0912345678").unwrap().masked(), "09xx xxx 678");
    }

    #[test]
    fn national_ids_are_twelve_digits() {
        assert_eq!(
            NationalId::parse("001 203 004 005").unwrap().as_str(),
            "001203004005"
        );
        assert_eq!(
            NationalId::parse("12345678901"),
            Err(FieldError::InvalidNationalId)
        );
        assert_eq!(
            NationalId::parse("12345678901a"),
            Err(FieldError::InvalidNationalId)
        );
    }

    #[test]
    fn birth_years_are_bounded() {
        assert!(BirthYear::parse(1990, 2026).is_ok());
        assert_eq!(
            BirthYear::parse(1899, 2026),
            Err(FieldError::InvalidBirthYear)
        );
        assert_eq!(
            BirthYear::parse(2027, 2026),
            Err(FieldError::InvalidBirthYear)
        );
    }

    #[test]
    fn pins_are_four_to_eight_digits() {
        assert!(Pin::parse("1234").is_ok());
        assert!(Pin::parse("12345678").is_ok());
        assert_eq!(Pin::parse("123"), Err(FieldError::InvalidPin));
        assert_eq!(Pin::parse("12a4"), Err(FieldError::InvalidPin));
        assert_eq!(format!("{:?}", Pin::parse("1234").unwrap()), "Pin(****)");
    }

    #[test]
    fn folding_finds_units_without_diacritics() {
        assert_eq!(fold_for_search("Phường  Bắc Hồng"), "phuong bac hong");
        assert_eq!(fold_for_search("Đảng ủy"), "dang uy");
        assert_eq!(fold_for_search("Phu\u{031b}\u{0300}o\u{031b}ng"), "phuong");
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(raw in "\\PC{0,40}") {
            let once = normalize_text(&raw);
            prop_assert_eq!(normalize_text(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn parsed_phones_parse_to_themselves(raw in "(\\+84|84|0)[35789][0-9]{8}") {
            let phone = Phone::parse(&raw).unwrap();
            prop_assert_eq!(Phone::parse(phone.as_str()).unwrap(), phone.clone());
            prop_assert_eq!(phone.as_str().len(), 10);
        }

        #[test]
        fn phone_parsing_never_panics(raw in "\\PC{0,40}") {
            let _ = Phone::parse(&raw);
            let _ = NationalId::parse(&raw);
            let _ = PersonName::parse(&raw);
            let _ = Pin::parse(&raw);
        }
    }
}
