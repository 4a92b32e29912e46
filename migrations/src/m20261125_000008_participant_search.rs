//! Searching participants as staff do: by name without diacritics, newest registrations in a
//! stable order, and the few marked ineligible.
//!
//! - `participants.name_fold`: the full name folded for searching (diacritics removed, `đ` →
//!   `d`, lowercase, spaces collapsed), so that "nguyen van an" finds "Nguyễn Văn An".
//!   `name_key` cannot serve: it keeps the diacritics, because registering again compares
//!   names with them. Registration fills it (`cuocthi_domain::identity::fold_for_search`);
//!   existing rows are filled here, in batches, with this migration's own frozen copy of that
//!   folding ([`fold_v1`]), so that a later change of the live function cannot change what
//!   this migration does once it has run somewhere.
//! - `ix_participants_contest_registered (contest_id, registered_at, id)`: the staff list's
//!   order, so a page of a million participants is an index range, not a sort.
//! - `ix_participants_ineligible`, partial (`WHERE eligible = false`): the list of the few
//!   participants marked ineligible without walking everyone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
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

/// The search folding as it was when this migration was written, frozen: a copy of
/// `cuocthi_domain::identity::fold_for_search` at that time (NFD, combining marks dropped,
/// `đ`/`Đ` → `d`, lowercase, white space collapsed to single spaces, trimmed). A migration must
/// do the same on every database whenever it runs, so it does not call the live function;
/// do not edit this one. Should the live folding change, a new migration refolds the names
/// with its own copy, and registration and search follow the live one (the test below fails
/// until that is done, so the divergence is noticed).
fn fold_v1(raw: &str) -> String {
    let stripped: String = raw
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .collect();
    stripped
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
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
            values.push(fold_v1(&name).into());
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

#[cfg(test)]
mod tests {
    use super::fold_v1;

    /// Vietnamese names in every tone and vowel, composed and decomposed, in any case and
    /// spacing, with the letters folding touches (`đ`, `ơ`, `ư`, `ă`, `â`, `ê`, `ô`).
    const NAMES: &[&str] = &[
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Đức Cường",
        "ĐỖ THU HÀ",
        "\u{110}O\u{302}\u{303} THU  HA\u{300}",
        "Phạm Ngọc Ánh",
        "Hoàng Thị Mỹ Duyên",
        "Vũ Quốc Việt",
        "Đặng Thị Mỹ 949",
        "Bùi Xuân Hưởng",
        "Dương Thị Thuỳ Trang",
        "Dương Thị Thùy Trang",
        "Phu\u{031b}\u{0300}o\u{031b}ng",
        "Ngô Bảo Châu",
        "  Lý   Thường   Kiệt ",
        "Tạ Quang Bửu",
        "Hồ Xuân Hương",
        "Trịnh Công Sơn",
        "Ưng Hoàng Phúc",
        "Ông Ích Khiêm",
        "Ấu Triệu",
        "Ỷ Lan",
        "Giáp Văn Ước",
        "Khổng Tử Ỹ",
        "Đinh Bộ Lĩnh",
        "Huỳnh Tấn Phát",
        "Lâm Ngữ Đường",
        "Ê-đê H'Hen Niê",
        "\tMai\u{a0}Hắc Đế\n",
        "",
    ];

    #[test]
    fn the_frozen_folding_gives_what_it_gave_when_the_migration_was_written() {
        assert_eq!(fold_v1("Nguyễn Văn An"), "nguyen van an");
        assert_eq!(
            fold_v1("\u{110}O\u{302}\u{303} THU  HA\u{300}"),
            "do thu ha"
        );
        assert_eq!(fold_v1("Phu\u{031b}\u{0300}o\u{031b}ng"), "phuong");
        assert_eq!(fold_v1("  Lý   Thường   Kiệt "), "ly thuong kiet");
        assert_eq!(fold_v1("Ê-đê H'Hen Niê"), "e-de h'hen nie");
        assert_eq!(fold_v1("Đặng Thị Mỹ 949"), "dang thi my 949");
    }

    /// The live folding (registration and search) must fold names as the rows this migration
    /// filled were folded; if this fails, the live function changed: add a migration refolding
    /// `name_fold` with a copy of the new folding, and leave `fold_v1` as it is.
    #[test]
    fn the_live_folding_still_agrees_with_the_frozen_one() {
        for name in NAMES {
            assert_eq!(
                fold_v1(name),
                cuocthi_domain::identity::fold_for_search(name),
                "{name:?}"
            );
        }
    }
}
