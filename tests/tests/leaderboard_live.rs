//! The live leaderboard through the contract: each eligible participant's best finished
//! attempt ranked by score then duration, kept up to date by submissions and expiries,
//! rebuilt from the database when the cache has lost it or a regrade changed the scores; the
//! staff view with every detail and the public view with masked names and no ids.
//!
//! On SQLite with the in-process cache by default; with `TEST_REDIS_URL` the boards live in
//! Redis under this test's own key prefix. One test runs with a cache that fails every call.
//!
//! Finished attempts reach the board in background tasks, and boards are rebuilt in the
//! background: every read here first waits for that work (`live_board::settled`), so no test
//! depends on timing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::collections::BTreeSet;

use chrono::Duration;
use reqwest::Method;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

use cuocthi_store::cache::{BoardClaim, BoardEntry};
use cuocthi_store::entities::round;
use cuocthi_store::live_board::{board_key, settled, LiveEntry};
use cuocthi_store::staff::Role;
use cuocthi_tests::{Reply, Staff, TestApp};

fn contest_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": "Tìm hiểu về cải cách hành chính",
        "rules_md": "# Thể lệ",
        "opens_at": "2026-11-25T01:00:00Z",
        "closes_at": "2026-12-25T00:00:00Z",
        "questions_per_attempt": 6,
        "time_limit_secs": 600,
        "max_attempts": 2,
        "grace_secs": 15,
        "reveal": "after_submit",
        "rounds": [{"number": 1, "opens_at": "2026-11-25T01:00:00Z", "closes_at": "2026-12-25T00:00:00Z"}],
        "public_leaderboard": true,
        "leaderboard_size": 3
    })
}

/// Starts an attempt and answers `right` of its questions right (option "Đúng i", B) and the
/// others wrong with option A ("Sai ia", which a regrade below makes right). Returns the
/// attempt id.
async fn answer(app: &TestApp, slug: &str, token: &str, right: usize) -> String {
    let (id, questions) = app.start_attempt(slug, token).await;
    app.answer_with(&id, token, &questions, |i, _, text| {
        if i < right {
            text.starts_with("Đúng")
        } else {
            text.starts_with("Sai") && text.ends_with('a')
        }
    })
    .await;
    id
}

/// Takes an attempt with `right` answers right ([`answer`]), submitted after `seconds`.
async fn take(app: &TestApp, slug: &str, token: &str, right: usize, seconds: i64) {
    let id = answer(app, slug, token, right).await;
    app.advance(Duration::seconds(seconds));
    let submitted = app.submit_ok(&id, token, None).await;
    assert_eq!(submitted["correct"], json!(right), "{submitted}");
}

async fn round_id(app: &TestApp, slug: &str) -> Uuid {
    let contest = app.contest_row(slug).await;
    round::Entity::find()
        .filter(round::Column::ContestId.eq(contest.id))
        .one(&app.ctx.db)
        .await
        .expect("query")
        .expect("round")
        .id
}

/// Loses the round's board as a cache restart would: its Redis keys deleted directly (only
/// this round's, under this test's prefix), or the in-process board dropped.
async fn lose_board(app: &TestApp, round: Uuid) {
    match std::env::var("TEST_REDIS_URL") {
        Ok(url) => {
            let client = redis::Client::open(url).expect("redis url");
            let mut connection = client
                .get_multiplexed_async_connection()
                .await
                .expect("redis");
            let pattern = format!("*{}*", board_key(round));
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(&pattern)
                .query_async(&mut connection)
                .await
                .expect("keys");
            assert!(!keys.is_empty(), "the board was in Redis under {pattern}");
            let _: i64 = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut connection)
                .await
                .expect("del");
        }
        Err(_) => app.ctx.cache.board_drop(&board_key(round)).await,
    }
}

/// The round's board as the cache holds it (the top 10), once the background work is done.
async fn cached_top(app: &TestApp, round: Uuid) -> cuocthi_store::cache::BoardPage {
    settle(app).await;
    app.ctx
        .cache
        .board_top(&board_key(round), 10)
        .await
        .expect("the cache answers")
}

