//! Answer saves through the group-commit writer (`crates/attempts/src/autosave.rs`), seen
//! through HTTP: many saves of many attempts in flight at once all land; the last save of a
//! question wins and a clear deletes; a save racing a submit is either acknowledged and
//! scored or refused with 409; and the refusals of a single save (404, 410, 422, 409) are
//! unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Duration;
use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use cuocthi_attempts::engine::parse_draw;
use cuocthi_domain::scoring::{shown_keys, OPTION_KEYS};
use cuocthi_store::entities::{answer, attempt, question_version};
use cuocthi_tests::demo::{demo_keys, right_keys};
use cuocthi_tests::{Reply, TestApp};

/// An attempt's answers as the API shows them: position → shown keys.
type Answers = BTreeMap<String, Vec<String>>;

/// A participant of the demo contest with an attempt just started.
struct Contestant {
    token: String,
    id: String,
    questions: Vec<Value>,
}

fn phone(person: usize) -> String {
    format!("09123456{person:02}")
}

/// Registers `phone` and starts an attempt in the demo contest.
async fn contestant(app: &TestApp, phone: String) -> Contestant {
    let token = app.register(&phone).await;
    next_attempt(app, token).await
}

/// Starts the participant's next attempt.
async fn next_attempt(app: &TestApp, token: String) -> Contestant {
    let reply = app.start("demo", &token).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    Contestant {
        id: reply.body["attempt_id"]
            .as_str()
            .expect("attempt id")
            .to_owned(),
        questions: reply.body["questions"]
            .as_array()
            .expect("questions")
            .clone(),
        token,
    }
}

/// The demo contest requires a prediction before the deadline.
fn prediction() -> Value {
    json!({"prediction": 7})
}

fn position(question: &Value) -> i64 {
    question["position"].as_i64().expect("position")
}

fn option_count(question: &Value) -> usize {
    question["options"].as_array().expect("options").len()
}

#[track_caller]
fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{reply:?}");
    assert_eq!(reply.code(), code, "{reply:?}");
}

async fn answers_shown(app: &TestApp, who: &Contestant) -> Reply {
    let view = app.attempt(&who.id, &who.token).await;
    assert_eq!(view.status, StatusCode::OK, "{view:?}");
    view
}

fn answers_of(view: &Reply) -> Answers {
    serde_json::from_value(view.body["answers"].clone()).expect("answers")
}

async fn save_keys(app: &TestApp, who: &Contestant, position: i64, keys: &[String]) -> Reply {
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    app.save(&who.id, &who.token, position, &refs).await
}

/// A varied choice for a question: one shown key picked by `seed`, and a second one on
/// every other multiple-choice question; in shown order.
fn varied_choice(seed: usize, question: &Value) -> Vec<String> {
    let n = option_count(question);
    let first = seed % n;
    let mut keys = vec![OPTION_KEYS[first].to_owned()];
    if question["multiple"] == true && seed % 2 == 0 {
        keys.push(OPTION_KEYS[(first + 1) % n].to_owned());
        keys.sort();
    }
    keys
}

/// The attempt's answers as stored in the database (in shown keys), and the score and
/// number correct they imply with the stored keys and points.
async fn stored_answers_and_score(app: &TestApp, id: &str) -> (Answers, i64, i64) {
    let id = Uuid::parse_str(id).expect("uuid");
    let row = attempt::Entity::find_by_id(id)
        .one(&app.ctx.db)
        .await
        .expect("query")
        .expect("the attempt");
    let draw = parse_draw(&row).expect("draw");
    let versions: HashMap<Uuid, question_version::Model> = question_version::Entity::find()
        .filter(question_version::Column::Id.is_in(draw.iter().map(|d| d.version_id)))
        .all(&app.ctx.db)
        .await
        .expect("versions")
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let rows = answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(id))
        .all(&app.ctx.db)
        .await
        .expect("answers");
    let (mut answers, mut score, mut correct) = (Answers::new(), 0, 0);
    for row in rows {
        let drawn = &draw[usize::try_from(row.position - 1).expect("position from 1")];
        assert_eq!(row.question_version_id, drawn.version_id, "{row:?}");
        assert_ne!(row.choice_mask, 0, "a cleared answer is deleted: {row:?}");
        let version = &versions[&drawn.version_id];
        if i32::from(row.choice_mask) == version.key_mask {
            score += i64::from(version.points);
            correct += 1;
        }
        answers.insert(
            row.position.to_string(),
            shown_keys(row.choice_mask as u8, &drawn.option_order),
        );
    }
    (answers, score, correct)
}

