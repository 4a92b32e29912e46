//! Connecting to the database named by a URL (SQLite or PostgreSQL) and migrating it.

use std::time::Duration;

use anyhow::Context;
use cuocthi_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, TransactionTrait,
};

/// Opens a pool on `url`. SQLite files are created when missing and opened in WAL mode with
/// full synchronisation (an acknowledged write survives a crash of the process or the
/// machine), foreign keys on and a busy timeout, so that concurrent writers wait instead of
/// failing.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        // Plan every statement with its values. Statements are prepared once per connection,
        // and after five runs PostgreSQL may switch to a generic plan chosen on the
        // statistics of the moment; on a young contest those describe nearly empty tables,
        // and the plan then kept (e.g. the participant lookup by phone through the
        // (contest, registered_at) index) reads every row of the contest per request: P1 on
        // one database fell from 189 to 129 journeys/s over four 15-s runs. With custom
        // plans it stayed at 176-178 (docs/PERFORMANCE.md).
        options.map_sqlx_postgres_opts(|opts| {
            opts.options([("plan_cache_mode", "force_custom_plan")])
        });
    }
    if url.starts_with("sqlite:") {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database at {}", redact(url)))?;
    Ok(db)
}

/// This process's turn to write, on SQLite: the hot write transactions (answer batches,
/// registrations, starts, submissions) take it before they begin, so that they queue here and
/// are woken the moment the one before commits, instead of sleeping in SQLite's busy handler
/// (1, 2, 5, 10 … 100 ms) while the database's single write lock may already be free. `None`
/// on PostgreSQL, where rows are locked one by one and nothing needs to queue.
pub async fn sqlite_write_turn(
    db: &impl ConnectionTrait,
) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    if db.get_database_backend() == DbBackend::Sqlite {
        Some(TURN.lock().await)
    } else {
        None
    }
}

/// Runs every pending migration. Returns whether the database was new (had no migrations).
/// On PostgreSQL the migrations run in one transaction holding an advisory lock, so that two
/// nodes starting together migrate once, one after the other.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<bool> {
    if db.get_database_backend() == DbBackend::Postgres {
        let txn = db
            .begin()
            .await
            .context("beginning the migration transaction")?;
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7242026001)")
            .await
            .context("taking the migration lock")?;
        let applied = Migrator::get_applied_migrations(&txn)
            .await
            .context("reading applied migrations")?;
        Migrator::up(&txn, None)
            .await
            .context("running migrations")?;
        txn.commit().await.context("committing the migrations")?;
        return Ok(applied.is_empty());
    }
    let applied = Migrator::get_applied_migrations(db)
        .await
        .context("reading applied migrations")?;
    let was_new = applied.is_empty();
    Migrator::up(db, None).await.context("running migrations")?;
    Ok(was_new)
}

/// Whether the connection is SQLite.
pub fn is_sqlite(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Sqlite
}

/// The URL with any password replaced, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact("sqlite://./data/x.db?mode=rwc"),
            "sqlite://./data/x.db?mode=rwc"
        );
    }

    #[tokio::test]
    async fn migrations_run_on_a_new_sqlite_database_and_only_once() {
        let db = connect("sqlite::memory:", 1).await.unwrap();
        assert!(migrate(&db).await.unwrap());
        assert!(!migrate(&db).await.unwrap());
        assert!(is_sqlite(&db));
    }
}
