//! The draw: which questions an attempt shows, in which order, with which option order.
//!
//! The draw is a pure function of the bank and a random source. The caller records its result
//! with the attempt, so that what a participant was shown never changes afterwards.

use rand::seq::SliceRandom;
use rand::Rng;
use uuid::Uuid;

use crate::settings::TopicQuota;

/// A question version that may be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The question version's id.
    pub version_id: Uuid,
    /// The code of the question's topic.
    pub topic: String,
    /// How many options the question has (2–6).
    pub option_count: u8,
    /// Whether more than one option may be chosen.
    pub multiple: bool,
}

/// One drawn question: its version and the order its options are shown in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DrawnQuestion {
    /// The question version shown.
    #[serde(rename = "v")]
    pub version_id: Uuid,
    /// `option_order[shown_index] = original_index`: a permutation of `0..option_count`.
    #[serde(rename = "o")]
    pub option_order: Vec<u8>,
    /// Whether the question was shown as multiple choice.
    #[serde(rename = "m")]
    pub multiple: bool,
}

/// Why a draw could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    /// The bank (or one topic of a quota) has fewer active questions than the draw needs.
    #[error("not enough questions{}: need {needed}, have {available}", topic.as_ref().map(|t| format!(" in topic {t}")).unwrap_or_default())]
    NotEnoughQuestions {
        /// The topic that is short, or `None` for the bank as a whole.
        topic: Option<String>,
        /// How many were needed.
        needed: u32,
        /// How many there are.
        available: u32,
    },
}

/// Draws `count` distinct questions: first each topic quota from its topic, then the rest from
/// all remaining candidates, then the whole selection in random order. Options are shuffled
/// per question when `shuffle_options` is set.
///
/// Guarantees: no version appears twice; every quota is met exactly from its topic (more of a
/// topic may come through the free remainder); the result has exactly `count` questions.
pub fn draw_questions(
    candidates: &[Candidate],
    count: u32,
    quotas: &[TopicQuota],
    shuffle_options: bool,
    rng: &mut impl Rng,
) -> Result<Vec<DrawnQuestion>, DrawError> {
    let needed = count as usize;
    if candidates.len() < needed {
        return Err(DrawError::NotEnoughQuestions {
            topic: None,
            needed: count,
            available: candidates.len() as u32,
        });
    }
    let mut taken = vec![false; candidates.len()];
    let mut chosen: Vec<usize> = Vec::with_capacity(needed);
    for quota in quotas {
        let mut in_topic: Vec<usize> = (0..candidates.len())
            .filter(|&i| !taken[i] && candidates[i].topic == quota.topic)
            .collect();
        if in_topic.len() < quota.count as usize {
            return Err(DrawError::NotEnoughQuestions {
                topic: Some(quota.topic.clone()),
                needed: quota.count,
                available: in_topic.len() as u32,
            });
        }
        in_topic.shuffle(rng);
        for &i in in_topic.iter().take(quota.count as usize) {
            taken[i] = true;
            chosen.push(i);
        }
    }
    if chosen.len() > needed {
        return Err(DrawError::NotEnoughQuestions {
            topic: None,
            needed: chosen.len() as u32,
            available: count,
        });
    }
    let mut rest: Vec<usize> = (0..candidates.len()).filter(|&i| !taken[i]).collect();
    rest.shuffle(rng);
    chosen.extend(rest.into_iter().take(needed - chosen.len()));
    chosen.shuffle(rng);
    Ok(chosen
        .into_iter()
        .map(|i| {
            let candidate = &candidates[i];
            let mut option_order: Vec<u8> = (0..candidate.option_count).collect();
            if shuffle_options {
                option_order.shuffle(rng);
            }
            DrawnQuestion {
                version_id: candidate.version_id,
                option_order,
                multiple: candidate.multiple,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::collections::HashSet;

    fn bank(per_topic: &[(&str, usize)]) -> Vec<Candidate> {
        per_topic
            .iter()
            .flat_map(|(topic, n)| {
                (0..*n).map(move |i| Candidate {
                    version_id: Uuid::new_v4(),
                    topic: (*topic).to_owned(),
                    option_count: 2 + (i % 5) as u8,
                    multiple: i % 7 == 0,
                })
            })
            .collect()
    }

    #[test]
    fn the_same_seed_replays_the_same_draw() {
        let candidates = bank(&[("A", 30), ("B", 30)]);
        let first = draw_questions(&candidates, 20, &[], true, &mut StdRng::seed_from_u64(7));
        let again = draw_questions(&candidates, 20, &[], true, &mut StdRng::seed_from_u64(7));
        assert_eq!(first, again);
    }

    #[test]
    fn quotas_are_met_from_their_topics() {
        let candidates = bank(&[("A", 10), ("B", 10), ("C", 40)]);
        let quotas = [
            TopicQuota {
                topic: "A".into(),
                count: 2,
            },
            TopicQuota {
                topic: "B".into(),
                count: 4,
            },
        ];
        let topic_of = |id: Uuid| {
            candidates
                .iter()
                .find(|c| c.version_id == id)
                .map(|c| c.topic.clone())
                .unwrap()
        };
        for seed in 0..50 {
            let drawn = draw_questions(
                &candidates,
                20,
                &quotas,
                false,
                &mut StdRng::seed_from_u64(seed),
            )
            .unwrap();
            let a = drawn
                .iter()
                .filter(|d| topic_of(d.version_id) == "A")
                .count();
            let b = drawn
                .iter()
                .filter(|d| topic_of(d.version_id) == "B")
                .count();
            assert!(a >= 2 && b >= 4, "seed {seed}: {a} from A, {b} from B");
        }
    }

    #[test]
    fn a_short_bank_or_topic_is_an_error() {
        let candidates = bank(&[("A", 3), ("B", 10)]);
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(
            draw_questions(&candidates, 20, &[], false, &mut rng),
            Err(DrawError::NotEnoughQuestions {
                topic: None,
                needed: 20,
                available: 13
            })
        );
        let quota = [TopicQuota {
            topic: "A".into(),
            count: 4,
        }];
        assert_eq!(
            draw_questions(&candidates, 5, &quota, false, &mut rng),
            Err(DrawError::NotEnoughQuestions {
                topic: Some("A".into()),
                needed: 4,
                available: 3
            })
        );
    }

    #[test]
    fn without_shuffling_options_keep_their_order() {
        let candidates = bank(&[("A", 5)]);
        let drawn =
            draw_questions(&candidates, 5, &[], false, &mut StdRng::seed_from_u64(3)).unwrap();
        for d in drawn {
            assert!(d.option_order.windows(2).all(|w| w[0] < w[1]));
        }
    }

    proptest! {
        #[test]
        fn draws_are_distinct_and_options_are_permutations(seed in any::<u64>(), count in 1u32..40) {
            let candidates = bank(&[("A", 15), ("B", 25)]);
            let drawn = draw_questions(&candidates, count, &[], true, &mut StdRng::seed_from_u64(seed)).unwrap();
            prop_assert_eq!(drawn.len(), count as usize);
            let ids: HashSet<_> = drawn.iter().map(|d| d.version_id).collect();
            prop_assert_eq!(ids.len(), drawn.len());
            for d in &drawn {
                let option_count = candidates.iter().find(|c| c.version_id == d.version_id).unwrap().option_count;
                let mut sorted = d.option_order.clone();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (0..option_count).collect::<Vec<_>>());
            }
        }
    }
}
