//! Finalized results: one row per finalize call (a version per round, never overwritten),
//! holding everything the winners depend on (seed, rules, actual value, canonical export and
//! its SHA-256) and the response given, so that publishing and the public winners page read
//! one row per round.

use sea_orm_migration::prelude::*;

/// Creates the `results` table.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000004_create_results"
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

fn fk(column: &str, parent: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_results_{column}"))
        .from(Alias::new("results"), Alias::new(column))
        .to(Alias::new(parent), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("results"))
                    .col(col("id").uuid().not_null().primary_key())
                    .col(col("contest_id").uuid().not_null())
                    .col(col("round_id").uuid().not_null())
                    .col(col("version").integer().not_null())
                    .col(col("created_at").big_integer().not_null())
                    .col(col("created_by").string_len(64).not_null())
                    .col(col("seed").text().not_null())
                    .col(col("seed_committed").boolean().not_null())
                    .col(col("actual").big_integer().null())
                    .col(col("rules").text().not_null())
                    .col(col("result").text().not_null())
                    .col(col("export_csv").text().not_null())
                    .col(col("export_sha256").string_len(64).not_null())
                    .col(col("published_at").big_integer().null())
                    .col(col("needs_refinalize").boolean().not_null().default(false))
                    .foreign_key(&mut fk("contest_id", "contests"))
                    .foreign_key(&mut fk("round_id", "rounds"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_results_round_version")
                    .table(Alias::new("results"))
                    .col(Alias::new("round_id"))
                    .col(Alias::new("version"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_results_contest")
                    .table(Alias::new("results"))
                    .col(Alias::new("contest_id"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("results")).to_owned())
            .await
    }
}
