//! The difference between two stored versions of a round's result: who won or lost a prize,
//! changed tier or rank, and why (their own score, prediction error, duration or eligibility
//! changed; the actual value changed; the rules or the seed changed; or others moved).
//!
//! Pure: it reads the two stored results, the rows of their canonical exports that concern
//! the prize holders of either version ([`rows_of`] keeps just those, reading an export row by
//! row) and their rules, and nothing else.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cuocthi_domain::allocation::{participant_ref, ExportError, ExportRow};
use cuocthi_domain::explain::format_duration;
use cuocthi_domain::ranking::prediction_error;

use super::service::{FinalizedResult, PrizeOut};

/// What changed for a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A prize in `to`, none in `from`.
    Added,
    /// A prize in `from`, none in `to`.
    Removed,
    /// A prize in both, of another tier (or pool).
    TierChanged,
    /// The same prize in both, at another rank.
    RankChanged,
}

/// What changed for a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CollectiveChangeKind {
    /// A collective prize in `to`, none in `from`.
    Added,
    /// A collective prize in `from`, none in `to`.
    Removed,
    /// A collective prize in both, at another rank.
    RankChanged,
}

/// Where a participant stands in one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Position {
    /// Their prize's tier code in that version; null without a prize.
    pub tier: Option<String>,
    /// Their prize's tier name; null without a prize.
    pub tier_name: Option<String>,
    /// Their rank; null when not ranked (ineligible).
    pub rank: Option<u32>,
    /// Score of their best attempt.
    pub score: i32,
    /// Correct answers of their best attempt.
    pub correct: i32,
    /// `|prediction − actual|` of their best attempt, when both are known.
    pub prediction_error: Option<u64>,
    /// Duration of their best attempt, milliseconds.
    pub duration_ms: i64,
}

/// One participant whose prize or rank differs between the versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Change {
    /// The participant.
    pub participant_id: Uuid,
    /// Full name.
    pub name: String,
    /// Unit code.
    pub unit_code: String,
    /// `added`, `removed`, `tier_changed` or `rank_changed`.
    pub kind: ChangeKind,
    /// Where they stood in `from`; null when they had no finished attempt in it.
    pub from: Option<Position>,
    /// Where they stand in `to`; null when they have no finished attempt in it.
    pub to: Option<Position>,
    /// Why, in Vietnamese.
    pub reason_vi: String,
    /// Why, in English.
    pub reason_en: String,
}

/// One unit whose collective prize differs between the versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CollectiveChange {
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// `added`, `removed` or `rank_changed`.
    pub kind: CollectiveChangeKind,
    /// Its rank among the winning units of `from`; null without a prize there.
    pub from_rank: Option<u32>,
    /// Its rank among the winning units of `to`; null without a prize there.
    pub to_rank: Option<u32>,
}

/// The difference between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResultDiff {
    /// The older side's version.
    pub from: i32,
    /// The newer side's version.
    pub to: i32,
    /// `export_sha256` of `from`.
    pub from_sha256: String,
    /// `export_sha256` of `to`.
    pub to_sha256: String,
    /// The prediction target's actual value in `from`.
    pub actual_from: Option<i64>,
    /// The prediction target's actual value in `to`.
    pub actual_to: Option<i64>,
    /// Same export hash, no individual and no collective change.
    pub identical: bool,
    /// Every participant holding a prize in either version whose prize or rank differs: the
    /// winners of `to` in prize order, then those of `from` only.
    pub changes: Vec<Change>,
    /// Every unit holding a collective prize in either version whose prize or rank differs.
    pub collective_changes: Vec<CollectiveChange>,
}

/// One side of a comparison: a stored version, its parsed canonical export and its rules.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The stored result.
    pub result: &'a FinalizedResult,
    /// Its canonical export, parsed: the whole of it, or at least every row of each participant
    /// holding a prize in either version ([`rows_of`]); the difference is the same.
    pub export: &'a [ExportRow],
    /// Its rules in force (`rules.json`).
    pub rules: &'a str,
}

/// The rows of a canonical export whose `participant_ref` is in `refs`, in file order, read a
/// chunk at a time ([`super::files::read_export`]): memory for those rows only, whatever the
/// size of the export. With `refs` the references of every prize holder of both versions,
/// [`diff`] gives the same answer on these rows as on the whole export.
pub fn rows_of(csv: &str, refs: &HashSet<String>) -> Result<Vec<ExportRow>, ExportError> {
    let mut kept = Vec::new();
    super::files::read_export(csv, |row| {
        if refs.contains(&row.participant_ref) {
            kept.push(row);
        }
    })?;
    Ok(kept)
}

