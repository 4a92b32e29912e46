//! The `results` table: finalized results of rounds, one row per version.
//!
//! The table also holds each version's canonical results export, tens of megabytes for a large
//! round, in two columns this model leaves out so that no ordinary read loads them:
//! `export_lz4` (LZ4 block with its size prepended, for rows stored since migration 000009)
//! and `export_csv` (the plain text of older rows; empty for newer ones). The results service
//! writes and reads them explicitly (`cuocthi_leaderboard::results::service`).
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One row of `results`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contest_id: Uuid,
    pub round_id: Uuid,
    /// 1, 2, ... per round; `(round_id, version)` is unique.
    pub version: i32,
    pub created_at: i64,
    /// The staff username who finalized.
    pub created_by: String,
    /// The draw seed used.
    pub seed: String,
    /// Whether the round had a `draw_seed_sha256` commitment (which the seed matched).
    pub seed_committed: bool,
    /// The prediction target's actual value; `None` without a prediction question.
    pub actual: Option<i64>,
    /// JSON: the tie-break keys, prize rules and prediction target in force.
    pub rules: String,
    /// JSON: the finalize response body.
    pub result: String,
    /// Lowercase hex SHA-256 of the canonical results export (its uncompressed bytes).
    pub export_sha256: String,
    /// When this version was made public, if it was.
    pub published_at: Option<i64>,
    /// A regrade touched the round after this version was made.
    pub needs_refinalize: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
