//! Concurrent requests of one participant (spec/quality-bars.md R4, spec/contest-rules.md
//! "Attempts"): racing starts never make a second attempt in progress nor more than the
//! maximum, racing submits give one result, and a save racing a submit is either counted or
//! refused, never acknowledged and lost.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use cuocthi_tests::{Reply, TestApp};

use cuocthi_tests::demo::{demo_keys, right_keys};

fn attempt_id(reply: &Reply) -> String {
    reply.body["attempt_id"]
        .as_str()
        .unwrap_or_else(|| panic!("an attempt id in {reply:?}"))
        .to_owned()
}

async fn attempts_in_db(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) AS n FROM attempts").await
}

#[tokio::test]
async fn twenty_parallel_starts_by_one_participant_make_exactly_one_attempt() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let replies = join_all((0..20).map(|_| app.start("demo", &token))).await;
    for reply in &replies {
        assert!(
            reply.status == StatusCode::CREATED || reply.status == StatusCode::OK,
            "{reply:?}"
        );
    }
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "exactly one start creates the attempt");
    let ids: BTreeSet<String> = replies.iter().map(attempt_id).collect();
    assert_eq!(
        ids.len(),
        1,
        "every start answers the same attempt: {ids:?}"
    );
    assert_eq!(attempts_in_db(&app).await, 1);
    let questions: BTreeSet<String> = replies
        .iter()
        .map(|r| r.body["questions"].to_string())
        .collect();
    assert_eq!(questions.len(), 1, "one draw");
}

/// Checks a batch of start replies: successes, or 409 `no_attempts_left`; the successes
/// all name one attempt, which it returns.
fn one_attempt_or_none_left(replies: &[Reply]) -> Option<String> {
    let mut ids = BTreeSet::new();
    for reply in replies {
        match reply.status.as_u16() {
            200 | 201 => {
                ids.insert(attempt_id(reply));
            }
            409 => assert_eq!(reply.code(), "no_attempts_left", "{reply:?}"),
            _ => panic!("a start answered {reply:?}"),
        }
    }
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert!(created <= 1, "{created} starts created an attempt");
    assert!(ids.len() <= 1, "starts answered several attempts: {ids:?}");
    ids.into_iter().next()
}

#[tokio::test]
async fn parallel_starts_between_submissions_never_exceed_max_attempts() {
    let app = TestApp::with_demo().await;
    assert_eq!(app.contest_row("demo").await.max_attempts, 3);
    let token = app.register("0912345678").await;
    let mut finished = 0;
    for _ in 0..10 {
        let replies = join_all((0..12).map(|_| app.start("demo", &token))).await;
        assert!(attempts_in_db(&app).await <= 3);
        let Some(id) = one_attempt_or_none_left(&replies) else {
            break;
        };
        // Submit while more starts race the submission: a start that lands after it may
        // begin the next attempt (if any is left), which the next batch resumes.
        let submit = app.submit(&id, &token, json!({"prediction": 1}));
        let starts = join_all((0..6).map(|_| app.start("demo", &token)));
        let (submitted, racing) = futures::join!(submit, starts);
        assert_eq!(submitted.status, StatusCode::OK, "{submitted:?}");
        assert_eq!(submitted.body["status"], "submitted");
        finished += 1;
        for reply in &racing {
            match reply.status.as_u16() {
                200 | 201 => {}
                409 => assert_eq!(reply.code(), "no_attempts_left", "{reply:?}"),
                _ => panic!("a racing start answered {reply:?}"),
            }
        }
        assert!(attempts_in_db(&app).await <= 3);
    }
    assert_eq!(finished, 3);
    assert_eq!(attempts_in_db(&app).await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM attempts WHERE status = 'submitted'")
            .await,
        3
    );
    let extra = join_all((0..8).map(|_| app.start("demo", &token))).await;
    for reply in &extra {
        assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
        assert_eq!(reply.code(), "no_attempts_left", "{reply:?}");
    }
    assert_eq!(attempts_in_db(&app).await, 3);
}

#[tokio::test]
async fn twenty_parallel_submits_of_one_attempt_all_return_the_same_result() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let started = app.start("demo", &token).await;
    let id = attempt_id(&started);
    for p in 1..=10 {
        assert_eq!(app.save(&id, &token, p, &["A"]).await.status, 200);
    }
    app.advance(chrono::Duration::seconds(42));
    let replies =
        join_all((0..20).map(|i| app.submit(&id, &token, json!({ "prediction": i })))).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body, replies[0].body, "identical results");
    }
    assert_eq!(replies[0].body["status"], "submitted");
    assert_eq!(replies[0].body["duration_ms"], 42_000);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM attempts WHERE status = 'submitted'")
            .await,
        1
    );
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.body["score"], replies[0].body["score"]);
    assert_eq!(view.body["prediction"], replies[0].body["prediction"]);
}

