//! PostgreSQL only: attempts' pages keep 30 % free (`fillfactor = 70`), so that rescoring a
//! row (finishing an attempt, a regrade touching a quarter of a million attempts) can write the
//! new row version on the same page without touching the table's six indexes (a "HOT"
//! update: none of the indexed columns change when a score does). Measured on a million
//! attempts: the regrade of P5 went from a median of 11.3 s to 9.3 s (docs/PERFORMANCE.md).
//! SQLite rewrites rows in place and has no such setting.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Sets the attempts table's fill factor on PostgreSQL.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000003_leave_room_for_rescoring"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE attempts SET (fillfactor = 70)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE attempts RESET (fillfactor)")
                .await?;
        }
        Ok(())
    }
}
