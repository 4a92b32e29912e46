//! The live leaderboard's two settings per contest: whether the public pages show it
//! (`public_leaderboard`, off unless an organizer turns it on) and how many entries they show
//! (`leaderboard_size`, 10 by default). Existing contests get the defaults.
//!
//! One column per statement: SQLite alters one column at a time.

use sea_orm_migration::prelude::*;

/// Adds `contests.public_leaderboard` and `contests.leaderboard_size`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000005_leaderboard"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("contests"))
                    .add_column(
                        ColumnDef::new(Alias::new("public_leaderboard"))
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("contests"))
                    .add_column(
                        ColumnDef::new(Alias::new("leaderboard_size"))
                            .integer()
                            .not_null()
                            .default(10),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["leaderboard_size", "public_leaderboard"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("contests"))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