#[tokio::test]
async fn many_attempts_saving_every_position_at_once_all_land() {
    let app = TestApp::with_demo().await;
    let people: Vec<Contestant> =
        join_all((0..15).map(|person| contestant(&app, phone(person)))).await;
    // Every position of every attempt, all in flight together.
    let saves: Vec<(&Contestant, i64, Vec<String>)> = people
        .iter()
        .enumerate()
        .flat_map(|(person, who)| {
            who.questions.iter().map(move |q| {
                (
                    who,
                    position(q),
                    varied_choice(person + position(q) as usize, q),
                )
            })
        })
        .collect();
    assert_eq!(saves.len(), 15 * 20);
    let replies = join_all(
        saves
            .iter()
            .map(|(who, position, keys)| save_keys(&app, who, *position, keys)),
    )
    .await;
    for (reply, (_, position, keys)) in replies.iter().zip(&saves) {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["position"], *position, "{reply:?}");
        assert_eq!(reply.body["choice"], json!(keys), "{reply:?}");
    }
    for who in &people {
        let expected: Answers = saves
            .iter()
            .filter(|(owner, _, _)| owner.id == who.id)
            .map(|(_, position, keys)| (position.to_string(), keys.clone()))
            .collect();
        assert_eq!(expected.len(), 20);
        let view = answers_shown(&app, who).await;
        assert_eq!(view.body["status"], "in_progress");
        assert_eq!(answers_of(&view), expected, "attempt {}", who.id);
        let (stored, _, _) = stored_answers_and_score(&app, &who.id).await;
        assert_eq!(stored, expected, "attempt {} in the database", who.id);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM answers").await,
        15 * 20
    );
}

#[tokio::test]
async fn the_last_save_of_a_question_wins_and_a_clear_deletes() {
    let app = TestApp::with_demo().await;
    let who = contestant(&app, phone(1)).await;
    assert!(who.questions[..2].iter().all(|q| option_count(q) >= 3));
    let steps: [(i64, &[&str]); 6] = [
        (1, &["A"]),
        (1, &["B"]),
        (2, &["A"]),
        (1, &[]),
        (2, &["C"]),
        // Clearing what was never answered is fine and leaves nothing.
        (3, &[]),
    ];
    for (position, choice) in steps {
        let reply = app.save(&who.id, &who.token, position, choice).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["choice"], json!(choice), "{reply:?}");
    }
    let expected = Answers::from([("2".to_owned(), vec!["C".to_owned()])]);
    assert_eq!(answers_of(&answers_shown(&app, &who).await), expected);
    let (stored, _, _) = stored_answers_and_score(&app, &who.id).await;
    assert_eq!(stored, expected, "one row left, position 1 deleted");
    // Answered again after the clear, then once more: the last one stands.
    for choice in [["C"], ["A"]] {
        let reply = app.save(&who.id, &who.token, 1, &choice).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    let view = answers_shown(&app, &who).await;
    assert_eq!(view.body["answers"], json!({"1": ["A"], "2": ["C"]}));
}

