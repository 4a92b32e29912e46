//! The canonical results export of a finalized version (about 110 MB of CSV for a million
//! attempts) is stored LZ4-compressed, in a new binary column `results.export_lz4`, instead of
//! as text in `export_csv` (left empty for new rows; rows stored before keep their text there,
//! and readers take whichever is set). Measured on a million attempts in PostgreSQL, storing a
//! version went from 3.5 s (text, compressed by `pglz`) to a fraction of it (docs/PERFORMANCE.md,
//! P4), and every row stays a few tens of MB smaller in both databases. On PostgreSQL the new
//! column is stored out of line without a second compression (`STORAGE EXTERNAL`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Adds `results.export_lz4`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000009_compress_result_exports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("results"))
                    .add_column(ColumnDef::new(Alias::new("export_lz4")).binary().null())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE results ALTER COLUMN export_lz4 SET STORAGE EXTERNAL",
                )
                .await?;
        }
        Ok(())
    }

    /// Refuses while any version keeps its export only in the compressed column: dropping it
    /// would lose frozen results (their hash would stay, the file would be gone).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let kept = db
            .query_one(sea_orm_migration::sea_orm::Statement::from_string(
                manager.get_database_backend(),
                "SELECT COUNT(*) AS n FROM results WHERE export_lz4 IS NOT NULL",
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if kept > 0 {
            return Err(DbErr::Migration(format!(
                "{kept} result versions keep their export only in results.export_lz4; \
                 rolling back would lose them"
            )));
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("results"))
                    .drop_column(Alias::new("export_lz4"))
                    .to_owned(),
            )
            .await
    }
}
