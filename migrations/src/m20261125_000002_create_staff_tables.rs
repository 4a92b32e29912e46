//! Staff: accounts, server-side sessions (so every node knows them), API tokens for scripts,
//! and the audit log of every staff change.

use sea_orm_migration::prelude::*;

/// Creates the staff tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000002_create_staff_tables"
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("staff_users"))
                    .col(col("id").uuid().not_null().primary_key())
                    .col(col("username").string_len(64).not_null())
                    .col(col("role").string_len(16).not_null())
                    .col(col("unit_code").string_len(64).null())
                    .col(col("password_hash").string_len(256).not_null())
                    .col(col("active").boolean().not_null())
                    .col(col("created_at").big_integer().not_null())
                    .col(col("updated_at").big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_staff_users_username")
                    .table(Alias::new("staff_users"))
                    .col(Alias::new("username"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("staff_sessions"))
                    .col(col("token_hash").string_len(64).not_null().primary_key())
                    .col(col("user_id").uuid().not_null())
                    .col(col("csrf_token").string_len(64).not_null())
                    .col(col("kind").string_len(16).not_null())
                    .col(col("name").string_len(200).null())
                    .col(col("created_at").big_integer().not_null())
                    .col(col("expires_at").big_integer().null())
                    .col(col("last_used_at").big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_sessions_user")
                            .from(Alias::new("staff_sessions"), Alias::new("user_id"))
                            .to(Alias::new("staff_users"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_staff_sessions_user")
                    .table(Alias::new("staff_sessions"))
                    .col(Alias::new("user_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("audit_log"))
                    .col(col("id").uuid().not_null().primary_key())
                    .col(col("at").big_integer().not_null())
                    .col(col("actor").string_len(64).not_null())
                    .col(col("action").string_len(64).not_null())
                    .col(col("contest_id").uuid().null())
                    .col(col("subject").string_len(200).null())
                    .col(col("before").text().null())
                    .col(col("after").text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_at")
                    .table(Alias::new("audit_log"))
                    .col(Alias::new("at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["audit_log", "staff_sessions", "staff_users"] {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(table))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