async fn make_ineligible(app: &TestApp, phone: &str) {
    let backend = app.ctx.db.get_database_backend();
    app.ctx
        .db
        .execute(Statement::from_string(
            backend,
            format!("UPDATE participants SET eligible = false, ineligible_reason = 'test' WHERE phone = '{phone}'"),
        ))
        .await
        .expect("update participant");
}

/// Waits for the live-board work running in the background (records, rebuilds).
async fn settle(app: &TestApp) {
    settled(app.ctx.cache.as_ref()).await;
}

/// The staff view, once the background work is done.
async fn staff_board(app: &TestApp, org: &Staff, slug: &str, query: &str) -> Reply {
    settle(app).await;
    app.staff_call(
        org,
        Method::GET,
        &format!("/api/v1/admin/contests/{slug}/rounds/1/leaderboard{query}"),
        None,
    )
    .await
}

/// `(name, score, duration_ms)` of each entry, in order.
fn standings(board: &Value) -> Vec<(String, i64, i64)> {
    board["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_owned(),
                e["score"].as_i64().expect("score"),
                e["duration_ms"].as_i64().expect("duration"),
            )
        })
        .collect()
}

/// A public read, once the background work is done.
async fn public_board(app: &TestApp, path: &str) -> Reply {
    settle(app).await;
    app.get(path).await
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn row(name: &str, score: i64, seconds: i64) -> (String, i64, i64) {
    (name.to_owned(), score, seconds * 1000)
}

#[tokio::test]
async fn the_board_ranks_each_eligible_participants_best_attempt_by_score_then_duration() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "live";
    app.set_up_contest(&org, contest_body(slug)).await;
    let round = round_id(&app, slug).await;
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "CQ1")
        .await;
    let cuong = app
        .register_person(slug, "Phạm Văn Cường", "0987000003", "P01")
        .await;
    let dung = app
        .register_person(slug, "Hoàng Thị Dung", "0987000004", "P01")
        .await;
    let em = app
        .register_person(slug, "Vũ Văn Em", "0987000005", "P02")
        .await;

    // Before anyone looks: the first read builds the board from the database.
    take(&app, slug, &an, 5, 10).await;
    take(&app, slug, &dung, 2, 5).await;
    make_ineligible(&app, "0987000005").await;
    take(&app, slug, &em, 6, 5).await;
    let first = staff_board(&app, &org, slug, "").await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(
        first
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert_eq!(
        standings(&first.body),
        [row("Trần Thị An", 5, 10), row("Hoàng Thị Dung", 2, 5)],
        "an ineligible participant is never ranked: {first:?}"
    );
    assert_eq!(first.body["participants"], 2);

    // From now on every submission updates the built board.
    take(&app, slug, &binh, 5, 60).await;
    take(&app, slug, &cuong, 4, 5).await;
    take(&app, slug, &dung, 5, 30).await; // better than her first: replaces it
    take(&app, slug, &an, 3, 2).await; // worse than his first: ignored
    take(&app, slug, &em, 6, 1).await; // still ineligible
    let expected = [
        row("Trần Thị An", 5, 10),
        row("Hoàng Thị Dung", 5, 30),
        row("Lê Văn Bình", 5, 60),
        row("Phạm Văn Cường", 4, 5),
    ];
    let board = staff_board(&app, &org, slug, "").await;
    assert_eq!(standings(&board.body), expected, "{board:?}");
    assert_eq!(
        keys(&board.body),
        BTreeSet::from(["round", "live", "participants", "updated_at", "entries"])
    );
    assert_eq!(
        (
            &board.body["round"],
            &board.body["live"],
            &board.body["participants"]
        ),
        (&json!(1), &json!(true), &json!(4))
    );
    let top = &board.body["entries"][0];
    assert_eq!(
        keys(top),
        BTreeSet::from([
            "rank",
            "participant_id",
            "name",
            "unit_code",
            "unit_name",
            "score",
            "correct",
            "total",
            "duration_ms",
            "submitted_at"
        ])
    );
    assert_eq!(
        (
            &top["rank"],
            &top["unit_code"],
            &top["unit_name"],
            &top["correct"],
            &top["total"]
        ),
        (
            &json!(1),
            &json!("CQ1"),
            &json!("Phòng Nội vụ"),
            &json!(5),
            &json!(6)
        )
    );
    assert!(Uuid::parse_str(top["participant_id"].as_str().unwrap()).is_ok());
    assert!(chrono::DateTime::parse_from_rfc3339(top["submitted_at"].as_str().unwrap()).is_ok());
    assert!(
        chrono::DateTime::parse_from_rfc3339(board.body["updated_at"].as_str().unwrap()).is_ok()
    );
    let ranks: Vec<i64> = board.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rank"].as_i64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 3, 4]);

    // The cache loses the board. This node's copy serves for a few seconds, without asking
    // the cache or the database.
    lose_board(&app, round).await;
    let copied = staff_board(&app, &org, slug, "").await;
    assert_eq!(copied.body["entries"], board.body["entries"]);
    let lost = cached_top(&app, round).await;
    assert_eq!((lost.fresh, lost.total), (false, 0), "nothing rebuilt yet");
    // Meanwhile Cường is made ineligible behind the board's back (no regrade, no drop).
    make_ineligible(&app, "0987000003").await;
    // The next read still serves the copy (Cường on it): the board is rebuilt from the
    // database in the background, never inside the request.
    app.advance(Duration::seconds(6));
    let stale = staff_board(&app, &org, slug, "").await;
    assert_eq!(stale.body["entries"], board.body["entries"], "{stale:?}");
    settle(&app).await;
    let restored = cached_top(&app, round).await;
    assert_eq!((restored.fresh, restored.total), (true, 3));
    let rebuilt = staff_board(&app, &org, slug, "").await;
    assert_eq!(standings(&rebuilt.body), expected[..3], "{rebuilt:?}");
    assert_eq!(rebuilt.body["participants"], 3);
    assert_eq!(
        rebuilt.body["entries"].as_array().unwrap()[..],
        board.body["entries"].as_array().unwrap()[..3]
    );
    // And it takes submissions again.
    let giang = app
        .register_person(slug, "Đỗ Văn Giang", "0987000006", "P02")
        .await;
    take(&app, slug, &giang, 6, 100).await;
    let board = staff_board(&app, &org, slug, "?limit=2").await;
    assert_eq!(
        standings(&board.body),
        [row("Đỗ Văn Giang", 6, 100), row("Trần Thị An", 5, 10)]
    );
    assert_eq!(
        board.body["participants"], 4,
        "limit cuts entries, not the count"
    );

    // Closed: still there, no longer live.
    let closed = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/close"),
            None,
        )
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    let after = staff_board(&app, &org, slug, "").await;
    assert_eq!(after.body["live"], false);
    assert_eq!(after.body["participants"], 4);
}

