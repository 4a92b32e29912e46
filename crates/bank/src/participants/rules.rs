//! The pure half of participant management: what a search box's text means (and which
//! searches a unit manager may make), how a phone is masked in every list, and which
//! eligibility changes are acceptable.

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

/// Leading characters a mask keeps.
pub const MASK_KEEP_FIRST: usize = 2;
/// Trailing characters a mask keeps.
pub const MASK_KEEP_LAST: usize = 3;
/// Shortest value a mask keeps any character of: shorter ones are all `x`, so that at least
/// three characters are always hidden.
pub const MASK_MIN_LEN: usize = MASK_KEEP_FIRST + MASK_KEEP_LAST + 3;

/// A phone (or any identity number) as staff lists show it (spec/contest-rules.md: "where
/// shown to staff in lists, mask them, e.g. `09xx xxx 123`"): the first two and the last
/// three characters kept, every other one replaced by `x`, the last six written as two groups
/// of three after the rest: `0912345678` → `09xx xxx 678`, `001099012345` → `00xxxx xxx 345`.
/// A value shorter than [`MASK_MIN_LEN`] characters is all `x`, ungrouped; an empty one stays
/// empty. Whole numbers are seen only in a participant's detail, which is audited.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let count = chars.len();
    if count < MASK_MIN_LEN {
        return "x".repeat(count);
    }
    let mut out = String::with_capacity(count + 2);
    for (i, c) in chars.into_iter().enumerate() {
        if i == count - 6 || i == count - 3 {
            out.push(' ');
        }
        let kept = i < MASK_KEEP_FIRST || i >= count - MASK_KEEP_LAST;
        out.push(if kept { c } else { 'x' });
    }
    out
}

/// Who is searching: what a search box may ask for depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Searcher {
    /// An admin or organizer: names, whole phones, national IDs and parts of phones.
    Organizer,
    /// A unit manager: names only. Phones are masked for them, and a search by some digits
    /// (or a whole phone, or a national ID) would give the masked digits back one guess at a
    /// time, so text with any digit in it is refused (`q`: `name_only`).
    UnitManager,
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
    /// Checks the raw query for `searcher`; the problems by field otherwise (`page`/`per_page`:
    /// `out_of_range`, `eligible`: `invalid`, `q`: `too_long`, or `name_only` when a unit
    /// manager's text has a digit in it).
    pub fn parse(
        searcher: Searcher,
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
        } else if searcher == Searcher::UnitManager && q.chars().any(char::is_numeric) {
            problems.insert("q".into(), "name_only".into());
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
    fn masked_phones_keep_the_first_two_and_the_last_three_digits() {
        assert_eq!(mask_phone("0912345678"), "09xx xxx 678");
        assert_eq!(mask_phone("0987000123"), "09xx xxx 123");
        assert_eq!(mask_phone("02412345678"), "02xxx xxx 678");
        assert_eq!(mask_phone("001099012345"), "00xxxx xxx 345");
        assert_eq!(mask_phone("12345678"), "12 xxx 678");
        assert_eq!(mask_phone("1234567"), "xxxxxxx");
        assert_eq!(mask_phone("123"), "xxx");
        assert_eq!(mask_phone(""), "");
    }

    proptest! {
        #[test]
        fn a_masked_number_shows_at_most_its_first_two_and_last_three_digits(phone in "[0-9]{0,14}") {
            let masked = mask_phone(&phone);
            let bare: String = masked.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(bare.len(), phone.len());
            let n = phone.len();
            for (i, (m, p)) in bare.chars().zip(phone.chars()).enumerate() {
                if n >= MASK_MIN_LEN && (i < 2 || i >= n - 3) {
                    prop_assert_eq!(m, p);
                } else {
                    prop_assert_eq!(m, 'x');
                }
            }
            prop_assert!(bare.chars().filter(|c| *c != 'x').count() <= 5);
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
        let ok = ListRequest::parse(
            Searcher::Organizer,
            Some("an"),
            Some("false"),
            Some(3),
            Some(20),
        )
        .unwrap();
        assert_eq!(ok.offset(), 40);
        assert_eq!(ok.eligible, Some(false));
        let default = ListRequest::parse(Searcher::Organizer, None, Some(""), None, None).unwrap();
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
            let problems =
                ListRequest::parse(Searcher::Organizer, None, None, page, per_page).unwrap_err();
            assert_eq!(
                problems.get(field).map(String::as_str),
                Some("out_of_range")
            );
        }
        assert!(ListRequest::parse(Searcher::Organizer, None, None, None, Some(200)).is_ok());
        assert!(ListRequest::parse(Searcher::Organizer, None, None, None, Some(1)).is_ok());
        let bad = ListRequest::parse(
            Searcher::Organizer,
            Some(&"a".repeat(201)),
            Some("maybe"),
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(bad.get("q").map(String::as_str), Some("too_long"));
        assert_eq!(bad.get("eligible").map(String::as_str), Some("invalid"));
    }

    #[test]
    fn a_unit_manager_searches_names_only() {
        let manager =
            |q: &str| ListRequest::parse(Searcher::UnitManager, Some(q), None, None, None);
        for q in [
            "0987000001",
            "001099012345",
            "5678",
            "+84 912",
            "An 2",
            "an ２",
        ] {
            let problems = manager(q).unwrap_err();
            assert_eq!(
                problems.get("q").map(String::as_str),
                Some("name_only"),
                "{q}"
            );
        }
        assert_eq!(
            manager("nguyen van an").unwrap().search,
            Search::Name("nguyen van an".into())
        );
        assert_eq!(manager("").unwrap().search, Search::Everyone);
        // Too long is said first, once.
        let long = manager(&"1".repeat(201)).unwrap_err();
        assert_eq!(long.get("q").map(String::as_str), Some("too_long"));
        // Organizers keep every search.
        for (q, search) in [
            ("5678", Search::PhoneDigits("5678".into())),
            ("0987000001", Search::Phone("0987000001".into())),
            ("001099012345", Search::NationalId("001099012345".into())),
        ] {
            let request =
                ListRequest::parse(Searcher::Organizer, Some(q), None, None, None).unwrap();
            assert_eq!(request.search, search);
        }
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
