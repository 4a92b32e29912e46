//! The `contests` table.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One row of `contests`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub rules_md: String,
    pub consent_text: String,
    pub organizer: Option<String>,
    pub opens_at: i64,
    pub closes_at: i64,
    pub timezone: String,
    pub listed: bool,
    pub questions_per_attempt: i32,
    pub time_limit_secs: i32,
    pub max_attempts: i32,
    pub grace_secs: i32,
    pub shuffle_options: bool,
    pub reveal: String,
    pub prediction_question: Option<String>,
    pub prediction_target: Option<String>,
    pub require_national_id: bool,
    pub require_pin: bool,
    pub topic_quotas: String,
    pub tie_breaks: String,
    pub prizes: String,
    /// Whether the public pages show the live leaderboard.
    pub public_leaderboard: bool,
    /// Entries the public live leaderboard shows (1–100).
    pub leaderboard_size: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
