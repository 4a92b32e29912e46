//! The `participants` table.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One row of `participants`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contest_id: Uuid,
    pub full_name: String,
    pub name_key: String,
    /// The name folded for staff search (`cuocthi_domain::identity::fold_for_search`).
    pub name_fold: String,
    pub phone: String,
    pub national_id: Option<String>,
    pub birth_year: i32,
    pub gender: Option<String>,
    pub unit_id: Uuid,
    pub category: Option<String>,
    pub address: Option<String>,
    pub pin_hash: Option<String>,
    pub eligible: bool,
    pub ineligible_reason: Option<String>,
    pub registered_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
