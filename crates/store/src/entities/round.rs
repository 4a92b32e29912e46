//! The `rounds` table.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One row of `rounds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contest_id: Uuid,
    pub number: i32,
    pub opens_at: i64,
    pub closes_at: i64,
    pub draw_seed_sha256: Option<String>,
    pub closed_early_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