/// A participant's best row in an export: the ranked one, else (ineligible) their first.
fn best_rows(export: &[ExportRow]) -> HashMap<&str, &ExportRow> {
    let mut out: HashMap<&str, &ExportRow> = HashMap::new();
    for row in export {
        match out.get(row.participant_ref.as_str()) {
            Some(seen) if seen.rank.is_some() || row.rank.is_none() => {}
            _ => {
                out.insert(row.participant_ref.as_str(), row);
            }
        }
    }
    out
}

fn position(row: &ExportRow, prize: Option<&PrizeOut>, actual: Option<i64>) -> Position {
    Position {
        tier: prize.map(|p| p.tier.clone()),
        tier_name: prize.map(|p| p.tier_name.clone()),
        rank: row.rank,
        score: row.score,
        correct: row.correct,
        prediction_error: actual.and_then(|a| prediction_error(row.prediction, a)),
        duration_ms: row.duration_ms,
    }
}

fn error_text(error: Option<u64>, none: &str) -> String {
    error.map_or_else(|| none.to_owned(), |e| e.to_string())
}

fn number_text(n: Option<i64>, none: &str) -> String {
    n.map_or_else(|| none.to_owned(), |v| v.to_string())
}

fn same_rules(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Why a participant's place differs: their own changes first; else the rules or others.
fn reasons(
    from: &Side<'_>,
    to: &Side<'_>,
    was: Option<&ExportRow>,
    now: Option<&ExportRow>,
    rank_from: Option<u32>,
    rank_to: Option<u32>,
) -> (String, String) {
    let (vf, vt) = (from.result.version, to.result.version);
    let (actual_from, actual_to) = (from.result.actual, to.result.actual);
    let mut vi: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    match (was, now) {
        (None, None) => {}
        (None, Some(_)) => {
            vi.push(format!("Không có lượt thi nào trong bản {vf}"));
            en.push(format!("No finished attempt in version {vf}"));
        }
        (Some(_), None) => {
            vi.push(format!("Không có lượt thi nào trong bản {vt}"));
            en.push(format!("No finished attempt in version {vt}"));
        }
        (Some(f), Some(t)) => {
            if f.eligible && !t.eligible {
                vi.push("Không còn đủ điều kiện nhận giải".into());
                en.push("No longer eligible for prizes".into());
            } else if !f.eligible && t.eligible {
                vi.push("Trở lại đủ điều kiện nhận giải".into());
                en.push("Eligible for prizes again".into());
            }
            if f.score != t.score {
                vi.push(format!(
                    "Điểm đổi từ {} thành {} (chấm lại)",
                    f.score, t.score
                ));
                en.push(format!(
                    "Score changed from {} to {} (regrade)",
                    f.score, t.score
                ));
            }
            if f.attempt_id != t.attempt_id {
                vi.push("Lượt thi tốt nhất đổi sang lượt khác".into());
                en.push("Another of their attempts is now their best".into());
            }
            let error_from = actual_from.and_then(|a| prediction_error(f.prediction, a));
            let error_to = actual_to.and_then(|a| prediction_error(t.prediction, a));
            if error_from != error_to {
                let (ef_vi, et_vi) = (
                    error_text(error_from, "không có"),
                    error_text(error_to, "không có"),
                );
                let (ef_en, et_en) = (error_text(error_from, "none"), error_text(error_to, "none"));
                if actual_from != actual_to && f.prediction == t.prediction {
                    vi.push(format!(
                        "Giá trị thực đổi từ {} thành {} nên sai số dự đoán đổi từ {ef_vi} thành {et_vi}",
                        number_text(actual_from, "không có"),
                        number_text(actual_to, "không có"),
                    ));
                    en.push(format!(
                        "The actual value changed from {} to {}, so the prediction error changed from {ef_en} to {et_en}",
                        number_text(actual_from, "none"),
                        number_text(actual_to, "none"),
                    ));
                } else {
                    vi.push(format!("Sai số dự đoán đổi từ {ef_vi} thành {et_vi}"));
                    en.push(format!("Prediction error changed from {ef_en} to {et_en}"));
                }
            }
            if f.duration_ms != t.duration_ms {
                vi.push(format!(
                    "Thời gian làm bài đổi từ {} thành {}",
                    format_duration(f.duration_ms),
                    format_duration(t.duration_ms)
                ));
                en.push(format!(
                    "Duration changed from {} to {}",
                    format_duration(f.duration_ms),
                    format_duration(t.duration_ms)
                ));
            }
        }
    }
    if !same_rules(from.rules, to.rules) {
        vi.push("Quy tắc xếp hạng hoặc giải thưởng đã đổi".into());
        en.push("The ranking or prize rules changed".into());
    }
    if vi.is_empty() {
        let worse = match (rank_from, rank_to) {
            (Some(a), Some(b)) => b.cmp(&a),
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (None, None) => std::cmp::Ordering::Equal,
        };
        match worse {
            std::cmp::Ordering::Greater => {
                vi.push("Người khác vượt lên".into());
                en.push("No change of their own: others moved above".into());
            }
            std::cmp::Ordering::Less => {
                vi.push("Người phía trên tụt xuống".into());
                en.push("No change of their own: others above moved below".into());
            }
            std::cmp::Ordering::Equal => {
                vi.push(
                    "Thứ hạng không đổi; phân giải thay đổi (người nhận giải ở đợt trước)".into(),
                );
                en.push("Same rank; the allocation changed (earlier rounds' winners)".into());
            }
        }
        if from.result.draw_seed != to.result.draw_seed {
            vi.push("Hạt giống bốc thăm khác".into());
            en.push("A different draw seed".into());
        }
    }
    (vi.join("; "), en.join("; "))
}

/// Compares two versions of a round's result.
///
/// Guarantees: every participant holding an individual prize in either version and whose
/// prize (tier and pool) or rank differs appears once in `changes`, with where they stand in
/// each version taken from that version's canonical export (their best attempt's row) and
/// prizes; nobody else appears. Every unit whose collective prize or its rank differs appears
/// once in `collective_changes`. `identical` holds exactly when both lists are empty and the
/// export hashes are equal. Comparing a version with itself is identical.
pub fn diff(from: Side<'_>, to: Side<'_>) -> ResultDiff {
    let rows_from = best_rows(from.export);
    let rows_to = best_rows(to.export);
    let prize_from: HashMap<Uuid, &PrizeOut> = from
        .result
        .prizes
        .iter()
        .map(|p| (p.participant_id, p))
        .collect();
    let prize_to: HashMap<Uuid, &PrizeOut> = to
        .result
        .prizes
        .iter()
        .map(|p| (p.participant_id, p))
        .collect();

    let mut seen: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    let mut changes = Vec::new();
    let people = to
        .result
        .prizes
        .iter()
        .chain(from.result.prizes.iter())
        .filter(|p| seen.insert(p.participant_id))
        .collect::<Vec<_>>();
    for person in people {
        let id = person.participant_id;
        let reference = participant_ref(id);
        let was = rows_from.get(reference.as_str()).copied();
        let now = rows_to.get(reference.as_str()).copied();
        let before = prize_from.get(&id).copied();
        let after = prize_to.get(&id).copied();
        let rank_from = was.and_then(|r| r.rank);
        let rank_to = now.and_then(|r| r.rank);
        let kind = match (before, after) {
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            (Some(b), Some(a)) if (&b.tier, &b.pool) != (&a.tier, &a.pool) => {
                ChangeKind::TierChanged
            }
            (Some(b), Some(a)) if rank_from != rank_to || b.rank != a.rank => {
                ChangeKind::RankChanged
            }
            _ => continue,
        };
        let (reason_vi, reason_en) = reasons(&from, &to, was, now, rank_from, rank_to);
        changes.push(Change {
            participant_id: id,
            name: person.name.clone(),
            unit_code: after.unwrap_or(person).unit_code.clone(),
            kind,
            from: was.map(|r| position(r, before, from.result.actual)),
            to: now.map(|r| position(r, after, to.result.actual)),
            reason_vi,
            reason_en,
        });
    }

    let units_from: HashMap<&str, &super::service::CollectiveOut> = from
        .result
        .collective
        .iter()
        .map(|u| (u.unit_code.as_str(), u))
        .collect();
    let units_to: HashMap<&str, &super::service::CollectiveOut> = to
        .result
        .collective
        .iter()
        .map(|u| (u.unit_code.as_str(), u))
        .collect();
    let mut seen_units: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut collective_changes = Vec::new();
    for unit in to
        .result
        .collective
        .iter()
        .chain(from.result.collective.iter())
    {
        if !seen_units.insert(unit.unit_code.as_str()) {
            continue;
        }
        let before = units_from.get(unit.unit_code.as_str());
        let after = units_to.get(unit.unit_code.as_str());
        let kind = match (before, after) {
            (None, Some(_)) => CollectiveChangeKind::Added,
            (Some(_), None) => CollectiveChangeKind::Removed,
            (Some(b), Some(a)) if (b.rank, &b.block) != (a.rank, &a.block) => {
                CollectiveChangeKind::RankChanged
            }
            _ => continue,
        };
        collective_changes.push(CollectiveChange {
            unit_code: unit.unit_code.clone(),
            unit_name: unit.unit_name.clone(),
            kind,
            from_rank: before.map(|u| u.rank),
            to_rank: after.map(|u| u.rank),
        });
    }

    ResultDiff {
        from: from.result.version,
        to: to.result.version,
        from_sha256: from.result.export_sha256.clone(),
        to_sha256: to.result.export_sha256.clone(),
        actual_from: from.result.actual,
        actual_to: to.result.actual,
        identical: changes.is_empty()
            && collective_changes.is_empty()
            && from.result.export_sha256 == to.result.export_sha256,
        changes,
        collective_changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::service::CollectiveOut;

    const RULES: &str = r#"{"tie_breaks":["score","prediction_error","duration_ms","submitted_at"],"prizes":{"individual":[{"tier":"first","name":"Giải Nhất","count":1},{"tier":"second","name":"Giải Nhì","count":1}],"pools":"all","exclude_previous_winners":false,"collective":null},"prediction_target":"perfect_attempts"}"#;

    fn pid(n: u128) -> Uuid {
        Uuid::from_u128(0xB000_0000 + n)
    }

    /// Participant `n`'s best attempt: rank, score, prediction, duration (seconds).
    fn row(
        n: u128,
        rank: Option<u32>,
        score: i32,
        prediction: Option<i64>,
        secs: i64,
    ) -> ExportRow {
        ExportRow {
            rank,
            participant_ref: participant_ref(pid(n)),
            attempt_id: Uuid::from_u128(0xA000_0000 + n),
            unit_code: "CQ1".into(),
            category: None,
            eligible: true,
            score,
            correct: score,
            total: 4,
            prediction,
            duration_ms: secs * 1000,
            submitted_at_ms: 1_795_000_000_000,
            prize: None,
        }
    }

    fn prize(n: u128, tier: &str, rank: u32, score: i32) -> PrizeOut {
        PrizeOut {
            tier: tier.into(),
            tier_name: if tier == "first" {
                "Giải Nhất"
            } else {
                "Giải Nhì"
            }
            .into(),
            pool: None,
            rank,
            participant_id: pid(n),
            name: format!("Người {n}"),
            unit_code: "CQ1".into(),
            unit_name: "Phòng Nội vụ".into(),
            category: None,
            score,
            correct: score,
            prediction: None,
            prediction_error: None,
            duration_ms: 0,
            attempt_id: Uuid::from_u128(0xA000_0000 + n),
            submitted_at: String::new(),
            decided_by: None,
            explanation: None,
        }
    }

    fn result(
        version: i32,
        actual: Option<i64>,
        prizes: Vec<PrizeOut>,
        sha: &str,
    ) -> FinalizedResult {
        FinalizedResult {
            version,
            round: 1,
            actual,
            seed_committed: false,
            draw_seed: "seed".into(),
            prizes,
            collective: Vec::new(),
            unawarded: Vec::new(),
            collective_unawarded: 0,
            export_sha256: sha.into(),
            finalized_at: String::new(),
        }
    }

    fn unit(code: &str, rank: u32) -> CollectiveOut {
        CollectiveOut {
            rank,
            unit_code: code.into(),
            unit_name: format!("Đơn vị {code}"),
            block: "A".into(),
            participants: 3,
            participation_rate: None,
        }
    }

    #[test]
    fn a_version_equals_itself() {
        let export = vec![
            row(1, Some(1), 4, Some(2), 10),
            row(2, Some(2), 3, Some(2), 10),
        ];
        let r = result(
            1,
            Some(2),
            vec![prize(1, "first", 1, 4), prize(2, "second", 2, 3)],
            "aa",
        );
        let side = Side {
            result: &r,
            export: &export,
            rules: RULES,
        };
        let d = diff(side, side);
        assert!(d.identical);
        assert!(d.changes.is_empty() && d.collective_changes.is_empty());
        assert_eq!(
            (d.from, d.to, d.actual_from, d.actual_to),
            (1, 1, Some(2), Some(2))
        );
    }

    #[test]
    fn a_regraded_score_swaps_two_winners_and_says_why() {
        // v1: 1 (4 points) first, 2 (3 points) second. v2: 1 drops to 3 and is slower than 2,
        // whose score went up to 4.
        let e1 = vec![
            row(1, Some(1), 4, Some(2), 10),
            row(2, Some(2), 3, Some(2), 20),
        ];
        let e2 = vec![
            row(2, Some(1), 4, Some(2), 20),
            row(1, Some(2), 3, Some(2), 10),
        ];
        let r1 = result(
            1,
            Some(2),
            vec![prize(1, "first", 1, 4), prize(2, "second", 2, 3)],
            "aa",
        );
        let r2 = result(
            2,
            Some(2),
            vec![prize(2, "first", 1, 4), prize(1, "second", 2, 3)],
            "bb",
        );
        let d = diff(
            Side {
                result: &r1,
                export: &e1,
                rules: RULES,
            },
            Side {
                result: &r2,
                export: &e2,
                rules: RULES,
            },
        );
        assert!(!d.identical);
        assert_eq!(d.changes.len(), 2);
        let up = &d.changes[0];
        assert_eq!(
            (up.participant_id, up.kind),
            (pid(2), ChangeKind::TierChanged)
        );
        assert_eq!(up.reason_vi, "Điểm đổi từ 3 thành 4 (chấm lại)");
        assert_eq!(up.reason_en, "Score changed from 3 to 4 (regrade)");
        let down = &d.changes[1];
        assert_eq!(down.participant_id, pid(1));
        assert_eq!(down.name, "Người 1");
        let from = down.from.clone().unwrap_or_else(|| unreachable!());
        let to = down.to.clone().unwrap_or_else(|| unreachable!());
        assert_eq!(
            (
                from.tier.as_deref(),
                from.rank,
                from.score,
                from.prediction_error,
                from.duration_ms
            ),
            (Some("first"), Some(1), 4, Some(0), 10_000)
        );
        assert_eq!(
            (to.tier_name.as_deref(), to.rank, to.score),
            (Some("Giải Nhì"), Some(2), 3)
        );
        assert_eq!(down.reason_vi, "Điểm đổi từ 4 thành 3 (chấm lại)");
    }

    #[test]
    fn others_moving_and_prizes_won_or_lost_are_told_apart() {
        // v1: 1 first, 2 second, 3 third-placed without a prize. v2: 3's score rises above
        // everyone: 3 first, 1 second, 2 loses their prize without any change of their own.
        let e1 = vec![
            row(1, Some(1), 4, Some(2), 10),
            row(2, Some(2), 3, Some(2), 10),
            row(3, Some(3), 2, Some(2), 10),
        ];
        let e2 = vec![
            row(3, Some(1), 5, Some(2), 10),
            row(1, Some(2), 4, Some(2), 10),
            row(2, Some(3), 3, Some(2), 10),
        ];
        let r1 = result(
            1,
            Some(2),
            vec![prize(1, "first", 1, 4), prize(2, "second", 2, 3)],
            "aa",
        );
        let r2 = result(
            2,
            Some(2),
            vec![prize(3, "first", 1, 5), prize(1, "second", 2, 4)],
            "bb",
        );
        let d = diff(
            Side {
                result: &r1,
                export: &e1,
                rules: RULES,
            },
            Side {
                result: &r2,
                export: &e2,
                rules: RULES,
            },
        );
        let kinds: Vec<(Uuid, ChangeKind)> = d
            .changes
            .iter()
            .map(|c| (c.participant_id, c.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (pid(3), ChangeKind::Added),
                (pid(1), ChangeKind::TierChanged),
                (pid(2), ChangeKind::Removed),
            ]
        );
        let added = &d.changes[0];
        let from = added.from.clone().unwrap_or_else(|| unreachable!());
        assert_eq!((from.tier, from.rank, from.score), (None, Some(3), 2));
        assert_eq!(d.changes[1].reason_vi, "Người khác vượt lên");
        assert_eq!(
            d.changes[1].reason_en,
            "No change of their own: others moved above"
        );
        assert_eq!(d.changes[2].reason_vi, "Người khác vượt lên");
        assert!(d.changes[2].to.as_ref().is_some_and(|p| p.tier.is_none()));
    }

    #[test]
    fn an_actual_value_change_is_named_as_the_cause_of_a_prediction_error_change() {
        let e1 = vec![
            row(1, Some(1), 4, Some(12), 10),
            row(2, Some(2), 4, Some(14), 5),
        ];
        let e2 = vec![
            row(2, Some(1), 4, Some(14), 5),
            row(1, Some(2), 4, Some(12), 10),
        ];
        let r1 = result(
            1,
            Some(12),
            vec![prize(1, "first", 1, 4), prize(2, "second", 2, 4)],
            "aa",
        );
        let r2 = result(
            2,
            Some(14),
            vec![prize(2, "first", 1, 4), prize(1, "second", 2, 4)],
            "bb",
        );
        let d = diff(
            Side {
                result: &r1,
                export: &e1,
                rules: RULES,
            },
            Side {
                result: &r2,
                export: &e2,
                rules: RULES,
            },
        );
        let first = &d.changes[0];
        assert_eq!(first.participant_id, pid(2));
        assert_eq!(
            first.reason_vi,
            "Giá trị thực đổi từ 12 thành 14 nên sai số dự đoán đổi từ 2 thành 0"
        );
        assert_eq!(
            first.reason_en,
            "The actual value changed from 12 to 14, so the prediction error changed from 2 to 0"
        );
        assert_eq!((d.actual_from, d.actual_to), (Some(12), Some(14)));
    }

    #[test]
    fn rank_changes_within_a_tier_eligibility_rules_and_units() {
        // Two "first" places: 1 and 2 swap ranks inside the tier (2 got faster); 3 becomes
        // ineligible and loses the second prize to 4; the rules changed too.
        let rules2 = RULES.replace(
            "\"count\":1},{\"tier\":\"second\"",
            "\"count\":2},{\"tier\":\"second\"",
        );
        let mut ineligible = row(3, None, 4, Some(2), 1);
        ineligible.eligible = false;
        let e1 = vec![
            row(1, Some(1), 4, Some(2), 10),
            row(2, Some(2), 4, Some(2), 20),
            row(3, Some(3), 4, Some(2), 30),
            row(4, Some(4), 1, Some(2), 30),
        ];
        let e2 = vec![
            row(2, Some(1), 4, Some(2), 5),
            row(1, Some(2), 4, Some(2), 10),
            row(4, Some(3), 1, Some(2), 30),
            ineligible,
        ];
        let mut r1 = result(
            1,
            Some(2),
            vec![
                prize(1, "first", 1, 4),
                prize(2, "first", 2, 4),
                prize(3, "second", 3, 4),
            ],
            "aa",
        );
        r1.collective = vec![unit("CQ1", 1), unit("P01", 2)];
        let mut r2 = result(
            2,
            Some(2),
            vec![
                prize(2, "first", 1, 4),
                prize(1, "first", 2, 4),
                prize(4, "second", 3, 1),
            ],
            "bb",
        );
        r2.collective = vec![unit("P01", 1), unit("P02", 2)];
        let d = diff(
            Side {
                result: &r1,
                export: &e1,
                rules: RULES,
            },
            Side {
                result: &r2,
                export: &e2,
                rules: &rules2,
            },
        );
        let kinds: Vec<(Uuid, ChangeKind)> = d
            .changes
            .iter()
            .map(|c| (c.participant_id, c.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (pid(2), ChangeKind::RankChanged),
                (pid(1), ChangeKind::RankChanged),
                (pid(4), ChangeKind::Added),
                (pid(3), ChangeKind::Removed),
            ]
        );
        assert!(
            d.changes[0]
                .reason_vi
                .starts_with("Thời gian làm bài đổi từ 00:20.000 thành 00:05.000"),
            "{}",
            d.changes[0].reason_vi
        );
        assert!(
            d.changes[0]
                .reason_en
                .ends_with("The ranking or prize rules changed"),
            "{}",
            d.changes[0].reason_en
        );
        let removed = &d.changes[3];
        assert!(
            removed
                .reason_vi
                .starts_with("Không còn đủ điều kiện nhận giải"),
            "{}",
            removed.reason_vi
        );
        assert_eq!(removed.to.as_ref().and_then(|p| p.rank), None);
        let units: Vec<(&str, CollectiveChangeKind, Option<u32>, Option<u32>)> = d
            .collective_changes
            .iter()
            .map(|c| (c.unit_code.as_str(), c.kind, c.from_rank, c.to_rank))
            .collect();
        assert_eq!(
            units,
            vec![
                ("P01", CollectiveChangeKind::RankChanged, Some(2), Some(1)),
                ("P02", CollectiveChangeKind::Added, None, Some(2)),
                ("CQ1", CollectiveChangeKind::Removed, Some(1), None),
            ]
        );
    }

    #[test]
    fn the_rows_of_prize_holders_give_the_same_difference_as_the_whole_export() {
        let e1 = vec![
            row(1, Some(1), 4, Some(2), 10),
            row(2, Some(2), 3, Some(2), 10),
            row(3, Some(3), 2, Some(2), 10),
            row(9, Some(4), 1, None, 10),
        ];
        let mut e2 = vec![
            row(3, Some(1), 5, Some(2), 10),
            row(1, Some(2), 4, Some(2), 10),
            row(2, Some(3), 3, Some(2), 10),
            row(9, Some(4), 1, None, 10),
        ];
        // A second attempt of participant 2, not their best.
        let mut extra = row(2, None, 1, Some(9), 50);
        extra.attempt_id = Uuid::from_u128(0xA000_0102);
        e2.push(extra);
        let r1 = result(
            1,
            Some(2),
            vec![prize(1, "first", 1, 4), prize(2, "second", 2, 3)],
            "aa",
        );
        let r2 = result(
            2,
            Some(2),
            vec![prize(3, "first", 1, 5), prize(1, "second", 2, 4)],
            "bb",
        );
        let csv = |rows: &[ExportRow]| {
            let mut out = format!("{}\n", cuocthi_domain::allocation::EXPORT_HEADER);
            for r in rows {
                out.push_str(&format!(
                    "{},{},{},{},,{},{},{},{},{},{},{},\n",
                    r.rank.map(|n| n.to_string()).unwrap_or_default(),
                    r.participant_ref,
                    r.attempt_id,
                    r.unit_code,
                    r.eligible,
                    r.score,
                    r.correct,
                    r.total,
                    r.prediction.map(|n| n.to_string()).unwrap_or_default(),
                    r.duration_ms,
                    cuocthi_domain::allocation::format_ms(r.submitted_at_ms),
                ));
            }
            out
        };
        let refs: HashSet<String> = r1
            .prizes
            .iter()
            .chain(r2.prizes.iter())
            .map(|p| participant_ref(p.participant_id))
            .collect();
        let k1 = rows_of(&csv(&e1), &refs).unwrap_or_default();
        let k2 = rows_of(&csv(&e2), &refs).unwrap_or_default();
        assert_eq!(k1.len(), 3, "participant 9 won nothing in either version");
        assert_eq!(k2.len(), 4, "every row of a prize holder is kept");
        assert!(k2
            .iter()
            .all(|r| r.participant_ref != participant_ref(pid(9))));
        fn side<'a>(r: &'a FinalizedResult, e: &'a [ExportRow]) -> Side<'a> {
            Side {
                result: r,
                export: e,
                rules: RULES,
            }
        }
        let whole = diff(side(&r1, &e1), side(&r2, &e2));
        let kept = diff(side(&r1, &k1), side(&r2, &k2));
        assert_eq!(whole, kept);
        assert_eq!(whole.changes.len(), 3);
        assert!(rows_of("nonsense", &refs).is_err());
    }

    #[test]
    fn the_same_winners_under_another_hash_are_not_identical() {
        let export = vec![row(1, Some(1), 4, Some(2), 10)];
        let mut other = export.clone();
        other.push(row(9, Some(2), 0, None, 10));
        let r1 = result(1, Some(2), vec![prize(1, "first", 1, 4)], "aa");
        let r2 = result(2, Some(2), vec![prize(1, "first", 1, 4)], "bb");
        let d = diff(
            Side {
                result: &r1,
                export: &export,
                rules: RULES,
            },
            Side {
                result: &r2,
                export: &other,
                rules: RULES,
            },
        );
        assert!(d.changes.is_empty());
        assert!(!d.identical);
    }
}
