//! Database migrations of cuocthi, portable between SQLite and PostgreSQL.
//!
//! Portable types only: UUIDs minted in Rust, enums stored as strings, times as whole
//! milliseconds since the Unix epoch (UTC) in 64-bit integers, JSON as text. A migration that
//! has landed is never edited; changes come as new migrations.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_core_tables;
mod m20261125_000002_create_staff_tables;
mod m20261125_000003_leave_room_for_rescoring;
mod m20261125_000004_create_results;
mod m20261125_000005_leaderboard;
mod m20261125_000008_participant_search;
mod m20261125_000009_compress_result_exports;

/// The migrator: every migration of the project, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_core_tables::Migration),
            Box::new(m20261125_000002_create_staff_tables::Migration),
            Box::new(m20261125_000003_leave_room_for_rescoring::Migration),
            Box::new(m20261125_000004_create_results::Migration),
            Box::new(m20261125_000005_leaderboard::Migration),
            Box::new(m20261125_000008_participant_search::Migration),
            Box::new(m20261125_000009_compress_result_exports::Migration),
        ]
    }
}
