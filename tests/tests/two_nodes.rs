//! R4 across two nodes (spec/quality-bars.md): one participant's 50 concurrent starts (limit
//! 3) and 50 concurrent submits of one attempt, split between two server nodes on one
//! database (and one Redis when `TEST_REDIS_URL` is set): at most 3 attempts, never two in
//! progress, exactly one result. The limits live in the database, so no node's memory can
//! let a second one through.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::collections::BTreeSet;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use cuocthi_tests::{Reply, TestApp};

fn node(nodes: &(TestApp, TestApp), i: usize) -> &TestApp {
    if i % 2 == 0 {
        &nodes.0
    } else {
        &nodes.1
    }
}

async fn fifty_starts(nodes: &(TestApp, TestApp), token: &str) -> Vec<Reply> {
    join_all((0..50).map(|i| node(nodes, i).start("demo", token))).await
}

async fn attempts(app: &TestApp, status: Option<&str>) -> i64 {
    let filter = status.map_or(String::new(), |s| format!(" WHERE status = '{s}'"));
    app.count(&format!("SELECT COUNT(*) AS n FROM attempts{filter}"))
        .await
}

/// Successes name one attempt (created by at most one of them); anything else is 409
/// `no_attempts_left`. Returns the attempt, if any.
fn one_attempt(replies: &[Reply]) -> Option<String> {
    let mut ids = BTreeSet::new();
    for reply in replies {
        match reply.status.as_u16() {
            200 | 201 => {
                ids.insert(reply.body["attempt_id"].as_str().unwrap().to_owned());
            }
            409 => assert_eq!(reply.code(), "no_attempts_left", "{reply:?}"),
            _ => panic!("a start answered {reply:?}"),
        }
    }
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert!(
        created <= 1,
        "{created} concurrent starts created an attempt"
    );
    assert!(ids.len() <= 1, "starts answered several attempts: {ids:?}");
    ids.into_iter().next()
}

#[tokio::test]
async fn fifty_starts_split_across_two_nodes_never_make_more_than_the_limit() {
    let nodes = TestApp::two_nodes().await;
    assert_eq!(nodes.0.contest_row("demo").await.max_attempts, 3);
    let token = nodes.0.register("0912345678").await;
    let first = fifty_starts(&nodes, &token).await;
    assert_eq!(
        first
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count(),
        1,
        "exactly one of 50 starts on two nodes creates the attempt"
    );
    let mut id = one_attempt(&first).expect("an attempt");
    assert_eq!(attempts(&nodes.1, None).await, 1);
    let mut finished = 0;
    loop {
        // Submit on one node while 50 starts race it on both: a start that lands after the
        // submission may begin the next attempt (if one is left), never two.
        let submit = node(&nodes, finished).submit(&id, &token, json!({"prediction": 7}));
        let (submitted, racing) = futures::join!(submit, fifty_starts(&nodes, &token));
        assert_eq!(submitted.status, StatusCode::OK, "{submitted:?}");
        assert_eq!(submitted.body["status"], "submitted");
        finished += 1;
        // Starts that landed before the submission answer the submitted attempt; those after
        // it answer one new attempt (created once) or find none left.
        let new: Vec<Reply> = racing
            .iter()
            .filter(|r| r.body["attempt_id"].as_str() != Some(id.as_str()))
            .cloned()
            .collect();
        let raced = one_attempt(&new);
        assert!(attempts(&nodes.0, None).await <= 3);
        assert!(attempts(&nodes.0, Some("in_progress")).await <= 1);
        let next = match raced {
            Some(next) => Some(next),
            None => one_attempt(&fifty_starts(&nodes, &token).await),
        };
        match next {
            Some(next) => id = next,
            None => break,
        }
    }
    assert_eq!(finished, 3);
    assert_eq!(attempts(&nodes.1, Some("submitted")).await, 3);
    for reply in fifty_starts(&nodes, &token).await {
        assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
        assert_eq!(reply.code(), "no_attempts_left");
    }
    assert_eq!(attempts(&nodes.0, None).await, 3);
}

#[tokio::test]
async fn fifty_submits_split_across_two_nodes_give_exactly_one_result() {
    let nodes = TestApp::two_nodes().await;
    let token = nodes.0.register("0912345678").await;
    let started = nodes.1.start("demo", &token).await;
    assert_eq!(started.status, StatusCode::CREATED, "{started:?}");
    let id = started.body["attempt_id"].as_str().unwrap().to_owned();
    for position in 1..=20 {
        let saved = node(&nodes, position as usize)
            .save(&id, &token, position, &["A"])
            .await;
        assert_eq!(saved.status, 200, "{saved:?}");
    }
    nodes.0.advance(chrono::Duration::seconds(61));
    let replies =
        join_all((0..50).map(|i| node(&nodes, i).submit(&id, &token, json!({ "prediction": i }))))
            .await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(
            reply.body, replies[0].body,
            "one result, whichever node answers"
        );
    }
    assert_eq!(replies[0].body["status"], "submitted");
    assert_eq!(replies[0].body["duration_ms"], 61_000);
    assert_eq!(attempts(&nodes.0, Some("submitted")).await, 1);
    for app in [&nodes.0, &nodes.1] {
        let view = app.attempt(&id, &token).await;
        assert_eq!(view.body["score"], replies[0].body["score"]);
        assert_eq!(view.body["prediction"], replies[0].body["prediction"]);
    }
}