/// One attempt's race: every position saved (right keys, except a wrong key at every fourth
/// position), the first `split` at once, then the others at once together with the submit.
async fn save_all_racing_a_submit(
    app: &TestApp,
    bank: &HashMap<String, BTreeSet<String>>,
    who: &Contestant,
    split: usize,
) {
    let choices: Vec<(i64, Vec<String>)> = who
        .questions
        .iter()
        .map(|q| {
            let right = right_keys(bank, q);
            let keys = if position(q) % 4 == 0 {
                let wrong = OPTION_KEYS[..option_count(q)]
                    .iter()
                    .find(|k| !right.iter().any(|r| r == *k))
                    .expect("a wrong option");
                vec![(*wrong).to_owned()]
            } else {
                right
            };
            (position(q), keys)
        })
        .collect();
    let (before, racing) = choices.split_at(split);
    let mut saves = join_all(
        before
            .iter()
            .map(|(position, keys)| save_keys(app, who, *position, keys)),
    )
    .await;
    let (racing, result) = futures::join!(
        join_all(
            racing
                .iter()
                .map(|(position, keys)| save_keys(app, who, *position, keys))
        ),
        app.submit(&who.id, &who.token, prediction()),
    );
    saves.extend(racing);
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "submitted", "{result:?}");

    let mut acknowledged = Answers::new();
    for (reply, (position, keys)) in saves.iter().zip(&choices) {
        match reply.status.as_u16() {
            200 => {
                acknowledged.insert(position.to_string(), keys.clone());
            }
            409 => assert_eq!(reply.code(), "attempt_finished", "{reply:?}"),
            _ => panic!("a save racing the submit answered {reply:?}"),
        }
    }
    assert!(
        acknowledged.len() >= split,
        "the {split} saves sent before the submit were acknowledged: {saves:?}"
    );
    let view = answers_shown(app, who).await;
    assert_eq!(view.body["status"], "submitted");
    let shown = answers_of(&view);
    assert_eq!(
        shown, acknowledged,
        "attempt {}: every acknowledged save, and only those, is kept",
        who.id
    );
    let (stored, score, correct) = stored_answers_and_score(app, &who.id).await;
    assert_eq!(stored, shown, "attempt {}", who.id);
    // The score is the one of the answers kept, with the stored keys ...
    assert_eq!(result.body["score"], score, "{result:?} for {shown:?}");
    assert_eq!(result.body["correct"], correct, "{result:?} for {shown:?}");
    assert_eq!(view.body["score"], result.body["score"]);
    assert_eq!(view.body["correct"], result.body["correct"]);
    // ... and, independently, the right saves that were acknowledged.
    let right_saves = acknowledged
        .keys()
        .filter(|p| p.parse::<i64>().expect("position") % 4 != 0)
        .count();
    assert_eq!(correct, right_saves as i64, "{acknowledged:?}");
    // A later save changes nothing.
    let late = app.save(&who.id, &who.token, 1, &["A"]).await;
    assert_error(&late, 409, "attempt_finished");
    assert_eq!(answers_of(&answers_shown(app, who).await), acknowledged);
}

#[tokio::test]
async fn saves_racing_a_submit_are_either_scored_or_refused_with_409() {
    let app = TestApp::with_demo().await;
    let bank = demo_keys();
    let splits = [0, 1, 3, 7, 12, 18];
    let mut tokens = Vec::new();
    for person in 0..splits.len() {
        tokens.push(app.register(&phone(person)).await);
    }
    // Each participant's three attempts one after the other; the participants' races at
    // once, so that batches hold saves of just-submitted attempts beside saves of open ones.
    for round in 0..3 {
        let people = join_all(tokens.iter().map(|t| next_attempt(&app, t.clone()))).await;
        join_all(people.iter().enumerate().map(|(i, who)| {
            save_all_racing_a_submit(&app, &bank, who, splits[(i + round) % splits.len()])
        }))
        .await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM attempts WHERE status = 'submitted'")
            .await,
        3 * splits.len() as i64
    );
}

