//! Backups: a copy taken while the server runs and contestants keep saving opens as a new
//! database in which every finished attempt and every answer is found through the API.
//!
//! On SQLite the copy is `cuocthi backup` (`cuocthi_server::backup::backup_sqlite`); on
//! PostgreSQL (`TEST_DATABASE_URL`) it is the documented `pg_dump -Fc` / `pg_restore` pair
//! (docs/RELIABILITY.md, "Backups").

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::path::Path;

use cuocthi_store::Clock;
use cuocthi_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A finished attempt as the original server shows it.
struct Seen {
    id: String,
    token: String,
    view: Value,
}

/// Registers `phone`, starts, saves `answers` questions (option A or B by position) and
/// returns `(id, token, shown questions)`.
async fn take(app: &TestApp, phone: &str, answers: usize) -> (String, String, Vec<Value>) {
    let token = app.register(phone).await;
    let started = app.start("demo", &token).await;
    assert_eq!(started.status, 201, "{started:?}");
    let id = started.body["attempt_id"].as_str().unwrap().to_owned();
    let questions = started.body["questions"].as_array().unwrap().clone();
    for q in questions.iter().take(answers) {
        let position = q["position"].as_i64().unwrap();
        let key = if position % 2 == 0 { "A" } else { "B" };
        let saved = app.save(&id, &token, position, &[key]).await;
        assert_eq!(saved.status, 200, "{saved:?}");
    }
    (id, token, questions)
}

fn run(command: &mut std::process::Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Backs the running server's database up into `file` (SQLite: `cuocthi backup`;
/// PostgreSQL: `pg_dump -Fc`).
async fn back_up(url: &str, file: &Path) {
    if url.starts_with("sqlite:") {
        let report = cuocthi_server::backup::backup_sqlite(url, file)
            .await
            .expect("backup");
        assert_eq!(report.path, file);
        assert!(report.bytes > 0);
    } else {
        let (url, file) = (url.to_owned(), file.to_owned());
        tokio::task::spawn_blocking(move || {
            run(std::process::Command::new("pg_dump")
                .args(["-Fc", "--no-owner", "-f"])
                .arg(&file)
                .arg(&url));
        })
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn a_backup_taken_while_contestants_save_holds_every_finished_attempt_and_answer() {
    let app = TestApp::with_demo().await;
    let mut finished = Vec::new();
    for i in 0..4 {
        let (id, token, _) = take(&app, &format!("091200000{i}"), 20).await;
        app.advance(chrono::Duration::seconds(30));
        let submitted = app.submit(&id, &token, json!({"prediction": i})).await;
        assert_eq!(submitted.status, 200, "{submitted:?}");
        finished.push((id, token));
    }
    // One left open past its deadline and grace: expired, with its three answers.
    let (id, token, _) = take(&app, "0912000009", 3).await;
    app.advance(chrono::Duration::minutes(21));
    let expired = app.attempt(&id, &token).await;
    assert_eq!(expired.body["status"], "expired", "{expired:?}");
    finished.push((id, token));
    let mut seen = Vec::new();
    for (id, token) in finished {
        let view = app.attempt(&id, &token).await.body;
        assert!(view["score"].is_i64(), "{view}");
        seen.push(Seen { id, token, view });
    }

    // One in progress, five answers acknowledged before the backup, the rest saved during it.
    let (open_id, open_token, questions) = take(&app, "0912000010", 5).await;
    let url = app.database_url().await;
    let restore_dir = tempfile::tempdir().unwrap();
    let file = restore_dir.path().join(if url.starts_with("sqlite:") {
        "test.db"
    } else {
        "backup.dump"
    });
    let saver = {
        let (base, id, token) = (app.base.clone(), open_id.clone(), open_token.clone());
        let positions: Vec<i64> = questions[5..]
            .iter()
            .map(|q| q["position"].as_i64().unwrap())
            .collect();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut statuses = Vec::new();
            for position in positions {
                let response = http
                    .put(format!("{base}/api/v1/attempts/{id}/answers/{position}"))
                    .bearer_auth(&token)
                    .json(&json!({"choice": ["A"]}))
                    .send()
                    .await
                    .unwrap();
                statuses.push(response.status());
            }
            statuses
        })
    };
    back_up(&url, &file).await;
    let statuses = saver.await.unwrap();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "the backup never holds up saves: {statuses:?}"
    );
    let attempts_before = app.count("SELECT COUNT(*) AS n FROM attempts").await;

    if url.starts_with("sqlite:") {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the copy holds personal data");
        }
        let size = std::fs::metadata(&file).unwrap().len();
        let again = cuocthi_server::backup::backup_sqlite(&url, &file).await;
        assert!(
            again.unwrap_err().to_string().contains("already exists"),
            "an existing file is never overwritten"
        );
        assert_eq!(std::fs::metadata(&file).unwrap().len(), size);
    }

    // Restore into a new database and serve it.
    let restored_url = match TestApp::new_postgres_database().await {
        None => format!("sqlite://{}?mode=rwc", file.display()),
        Some(new_url) => {
            let (target, dump) = (new_url.clone(), file.clone());
            tokio::task::spawn_blocking(move || {
                run(std::process::Command::new("pg_restore")
                    .args(["--no-owner", "--exit-on-error", "-d"])
                    .arg(&target)
                    .arg(&dump));
            })
            .await
            .unwrap();
            new_url
        }
    };
    assert_ne!(restored_url, url);
    let restored = TestApp::on_database(restored_url, restore_dir, app.clock.now()).await;
    assert_eq!(
        restored.count("SELECT COUNT(*) AS n FROM attempts").await,
        attempts_before
    );
    for attempt in &seen {
        let view = restored.attempt(&attempt.id, &attempt.token).await;
        assert_eq!(view.status, 200, "{view:?}");
        for field in [
            "status",
            "score",
            "correct",
            "duration_ms",
            "answers",
            "questions",
        ] {
            assert_eq!(
                view.body[field], attempt.view[field],
                "{field} of {}",
                attempt.id
            );
        }
    }
    let open = restored.attempt(&open_id, &open_token).await;
    assert_eq!(open.status, 200, "{open:?}");
    assert_eq!(open.body["status"], "in_progress");
    for q in &questions[..5] {
        let position = q["position"].as_i64().unwrap();
        let key = if position % 2 == 0 { "A" } else { "B" };
        assert_eq!(
            open.body["answers"][position.to_string()],
            json!([key]),
            "answer {position} acknowledged before the backup"
        );
    }
    // The restored server takes new work on the restored attempt.
    let last = questions.last().unwrap()["position"].as_i64().unwrap();
    assert_eq!(
        restored
            .save(&open_id, &open_token, last, &["B"])
            .await
            .status,
        200
    );
}