#[tokio::test]
async fn parallel_saves_to_different_positions_are_all_kept() {
    let app = TestApp::with_demo().await;
    let bank = demo_keys();
    let token = app.register("0912345678").await;
    let started = app.start("demo", &token).await;
    let id = attempt_id(&started);
    let questions = started.body["questions"].as_array().expect("questions");
    let choices: Vec<(i64, Vec<String>)> = questions
        .iter()
        .map(|q| (q["position"].as_i64().expect("p"), right_keys(&bank, q)))
        .collect();
    let replies = join_all(choices.iter().map(|(p, keys)| {
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let app = &app;
        let (id, token) = (&id, &token);
        async move { app.save(id, token, *p, &refs).await }
    }))
    .await;
    for (reply, (p, keys)) in replies.iter().zip(&choices) {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["position"], *p);
        assert_eq!(reply.body["choice"], json!(keys));
    }
    let view = app.attempt(&id, &token).await;
    let expected: BTreeMap<String, Vec<String>> = choices
        .iter()
        .map(|(p, keys)| (p.to_string(), keys.clone()))
        .collect();
    assert_eq!(view.body["answers"], json!(expected));
    let result = app.submit(&id, &token, json!({"prediction": 1})).await;
    assert_eq!(result.body["score"], 20, "{result:?}");
    assert_eq!(result.body["perfect"], true);
}

#[tokio::test]
async fn a_save_racing_a_submit_is_either_counted_or_refused_never_lost() {
    let app = TestApp::with_demo().await;
    let bank = demo_keys();
    for person in 0..6 {
        let token = app.register(&format!("091234560{person}")).await;
        let started = app.start("demo", &token).await;
        assert_eq!(started.status, StatusCode::CREATED, "{started:?}");
        let id = attempt_id(&started);
        let questions = started.body["questions"].as_array().expect("questions");
        let choices: Vec<(i64, Vec<String>)> = questions
            .iter()
            .map(|q| (q["position"].as_i64().expect("p"), right_keys(&bank, q)))
            .collect();
        // The submit goes out after a few saves, in the middle of the rest.
        let split = 2 + person * 3;
        let saves = join_all(choices.iter().enumerate().map(|(i, (p, keys))| {
            let refs: Vec<String> = keys.clone();
            let (app, id, token) = (&app, &id, &token);
            async move {
                if i >= split {
                    tokio::task::yield_now().await;
                }
                let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
                app.save(id, token, *p, &refs).await
            }
        }));
        let submit = async {
            for _ in 0..split {
                tokio::task::yield_now().await;
            }
            app.submit(&id, &token, json!({"prediction": 7})).await
        };
        let (saves, result) = futures::join!(saves, submit);
        assert_eq!(result.status, StatusCode::OK, "{result:?}");
        assert_eq!(result.body["status"], "submitted");
        let mut acknowledged = BTreeMap::new();
        for (reply, (p, keys)) in saves.iter().zip(&choices) {
            match reply.status.as_u16() {
                200 => {
                    acknowledged.insert(p.to_string(), keys.clone());
                }
                409 => assert_eq!(reply.code(), "attempt_finished", "{reply:?}"),
                _ => panic!("a save answered {reply:?}"),
            }
        }
        let view = app.attempt(&id, &token).await;
        assert_eq!(
            view.body["answers"],
            json!(acknowledged),
            "every acknowledged save, and only those, is kept"
        );
        // Every save was a right answer: the score is the number acknowledged.
        assert_eq!(result.body["score"], acknowledged.len(), "{result:?}");
        assert_eq!(result.body["correct"], acknowledged.len());
        assert_eq!(view.body["score"], result.body["score"]);
        // Later saves are refused with 409 and change nothing.
        let late = app.save(&id, &token, 1, &["A"]).await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{late:?}");
        assert_eq!(late.code(), "attempt_finished");
    }
}

#[tokio::test]
async fn twenty_parallel_registrations_of_one_new_person_make_one_participant() {
    let app = TestApp::with_demo().await;
    let forms = [
        "0912345678",
        "+84 912 345 678",
        "84912345678",
        "0912.345.678",
    ];
    let mut bodies = vec![];
    for i in 0..20 {
        bodies.push(app.person(forms[i % forms.len()]).await);
    }
    let replies = join_all(bodies.into_iter().map(|b| app.register_raw("demo", b))).await;
    for reply in &replies {
        assert!(
            reply.status == StatusCode::CREATED || reply.status == StatusCode::OK,
            "{reply:?}"
        );
    }
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    let ids: BTreeSet<&str> = replies
        .iter()
        .filter_map(|r| r.body["participant_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let tokens: BTreeSet<&str> = replies
        .iter()
        .filter_map(|r| r.body["token"].as_str())
        .collect();
    assert_eq!(tokens.len(), 20, "every registration gets its own token");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM participants").await, 1);
    for token in tokens {
        let me = app
            .call(
                reqwest::Method::GET,
                "/api/v1/contests/demo/me",
                Some(token),
                None,
            )
            .await;
        assert_eq!(me.status, StatusCode::OK, "{me:?}");
    }
}

#[tokio::test]
async fn parallel_saves_to_one_position_keep_one_acknowledged_choice() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let started = app.start("demo", &token).await;
    let id = attempt_id(&started);
    let q = started.body["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .find(|q| q["multiple"] == false && q["options"].as_array().is_some_and(|o| o.len() == 4))
        .expect("a single-choice question with four options")
        .clone();
    let p = q["position"].as_i64().expect("position");
    let keys = ["A", "B", "C", "D"];
    let choices: Vec<[&str; 1]> = (0..20).map(|i| [keys[i % 4]]).collect();
    let replies = join_all(choices.iter().map(|c| app.save(&id, &token, p, c))).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    let view = app.attempt(&id, &token).await;
    let kept = view.body["answers"][p.to_string()].clone();
    assert!(
        keys.iter().any(|k| kept == json!([k])),
        "one of the saved choices is kept: {kept}"
    );
    assert_eq!(view.body["answers"].as_object().map(|m| m.len()), Some(1));
}