#[tokio::test]
async fn refusals_of_a_save_are_unchanged() {
    let app = TestApp::with_demo().await;
    let who = contestant(&app, phone(1)).await;
    let other = contestant(&app, phone(2)).await;
    let total = who.questions.len() as i64;
    assert_eq!(total, 20);
    let first = app.save(&who.id, &who.token, 1, &["A"]).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");

    let (id, token, other_id) = (&who.id, &who.token, &other.id);
    for position in [0, -1, total + 1] {
        assert_error(
            &app.save(id, token, position, &["A"]).await,
            404,
            "not_found",
        );
    }
    assert_error(&app.save(id, token, 2, &["Z"]).await, 422, "invalid_choice");
    assert_error(&app.save(id, token, 1, &["Z"]).await, 422, "invalid_choice");
    assert_error(
        &app.save(other_id, token, 1, &["A"]).await,
        404,
        "not_found",
    );
    assert_eq!(
        answers_of(&answers_shown(&app, &who).await),
        Answers::from([("1".to_owned(), vec!["A".to_owned()])]),
        "no refused save changed anything"
    );
    assert!(answers_of(&answers_shown(&app, &other).await).is_empty());

    let submitted = app.submit(id, token, prediction()).await;
    assert_eq!(submitted.status, StatusCode::OK, "{submitted:?}");
    assert_error(
        &app.save(id, token, 2, &["Z"]).await,
        409,
        "attempt_finished",
    );
    assert_error(
        &app.save(id, token, 2, &["B"]).await,
        409,
        "attempt_finished",
    );
    assert_error(&app.save(id, token, 1, &[]).await, 409, "attempt_finished");
    for position in [0, total + 1] {
        assert_error(
            &app.save(id, token, position, &["A"]).await,
            404,
            "not_found",
        );
    }
    assert_error(
        &app.save(other_id, token, 1, &["A"]).await,
        404,
        "not_found",
    );
    assert_eq!(
        answers_of(&answers_shown(&app, &who).await),
        Answers::from([("1".to_owned(), vec!["A".to_owned()])])
    );
    // The other participant's attempt is still open and takes their own saves.
    let theirs = app.save(other_id, &other.token, 1, &["B"]).await;
    assert_eq!(theirs.status, StatusCode::OK, "{theirs:?}");
}

/// Saves "B" at `positions` of each attempt, all at once; the replies with their attempt.
async fn burst(
    app: &TestApp,
    people: [&Contestant; 2],
    positions: std::ops::RangeInclusive<i64>,
) -> Vec<(String, Reply)> {
    join_all(people.into_iter().flat_map(|who| {
        positions.clone().map(move |position| async move {
            let reply = app.save(&who.id, &who.token, position, &["B"]).await;
            (who.id.clone(), reply)
        })
    }))
    .await
}

#[tokio::test]
async fn saves_from_deadline_plus_grace_are_gone_while_other_attempts_in_the_burst_land() {
    let app = TestApp::with_demo().await;
    let early = contestant(&app, phone(1)).await;
    let first = app.save(&early.id, &early.token, 1, &["A"]).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    app.advance(Duration::seconds(600));
    let late = contestant(&app, phone(2)).await;
    // The early attempt's deadline is 1200 s after its start, the grace 15 s: one
    // millisecond before the end of its grace, a burst of both attempts all lands.
    app.advance(Duration::seconds(615) - Duration::milliseconds(1));
    for (_, reply) in burst(&app, [&early, &late], 2..=10).await {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    // At the end of the grace: the early attempt's saves are gone, the late one's land.
    app.advance(Duration::milliseconds(1));
    for (id, reply) in burst(&app, [&early, &late], 1..=20).await {
        if id == early.id {
            assert_error(&reply, 410, "deadline_passed");
        } else {
            assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        }
    }
    let mut expected: Answers = (2..=10)
        .map(|p| (p.to_string(), vec!["B".to_owned()]))
        .collect();
    expected.insert("1".to_owned(), vec!["A".to_owned()]);
    let view = answers_shown(&app, &early).await;
    assert_eq!(view.body["status"], "expired", "{view:?}");
    assert_eq!(answers_of(&view), expected);
    let (_, score, correct) = stored_answers_and_score(&app, &early.id).await;
    assert_eq!(view.body["score"], score, "{view:?}");
    assert_eq!(view.body["correct"], correct, "{view:?}");
    let all_b: Answers = (1..=20)
        .map(|p| (p.to_string(), vec!["B".to_owned()]))
        .collect();
    let view = answers_shown(&app, &late).await;
    assert_eq!(view.body["status"], "in_progress");
    assert_eq!(answers_of(&view), all_b);
}
