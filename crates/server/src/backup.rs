//! `cuocthi backup`: an online, consistent copy of the embedded SQLite database.
//!
//! The copy is made with SQLite's `VACUUM INTO` through a connection opened with the server's
//! own settings (WAL, busy timeout). In WAL mode it is one read transaction: the server keeps
//! reading and writing while it runs, and the copy is the database exactly as it was when the
//! transaction began — every write acknowledged before that instant is in it, none after.
//! PostgreSQL installations are backed up with `pg_dump -Fc` instead (docs/RELIABILITY.md,
//! "Backups").

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The copy, as an absolute path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Attempts in the copy.
    pub attempts: i64,
    /// Finished attempts (submitted or expired) in the copy.
    pub finished_attempts: i64,
    /// Saved answers in the copy.
    pub answers: i64,
}

/// The file of an SQLite URL (`sqlite://path?query`, `sqlite:path`), or `None` when the URL is
/// not SQLite. In-memory databases are refused.
pub fn sqlite_file(url: &str) -> anyhow::Result<Option<PathBuf>> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(None);
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        bail!("an in-memory SQLite database cannot be backed up");
    }
    Ok(Some(PathBuf::from(path)))
}

/// The message for a database that `cuocthi backup` does not copy.
pub const POSTGRES_HINT: &str = "cuocthi backup copies the embedded SQLite database only; this \
     installation uses PostgreSQL: back it up with `pg_dump -Fc` and restore it with \
     `pg_restore` (see docs/RELIABILITY.md, \"Backups\")";

/// Copies the SQLite database at `database_url` into the new file `out` while the server may
/// be running. Guarantees: `out` did not exist before (an existing file, even empty, is never
/// overwritten: the call fails and leaves it alone); it is created with mode 0600 (it holds
/// personal data) and flushed to disk before the call returns; it is a consistent snapshot
/// that opens as a data directory's `cuocthi.db`. On failure a partly written `out` is
/// removed. A PostgreSQL URL is refused with [`POSTGRES_HINT`].
pub async fn backup_sqlite(database_url: &str, out: &Path) -> anyhow::Result<BackupReport> {
    let Some(source) = sqlite_file(database_url)? else {
        bail!("{POSTGRES_HINT}");
    };
    if !source.is_file() {
        bail!("there is no database at {}", source.display());
    }
    let out = if out.is_absolute() {
        out.to_owned()
    } else {
        std::env::current_dir()
            .context("reading the current directory")?
            .join(out)
    };
    claim(&out)?;
    match copy_into(database_url, &out).await {
        Ok(report) => Ok(report),
        Err(error) => {
            let _ = std::fs::remove_file(&out);
            Err(error)
        }
    }
}

/// Creates `out` empty with mode 0600, failing when it exists (atomic: two backups to one
/// name cannot both win). `VACUUM INTO` accepts an empty file.
fn claim(out: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(out) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {
            bail!("{} already exists; choose a new file name", out.display())
        }
        Err(error) => {
            Err(error).with_context(|| format!("creating the backup file {}", out.display()))
        }
    }
}

async fn copy_into(database_url: &str, out: &Path) -> anyhow::Result<BackupReport> {
    let target = out
        .to_str()
        .context("the backup file's path is not valid UTF-8")?;
    let db = cuocthi_store::db::connect(database_url, 1).await?;
    db.execute(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .context("copying the database (VACUUM INTO)")?;
    db.close().await.ok();
    // SQLite does not flush the copy itself; a backup must survive a power cut once reported.
    std::fs::File::open(out)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("flushing {}", out.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", out.display()))?;
    }
    let (attempts, finished_attempts, answers) = check(out).await?;
    let bytes = std::fs::metadata(out)
        .with_context(|| format!("reading {}", out.display()))?
        .len();
    Ok(BackupReport {
        path: out.to_owned(),
        bytes,
        attempts,
        finished_attempts,
        answers,
    })
}

/// Opens the copy read-only, checks its integrity and counts what it holds.
async fn check(out: &Path) -> anyhow::Result<(i64, i64, i64)> {
    let copy = Database::connect(format!("sqlite://{}?mode=ro", out.display()))
        .await
        .context("opening the copy")?;
    let verdict = copy
        .query_one(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA quick_check",
        ))
        .await
        .context("checking the copy")?
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    if verdict != "ok" {
        bail!("the copy fails SQLite's integrity check: {verdict}");
    }
    let row = copy
        .query_one(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT (SELECT COUNT(*) FROM attempts) AS attempts, \
                    (SELECT COUNT(*) FROM attempts WHERE status IN ('submitted', 'expired')) \
                        AS finished, \
                    (SELECT COUNT(*) FROM answers) AS answers",
        ))
        .await
        .context("counting the copy's attempts")?
        .context("the copy answered no row")?;
    let counts = (
        row.try_get::<i64>("", "attempts")?,
        row.try_get::<i64>("", "finished")?,
        row.try_get::<i64>("", "answers")?,
    );
    copy.close().await.ok();
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file_and_others_are_not_sqlite() {
        assert_eq!(
            sqlite_file("sqlite://./data/cuocthi.db?mode=rwc").unwrap(),
            Some(PathBuf::from("./data/cuocthi.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:/tmp/x.db").unwrap(),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_file("postgres://u@h/db").unwrap(), None);
        assert!(sqlite_file("sqlite::memory:").is_err());
    }

    #[tokio::test]
    async fn postgres_is_refused_with_a_pointer_to_pg_dump() {
        let dir = std::env::temp_dir().join(format!("cuocthi-backup-{}", uuid::Uuid::new_v4()));
        let error = backup_sqlite("postgres://u@127.0.0.1:1/db", &dir)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("pg_dump -Fc"), "{error}");
        assert!(!dir.exists(), "nothing is written");
    }
}
