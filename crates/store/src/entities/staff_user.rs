//! The `staff_users` table.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One staff account: `admin`, `organizer` or `unit_manager` (bound to `unit_code`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    pub role: String,
    pub unit_code: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