#[tokio::test]
async fn attempts_closed_by_the_clock_reach_the_board() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "expiry";
    app.set_up_contest(&org, contest_body(slug)).await;
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "P01")
        .await;
    let empty = staff_board(&app, &org, slug, "").await;
    assert_eq!(
        (&empty.body["participants"], &empty.body["entries"]),
        (&json!(0), &json!([]))
    );

    // An and Bình leave their attempts open: the sweep closes them at the deadline.
    answer(&app, slug, &an, 3).await;
    answer(&app, slug, &binh, 4).await;
    app.advance(Duration::seconds(700));
    let closed = cuocthi_attempts::expiry::sweep_once(&app.ctx, &app.snapshots)
        .await
        .expect("sweep");
    assert_eq!(closed, 2);
    let board = staff_board(&app, &org, slug, "").await;
    assert_eq!(
        standings(&board.body),
        [row("Lê Văn Bình", 4, 600), row("Trần Thị An", 3, 600)],
        "{board:?}"
    );

    // Closed lazily by reading it.
    let cuong = app
        .register_person(slug, "Phạm Văn Cường", "0987000003", "P02")
        .await;
    let attempt = answer(&app, slug, &cuong, 5).await;
    app.advance(Duration::seconds(700));
    let seen = app.attempt(&attempt, &cuong).await;
    assert_eq!(seen.body["status"], "expired", "{seen:?}");
    let board = staff_board(&app, &org, slug, "").await;
    assert_eq!(standings(&board.body)[0], row("Phạm Văn Cường", 5, 600));
}

