//! Collective (unit) prizes (spec/contest-rules.md "Collective prizes (units)").
//!
//! Aggregates are computed over the attempts given: pass a round's finished attempts for a
//! round, or the whole contest's for the contest. Every attempt given counts, whatever its
//! participant's prize eligibility, so that the figures match the per-unit statistics
//! (ineligible participants "appear in statistics"); a caller who wants otherwise filters the
//! attempts first. Attempts of a unit code not in the list of units are ignored.
//!
//! Decisions where the rules are silent:
//! - a unit with no participant is never eligible;
//! - a rate requirement (`min_rate` or `rate_bands`) cannot be met by a unit without a
//!   headcount;
//! - ranking by participation rate puts units without a headcount after every unit with one;
//! - rates and averages are compared exactly (cross-multiplied integers), never as rounded
//!   floats; a minimum rate is met when `participants / headcount` (as `f64`) is `>=` it, so
//!   3/10 meets 0.3;
//! - with `per_block`, ranks restart at 1 in every block, blocks in code order.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::prizes::{CollectiveRankBy, CollectiveRules};
use crate::ranking::Entry;

/// A unit of the contest, as collective prizes need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Unit code.
    pub code: String,
    /// Block (khối).
    pub block: String,
    /// Expected number of people, the denominator of the participation rate.
    pub headcount: Option<u32>,
}

/// A unit's figures over the attempts given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitStats {
    /// Unit code.
    pub unit_code: String,
    /// Block.
    pub block: String,
    /// Headcount, if set.
    pub headcount: Option<u32>,
    /// Distinct people with an attempt.
    pub participants: u64,
    /// Attempts.
    pub attempts: u64,
    /// People with at least one perfect attempt.
    pub perfect_participants: u64,
    /// Perfect attempts.
    pub perfect_attempts: u64,
    /// Sum over participants of their best (highest) score.
    pub best_score_sum: i64,
    /// `participants / headcount`, unrounded; `None` without a headcount (or a zero one).
    pub participation_rate: Option<f64>,
    /// `best_score_sum / participants`; `None` without participants.
    pub avg_best_score: Option<f64>,
    /// Individual prizes won by the unit's participants.
    pub individual_prizes: u32,
}

impl UnitStats {
    fn rate_parts(&self) -> Option<(u64, u64)> {
        self.headcount
            .filter(|h| *h > 0)
            .map(|h| (self.participants, u64::from(h)))
    }
}

/// Per-unit figures, one per unit in the order given (a repeated code counts once, at its first
/// place), zeros where nobody took part. `prizes_per_unit` gives each unit's individual prizes
/// (e.g. [`crate::allocation::Allocation::prizes_per_unit`]).
pub fn unit_stats<'a>(
    units: &[Unit],
    entries: impl IntoIterator<Item = &'a Entry>,
    prizes_per_unit: &HashMap<String, u32>,
) -> Vec<UnitStats> {
    #[derive(Default)]
    struct Acc {
        attempts: u64,
        perfect_attempts: u64,
        people: HashMap<Uuid, (i32, bool)>,
    }
    let mut acc: HashMap<&str, Acc> = HashMap::new();
    for unit in units {
        acc.entry(unit.code.as_str()).or_default();
    }
    for e in entries {
        let Some(a) = acc.get_mut(e.unit_code.as_str()) else {
            continue;
        };
        a.attempts += 1;
        a.perfect_attempts += u64::from(e.is_perfect());
        let person = a.people.entry(e.participant_id).or_insert((e.score, false));
        person.0 = person.0.max(e.score);
        person.1 |= e.is_perfect();
    }
    let mut seen = HashSet::new();
    units
        .iter()
        .filter(|u| seen.insert(u.code.as_str()))
        .map(|unit| {
            let (attempts, perfect_attempts, participants, perfect_participants, sum) = acc
                .get(unit.code.as_str())
                .map(|a| {
                    (
                        a.attempts,
                        a.perfect_attempts,
                        a.people.len() as u64,
                        a.people.values().filter(|p| p.1).count() as u64,
                        a.people.values().map(|p| i64::from(p.0)).sum::<i64>(),
                    )
                })
                .unwrap_or_default();
            UnitStats {
                unit_code: unit.code.clone(),
                block: unit.block.clone(),
                headcount: unit.headcount,
                participants,
                attempts,
                perfect_participants,
                perfect_attempts,
                best_score_sum: sum,
                participation_rate: unit
                    .headcount
                    .filter(|h| *h > 0)
                    .map(|h| participants as f64 / f64::from(h)),
                avg_best_score: (participants > 0).then(|| sum as f64 / participants as f64),
                individual_prizes: prizes_per_unit.get(&unit.code).copied().unwrap_or(0),
            }
        })
        .collect()
}

