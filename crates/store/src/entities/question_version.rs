//! The `question_versions` table.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One row of `question_versions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub question_id: Uuid,
    pub version: i32,
    pub text: String,
    pub multiple: bool,
    /// JSON array of option texts, in original order.
    pub options: String,
    /// Bit `i` set = original option `i` is correct.
    pub key_mask: i32,
    pub points: i32,
    pub explanation: Option<String>,
    pub difficulty: Option<String>,
    /// JSON array of tags.
    pub tags: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