#[tokio::test]
async fn the_public_board_masks_names_shows_at_most_its_size_and_never_an_id() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "cong-khai";
    app.set_up_contest(&org, contest_body(slug)).await;
    let people = [
        ("Trần Thị An", "0987000001", "CQ1", 6, 10),
        ("Lê  Văn   Bình", "0987000002", "CQ1", 5, 20),
        ("Phạm Cường", "0987000003", "P01", 4, 30),
        ("Hoàng Thị Ánh Dung", "0987000004", "P02", 3, 40),
    ];
    for (name, phone, unit, right, seconds) in people {
        let token = app.register_person(slug, name, phone, unit).await;
        take(&app, slug, &token, right, seconds).await;
    }
    let path = format!("/api/v1/contests/{slug}/leaderboard");
    let public = public_board(&app, &path).await;
    assert_eq!(public.status, 200, "{public:?}");
    assert_eq!(
        public
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=5")
    );
    assert_eq!(
        keys(&public.body),
        BTreeSet::from(["round", "live", "participants", "updated_at", "entries"])
    );
    assert_eq!(
        (
            &public.body["round"],
            &public.body["live"],
            &public.body["participants"]
        ),
        (&json!(1), &json!(true), &json!(4))
    );
    let entries = public.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "leaderboard_size is 3");
    for entry in entries {
        assert_eq!(
            keys(entry),
            BTreeSet::from(["rank", "name", "unit_name", "score", "total", "duration_ms"])
        );
    }
    assert_eq!(
        standings(&public.body),
        [
            row("Trần T. A.", 6, 10),
            row("Lê V. B.", 5, 20),
            row("Phạm C.", 4, 30)
        ]
    );
    assert_eq!(entries[0]["unit_name"], "Phòng Nội vụ");
    // No id, phone or full name anywhere in the body.
    let staff = staff_board(&app, &org, slug, "").await;
    let text = public.body.to_string();
    for entry in staff.body["entries"].as_array().unwrap() {
        assert!(!text.contains(entry["participant_id"].as_str().unwrap()));
    }
    for (name, phone, ..) in people {
        assert!(!text.contains(phone) && !text.contains(name), "{text}");
    }
    assert!(!text.contains("participant_id") && !text.contains("attempt"));

    // The settings change while the round is open (never locked), and are checked.
    let contest = format!("/api/v1/admin/contests/{slug}");
    let bad = app
        .staff_call(
            &org,
            Method::PATCH,
            &contest,
            Some(json!({"leaderboard_size": 101})),
        )
        .await;
    assert_eq!(bad.status, 422, "{bad:?}");
    assert_eq!(bad.body["fields"]["leaderboard_size"], "out_of_range");
    let bad = app
        .staff_call(
            &org,
            Method::PATCH,
            &contest,
            Some(json!({"leaderboard_size": 0})),
        )
        .await;
    assert_eq!(
        bad.body["fields"]["leaderboard_size"], "out_of_range",
        "{bad:?}"
    );
    let one = app
        .staff_call(
            &org,
            Method::PATCH,
            &contest,
            Some(json!({"leaderboard_size": 1})),
        )
        .await;
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(
        (
            &one.body["leaderboard_size"],
            &one.body["public_leaderboard"]
        ),
        (&json!(1), &json!(true))
    );
    let public = public_board(&app, &path).await;
    assert_eq!(standings(&public.body), [row("Trần T. A.", 6, 10)]);
    assert_eq!(public.body["participants"], 4);
    // Round 1 by number; no round 2.
    assert_eq!(app.get(&format!("{path}?round=1")).await.body["round"], 1);
    let missing = app.get(&format!("{path}?round=2")).await;
    assert_eq!(
        (missing.status.as_u16(), missing.code()),
        (404, "not_found")
    );

    // Turned off: 404 leaderboard_disabled; the staff view stays.
    let off = app
        .staff_call(
            &org,
            Method::PATCH,
            &contest,
            Some(json!({"public_leaderboard": false})),
        )
        .await;
    assert_eq!(off.status, 200, "{off:?}");
    let read = app.staff_call(&org, Method::GET, &contest, None).await;
    assert_eq!(
        (
            &read.body["public_leaderboard"],
            &read.body["leaderboard_size"]
        ),
        (&json!(false), &json!(1))
    );
    let disabled = app.get(&path).await;
    assert_eq!(
        (disabled.status.as_u16(), disabled.code()),
        (404, "leaderboard_disabled")
    );
    let message = disabled.body["message"].as_str().unwrap();
    assert!(
        message.contains("bảng xếp hạng") && message.contains("leaderboard"),
        "{message}"
    );
    assert_eq!(staff_board(&app, &org, slug, "").await.status, 200);
}