/// Why a unit cannot win a collective prize, or `None` when it can. Checks, in order:
/// `no_participants`, `min_participants`, `min_rate`, `rate_band` (the minimum of the first band
/// whose `max_headcount` is at least the unit's headcount, or the open last band),
/// `individual_prize`.
pub fn ineligibility(stats: &UnitStats, rules: &CollectiveRules) -> Option<&'static str> {
    if stats.participants == 0 {
        return Some("no_participants");
    }
    if rules
        .min_participants
        .is_some_and(|m| stats.participants < u64::from(m))
    {
        return Some("min_participants");
    }
    let meets = |min: f64| stats.participation_rate.is_some_and(|r| r >= min);
    if rules.min_rate.is_some_and(|m| !meets(m)) {
        return Some("min_rate");
    }
    if let Some(bands) = &rules.rate_bands {
        let band = stats.headcount.and_then(|h| {
            bands
                .iter()
                .find(|b| b.max_headcount.is_none_or(|max| h <= max))
        });
        match band {
            Some(b) if meets(b.min_rate) => {}
            // No headcount, or no band covers it: the requirement cannot be shown to be met.
            _ => return Some("rate_band"),
        }
    }
    if rules.require_individual_prize && stats.individual_prizes == 0 {
        return Some("individual_prize");
    }
    None
}

/// The collective order: `Less` means `a` ranks ahead of `b`. First key by `rank_by`
/// (participation rate descending, units without a rate last; or participants descending),
/// then participants descending, then average best score descending (units without
/// participants last), then unit code ascending. Exact: no float rounding involved.
pub fn compare_units(a: &UnitStats, b: &UnitStats, rank_by: CollectiveRankBy) -> Ordering {
    let by_rate = || match (a.rate_parts(), b.rate_parts()) {
        (Some((pa, ha)), Some((pb, hb))) => {
            (u128::from(pb) * u128::from(ha)).cmp(&(u128::from(pa) * u128::from(hb)))
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let by_participants = || b.participants.cmp(&a.participants);
    let by_avg = || match (a.participants, b.participants) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Greater,
        (_, 0) => Ordering::Less,
        (na, nb) => (i128::from(b.best_score_sum) * i128::from(na))
            .cmp(&(i128::from(a.best_score_sum) * i128::from(nb))),
    };
    let first = match rank_by {
        CollectiveRankBy::ParticipationRate => by_rate(),
        CollectiveRankBy::Participants => by_participants(),
    };
    first
        .then_with(by_participants)
        .then_with(by_avg)
        .then_with(|| a.unit_code.cmp(&b.unit_code))
}

/// One eligible unit in the collective ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectiveRow {
    /// 1 for the first (within its block with `per_block`).
    pub rank: u32,
    /// Whether it wins a collective prize.
    pub prize: bool,
    /// Its figures.
    pub stats: UnitStats,
}

/// Collective places nobody could take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectiveUnawarded {
    /// The block, with `per_block`; `None` overall.
    pub block: Option<String>,
    /// How many places stay empty.
    pub count: u32,
}

/// The collective outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CollectiveResult {
    /// Every unit's figures, in the order the units were given.
    pub stats: Vec<UnitStats>,
    /// Eligible units in rank order (grouped by block in code order with `per_block`).
    pub ranking: Vec<CollectiveRow>,
    /// Ineligible units with the reason from [`ineligibility`], in the order given.
    pub ineligible: Vec<(String, String)>,
    /// The winning units, in the order of `ranking`.
    pub winners: Vec<CollectiveRow>,
    /// Unfilled places (per block with `per_block`, blocks in code order).
    pub unawarded: Vec<CollectiveUnawarded>,
}

