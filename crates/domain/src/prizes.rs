//! Prize rules as organizers configure them (spec/api.md, "`prizes` in the contest body").

use serde::{Deserialize, Serialize};

/// How a tier is awarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TierKind {
    /// By rank, walking the ranking from the top (the default).
    #[default]
    Ranked,
    /// Drawn by the published sha256 order among the eligible.
    Lottery,
}

/// Who may win a lottery tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LotteryEligibility {
    /// Participants with a perfect attempt who won nothing else (the default).
    #[default]
    PerfectWithoutPrize,
    /// Every eligible participant who won nothing else.
    AnyWithoutPrize,
}

/// One individual prize tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Stable code, e.g. `first`.
    pub tier: String,
    /// Display name, e.g. "Giải Nhất".
    pub name: String,
    /// How many prizes (per pool).
    pub count: u32,
    /// Lowest best score that may win it.
    #[serde(default)]
    pub min_score: Option<i32>,
    /// Ranked (default) or lottery.
    #[serde(default)]
    pub kind: TierKind,
    /// For lottery tiers: who may win.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible: Option<LotteryEligibility>,
}

/// Whether tiers apply once overall or within each category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pools {
    /// One pool for everyone (the default).
    #[default]
    All,
    /// Every tier's count applies within each category.
    ByCategory,
}

/// What units are ranked by first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CollectiveRankBy {
    /// Participation rate (the default).
    #[default]
    ParticipationRate,
    /// Number of participants.
    Participants,
}

/// A minimum participation rate for units up to a headcount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateBand {
    /// Largest headcount of the band; `None` for the last band.
    pub max_headcount: Option<u32>,
    /// Minimum rate, a ratio (0.3 = 30 %).
    pub min_rate: f64,
}

/// Collective (unit) prize rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectiveRules {
    /// How many prizes (overall, or per block).
    #[serde(default)]
    pub count: u32,
    /// Ranking's first key.
    #[serde(default)]
    pub rank_by: CollectiveRankBy,
    /// Count per block instead of overall.
    #[serde(default)]
    pub per_block: bool,
    /// Minimum participants.
    #[serde(default)]
    pub min_participants: Option<u32>,
    /// Minimum participation rate (ratio).
    #[serde(default)]
    pub min_rate: Option<f64>,
    /// Minimum rate by size band.
    #[serde(default)]
    pub rate_bands: Option<Vec<RateBand>>,
    /// The unit must hold at least one individual prize.
    #[serde(default)]
    pub require_individual_prize: bool,
}

impl Default for CollectiveRules {
    fn default() -> Self {
        Self {
            count: 0,
            rank_by: CollectiveRankBy::ParticipationRate,
            per_block: false,
            min_participants: None,
            min_rate: None,
            rate_bands: None,
            require_individual_prize: false,
        }
    }
}

/// A contest's prize rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrizeRules {
    /// Individual tiers, in award order.
    #[serde(default)]
    pub individual: Vec<Tier>,
    /// Pools.
    #[serde(default)]
    pub pools: Pools,
    /// Skip winners of earlier finalized rounds.
    #[serde(default)]
    pub exclude_previous_winners: bool,
    /// Collective prizes, if any.
    #[serde(default)]
    pub collective: Option<CollectiveRules>,
}

impl Default for PrizeRules {
    /// 1 first, 2 second, 3 third, 12 consolation; 9 collective prizes by participation rate.
    fn default() -> Self {
        let tier = |code: &str, name: &str, count| Tier {
            tier: code.into(),
            name: name.into(),
            count,
            min_score: None,
            kind: TierKind::Ranked,
            eligible: None,
        };
        Self {
            individual: vec![
                tier("first", "Giải Nhất", 1),
                tier("second", "Giải Nhì", 2),
                tier("third", "Giải Ba", 3),
                tier("consolation", "Giải Khuyến khích", 12),
            ],
            pools: Pools::All,
            exclude_previous_winners: false,
            collective: Some(CollectiveRules {
                count: 9,
                min_participants: Some(1),
                ..CollectiveRules::default()
            }),
        }
    }
}

