//! The `attempts` table.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One row of `attempts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contest_id: Uuid,
    pub round_id: Uuid,
    pub participant_id: Uuid,
    pub unit_id: Uuid,
    pub category: Option<String>,
    pub attempt_no: i32,
    pub status: String,
    pub started_at: i64,
    pub deadline: i64,
    pub submitted_at: Option<i64>,
    pub last_saved_at: Option<i64>,
    pub prediction: Option<i64>,
    pub score: Option<i32>,
    pub correct: Option<i32>,
    pub total: i32,
    pub perfect: Option<bool>,
    pub duration_ms: Option<i64>,
    /// JSON array of `cuocthi_domain::draw::DrawnQuestion`, in shown order.
    pub draw: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
