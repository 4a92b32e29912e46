//! Searching participants as staff do: by name without diacritics, newest registrations in a
//! stable order, and the few marked ineligible.
//!
//! - `participants.name_fold`: the full name folded for searching (diacritics removed, `đ` →
//!   `d`, lowercase, spaces collapsed: `cuocthi_domain::identity::fold_for_search`), so that
//!   "nguyen van an" finds "Nguyễn Văn An". `name_key` cannot serve: it keeps the diacritics,
//!   because registering again compares names with them. Registration fills it; existing rows
//!   are filled here, in batches.
//! - `ix_participants_contest_registered (contest_id, registered_at, id)`: the staff list's
//!   order, so a page of a million participants is an index range, not a sort.
//! - `ix_participants_ineligible`, partial (`WHERE eligible = false`): the list of the few
//!   participants marked ineligible without walking everyone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};
use uuid::Uuid;

/// Adds `participants.name_fold` (filled) and the two indexes of the staff list.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000008_participant_search"
    }
}

/// Rows folded and written per statement (two bound values each).
const BATCH: u64 = 400;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("participants"))
                    .add_column(
                        ColumnDef::new(Alias::new("name_fold"))
                            .string_len(300)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        backfill(manager.get_connection()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_participants_contest_registered")
                    .table(Alias::new("participants"))
                    .col(Alias::new("contest_id"))
                    .col(Alias::new("registered_at"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await?;
        // Partial indexes are written the same way on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_participants_ineligible ON participants \
                 (contest_id, registered_at, id) WHERE eligible = false",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "ix_participants_ineligible",
            "ix_participants_contest_registered",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Alias::new("participants"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("participants"))
                    .drop_column(Alias::new("name_fold"))
                    .to_owned(),
            )
            .await
    }
}

/// Fills `name_fold` of every existing participant, `BATCH` rows per statement in id order
/// (one `UPDATE ... FROM (VALUES ...)`, as PostgreSQL and SQLite ≥ 3.33 both read it).
async fn backfill(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut after: Option<Uuid> = None;
    loop {
        let page = match after {
            None => Statement::from_string(
                backend,
                format!("SELECT id, full_name FROM participants ORDER BY id LIMIT {BATCH}"),
            ),
            Some(last) => Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id, full_name FROM participants WHERE id > $1 ORDER BY id LIMIT {BATCH}"
                ),
                [last.into()],
            ),
        };
        let rows = db.query_all(page).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tuples = Vec::with_capacity(rows.len());
        let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 2);
        for row in &rows {
            let id: Uuid = row.try_get("", "id")?;
            let name: String = row.try_get("", "full_name")?;
            tuples.push(format!("(${}, ${})", values.len() + 1, values.len() + 2));
            values.push(id.into());
            values.push(cuocthi_domain::identity::fold_for_search(&name).into());
            after = Some(id);
        }
        db.execute(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE participants SET name_fold = v.column2 FROM (VALUES {}) AS v \
                 WHERE participants.id = v.column1",
                tuples.join(", ")
            ),
            values,
        ))
        .await?;
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}