#[tokio::test]
async fn a_new_contest_keeps_its_board_private_and_the_demo_shows_it() {
    let app = TestApp::with_demo().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let mut body = contest_body("rieng");
    let object = body.as_object_mut().unwrap();
    object.remove("public_leaderboard");
    object.remove("leaderboard_size");
    let created = app
        .staff_call(&org, Method::POST, "/api/v1/admin/contests", Some(body))
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(
        (
            &created.body["public_leaderboard"],
            &created.body["leaderboard_size"]
        ),
        (&json!(false), &json!(10))
    );
    let private = app.get("/api/v1/contests/rieng/leaderboard").await;
    assert_eq!(
        (private.status.as_u16(), private.code()),
        (404, "leaderboard_disabled")
    );
    let nothing = app.get("/api/v1/contests/khong-co/leaderboard").await;
    assert_eq!(
        (nothing.status.as_u16(), nothing.code()),
        (404, "not_found")
    );

    let token = app.register("0912345678").await;
    let attempt = app.start("demo", &token).await;
    let id = attempt.body["attempt_id"].as_str().unwrap().to_owned();
    app.advance(Duration::seconds(30));
    let submitted = app.submit(&id, &token, json!({"prediction": 3})).await;
    assert_eq!(submitted.status, 200, "{submitted:?}");
    let demo = public_board(&app, "/api/v1/contests/demo/leaderboard").await;
    assert_eq!(demo.status, 200, "{demo:?}");
    assert_eq!(standings(&demo.body), [row("Nguyễn V. A.", 0, 30)]);
}

#[tokio::test]
async fn a_regrade_rebuilds_the_board_with_the_new_scores() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "cham-lai";
    app.set_up_contest(&org, contest_body(slug)).await;
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "P01")
        .await;
    take(&app, slug, &an, 6, 100).await; // every answer B
    take(&app, slug, &binh, 0, 10).await; // every answer A
    let before = staff_board(&app, &org, slug, "").await;
    assert_eq!(
        standings(&before.body),
        [row("Trần Thị An", 6, 100), row("Lê Văn Bình", 0, 10)]
    );

    // Four keys become A: An loses four points, Bình gains four.
    let questions = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/questions"),
            None,
        )
        .await;
    for question in questions.body.as_array().unwrap().iter().take(4) {
        let id = question["id"].as_str().unwrap();
        let regraded = app
            .staff_call(
                &org,
                Method::POST,
                &format!("/api/v1/admin/contests/{slug}/questions/{id}/regrade"),
                Some(json!({"key": ["A"]})),
            )
            .await;
        assert_eq!(regraded.status, 200, "{regraded:?}");
        assert_eq!(regraded.body["rescored"], 2, "{regraded:?}");
        assert!(regraded.body.get("touched_round_ids").is_none());
    }
    let after = staff_board(&app, &org, slug, "").await;
    assert_eq!(
        standings(&after.body),
        [row("Lê Văn Bình", 4, 10), row("Trần Thị An", 2, 100)],
        "{after:?}"
    );
    let public = public_board(&app, &format!("/api/v1/contests/{slug}/leaderboard")).await;
    assert_eq!(
        standings(&public.body),
        [row("Lê V. B.", 4, 10), row("Trần T. A.", 2, 100)]
    );
}

