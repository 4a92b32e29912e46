//! The core tables: contests, rounds, categories, units, topics, questions and their versions,
//! participants and their tokens, attempts and answers.
//!
//! Why attempts and answers have the shape they have (the scale is in
//! spec/quality-bars.md: hundreds of answer saves a second, a million attempts to rank and
//! regrade):
//! - `attempts` carries the whole draw as one JSON column (`draw`: question versions and option
//!   orders). Starting an attempt is then one row insert, and the draw can never drift from
//!   what was shown. It also carries the participant's `unit_id`, which never changes, so that
//!   per-unit statistics and rankings read one table with an index instead of joining
//!   participants for every attempt.
//! - The limit on attempts lives in the database: `attempt_no` runs from 1 to the contest's
//!   maximum and `(participant_id, round_id, attempt_no)` is unique, so two nodes racing can
//!   never insert more than the maximum; a partial unique index allows at most one attempt
//!   `in_progress` per participant and round.
//! - `answers` is narrow and keyed by `(attempt_id, position)`: a save is one upsert of five
//!   small columns, with no read of other answers. The choice is a bit mask over the
//!   question's *original* options and the row names the question version, so a regrade is one
//!   indexed pass over `answers` by `question_version_id` comparing integers, without
//!   decoding any draw.
//! - Every save also touches its attempt row (`last_saved_at`) in the same transaction, with the
//!   state and time window in that update's `WHERE`. The row lock serialises a save against a
//!   concurrent submit on every backend: a save either lands before the submit scores the
//!   attempt, or is refused. No acknowledged answer can be left out of a score.
//! - Results (`score`, `correct`, `perfect`, `duration_ms`, `submitted_at`) are columns of
//!   `attempts`, written once at the end, so ranking a round reads one index range.

use sea_orm_migration::prelude::*;

/// Creates the core tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000001_create_core_tables"
    }
}

fn id(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .uuid()
        .not_null()
        .to_owned()
}

fn text(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .text()
        .not_null()
        .to_owned()
}

fn text_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).text().null().to_owned()
}

fn string(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .not_null()
        .to_owned()
}

fn string_null(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .null()
        .to_owned()
}

fn int(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .to_owned()
}

fn int_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).integer().null().to_owned()
}

/// A time: whole milliseconds since the Unix epoch, UTC.
fn time(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .not_null()
        .to_owned()
}

fn time_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .null()
        .to_owned()
}

fn boolean(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .boolean()
        .not_null()
        .to_owned()
}

