//! The server is the only clock (spec/contest-rules.md "Attempts"): deadlines, the round's
//! close capping them, the server time, and attempts closed as `expired` by the server itself,
//! lazily or by the sweep.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use cuocthi_attempts::expiry::sweep_once;
use cuocthi_store::entities::round;
use cuocthi_tests::{test_epoch, Reply, TestApp};
use sea_orm::EntityTrait;

use cuocthi_tests::demo::{demo_keys, right_keys};

/// A shown key that is not right.
fn wrong_key(bank: &HashMap<String, BTreeSet<String>>, question: &Value) -> String {
    let right = right_keys(bank, question);
    question["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["key"].as_str().expect("key").to_owned())
        .find(|k| !right.contains(k))
        .expect("a wrong option")
}

fn attempt_id(reply: &Reply) -> String {
    reply.body["attempt_id"]
        .as_str()
        .unwrap_or_else(|| panic!("an attempt id in {reply:?}"))
        .to_owned()
}

fn wire(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn at_ms(ms: i64) -> String {
    wire(test_epoch() + Duration::milliseconds(ms))
}

/// Registers and starts: (token, the start reply).
async fn started(app: &TestApp, phone: &str) -> (String, Reply) {
    let token = app.register(phone).await;
    let reply = app.start("demo", &token).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    (token, reply)
}

/// Saves `right` right answers and `wrong` wrong ones, from position 1 on.
async fn answer(app: &TestApp, token: &str, reply: &Reply, right: usize, wrong: usize) {
    let bank = demo_keys();
    let id = attempt_id(reply);
    let questions = reply.body["questions"].as_array().expect("questions");
    for (i, q) in questions.iter().take(right + wrong).enumerate() {
        let keys = if i < right {
            right_keys(&bank, q)
        } else {
            vec![wrong_key(&bank, q)]
        };
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let p = q["position"].as_i64().expect("position");
        let saved = app.save(&id, token, p, &refs).await;
        assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    }
}

/// Attempts in the database with this status (ids are stored differently per backend, so
/// tests count by status and keep to one attempt per status).
async fn with_status(app: &TestApp, status: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM attempts WHERE status = '{status}'"
    ))
    .await
}

#[tokio::test]
async fn the_deadline_is_the_start_plus_the_time_limit() {
    let app = TestApp::with_demo().await;
    app.advance(Duration::milliseconds(3_723_456));
    let (_, reply) = started(&app, "0912345678").await;
    assert_eq!(reply.body["started_at"], at_ms(3_723_456));
    assert_eq!(reply.body["deadline"], at_ms(3_723_456 + 1_200_000));
    assert_eq!(reply.body["server_time"], at_ms(3_723_456));
}

#[tokio::test]
async fn a_round_closing_sooner_caps_the_deadline() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let closes = test_epoch() + Duration::minutes(10);
    app.set_round_window("demo", test_epoch() - Duration::days(1), closes)
        .await;
    let reply = app.start("demo", &token).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["deadline"], wire(closes));
    // A submission after that close needs no prediction and is recorded at the close.
    app.advance(Duration::minutes(10) + Duration::seconds(5));
    let id = attempt_id(&reply);
    let result = app.submit(&id, &token, json!({})).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "submitted");
    assert_eq!(result.body["submitted_at"], wire(closes));
    assert_eq!(result.body["duration_ms"], 600_000);
}

#[tokio::test]
async fn server_time_follows_the_injected_clock() {
    let app = TestApp::with_demo().await;
    let contest = app.get("/api/v1/contests/demo").await;
    assert_eq!(contest.body["server_time"], at_ms(0));
    let (token, reply) = started(&app, "0912345678").await;
    assert_eq!(reply.body["server_time"], at_ms(0));
    app.advance(Duration::milliseconds(90_500));
    let contest = app.get("/api/v1/contests/demo").await;
    assert_eq!(contest.body["server_time"], at_ms(90_500));
    let view = app.attempt(&attempt_id(&reply), &token).await;
    assert_eq!(view.body["server_time"], at_ms(90_500));
    assert_eq!(
        view.body["deadline"],
        at_ms(1_200_000),
        "the deadline does not move"
    );
}