impl PrizeRules {
    /// Field problems, as `(path, code)`: tier codes unique and `[a-z0-9_]{1,32}`, names
    /// present, counts 1–10,000, min scores ≥ 0, rates within 0–1, bands ascending with the
    /// last one open.
    pub fn problems(&self) -> Vec<(String, &'static str)> {
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, tier) in self.individual.iter().enumerate() {
            let code_ok = !tier.tier.is_empty()
                && tier.tier.len() <= 32
                && tier
                    .tier
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !code_ok || !seen.insert(tier.tier.clone()) {
                problems.push((format!("prizes.individual[{i}].tier"), "invalid"));
            }
            if tier.name.trim().is_empty() || tier.name.chars().count() > 100 {
                problems.push((format!("prizes.individual[{i}].name"), "invalid"));
            }
            if !(1..=10_000).contains(&tier.count) {
                problems.push((format!("prizes.individual[{i}].count"), "out_of_range"));
            }
            if tier.min_score.is_some_and(|m| m < 0) {
                problems.push((format!("prizes.individual[{i}].min_score"), "out_of_range"));
            }
            if tier.kind == TierKind::Ranked && tier.eligible.is_some() {
                problems.push((
                    format!("prizes.individual[{i}].eligible"),
                    "only_for_lottery",
                ));
            }
        }
        if let Some(collective) = &self.collective {
            if collective.count > 10_000 {
                problems.push(("prizes.collective.count".into(), "out_of_range"));
            }
            let rate_ok = |r: f64| (0.0..=1.0).contains(&r);
            if collective.min_rate.is_some_and(|r| !rate_ok(r)) {
                problems.push(("prizes.collective.min_rate".into(), "out_of_range"));
            }
            if let Some(bands) = &collective.rate_bands {
                let ascending =
                    bands
                        .windows(2)
                        .all(|w| match (w[0].max_headcount, w[1].max_headcount) {
                            (Some(a), Some(b)) => a < b,
                            (Some(_), None) => true,
                            (None, _) => false,
                        });
                let last_open = bands.last().is_some_and(|b| b.max_headcount.is_none());
                if bands.is_empty()
                    || !ascending
                    || !last_open
                    || bands.iter().any(|b| !rate_ok(b.min_rate))
                {
                    problems.push(("prizes.collective.rate_bands".into(), "invalid"));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_example_parses_and_is_valid() {
        let json = r#"{
          "individual": [
            {"tier": "first", "name": "Giải Nhất", "count": 1},
            {"tier": "second", "name": "Giải Nhì", "count": 2},
            {"tier": "third", "name": "Giải Ba", "count": 3},
            {"tier": "consolation", "name": "Giải Khuyến khích", "count": 12, "min_score": null},
            {"tier": "lucky", "name": "Giải may mắn", "count": 5, "kind": "lottery", "eligible": "perfect_without_prize"}
          ],
          "pools": "all",
          "exclude_previous_winners": false,
          "collective": {"count": 9, "rank_by": "participation_rate", "per_block": false,
                         "min_participants": 1, "min_rate": null,
                         "rate_bands": [{"max_headcount": 49, "min_rate": 0.3}, {"max_headcount": 99, "min_rate": 0.25}, {"max_headcount": null, "min_rate": 0.2}],
                         "require_individual_prize": false}
        }"#;
        let rules: PrizeRules = serde_json::from_str(json).unwrap();
        assert_eq!(rules.individual.len(), 5);
        assert_eq!(rules.individual[4].kind, TierKind::Lottery);
        assert!(rules.problems().is_empty(), "{:?}", rules.problems());
        assert!(PrizeRules::default().problems().is_empty());
    }

    #[test]
    fn bad_tiers_and_bands_are_named() {
        let mut rules = PrizeRules::default();
        rules.individual[1].tier = "first".into();
        rules.individual[2].count = 0;
        if let Some(c) = rules.collective.as_mut() {
            c.rate_bands = Some(vec![RateBand {
                max_headcount: Some(50),
                min_rate: 1.5,
            }]);
        }
        let paths: Vec<String> = rules.problems().into_iter().map(|(p, _)| p).collect();
        assert!(paths.contains(&"prizes.individual[1].tier".to_owned()));
        assert!(paths.contains(&"prizes.individual[2].count".to_owned()));
        assert!(paths.contains(&"prizes.collective.rate_bands".to_owned()));
    }
}
