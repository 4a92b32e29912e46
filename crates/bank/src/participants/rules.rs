//! The pure half of participant management: what a search box's text means, how a phone is
//! masked for a unit manager, and which eligibility changes are acceptable.

use cuocthi_domain::identity::{fold_for_search, normalize_text, NationalId, Phone};

use crate::contests::input::FieldProblems;

/// Most characters of a search text.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most characters of an ineligibility reason.
pub const MAX_REASON_CHARS: usize = 500;
/// Most participants per page.
pub const MAX_PER_PAGE: i64 = 200;
/// Participants per page when not asked.
pub const DEFAULT_PER_PAGE: i64 = 50;

/// What a search text asks for. Every variant but `Name` and `PhoneDigits` is an exact match
/// on an indexed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// No search: everyone (within the other filters).
    Everyone,
    /// A whole phone number, in the national form (`0xxxxxxxxx`).
    Phone(String),
    /// A national ID (12 digits).
    NationalId(String),
    /// Part of a phone number: these digits somewhere in it.
    PhoneDigits(String),
    /// Part of a name, folded (`fold_for_search`): found in the folded name.
    Name(String),
}

impl Search {
    /// Reads a search box. Text made of digits (with the `+ . - ( )` and spaces people type in
    /// phone numbers) is a phone number or national ID: a whole valid phone matches that
    /// phone exactly, 12 digits a national ID exactly, other digits any phone containing them.
    /// Anything else is a name, folded, so "nguyen van an" finds "Nguyễn Văn An".
    pub fn parse(raw: &str) -> Self {
        let text = raw.trim();
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '.' | '-' | '(' | ')' | ' '));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if phone_like && !digits.is_empty() {
            if let Ok(id) = NationalId::parse(&digits) {
                return Search::NationalId(id.as_str().to_owned());
            }
            if let Ok(phone) = Phone::parse(text) {
                return Search::Phone(phone.as_str().to_owned());
            }
            return Search::PhoneDigits(digits);
        }
        let folded = fold_for_search(text);
        if folded.is_empty() {
            Search::Everyone
        } else {
            Search::Name(folded)
        }
    }

    /// The `LIKE` pattern of a partial search (`%text%`, wildcards in the text escaped with
    /// `\`); `None` for the exact ones.
    pub fn like_pattern(&self) -> Option<String> {
        match self {
            Search::PhoneDigits(text) | Search::Name(text) => {
                Some(format!("%{}%", escape_like(text)))
            }
            _ => None,
        }
    }
}

/// `text` with `\`, `%` and `_` escaped by `\`, for a `LIKE ... ESCAPE '\'` pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A phone as a unit manager sees it: every digit but the last three replaced by `*`
/// (`0912345678` → `*******678`). A value of three characters or fewer is all stars.
pub fn mask_phone(phone: &str) -> String {
    let count = phone.chars().count();
    let keep = if count > 3 { 3 } else { 0 };
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| if i + keep < count { '*' } else { c })
        .collect()
}

/// A page request checked: page from 1, 1–[`MAX_PER_PAGE`] per page, `eligible` empty,
/// `true` or `false`, and the search text at most [`MAX_QUERY_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    /// Page number, from 1.
    pub page: i64,
    /// Participants per page.
    pub per_page: i64,
    /// Only eligible (`true`) or ineligible (`false`) participants; everyone when `None`.
    pub eligible: Option<bool>,
    /// The search.
    pub search: Search,
}

impl ListRequest {
    /// Checks the raw query; the problems by field otherwise (`page`/`per_page`:
    /// `out_of_range`, `eligible`: `invalid`, `q`: `too_long`).
    pub fn parse(
        q: Option<&str>,
        eligible: Option<&str>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        let page = page.unwrap_or(1);
        if !(1..=1_000_000).contains(&page) {
            problems.insert("page".into(), "out_of_range".into());
        }
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            problems.insert("per_page".into(), "out_of_range".into());
        }
        let eligible = match eligible.map(str::trim).unwrap_or_default() {
            "" => None,
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                problems.insert("eligible".into(), "invalid".into());
                None
            }
        };
        let q = q.unwrap_or_default();
        if q.chars().count() > MAX_QUERY_CHARS {
            problems.insert("q".into(), "too_long".into());
        }
        if problems.is_empty() {
            Ok(Self {
                page,
                per_page,
                eligible,
                search: Search::parse(q),
            })
        } else {
            Err(problems)
        }
    }

    /// Rows skipped before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// An eligibility change checked: eligible with no reason, or ineligible with a reason of
/// 1–[`MAX_REASON_CHARS`] characters (normalised like every free text: NFC, trimmed, inner
/// white space collapsed; no control characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    /// Eligible for prizes.
    pub eligible: bool,
    /// Why not; `None` exactly when eligible.
    pub reason: Option<String>,
}

