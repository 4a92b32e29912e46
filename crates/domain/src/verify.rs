//! Verifying published winners from the canonical results export, the rules in force and the
//! draw seed alone, without the database: anyone holding the three can recompute the ranked
//! prizes and compare them with the ones the file records.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::allocation::{
    allocate, entries_from_export, export_gaps, parse_export, recorded_prizes, ExportError,
};
use crate::prizes::{PrizeRules, TierKind};
use crate::ranking::{prediction_actual, rank};
use crate::settings::{PredictionTarget, TieBreakKey};

/// The rules a result was computed under, as stored with every result version and offered
/// for download (`rules.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// Tie-break keys in order.
    pub tie_breaks: Vec<TieBreakKey>,
    /// Prize rules.
    pub prizes: PrizeRules,
    /// The prediction target, or null without a prediction question.
    pub prediction_target: Option<PredictionTarget>,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the recomputed ranked prizes equal the recorded ones.
    pub matches: bool,
    /// Ranked prizes recomputed: `(attempt_id, tier)`, sorted.
    pub recomputed: Vec<(Uuid, String)>,
    /// Ranked prizes the file records: `(attempt_id, tier)`, sorted.
    pub recorded: Vec<(Uuid, String)>,
    /// What the file cannot reproduce under these rules (see `allocation::export_gaps`):
    /// lottery tiers are left out of the comparison.
    pub gaps: Vec<String>,
}

/// Recomputes the winners of `csv` (the canonical export) under `rules` and `seed`, and
/// compares the ranked tiers with the prizes the file records. Lottery tiers cannot be
/// recomputed from the file (they hash participant ids, which it does not hold) and are left
/// out of both sides; the verdict lists every such gap.
pub fn verify(csv: &str, rules: &Rules, seed: &str) -> Result<Verdict, ExportError> {
    let rows = parse_export(csv)?;
    let entries = entries_from_export(&rows);
    let actual = rules
        .prediction_target
        .map(|target| prediction_actual(&entries, target));
    let ranking = rank(entries, &rules.tie_breaks, actual, seed);
    let allocation = allocate(&ranking, &rules.prizes, &HashSet::new(), seed);
    let lottery: HashSet<&str> = rules
        .prizes
        .individual
        .iter()
        .filter(|t| t.kind == TierKind::Lottery)
        .map(|t| t.tier.as_str())
        .collect();
    let recomputed: BTreeSet<(Uuid, String)> = allocation
        .winners
        .iter()
        .filter(|w| !lottery.contains(w.tier.as_str()))
        .map(|w| (w.entry.attempt_id, w.tier.clone()))
        .collect();
    let recorded: BTreeSet<(Uuid, String)> = recorded_prizes(&rows)
        .into_iter()
        .filter(|(_, tier)| !lottery.contains(tier.as_str()))
        .collect();
    Ok(Verdict {
        matches: recomputed == recorded,
        recomputed: recomputed.into_iter().collect(),
        recorded: recorded.into_iter().collect(),
        gaps: export_gaps(&rules.tie_breaks, &rules.prizes)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}