fn fk(table: &str, column: &str, parent: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(Alias::new(table), Alias::new(column))
        .to(Alias::new(parent), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(table: &str, name: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(Alias::new(table));
    for column in columns {
        statement.col(Alias::new(*column));
    }
    if unique {
        statement.unique();
    }
    statement.to_owned()
}

const TABLES: [&str; 11] = [
    "answers",
    "attempts",
    "participant_tokens",
    "participants",
    "question_versions",
    "questions",
    "topics",
    "units",
    "categories",
    "rounds",
    "contests",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("contests"))
                    .col(id("id").primary_key())
                    .col(string("slug", 64))
                    .col(string("title", 300))
                    .col(text("rules_md"))
                    .col(text("consent_text"))
                    .col(string_null("organizer", 300))
                    .col(time("opens_at"))
                    .col(time("closes_at"))
                    .col(string("timezone", 64))
                    .col(boolean("listed"))
                    .col(int("questions_per_attempt"))
                    .col(int("time_limit_secs"))
                    .col(int("max_attempts"))
                    .col(int("grace_secs"))
                    .col(boolean("shuffle_options"))
                    .col(string("reveal", 32))
                    .col(text_null("prediction_question"))
                    .col(string_null("prediction_target", 32))
                    .col(boolean("require_national_id"))
                    .col(boolean("require_pin"))
                    .col(text("topic_quotas"))
                    .col(text("tie_breaks"))
                    .col(text("prizes"))
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("contests", "ux_contests_slug", &["slug"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("rounds"))
                    .col(id("id").primary_key())
                    .col(id("contest_id"))
                    .col(int("number"))
                    .col(time("opens_at"))
                    .col(time("closes_at"))
                    .col(string_null("draw_seed_sha256", 64))
                    .col(time_null("closed_early_at"))
                    .foreign_key(&mut fk("rounds", "contest_id", "contests"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "rounds",
                "ux_rounds_contest_number",
                &["contest_id", "number"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("categories"))
                    .col(id("id").primary_key())
                    .col(id("contest_id"))
                    .col(string("code", 64))
                    .col(string("name", 300))
                    .col(int("position"))
                    .foreign_key(&mut fk("categories", "contest_id", "contests"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "categories",
                "ux_categories_contest_code",
                &["contest_id", "code"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("units"))
                    .col(id("id").primary_key())
                    .col(id("contest_id"))
                    .col(string("code", 64))
                    .col(string("name", 300))
                    .col(string("block", 300))
                    .col(int_null("headcount"))
                    .col(int("position"))
                    .foreign_key(&mut fk("units", "contest_id", "contests"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "units",
                "ux_units_contest_code",
                &["contest_id", "code"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("topics"))
                    .col(id("id").primary_key())
                    .col(id("contest_id"))
                    .col(string("code", 64))
                    .col(string("name", 300))
                    .col(int("position"))
                    .foreign_key(&mut fk("topics", "contest_id", "contests"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topics",
                "ux_topics_contest_code",
                &["contest_id", "code"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("questions"))
                    .col(id("id").primary_key())
                    .col(id("contest_id"))
                    .col(id("topic_id"))
                    .col(boolean("active"))
                    .col(int("current_version"))
                    .col(string("text_key", 64))
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .foreign_key(&mut fk("questions", "contest_id", "contests"))
                    .foreign_key(&mut fk("questions", "topic_id", "topics"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "questions",
                "ix_questions_contest",
                &["contest_id", "active"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("question_versions"))
                    .col(id("id").primary_key())
                    .col(id("question_id"))
                    .col(int("version"))
                    .col(text("text"))
                    .col(boolean("multiple"))
                    .col(text("options"))
                    .col(int("key_mask"))
                    .col(int("points"))
                    .col(text_null("explanation"))
                    .col(string_null("difficulty", 32))
                    .col(text("tags"))
                    .col(time("created_at"))
                    .foreign_key(&mut fk("question_versions", "question_id", "questions"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "question_versions",
                "ux_question_versions_question_version",
                &["question_id", "version"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("participants"))
                    .col(id("id").primary_key())
                    .col(id("contest_id"))
                    .col(string("full_name", 300))
                    .col(string("name_key", 300))
                    .col(string("phone", 16))
                    .col(string_null("national_id", 16))
                    .col(int("birth_year"))
                    .col(string_null("gender", 16))
                    .col(id("unit_id"))
                    .col(string_null("category", 64))
                    .col(text_null("address"))
                    .col(string_null("pin_hash", 128))
                    .col(boolean("eligible"))
                    .col(text_null("ineligible_reason"))
                    .col(time("registered_at"))
                    .foreign_key(&mut fk("participants", "contest_id", "contests"))
                    .foreign_key(&mut fk("participants", "unit_id", "units"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "participants",
                "ux_participants_phone",
                &["contest_id", "phone"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "participants",
                "ux_participants_national_id",
                &["contest_id", "national_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "participants",
                "ix_participants_unit",
                &["unit_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("participant_tokens"))
                    .col(string("token_hash", 64).primary_key())
                    .col(id("participant_id"))
                    .col(id("contest_id"))
                    .col(time("created_at"))
                    .foreign_key(&mut fk(
                        "participant_tokens",
                        "participant_id",
                        "participants",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "participant_tokens",
                "ix_participant_tokens_participant",
                &["participant_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("attempts"))
                    .col(id("id").primary_key())
                    .col(id("contest_id"))
                    .col(id("round_id"))
                    .col(id("participant_id"))
                    .col(id("unit_id"))
                    .col(string_null("category", 64))
                    .col(int("attempt_no"))
                    .col(string("status", 16))
                    .col(time("started_at"))
                    .col(time("deadline"))
                    .col(time_null("submitted_at"))
                    .col(time_null("last_saved_at"))
                    .col(
                        ColumnDef::new(Alias::new("prediction"))
                            .big_integer()
                            .null(),
                    )
                    .col(int_null("score"))
                    .col(int_null("correct"))
                    .col(int("total"))
                    .col(ColumnDef::new(Alias::new("perfect")).boolean().null())
                    .col(
                        ColumnDef::new(Alias::new("duration_ms"))
                            .big_integer()
                            .null(),
                    )
                    .col(text("draw"))
                    .foreign_key(&mut fk("attempts", "round_id", "rounds"))
                    .foreign_key(&mut fk("attempts", "participant_id", "participants"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "attempts",
                "ux_attempts_participant_round_no",
                &["participant_id", "round_id", "attempt_no"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "attempts",
                "ix_attempts_round_status",
                &["round_id", "status"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "attempts",
                "ix_attempts_status_deadline",
                &["status", "deadline"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "attempts",
                "ix_attempts_contest_unit",
                &["contest_id", "unit_id"],
                false,
            ))
            .await?;
        // At most one attempt in progress per participant and round, whichever node starts it.
        // Partial indexes are written the same way on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_attempts_one_in_progress ON attempts \
                 (participant_id, round_id) WHERE status = 'in_progress'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("answers"))
                    .col(id("attempt_id"))
                    .col(
                        ColumnDef::new(Alias::new("position"))
                            .small_integer()
                            .not_null(),
                    )
                    .col(id("question_version_id"))
                    .col(
                        ColumnDef::new(Alias::new("choice_mask"))
                            .small_integer()
                            .not_null(),
                    )
                    .col(time("saved_at"))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("attempt_id"))
                            .col(Alias::new("position")),
                    )
                    .foreign_key(&mut fk("answers", "attempt_id", "attempts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "answers",
                "ix_answers_question_version",
                &["question_version_id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
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