impl Eligibility {
    /// Checks a change; the problems by field otherwise (`eligible`: `required`;
    /// `ineligible_reason`: `required`, `too_long`, `invalid`). A reason sent with
    /// `eligible: true` is dropped: restoring clears it.
    pub fn parse(eligible: Option<bool>, reason: Option<&str>) -> Result<Self, FieldProblems> {
        let mut problems = FieldProblems::new();
        match eligible {
            None => {
                problems.insert("eligible".into(), "required".into());
                Err(problems)
            }
            Some(true) => Ok(Self {
                eligible: true,
                reason: None,
            }),
            Some(false) => {
                let reason = normalize_text(reason.unwrap_or_default());
                if reason.is_empty() {
                    problems.insert("ineligible_reason".into(), "required".into());
                } else if reason.chars().count() > MAX_REASON_CHARS {
                    problems.insert("ineligible_reason".into(), "too_long".into());
                } else if reason.chars().any(char::is_control) {
                    problems.insert("ineligible_reason".into(), "invalid".into());
                }
                if problems.is_empty() {
                    Ok(Self {
                        eligible: false,
                        reason: Some(reason),
                    })
                } else {
                    Err(problems)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_folded_and_numbers_are_phones_or_national_ids() {
        assert_eq!(
            Search::parse("  Nguyễn  Văn An "),
            Search::Name("nguyen van an".into())
        );
        assert_eq!(Search::parse("ĐỖ"), Search::Name("do".into()));
        assert_eq!(
            Search::parse("0912 345 678"),
            Search::Phone("0912345678".into())
        );
        assert_eq!(
            Search::parse("+84 912.345.678"),
            Search::Phone("0912345678".into())
        );
        assert_eq!(
            Search::parse("001099012345"),
            Search::NationalId("001099012345".into())
        );
        assert_eq!(Search::parse("5678"), Search::PhoneDigits("5678".into()));
        assert_eq!(
            Search::parse("0112345678"),
            Search::PhoneDigits("0112345678".into())
        );
        assert_eq!(Search::parse(""), Search::Everyone);
        assert_eq!(Search::parse(" \t "), Search::Everyone);
        assert_eq!(Search::parse(" - "), Search::Name("-".into()));
        assert_eq!(Search::parse("An 2"), Search::Name("an 2".into()));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(
            Search::parse("50%_a\\b").like_pattern().as_deref(),
            Some("%50\\%\\_a\\\\b%")
        );
        assert_eq!(Search::parse("0912345678").like_pattern(), None);
        assert_eq!(
            Search::parse("345").like_pattern().as_deref(),
            Some("%345%")
        );
    }

    #[test]
    fn masked_phones_show_only_the_last_three_digits() {
        assert_eq!(mask_phone("0912345678"), "*******678");
        assert_eq!(mask_phone("02412345678"), "********678");
        assert_eq!(mask_phone("123"), "***");
        assert_eq!(mask_phone(""), "");
    }

    proptest! {
        #[test]
        fn a_masked_phone_keeps_its_length_and_hides_all_but_three(phone in "[0-9]{4,12}") {
            let masked = mask_phone(&phone);
            prop_assert_eq!(masked.len(), phone.len());
            prop_assert_eq!(&masked[phone.len() - 3..], &phone[phone.len() - 3..]);
            prop_assert!(masked[..phone.len() - 3].chars().all(|c| c == '*'));
        }

        #[test]
        fn any_text_folds_to_a_search_that_never_panics(text in "\\PC{0,60}") {
            let search = Search::parse(&text);
            if let Some(pattern) = search.like_pattern() {
                prop_assert!(pattern.starts_with('%') && pattern.ends_with('%'));
            }
        }
    }

    #[test]
    fn pages_are_checked() {
        let ok = ListRequest::parse(Some("an"), Some("false"), Some(3), Some(20)).unwrap();
        assert_eq!(ok.offset(), 40);
        assert_eq!(ok.eligible, Some(false));
        let default = ListRequest::parse(None, Some(""), None, None).unwrap();
        assert_eq!(
            (default.page, default.per_page, default.eligible),
            (1, DEFAULT_PER_PAGE, None)
        );
        assert_eq!(default.search, Search::Everyone);
        for (page, per_page, field) in [
            (Some(0), None, "page"),
            (Some(-1), None, "page"),
            (None, Some(0), "per_page"),
            (None, Some(201), "per_page"),
        ] {
            let problems = ListRequest::parse(None, None, page, per_page).unwrap_err();
            assert_eq!(
                problems.get(field).map(String::as_str),
                Some("out_of_range")
            );
        }
        assert!(ListRequest::parse(None, None, None, Some(200)).is_ok());
        assert!(ListRequest::parse(None, None, None, Some(1)).is_ok());
        let bad =
            ListRequest::parse(Some(&"a".repeat(201)), Some("maybe"), None, None).unwrap_err();
        assert_eq!(bad.get("q").map(String::as_str), Some("too_long"));
        assert_eq!(bad.get("eligible").map(String::as_str), Some("invalid"));
    }

    #[test]
    fn ineligibility_needs_a_reason_and_restoring_clears_it() {
        assert_eq!(
            Eligibility::parse(Some(false), Some("  cán bộ   Ban Tổ chức ")).unwrap(),
            Eligibility {
                eligible: false,
                reason: Some("cán bộ Ban Tổ chức".into())
            }
        );
        assert_eq!(
            Eligibility::parse(Some(true), Some("anything")).unwrap(),
            Eligibility {
                eligible: true,
                reason: None
            }
        );
        let code = |eligible, reason: Option<&str>, field: &str| {
            Eligibility::parse(eligible, reason)
                .unwrap_err()
                .get(field)
                .cloned()
        };
        assert_eq!(
            code(None, Some("x"), "eligible").as_deref(),
            Some("required")
        );
        assert_eq!(
            code(Some(false), None, "ineligible_reason").as_deref(),
            Some("required")
        );
        assert_eq!(
            code(Some(false), Some(" \n "), "ineligible_reason").as_deref(),
            Some("required")
        );
        assert_eq!(
            code(Some(false), Some(&"x".repeat(501)), "ineligible_reason").as_deref(),
            Some("too_long")
        );
        assert!(Eligibility::parse(Some(false), Some(&"ắ".repeat(500))).is_ok());
        assert_eq!(
            code(Some(false), Some("a\u{0}b"), "ineligible_reason").as_deref(),
            Some("invalid")
        );
    }
}
