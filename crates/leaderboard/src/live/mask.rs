//! Masking a full name for the public live leaderboard: the family name stays, the other words
//! become initials, so that a participant recognizes themselves without the page publishing
//! anyone's full name.

/// `"Nguyễn Văn An"` → `"Nguyễn V. A."`: the first word (the family name, in Vietnamese order)
/// as written, then the first letter of every other word, upper-cased, with a full stop. A
/// single word gives its first letter and a full stop (`"An"` → `"A."`); white space is
/// collapsed and an empty name stays empty. Text is NFC-normalized first, so a decomposed
/// `"Ánh"` keeps its accent on the initial.
pub fn mask_name(full_name: &str) -> String {
    let normalized = cuocthi_domain::identity::normalize_text(full_name);
    let mut words = normalized.split(' ').filter(|w| !w.is_empty());
    let Some(first) = words.next() else {
        return String::new();
    };
    let rest: Vec<&str> = words.collect();
    if rest.is_empty() {
        return initial(first);
    }
    let mut masked = first.to_owned();
    for word in rest {
        masked.push(' ');
        masked.push_str(&initial(word));
    }
    masked
}

/// The word's first letter, upper-cased, and a full stop.
fn initial(word: &str) -> String {
    let mut out: String = word.chars().take(1).flat_map(char::to_uppercase).collect();
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn the_family_name_stays_and_the_rest_become_initials() {
        assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V. A.");
        assert_eq!(mask_name("Trần Thị Ánh Dương"), "Trần T. Á. D.");
        assert_eq!(mask_name("Lê Đức"), "Lê Đ.");
    }

    #[test]
    fn initials_keep_vietnamese_letters_and_are_upper_case() {
        assert_eq!(mask_name("hoàng đình ước"), "hoàng Đ. Ư.");
        assert_eq!(mask_name("Phạm ỷ"), "Phạm Ỷ.");
    }

    #[test]
    fn decomposed_text_masks_like_composed_text() {
        // "Ánh" written as A + combining acute accent.
        assert_eq!(mask_name("Võ A\u{301}nh"), "Võ Á.");
    }

    #[test]
    fn extra_white_space_is_ignored() {
        assert_eq!(mask_name("  Nguyễn   Văn\tAn  "), "Nguyễn V. A.");
    }

    #[test]
    fn a_single_word_gives_its_initial() {
        assert_eq!(mask_name("An"), "A.");
        assert_eq!(mask_name("  ước "), "Ư.");
    }

    #[test]
    fn an_empty_name_stays_empty() {
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("   "), "");
    }
}