#[tokio::test]
async fn the_staff_view_checks_its_limit_and_its_caller() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "gioi-han";
    app.set_up_contest(&org, contest_body(slug)).await;
    for (query, code) in [
        ("?limit=0", "out_of_range"),
        ("?limit=501", "out_of_range"),
        ("?limit=-5", "out_of_range"),
        ("?limit=muoi", "invalid"),
    ] {
        let reply = staff_board(&app, &org, slug, query).await;
        assert_eq!(reply.status, 422, "{query}: {reply:?}");
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.body["fields"]["limit"], code, "{query}");
    }
    for query in ["?limit=1", "?limit=500", ""] {
        assert_eq!(
            staff_board(&app, &org, slug, query).await.status,
            200,
            "{query}"
        );
    }
    let admin = app.staff("admin1", Role::Admin, None).await;
    assert_eq!(staff_board(&app, &admin, slug, "").await.status, 200);
    let anonymous = app
        .get(&format!(
            "/api/v1/admin/contests/{slug}/rounds/1/leaderboard"
        ))
        .await;
    assert_eq!(anonymous.status, 401);
    let manager = app.staff("mgr", Role::UnitManager, Some("CQ1")).await;
    assert_eq!(staff_board(&app, &manager, slug, "").await.status, 403);
    let doc = app.get("/api/openapi.json").await.body;
    for path in [
        "/api/v1/admin/contests/{slug}/rounds/{n}/leaderboard",
        "/api/v1/contests/{slug}/leaderboard",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    for schema in ["AdminLeaderboard", "PublicLeaderboard"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    let no_round = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/rounds/9/leaderboard"),
            None,
        )
        .await;
    assert_eq!(no_round.status, 404);
}

#[tokio::test]
async fn attempts_finished_during_a_rebuild_are_not_lost() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "dang-dung-lai";
    app.set_up_contest(&org, contest_body(slug)).await;
    let round = round_id(&app, slug).await;
    let key = board_key(round);
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "P01")
        .await;
    take(&app, slug, &an, 5, 10).await;
    let first = staff_board(&app, &org, slug, "").await;
    assert_eq!(standings(&first.body), [row("Trần Thị An", 5, 10)]);
    let read_before: Vec<BoardEntry> = cached_top(&app, round).await.entries;
    assert_eq!(read_before.len(), 1);

    // A rebuild starts (on another node, say) and reads the database: An only.
    lose_board(&app, round).await;
    let BoardClaim::Claimed(claim) = app
        .ctx
        .cache
        .board_claim(&key, std::time::Duration::from_secs(30))
        .await
    else {
        panic!("the board can be claimed");
    };
    // Bình finishes meanwhile: held for that rebuild, not shown yet.
    take(&app, slug, &binh, 6, 20).await;
    settle(&app).await;
    let during = cached_top(&app, round).await;
    assert_eq!((during.fresh, during.total), (false, 0));
    // The rebuild swaps in what it read; Bình's attempt is merged in, not lost.
    assert!(
        app.ctx
            .cache
            .board_replace(
                &key,
                &claim,
                &read_before,
                1,
                app.ctx.now_ms(),
                std::time::Duration::from_secs(300),
            )
            .await
    );
    let after = staff_board(&app, &org, slug, "").await;
    assert_eq!(
        standings(&after.body),
        [row("Lê Văn Bình", 6, 20), row("Trần Thị An", 5, 10)],
        "{after:?}"
    );
    assert_eq!(after.body["participants"], 2);
    let merged: Vec<LiveEntry> = cached_top(&app, round)
        .await
        .entries
        .iter()
        .filter_map(LiveEntry::from_board)
        .collect();
    assert_eq!(merged.len(), 2);
    assert_eq!(merged[0].name, "Lê Văn Bình");
}