#[tokio::test]
async fn an_attempt_left_alone_is_closed_as_expired_by_the_next_read() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    answer(&app, &token, &reply, 3, 2).await;
    app.advance(Duration::seconds(1215));
    assert_eq!(with_status(&app, "in_progress").await, 1);
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.status, StatusCode::OK, "{view:?}");
    assert_eq!(view.body["status"], "expired");
    assert_eq!(view.body["submitted_at"], reply.body["deadline"]);
    assert_eq!(view.body["duration_ms"], 1_200_000);
    assert_eq!(view.body["score"], 3);
    assert_eq!(view.body["correct"], 3);
    assert_eq!(view.body["perfect"], false);
    assert_eq!(view.body["answers"].as_object().map(|m| m.len()), Some(5));
    assert_eq!(with_status(&app, "expired").await, 1);
}

#[tokio::test]
async fn the_sweep_closes_an_overdue_attempt_nobody_touches() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    answer(&app, &token, &reply, 2, 1).await;
    app.advance(Duration::seconds(1216));
    let closed = sweep_once(&app.ctx, &app.snapshots).await.expect("sweep");
    assert!(closed >= 1, "the sweep closed {closed}");
    assert_eq!(with_status(&app, "expired").await, 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM attempts WHERE status = 'expired' AND score = 2 \
             AND correct = 2 AND submitted_at = deadline AND duration_ms = 1200000"
        )
        .await,
        1
    );
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.body["status"], "expired");
    assert_eq!(view.body["score"], 2);
    assert_eq!(view.body["submitted_at"], at_ms(1_200_000));
    assert_eq!(
        sweep_once(&app.ctx, &app.snapshots).await.expect("sweep"),
        0,
        "nothing left to close"
    );
}

#[tokio::test]
async fn a_sweep_before_deadline_plus_grace_closes_nothing() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::seconds(1200));
    assert_eq!(
        sweep_once(&app.ctx, &app.snapshots).await.expect("sweep"),
        0
    );
    app.advance(Duration::milliseconds(14_999));
    assert_eq!(
        sweep_once(&app.ctx, &app.snapshots).await.expect("sweep"),
        0
    );
    assert_eq!(with_status(&app, "in_progress").await, 1);
    app.advance(Duration::milliseconds(1));
    assert_eq!(
        sweep_once(&app.ctx, &app.snapshots).await.expect("sweep"),
        1
    );
    assert_eq!(with_status(&app, "expired").await, 1);
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.body["status"], "expired", "{view:?}");
    assert_eq!(view.body["submitted_at"], at_ms(1_200_000));
}

#[tokio::test]
async fn the_sweep_leaves_submitted_and_running_attempts_alone() {
    let app = TestApp::with_demo().await;
    let (token, submitted) = started(&app, "0912345678").await;
    let submitted_id = attempt_id(&submitted);
    let result = app
        .submit(&submitted_id, &token, json!({"prediction": 3}))
        .await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    app.advance(Duration::seconds(1000));
    let (running_token, running) = started(&app, "0987654321").await;
    app.advance(Duration::seconds(300));
    assert_eq!(
        sweep_once(&app.ctx, &app.snapshots).await.expect("sweep"),
        0
    );
    assert_eq!(with_status(&app, "submitted").await, 1);
    assert_eq!(with_status(&app, "in_progress").await, 1);
    let other = app.attempt(&attempt_id(&running), &running_token).await;
    assert_eq!(other.body["status"], "in_progress", "{other:?}");
}

