//! The `audit_log` table: every staff change, who, what, when, before and after.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One audited change. `before`/`after` are JSON documents where they matter.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub contest_id: Option<Uuid>,
    pub subject: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
