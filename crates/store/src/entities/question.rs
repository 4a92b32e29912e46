//! The `questions` table.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One row of `questions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contest_id: Uuid,
    pub topic_id: Uuid,
    pub active: bool,
    pub current_version: i32,
    /// First 16 hex digits of sha256 of the folded question text: finds duplicates.
    pub text_key: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