#[tokio::test]
async fn a_new_start_after_an_expired_attempt_is_attempt_2() {
    let app = TestApp::with_demo().await;
    let (token, first) = started(&app, "0912345678").await;
    app.advance(Duration::seconds(1300));
    let second = app.start("demo", &token).await;
    assert_eq!(second.status, StatusCode::CREATED, "{second:?}");
    assert_eq!(second.body["attempt_no"], 2);
    assert_ne!(second.body["attempt_id"], first.body["attempt_id"]);
    assert_eq!(second.body["started_at"], at_ms(1_300_000));
    let old = app.attempt(&attempt_id(&first), &token).await;
    assert_eq!(old.body["status"], "expired");
    let me = app
        .call(Method::GET, "/api/v1/contests/demo/me", Some(&token), None)
        .await;
    assert_eq!(me.body["attempts_used"], 2, "{me:?}");
    assert_eq!(me.body["attempts_left"], 1);
}

#[tokio::test]
async fn a_save_within_the_grace_counts_when_the_attempt_later_expires() {
    let app = TestApp::with_demo().await;
    let bank = demo_keys();
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    answer(&app, &token, &reply, 1, 0).await;
    app.advance(Duration::seconds(1205));
    let q = &reply.body["questions"][1];
    let keys = right_keys(&bank, q);
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let late = app.save(&id, &token, 2, &refs).await;
    assert_eq!(late.status, StatusCode::OK, "{late:?}");
    assert_eq!(late.body["saved_at"], at_ms(1_205_000));
    app.advance(Duration::seconds(60));
    assert_eq!(
        sweep_once(&app.ctx, &app.snapshots).await.expect("sweep"),
        1
    );
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.body["status"], "expired", "{view:?}");
    assert_eq!(view.body["score"], 2, "the save in the grace counts");
    assert_eq!(view.body["submitted_at"], at_ms(1_200_000));
}

#[tokio::test]
async fn starting_again_resumes_the_attempt_until_deadline_plus_grace() {
    let app = TestApp::with_demo().await;
    let (token, first) = started(&app, "0912345678").await;
    app.advance(Duration::milliseconds(1_214_999));
    let resumed = app.start("demo", &token).await;
    assert_eq!(resumed.status, StatusCode::OK, "{resumed:?}");
    assert_eq!(resumed.body["attempt_id"], first.body["attempt_id"]);
    assert_eq!(resumed.body["status"], "in_progress");
    app.advance(Duration::milliseconds(1));
    let next = app.start("demo", &token).await;
    assert_eq!(next.status, StatusCode::CREATED, "{next:?}");
    assert_eq!(next.body["attempt_no"], 2);
}

#[tokio::test]
async fn the_time_limit_and_the_grace_are_the_contests_settings() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| {
        c.time_limit_secs = 60;
        c.grace_secs = 0;
    })
    .await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    assert_eq!(reply.body["deadline"], at_ms(60_000));
    app.advance(Duration::milliseconds(59_999));
    assert_eq!(app.save(&id, &token, 1, &["A"]).await.status, 200);
    app.advance(Duration::milliseconds(1));
    let late = app.save(&id, &token, 1, &["B"]).await;
    assert_eq!(late.status, StatusCode::GONE, "{late:?}");
    assert_eq!(late.code(), "deadline_passed");
    let result = app.submit(&id, &token, json!({})).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "expired");
    assert_eq!(result.body["duration_ms"], 60_000);
}

#[tokio::test]
async fn a_round_is_open_from_its_opening_instant_until_just_before_its_close() {
    let app = TestApp::with_demo().await;
    let a = app.register("0912345678").await;
    let b = app.register("0987654321").await;
    app.set_round_window(
        "demo",
        test_epoch() + Duration::minutes(5),
        test_epoch() + Duration::minutes(10),
    )
    .await;
    app.advance(Duration::milliseconds(299_999));
    let early = app.start("demo", &a).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{early:?}");
    assert_eq!(early.code(), "round_not_open");
    app.advance(Duration::milliseconds(1));
    let opened = app.start("demo", &a).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{opened:?}");
    assert_eq!(
        opened.body["deadline"],
        at_ms(600_000),
        "capped by the close"
    );
    app.advance(Duration::milliseconds(299_999));
    let last = app.start("demo", &b).await;
    assert_eq!(last.status, StatusCode::CREATED, "{last:?}");
    assert_eq!(last.body["deadline"], at_ms(600_000));
    app.advance(Duration::milliseconds(1));
    let closed = app.start("demo", &app.register("0977777777").await).await;
    assert_eq!(closed.status, StatusCode::GONE, "{closed:?}");
    assert_eq!(closed.code(), "round_closed");
}