/// Registers `count` more people who each finish an attempt with nothing answered.
async fn finish_blank(app: &TestApp, slug: &str, count: usize) {
    for i in 0..count {
        let token = app
            .register_person(slug, "Ngô Văn Tư", &format!("0977{i:06}"), "P02")
            .await;
        let attempt = app.start(slug, &token).await;
        assert_eq!(attempt.status, 201, "{attempt:?}");
        let id = attempt.body["attempt_id"].as_str().expect("id");
        let submitted = app.submit(id, &token, json!({})).await;
        assert_eq!(submitted.status, 200, "{submitted:?}");
    }
}

#[tokio::test]
async fn without_the_cache_submits_succeed_and_the_board_comes_from_the_database() {
    let app = TestApp::with_demo_and_failing_cache().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "khong-cache";
    app.set_up_contest(&org, contest_body(slug)).await;
    let round = round_id(&app, slug).await;
    assert!(
        app.ctx
            .cache
            .board_top(&board_key(round), 10)
            .await
            .is_none(),
        "the cache fails every call"
    );
    let people = [
        ("Trần Thị An", "0987000001", "CQ1", 4, 30),
        ("Lê Văn Bình", "0987000002", "CQ1", 5, 40),
        ("Phạm Cường", "0987000003", "P01", 4, 20),
        ("Hoàng Thị Dung", "0987000004", "P02", 2, 10),
    ];
    let mut tokens = Vec::new();
    for (name, phone, unit, right, seconds) in people {
        let token = app.register_person(slug, name, phone, unit).await;
        // Every submission succeeds (`take` checks the 200 and the score).
        take(&app, slug, &token, right, seconds).await;
        tokens.push(token);
    }
    let path = format!("/api/v1/contests/{slug}/leaderboard");
    let public = public_board(&app, &path).await;
    assert_eq!(public.status, 200, "{public:?}");
    assert_eq!(
        standings(&public.body),
        [
            row("Lê V. B.", 5, 40),
            row("Phạm C.", 4, 20),
            row("Trần T. A.", 4, 30)
        ],
        "{public:?}"
    );
    assert_eq!(public.body["participants"], 4);
    let staff = staff_board(&app, &org, slug, "").await;
    assert_eq!(
        standings(&staff.body),
        [
            row("Lê Văn Bình", 5, 40),
            row("Phạm Cường", 4, 20),
            row("Trần Thị An", 4, 30),
            row("Hoàng Thị Dung", 2, 10),
        ]
    );

    // Dung does better. Within a few seconds readers get this node's copy; after that the
    // copy serves once more while the database is read again in the background.
    take(&app, slug, &tokens[3], 6, 7).await;
    let stale = public_board(&app, &path).await;
    assert_eq!(stale.body["entries"], public.body["entries"], "{stale:?}");
    let fresh = public_board(&app, &path).await;
    assert_eq!(
        standings(&fresh.body),
        [
            row("Hoàng T. D.", 6, 7),
            row("Lê V. B.", 5, 40),
            row("Phạm C.", 4, 20)
        ],
        "{fresh:?}"
    );
    assert_eq!(fresh.body["participants"], 4);

    // More participants than the database is asked rows for: the count is its own query.
    finish_blank(&app, slug, 100).await;
    app.advance(Duration::seconds(120));
    let crowded = public_board(&app, &path).await;
    assert_eq!(crowded.body["participants"], 104, "{crowded:?}");
    assert_eq!(crowded.body["entries"].as_array().unwrap().len(), 3);
    assert_eq!(standings(&crowded.body), standings(&fresh.body));
    let all = staff_board(&app, &org, slug, "?limit=500").await;
    assert_eq!(all.body["participants"], 104);
    assert_eq!(all.body["entries"].as_array().unwrap().len(), 104);
}