/// Computes the per-unit figures, eligibility, ranking and collective winners.
///
/// Guarantees: only eligible units win; at most `rules.count` winners overall, or per block
/// (every block of the units given is considered, even one nobody from took part) with
/// `per_block`; winners are the top of the ranking; the ranking is total and does not depend on
/// the order of `units` or `entries` (except `stats` and `ineligible`, which follow `units`).
pub fn collective<'a>(
    units: &[Unit],
    entries: impl IntoIterator<Item = &'a Entry>,
    prizes_per_unit: &HashMap<String, u32>,
    rules: &CollectiveRules,
) -> CollectiveResult {
    let stats = unit_stats(units, entries, prizes_per_unit);
    let mut ineligible = Vec::new();
    let mut eligible: Vec<&UnitStats> = Vec::new();
    for s in &stats {
        match ineligibility(s, rules) {
            Some(reason) => ineligible.push((s.unit_code.clone(), reason.to_owned())),
            None => eligible.push(s),
        }
    }
    eligible.sort_by(|a, b| compare_units(a, b, rules.rank_by));

    let mut groups: BTreeMap<Option<&str>, Vec<&UnitStats>> = BTreeMap::new();
    if rules.per_block {
        for s in &stats {
            groups.entry(Some(s.block.as_str())).or_default();
        }
        for s in eligible {
            groups.entry(Some(s.block.as_str())).or_default().push(s);
        }
    } else {
        groups.insert(None, eligible);
    }

    let mut ranking = Vec::new();
    let mut winners = Vec::new();
    let mut unawarded = Vec::new();
    for (block, members) in groups {
        let mut won = 0u32;
        for (i, s) in members.into_iter().enumerate() {
            let prize = won < rules.count;
            let row = CollectiveRow {
                rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                prize,
                stats: s.clone(),
            };
            if prize {
                won += 1;
                winners.push(row.clone());
            }
            ranking.push(row);
        }
        if won < rules.count {
            unawarded.push(CollectiveUnawarded {
                block: block.map(str::to_owned),
                count: rules.count - won,
            });
        }
    }
    CollectiveResult {
        stats,
        ranking,
        ineligible,
        winners,
        unawarded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prizes::RateBand;
    use crate::ranking::tests::entry;
    use proptest::prelude::*;

    fn unit(code: &str, block: &str, headcount: Option<u32>) -> Unit {
        Unit {
            code: code.into(),
            block: block.into(),
            headcount,
        }
    }

    /// `people` participants of `unit`, each with one attempt of `score` (perfect at 20).
    fn people(unit: &str, first: u128, people: u128, score: i32) -> Vec<Entry> {
        (first..first + people)
            .map(|p| {
                let mut e = entry(p, p, score);
                e.unit_code = unit.into();
                e
            })
            .collect()
    }

    fn codes(rows: &[CollectiveRow]) -> Vec<&str> {
        rows.iter().map(|r| r.stats.unit_code.as_str()).collect()
    }

    fn open_rules(count: u32) -> CollectiveRules {
        CollectiveRules {
            count,
            ..CollectiveRules::default()
        }
    }

    #[test]
    fn aggregates_count_people_attempts_and_perfects() {
        let mut entries = people("a", 1, 3, 20); // three perfect people
        let mut second = entry(1, 100, 12); // participant 1 tries again, worse
        second.unit_code = "a".into();
        entries.push(second);
        entries.extend(people("b", 10, 2, 15));
        entries.extend(people("nowhere", 20, 5, 20)); // not a unit: ignored
        let prizes: HashMap<String, u32> = [("a".to_owned(), 2)].into_iter().collect();
        let stats = unit_stats(
            &[
                unit("a", "k1", Some(6)),
                unit("b", "k1", None),
                unit("c", "k2", Some(10)),
            ],
            &entries,
            &prizes,
        );
        assert_eq!(stats.len(), 3);
        let a = &stats[0];
        assert_eq!(
            (
                a.participants,
                a.attempts,
                a.perfect_participants,
                a.perfect_attempts
            ),
            (3, 4, 3, 3)
        );
        assert_eq!(a.participation_rate, Some(0.5));
        assert_eq!(a.avg_best_score, Some(20.0));
        assert_eq!(a.individual_prizes, 2);
        assert_eq!(stats[1].participation_rate, None);
        assert_eq!(stats[1].avg_best_score, Some(15.0));
        assert_eq!(stats[2].participants, 0);
        assert_eq!(stats[2].participation_rate, Some(0.0));
        assert_eq!(stats[2].avg_best_score, None);
    }

    #[test]
    fn ranks_by_rate_then_participants_then_average_then_code() {
        let units = [
            unit("d", "k", Some(10)), // 5/10, avg 20
            unit("c", "k", Some(4)),  // 2/4,  avg 20
            unit("b", "k", Some(20)), // 10/20, avg 15
            unit("a", "k", Some(20)), // 10/20, avg 15
            unit("e", "k", Some(2)),  // 2/2
            unit("z", "k", None),     // no rate: last
        ];
        let mut entries = people("d", 1, 5, 20);
        entries.extend(people("c", 10, 2, 20));
        entries.extend(people("b", 20, 10, 15));
        entries.extend(people("a", 40, 10, 15));
        entries.extend(people("e", 60, 2, 1));
        entries.extend(people("z", 70, 50, 20));
        let result = collective(&units, &entries, &HashMap::new(), &open_rules(3));
        assert_eq!(codes(&result.ranking), vec!["e", "a", "b", "d", "c", "z"]);
        assert_eq!(codes(&result.winners), vec!["e", "a", "b"]);
        assert_eq!(
            result.ranking.iter().map(|r| r.rank).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6]
        );
        // Same participants and rate: the higher average first.
        let by_avg = collective(
            &[unit("x", "k", Some(4)), unit("y", "k", Some(4))],
            &[people("x", 1, 2, 10), people("y", 10, 2, 11)].concat(),
            &HashMap::new(),
            &open_rules(1),
        );
        assert_eq!(codes(&by_avg.ranking), vec!["y", "x"]);
        // Ranking by participants first.
        let mut rules = open_rules(2);
        rules.rank_by = CollectiveRankBy::Participants;
        let result = collective(&units, &entries, &HashMap::new(), &rules);
        assert_eq!(codes(&result.winners), vec!["z", "a"]);
    }

    #[test]
    fn eligibility_rules_each_apply() {
        let units = [
            unit("small", "k", Some(10)),
            unit("big", "k", Some(200)),
            unit("none", "k", None),
            unit("empty", "k", Some(5)),
        ];
        let mut entries = people("small", 1, 3, 20); // 0.3 exactly
        entries.extend(people("big", 100, 30, 20)); // 0.15
        entries.extend(people("none", 300, 40, 20));
        let reasons = |rules: &CollectiveRules, prizes: &HashMap<String, u32>| {
            collective(&units, &entries, prizes, rules).ineligible
        };
        let owned = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        let none = HashMap::new();
        assert_eq!(
            reasons(&open_rules(9), &none),
            owned(&[("empty", "no_participants")])
        );
        let mut rules = open_rules(9);
        rules.min_participants = Some(31);
        assert_eq!(
            reasons(&rules, &none),
            owned(&[
                ("small", "min_participants"),
                ("big", "min_participants"),
                ("empty", "no_participants")
            ])
        );
        let mut rules = open_rules(9);
        rules.min_rate = Some(0.3);
        assert_eq!(
            reasons(&rules, &none),
            owned(&[
                ("big", "min_rate"),
                ("none", "min_rate"),
                ("empty", "no_participants")
            ]),
            "3/10 meets 0.3; no headcount cannot meet a rate"
        );
        let mut rules = open_rules(9);
        rules.require_individual_prize = true;
        let prizes: HashMap<String, u32> = [("big".to_owned(), 1)].into_iter().collect();
        assert_eq!(
            reasons(&rules, &prizes),
            owned(&[
                ("small", "individual_prize"),
                ("none", "individual_prize"),
                ("empty", "no_participants")
            ])
        );
    }

    #[test]
    fn rate_bands_by_size() {
        // < 50 → 0.30, 50–99 → 0.25, ≥ 100 → 0.20.
        let mut rules = open_rules(9);
        rules.rate_bands = Some(vec![
            RateBand {
                max_headcount: Some(49),
                min_rate: 0.3,
            },
            RateBand {
                max_headcount: Some(99),
                min_rate: 0.25,
            },
            RateBand {
                max_headcount: None,
                min_rate: 0.2,
            },
        ]);
        let units = [
            unit("s_ok", "k", Some(40)),   // 12/40 = 0.30
            unit("s_low", "k", Some(49)),  // 14/49 < 0.30
            unit("m_ok", "k", Some(50)),   // 13/50 = 0.26
            unit("m_low", "k", Some(99)),  // 24/99 < 0.25
            unit("l_ok", "k", Some(100)),  // 20/100
            unit("l_low", "k", Some(500)), // 99/500 < 0.20
            unit("none", "k", None),
        ];
        let mut entries = people("s_ok", 1_000, 12, 20);
        entries.extend(people("s_low", 2_000, 14, 20));
        entries.extend(people("m_ok", 3_000, 13, 20));
        entries.extend(people("m_low", 4_000, 24, 20));
        entries.extend(people("l_ok", 5_000, 20, 20));
        entries.extend(people("l_low", 6_000, 99, 20));
        entries.extend(people("none", 7_000, 5, 20));
        let result = collective(&units, &entries, &HashMap::new(), &rules);
        let bad: Vec<&str> = result.ineligible.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(bad, vec!["s_low", "m_low", "l_low", "none"]);
        assert!(result.ineligible.iter().all(|(_, r)| r == "rate_band"));
        assert_eq!(codes(&result.ranking), vec!["s_ok", "m_ok", "l_ok"]);
    }

    #[test]
    fn per_block_prizes_rank_within_each_block() {
        let units = [
            unit("w1", "wards", Some(10)),
            unit("w2", "wards", Some(10)),
            unit("w3", "wards", Some(10)),
            unit("s1", "schools", Some(10)),
            unit("d1", "departments", Some(10)), // nobody took part
        ];
        let mut entries = people("w1", 1, 5, 20);
        entries.extend(people("w2", 10, 7, 20));
        entries.extend(people("w3", 20, 6, 20));
        entries.extend(people("s1", 30, 1, 20));
        let mut rules = open_rules(2);
        rules.per_block = true;
        let result = collective(&units, &entries, &HashMap::new(), &rules);
        let got: Vec<(&str, &str, u32)> = result
            .winners
            .iter()
            .map(|r| (r.stats.block.as_str(), r.stats.unit_code.as_str(), r.rank))
            .collect();
        assert_eq!(
            got,
            vec![("schools", "s1", 1), ("wards", "w2", 1), ("wards", "w3", 2)]
        );
        assert_eq!(
            result.unawarded,
            vec![
                CollectiveUnawarded {
                    block: Some("departments".into()),
                    count: 2
                },
                CollectiveUnawarded {
                    block: Some("schools".into()),
                    count: 1
                },
            ]
        );
        assert_eq!(codes(&result.ranking), vec!["s1", "w2", "w3", "w1"]);
        assert!(!result.ranking[3].prize);
        // Overall instead: 2 prizes in all.
        rules.per_block = false;
        let result = collective(&units, &entries, &HashMap::new(), &rules);
        assert_eq!(codes(&result.winners), vec!["w2", "w3"]);
        assert!(result.unawarded.is_empty());
    }

    fn arb_units() -> impl Strategy<Value = Vec<Unit>> {
        prop::collection::vec((0..3usize, prop::option::of(0..6u32)), 3).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (block, headcount))| Unit {
                    code: format!("u{}", i + 1),
                    block: format!("k{block}"),
                    headcount,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn collective_ignores_input_order_and_respects_counts(
            (units, units_shuffled) in arb_units().prop_flat_map(|u| (Just(u.clone()), Just(u).prop_shuffle())),
            (entries, entries_shuffled) in crate::ranking::tests::arb_entries()
                .prop_flat_map(|e| (Just(e.clone()), Just(e).prop_shuffle())),
            count in 0..4u32,
            per_block in any::<bool>(),
            by_participants in any::<bool>(),
            min_rate in prop::option::of(0.0..1.0f64),
        ) {
            let rules = CollectiveRules {
                count,
                per_block,
                rank_by: if by_participants { CollectiveRankBy::Participants } else { CollectiveRankBy::ParticipationRate },
                min_rate,
                ..CollectiveRules::default()
            };
            let a = collective(&units, &entries, &HashMap::new(), &rules);
            let b = collective(&units_shuffled, &entries_shuffled, &HashMap::new(), &rules);
            prop_assert_eq!(&a.ranking, &b.ranking);
            prop_assert_eq!(&a.winners, &b.winners);
            prop_assert_eq!(&a.unawarded, &b.unawarded);
            let mut per_group: HashMap<Option<String>, u32> = HashMap::new();
            for w in &a.winners {
                prop_assert!(ineligibility(&w.stats, &rules).is_none());
                *per_group.entry(per_block.then(|| w.stats.block.clone())).or_default() += 1;
            }
            prop_assert!(per_group.values().all(|n| *n <= count));
            for pair in a.ranking.windows(2) {
                if !per_block || pair[0].stats.block == pair[1].stats.block {
                    prop_assert_eq!(compare_units(&pair[0].stats, &pair[1].stats, rules.rank_by), Ordering::Less);
                    prop_assert!(pair[0].prize || !pair[1].prize);
                }
            }
            // Totals add up to the attempts of known units.
            let known = entries.iter().filter(|e| units.iter().any(|u| u.code == e.unit_code)).count() as u64;
            prop_assert_eq!(a.stats.iter().map(|s| s.attempts).sum::<u64>(), known);
        }
    }
}
