//! The citizen flow end to end through the real server: register, start, save, submit.

use cuocthi_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_person_registers_answers_every_question_and_reads_the_score() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let started = app.start("demo", &token).await;
    assert_eq!(started.status, 201, "{started:?}");
    let id = started.body["attempt_id"].as_str().unwrap().to_owned();
    let questions = started.body["questions"].as_array().unwrap().clone();
    assert_eq!(questions.len(), 20);
    for q in &questions {
        let saved = app
            .save(&id, &token, q["position"].as_i64().unwrap(), &["A"])
            .await;
        assert_eq!(saved.status, 200, "{saved:?}");
        assert_eq!(saved.body["choice"], json!(["A"]));
    }
    app.advance(chrono::Duration::seconds(95));
    let result = app.submit(&id, &token, json!({"prediction": 14426})).await;
    assert_eq!(result.status, 200, "{result:?}");
    assert_eq!(result.body["status"], "submitted");
    assert_eq!(result.body["total"], 20);
    assert_eq!(result.body["duration_ms"], 95_000);
    assert_eq!(result.body["attempts_left"], 2);
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.body["score"], result.body["score"]);
    assert_eq!(view.body["answers"].as_object().unwrap().len(), 20);
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn metrics_count_saves_and_requests_by_route() {
    let app = TestApp::with_demo().await;
    let before = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = app.register("0912345678").await;
    let started = app.start("demo", &token).await;
    let id = started.body["attempt_id"].as_str().unwrap().to_owned();
    assert_eq!(app.save(&id, &token, 1, &["A"]).await.status, 200);
    let after = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metric(&after, "cuocthi_answer_saves_total")
            > metric(&before, "cuocthi_answer_saves_total")
    );
    assert!(
        metric(&after, "cuocthi_attempts_started_total")
            > metric(&before, "cuocthi_attempts_started_total")
    );
    assert!(after.contains(
        "cuocthi_http_requests_total{method=\"PUT\",route=\"/api/v1/attempts/{id}/answers/{position}\",status=\"200\"}"
    ));
}