/// Splits the demo into two rounds: round 1 for the first day, round 2 for the second.
async fn two_rounds(app: &TestApp) {
    let day = Duration::days(1);
    app.set_round_window("demo", test_epoch(), test_epoch() + day)
        .await;
    let contest = app.contest_row("demo").await;
    round::Entity::insert(round::ActiveModel::from(round::Model {
        id: uuid::Uuid::now_v7(),
        contest_id: contest.id,
        number: 2,
        opens_at: (test_epoch() + day).timestamp_millis(),
        closes_at: (test_epoch() + day + day).timestamp_millis(),
        draw_seed_sha256: None,
        closed_early_at: None,
    }))
    .exec_without_returning(&app.ctx.db)
    .await
    .expect("insert round 2");
    app.snapshots.invalidate(contest.id);
}

#[tokio::test]
async fn attempts_are_counted_per_round() {
    let app = TestApp::with_demo().await;
    two_rounds(&app).await;
    let token = app.register("0912345678").await;
    for _ in 0..3 {
        let reply = app.start("demo", &token).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        assert_eq!(reply.body["round"], 1);
        let id = attempt_id(&reply);
        let result = app.submit(&id, &token, json!({"prediction": 1})).await;
        assert_eq!(result.status, StatusCode::OK, "{result:?}");
    }
    let full = app.start("demo", &token).await;
    assert_eq!(full.status, StatusCode::CONFLICT, "{full:?}");
    assert_eq!(full.code(), "no_attempts_left");
    app.advance(Duration::days(1));
    let next = app.start("demo", &token).await;
    assert_eq!(next.status, StatusCode::CREATED, "{next:?}");
    assert_eq!(next.body["round"], 2);
    assert_eq!(next.body["attempt_no"], 1);
    assert_eq!(next.body["deadline"], at_ms(86_400_000 + 1_200_000));
    let me = app
        .call(Method::GET, "/api/v1/contests/demo/me", Some(&token), None)
        .await;
    assert_eq!(me.body["attempts_used"], 1, "{me:?}");
    assert_eq!(me.body["attempts_left"], 2);
    assert_eq!(me.body["attempts"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn between_two_rounds_starting_is_409_round_not_open() {
    let app = TestApp::with_demo().await;
    two_rounds(&app).await;
    let contest = app.contest_row("demo").await;
    // Round 1 ends an hour early: a gap before round 2.
    let rows = round::Entity::find()
        .all(&app.ctx.db)
        .await
        .expect("rounds");
    for row in rows.into_iter().filter(|r| r.number == 1) {
        let mut active: round::ActiveModel = row.into();
        active.closes_at = sea_orm::Set((test_epoch() + Duration::hours(23)).timestamp_millis());
        round::Entity::update(active)
            .exec(&app.ctx.db)
            .await
            .expect("update round 1");
    }
    app.snapshots.invalidate(contest.id);
    let token = app.register("0912345678").await;
    app.advance(Duration::hours(23) + Duration::minutes(30));
    let reply = app.start("demo", &token).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    assert_eq!(reply.code(), "round_not_open");
    let detail = app.get("/api/v1/contests/demo").await;
    let rounds = detail.body["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[1]["number"], 2);
    assert_eq!(rounds[1]["opens_at"], at_ms(86_400_000));
}
