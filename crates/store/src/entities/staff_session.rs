//! The `staff_sessions` table: browser sessions (`kind = session`, with a CSRF token and an
//! expiry) and API tokens for scripts (`kind = api_token`, named, no CSRF needed).
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One session or API token; only the secret's SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub kind: String,
    pub name: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
