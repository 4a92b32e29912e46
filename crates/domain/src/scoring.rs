//! Choices and scoring.
//!
//! A choice is stored as a bit mask over the question's *original* options (bit `i` set =
//! original option `i` chosen). Keys are masks of the same kind. Storing masks over original
//! options makes scoring and regrading a comparison of two integers, independent of the order
//! each participant saw the options in.

/// The letters options are shown with, in order.
pub const OPTION_KEYS: [&str; 6] = ["A", "B", "C", "D", "E", "F"];

/// Why a submitted choice is not acceptable for the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// A key is not one of the option letters shown, or repeats.
    #[error("unknown or repeated option key")]
    UnknownKey,
    /// More than one key for a single-choice question.
    #[error("a single-choice question takes one key")]
    TooManyKeys,
}

/// Turns the keys a participant chose (letters as shown) into a mask over original options.
///
/// `option_order[shown_index] = original_index`. An empty list is a valid choice (it clears).
pub fn choice_mask(
    keys: &[String],
    option_order: &[u8],
    multiple: bool,
) -> Result<u8, ChoiceError> {
    if !multiple && keys.len() > 1 {
        return Err(ChoiceError::TooManyKeys);
    }
    let mut mask = 0u8;
    for key in keys {
        let shown = OPTION_KEYS
            .iter()
            .take(option_order.len())
            .position(|k| *k == key.as_str())
            .ok_or(ChoiceError::UnknownKey)?;
        let bit = 1u8 << option_order[shown];
        if mask & bit != 0 {
            return Err(ChoiceError::UnknownKey);
        }
        mask |= bit;
    }
    Ok(mask)
}

/// The keys (letters as shown to this participant) of a mask over original options, in shown
/// order. The inverse of [`choice_mask`].
pub fn shown_keys(mask: u8, option_order: &[u8]) -> Vec<String> {
    option_order
        .iter()
        .enumerate()
        .filter(|(_, original)| mask & (1u8 << **original) != 0)
        .map(|(shown, _)| OPTION_KEYS[shown].to_owned())
        .collect()
}

/// Whether a choice is right: the chosen set equals the key set, and is not empty.
pub fn is_correct(choice: u8, key: u8) -> bool {
    choice != 0 && choice == key
}

/// One question of an attempt, as scoring needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoredQuestion {
    /// The key mask of the version shown.
    pub key: u8,
    /// Points for a correct answer.
    pub points: i32,
    /// The participant's choice mask, `None` when unanswered.
    pub choice: Option<u8>,
}

/// The result of scoring an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    /// Sum of the points of correct questions.
    pub score: i32,
    /// Number of correct questions.
    pub correct: i32,
    /// Number of questions in the attempt.
    pub total: i32,
    /// Every question correct (and at least one question).
    pub perfect: bool,
}

/// Scores an attempt: unanswered is wrong; multiple choice is right only on the exact set.
pub fn score_attempt(questions: &[ScoredQuestion]) -> Score {
    let mut score = 0;
    let mut correct = 0;
    for q in questions {
        if q.choice.is_some_and(|c| is_correct(c, q.key)) {
            score += q.points;
            correct += 1;
        }
    }
    let total = questions.len() as i32;
    Score {
        score,
        correct,
        total,
        perfect: total > 0 && correct == total,
    }
}

/// Encodes a list of original option indices as a mask. Indices ≥ 6 are ignored.
pub fn mask_of(indices: &[u8]) -> u8 {
    indices
        .iter()
        .filter(|i| **i < 6)
        .fold(0u8, |mask, i| mask | (1 << i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn shown_keys_map_through_the_option_order() {
        // Shown A = original 2, B = original 0, C = original 1.
        let order = [2, 0, 1];
        assert_eq!(choice_mask(&keys(&["A"]), &order, false), Ok(0b100));
        assert_eq!(choice_mask(&keys(&["B", "C"]), &order, true), Ok(0b011));
        assert_eq!(shown_keys(0b011, &order), keys(&["B", "C"]));
        assert_eq!(choice_mask(&[], &order, false), Ok(0));
    }

    #[test]
    fn bad_choices_are_refused() {
        let order = [0, 1, 2];
        assert_eq!(
            choice_mask(&keys(&["D"]), &order, false),
            Err(ChoiceError::UnknownKey)
        );
        assert_eq!(
            choice_mask(&keys(&["a"]), &order, false),
            Err(ChoiceError::UnknownKey)
        );
        assert_eq!(
            choice_mask(&keys(&["A", "B"]), &order, false),
            Err(ChoiceError::TooManyKeys)
        );
        assert_eq!(
            choice_mask(&keys(&["A", "A"]), &order, true),
            Err(ChoiceError::UnknownKey)
        );
    }

    #[test]
    fn multiple_choice_needs_the_exact_set() {
        let key = mask_of(&[0, 2]);
        assert!(is_correct(mask_of(&[0, 2]), key));
        assert!(!is_correct(mask_of(&[0]), key));
        assert!(!is_correct(mask_of(&[0, 1, 2]), key));
        assert!(!is_correct(0, 0));
    }

    #[test]
    fn scores_sum_points_of_correct_questions() {
        let questions = [
            ScoredQuestion {
                key: 0b01,
                points: 1,
                choice: Some(0b01),
            },
            ScoredQuestion {
                key: 0b10,
                points: 2,
                choice: Some(0b10),
            },
            ScoredQuestion {
                key: 0b10,
                points: 1,
                choice: Some(0b01),
            },
            ScoredQuestion {
                key: 0b10,
                points: 1,
                choice: None,
            },
        ];
        assert_eq!(
            score_attempt(&questions),
            Score {
                score: 3,
                correct: 2,
                total: 4,
                perfect: false
            }
        );
        let all_right = [ScoredQuestion {
            key: 0b01,
            points: 1,
            choice: Some(0b01),
        }];
        assert!(score_attempt(&all_right).perfect);
        assert!(!score_attempt(&[]).perfect);
    }

    proptest! {
        #[test]
        fn choice_mask_and_shown_keys_are_inverse(perm in Just(vec![0u8,1,2,3,4,5]).prop_shuffle(), mask in 0u8..64) {
            let shown = shown_keys(mask, &perm);
            prop_assert_eq!(choice_mask(&shown, &perm, true), Ok(mask));
        }
    }
}
