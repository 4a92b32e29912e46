//! The citizen flow's contract (spec/api.md "General" and "Citizen flow"), endpoint by endpoint,
//! through the real server: contests, registration, start, reading an attempt, autosave,
//! submission and the participant's own view.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use uuid::Uuid;

use cuocthi_store::entities::{contest, round, unit};
use cuocthi_tests::{test_epoch, Reply, TestApp};

/// The demo contest's data: the bank the attempts are drawn from.
const DEMO_JSON: &str = include_str!("../../crates/server/demo/demo-contest.json");

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A bank question: its option texts and the 0-based indices of the right ones.
struct BankQuestion {
    options: Vec<String>,
    answer: Vec<usize>,
    explanation: Option<String>,
}

/// The demo bank by question text.
fn demo_bank() -> HashMap<String, BankQuestion> {
    let demo: Value = serde_json::from_str(DEMO_JSON).expect("demo json");
    let mut bank = HashMap::new();
    for topic in demo["topics"].as_array().expect("topics") {
        for q in topic["questions"].as_array().expect("questions") {
            let options = q["options"]
                .as_array()
                .expect("options")
                .iter()
                .map(|o| o.as_str().expect("option").to_owned())
                .collect();
            let answer = q["answer"]
                .as_array()
                .expect("answer")
                .iter()
                .map(|a| a.as_u64().expect("index") as usize)
                .collect();
            bank.insert(
                q["text"].as_str().expect("text").to_owned(),
                BankQuestion {
                    options,
                    answer,
                    explanation: q["explanation"].as_str().map(str::to_owned),
                },
            );
        }
    }
    bank
}

/// The keys, as shown in this attempt, of the right options of `question` (mapped by text).
fn right_keys(bank: &HashMap<String, BankQuestion>, question: &Value) -> Vec<String> {
    let text = question["text"].as_str().expect("question text");
    let entry = bank.get(text).expect("question is in the demo bank");
    let right: BTreeSet<&str> = entry
        .answer
        .iter()
        .map(|i| entry.options[*i].as_str())
        .collect();
    question["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter(|o| right.contains(o["text"].as_str().expect("option text")))
        .map(|o| o["key"].as_str().expect("key").to_owned())
        .collect()
}

/// One shown key that is not a right option of `question`.
fn wrong_key(bank: &HashMap<String, BankQuestion>, question: &Value) -> String {
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

fn questions(reply: &Reply) -> Vec<Value> {
    reply.body["questions"]
        .as_array()
        .unwrap_or_else(|| panic!("questions in {reply:?}"))
        .clone()
}

fn wire(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The test epoch plus some milliseconds, as on the wire.
fn at_ms(ms: i64) -> String {
    wire(test_epoch() + Duration::milliseconds(ms))
}

/// `2026-11-25T19:09:20.123Z`: RFC 3339, UTC, milliseconds.
fn assert_wire_time(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a time string: {value}"));
    let bytes = text.as_bytes();
    assert_eq!(text.len(), 24, "{text}");
    assert_eq!(bytes[19], b'.', "{text}");
    assert!(bytes[20..23].iter().all(u8::is_ascii_digit), "{text}");
    assert!(text.ends_with('Z'), "{text}");
    assert!(DateTime::parse_from_rfc3339(text).is_ok(), "{text}");
}

/// Status, stable code and the error body's shape.
#[track_caller]
fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{reply:?}");
    assert_eq!(reply.code(), code, "{reply:?}");
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "an error message: {reply:?}"
    );
}

/// A 422 with `fields[field] == code`.
#[track_caller]
fn assert_field_error(reply: &Reply, field: &str, code: &str) {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
    assert!(!reply.code().is_empty(), "{reply:?}");
    assert_eq!(reply.body["fields"][field], code, "{reply:?}");
}

async fn save_keys(app: &TestApp, id: &str, token: &str, position: i64, keys: &[String]) -> Reply {
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    app.save(id, token, position, &refs).await
}

fn prediction() -> Value {
    json!({"prediction": 14426})
}

async fn me(app: &TestApp, slug: &str, token: &str) -> Reply {
    app.call(
        Method::GET,
        &format!("/api/v1/contests/{slug}/me"),
        Some(token),
        None,
    )
    .await
}

/// A request with a raw body and content type.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut request = app
        .http
        .request(method, format!("{}{}", app.base, path))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    Reply {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

/// Registers `phone` and starts an attempt: (token, the start reply).
async fn started(app: &TestApp, phone: &str) -> (String, Reply) {
    let token = app.register(phone).await;
    let reply = app.start("demo", &token).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    (token, reply)
}

/// Starts, submits with a prediction, and returns the submit reply.
async fn finish_one(app: &TestApp, token: &str) -> Reply {
    let reply = app.start("demo", token).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let result = app.submit(&attempt_id(&reply), token, prediction()).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    result
}

/// A second contest (slug `slug`), open like the demo, with one unit of its own; no
/// categories. Stored directly: the organizer API is not part of this flow.
async fn add_contest(app: &TestApp, slug: &str) -> Uuid {
    let mut row = app.contest_row("demo").await;
    let id = Uuid::now_v7();
    row.id = id;
    row.slug = slug.to_owned();
    row.title = "Cuộc thi khác".to_owned();
    contest::Entity::insert(contest::ActiveModel::from(row.clone()))
        .exec_without_returning(&app.ctx.db)
        .await
        .expect("insert contest");
    round::Entity::insert(round::ActiveModel::from(round::Model {
        id: Uuid::now_v7(),
        contest_id: id,
        number: 1,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        draw_seed_sha256: None,
        closed_early_at: None,
    }))
    .exec_without_returning(&app.ctx.db)
    .await
    .expect("insert round");
    let unit_id = Uuid::now_v7();
    unit::Entity::insert(unit::ActiveModel::from(unit::Model {
        id: unit_id,
        contest_id: id,
        code: "K01".into(),
        name: "Đơn vị khác".into(),
        block: "Khối khác".into(),
        headcount: None,
        position: 0,
    }))
    .exec_without_returning(&app.ctx.db)
    .await
    .expect("insert unit");
    unit_id
}

/// Registers and starts until an attempt draws a multiple-choice question: (token, start
/// reply, its position).
async fn started_with_multiple(app: &TestApp) -> (String, Reply, i64) {
    for i in 0..30 {
        let (token, reply) = started(app, &format!("09123450{i:02}")).await;
        if let Some(q) = questions(&reply).iter().find(|q| q["multiple"] == true) {
            let position = q["position"].as_i64().expect("position");
            return (token, reply, position);
        }
    }
    panic!("no attempt drew a multiple-choice question in 30 tries");
}

/// `"Nguyễn Văn An"` upper-cased and decomposed (NFD), with extra spaces.
const NAME_UPPER_NFD: &str = "  NGUYE\u{302}\u{303}N   VA\u{306}N AN ";

// ---------------------------------------------------------------------------------------------
// Contests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_contest_list_shows_the_demo_contest_as_open() {
    let app = TestApp::with_demo().await;
    let reply = app.get("/api/v1/contests").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let list = reply.body.as_array().expect("a list");
    let demo = list
        .iter()
        .find(|c| c["slug"] == "demo")
        .expect("the demo contest is listed");
    assert_eq!(demo["status"], "open");
    assert!(demo["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(demo["opens_at"], at_ms(0));
    assert_eq!(demo["closes_at"], wire(test_epoch() + Duration::days(30)));
    assert_wire_time(&demo["opens_at"]);
    assert_wire_time(&demo["closes_at"]);
}

#[tokio::test]
async fn the_contest_list_says_upcoming_before_opening_and_closed_after() {
    let app = TestApp::with_demo().await;
    app.advance(Duration::hours(-1));
    let before = app.get("/api/v1/contests").await;
    assert_eq!(before.status, StatusCode::OK, "{before:?}");
    assert_eq!(before.body[0]["slug"], "demo");
    assert_eq!(before.body[0]["status"], "upcoming");
    app.advance(Duration::days(31));
    let after = app.get("/api/v1/contests").await;
    assert_eq!(after.body[0]["status"], "closed", "{after:?}");
}

#[tokio::test]
async fn the_contest_detail_has_every_field_of_the_contract() {
    let app = TestApp::with_demo().await;
    let reply = app.get("/api/v1/contests/demo").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let c = &reply.body;
    let demo: Value = serde_json::from_str(DEMO_JSON).expect("demo json");
    assert_eq!(c["slug"], "demo");
    assert_eq!(c["title"], demo["title"]);
    assert_eq!(c["rules_md"], demo["rules_md"]);
    assert_eq!(c["opens_at"], at_ms(0));
    assert_eq!(c["closes_at"], wire(test_epoch() + Duration::days(30)));
    assert_eq!(c["status"], "open");
    assert_eq!(c["questions_per_attempt"], 20);
    assert_eq!(c["time_limit_secs"], 1200);
    assert_eq!(c["max_attempts"], 3);
    assert_eq!(c["prediction"]["question"], demo["prediction_question"]);
    let codes: Vec<&str> = c["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|k| {
            assert!(k["name"].as_str().is_some_and(|n| !n.is_empty()), "{k}");
            k["code"].as_str().expect("code")
        })
        .collect();
    assert_eq!(codes, ["civil_servant", "citizen"]);
    let rounds = c["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0]["number"], 1);
    assert_eq!(rounds[0]["opens_at"], c["opens_at"]);
    assert_eq!(rounds[0]["closes_at"], c["closes_at"]);
    assert_eq!(c["server_time"], at_ms(0));
    assert_eq!(c["stats"], json!({"participants": 0, "attempts": 0}));
    for time in [
        &c["opens_at"],
        &c["closes_at"],
        &c["server_time"],
        &rounds[0]["opens_at"],
        &rounds[0]["closes_at"],
    ] {
        assert_wire_time(time);
    }
}

#[tokio::test]
async fn the_contest_detail_counts_finished_attempts_and_their_people() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    finish_one(&app, &token).await;
    finish_one(&app, &token).await;
    let other = app.register("0987654321").await;
    app.start("demo", &other).await; // in progress: not counted
    let reply = app.get("/api/v1/contests/demo").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body["stats"],
        json!({"participants": 1, "attempts": 2})
    );
}

#[tokio::test]
async fn the_contest_detail_shows_null_prediction_when_the_contest_has_none() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.prediction_question = None)
        .await;
    let reply = app.get("/api/v1/contests/demo").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(reply.body["prediction"].is_null(), "{reply:?}");
}

#[tokio::test]
async fn an_unknown_slug_is_404_not_found_on_every_contest_path() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let person = app.person("0912345679").await;
    let replies = [
        app.get("/api/v1/contests/nope").await,
        app.get("/api/v1/contests/nope/units").await,
        app.register_raw("nope", person).await,
        app.start("nope", &token).await,
        me(&app, "nope", &token).await,
    ];
    for reply in &replies {
        assert_error(reply, 404, "not_found");
        assert!(reply.body.get("fields").is_none(), "{reply:?}");
    }
}

#[tokio::test]
async fn an_unknown_api_path_or_an_undecodable_slug_is_a_json_404() {
    let app = TestApp::with_demo().await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v1/contests/demo/nothing",
        "/api/v1/contests/%FF",
        "/api/v1/contests/%FF/units",
    ] {
        let reply = app.get(path).await;
        assert_error(&reply, 404, "not_found");
    }
}

#[tokio::test]
async fn an_unlisted_contest_is_missing_from_the_list_but_reachable_by_its_slug() {
    let app = TestApp::with_demo().await;
    add_contest(&app, "hidden").await;
    app.update_contest("hidden", |c| c.listed = false).await;
    let list = app.get("/api/v1/contests").await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let slugs: Vec<&str> = list
        .body
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["demo"]);
    let detail = app.get("/api/v1/contests/hidden").await;
    assert_eq!(detail.status, StatusCode::OK, "{detail:?}");
    assert_eq!(detail.body["slug"], "hidden");
    assert_eq!(detail.body["categories"], json!([]));
}

#[tokio::test]
async fn the_units_list_has_id_code_name_and_block() {
    let app = TestApp::with_demo().await;
    let reply = app.get("/api/v1/contests/demo/units").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let units = reply.body.as_array().expect("a list");
    assert_eq!(units.len(), 76);
    for u in units {
        assert!(
            Uuid::parse_str(u["id"].as_str().expect("id")).is_ok(),
            "{u}"
        );
        for field in ["code", "name", "block"] {
            assert!(u[field].as_str().is_some_and(|s| !s.is_empty()), "{u}");
        }
    }
    let xp01 = units.iter().find(|u| u["code"] == "XP01").expect("XP01");
    assert_eq!(xp01["name"], "Phường Bắc Hồng");
    assert_eq!(xp01["block"], "Khối xã, phường");
    let ids: BTreeSet<&str> = units.iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(ids.len(), 76);
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_new_person_registers_with_201_and_gets_a_token() {
    let app = TestApp::with_demo().await;
    let unit_id = app.unit_id("demo", "XP01").await;
    let reply = app
        .register_raw("demo", app.person("0912345678").await)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let b = &reply.body;
    assert!(Uuid::parse_str(b["participant_id"].as_str().expect("id")).is_ok());
    assert!(b["token"].as_str().is_some_and(|t| t.len() >= 20), "{b}");
    assert_eq!(b["attempts_used"], 0);
    assert_eq!(b["attempts_left"], 3);
    assert_eq!(b["unit_id"], unit_id.as_str());
    assert_eq!(b["category"], "citizen");
}

#[tokio::test]
async fn the_same_person_in_another_form_gets_200_and_a_new_token_and_both_tokens_work() {
    let app = TestApp::with_demo().await;
    let first = app
        .register_raw("demo", app.person("0912345678").await)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let mut again = app.person("+84 912 345 678").await;
    again["full_name"] = json!(NAME_UPPER_NFD);
    let second = app.register_raw("demo", again).await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    assert_eq!(second.body["participant_id"], first.body["participant_id"]);
    let (t1, t2) = (
        first.body["token"].as_str().expect("token"),
        second.body["token"].as_str().expect("token"),
    );
    assert_ne!(t1, t2, "a new token");
    for token in [t1, t2] {
        let reply = me(&app, "demo", token).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["participant_id"], first.body["participant_id"]);
    }
    let n = app.count("SELECT COUNT(*) AS n FROM participants").await;
    assert_eq!(n, 1);
}

#[tokio::test]
async fn the_same_phone_with_another_name_is_409_identity_mismatch() {
    let app = TestApp::with_demo().await;
    app.register("0912345678").await;
    let mut other = app.person("0912345678").await;
    other["full_name"] = json!("Trần Thị Bình");
    let reply = app.register_raw("demo", other).await;
    assert_error(&reply, 409, "identity_mismatch");
    assert!(reply.body.get("token").is_none());
}

#[tokio::test]
async fn the_same_phone_with_another_birth_year_is_409_identity_mismatch() {
    let app = TestApp::with_demo().await;
    app.register("0912345678").await;
    let mut other = app.person("0912345678").await;
    other["birth_year"] = json!(1991);
    let reply = app.register_raw("demo", other).await;
    assert_error(&reply, 409, "identity_mismatch");
}

#[tokio::test]
async fn a_national_id_already_used_with_another_phone_is_409_identity_mismatch() {
    let app = TestApp::with_demo().await;
    let mut first = app.person("0912345678").await;
    first["national_id"] = json!("001090000001");
    let reply = app.register_raw("demo", first).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let mut second = app.person("0987654321").await;
    second["national_id"] = json!("001 090 000 001");
    let reply = app.register_raw("demo", second).await;
    assert_error(&reply, 409, "identity_mismatch");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM participants").await, 1);
}

#[tokio::test]
async fn a_phone_and_a_national_id_of_two_different_people_is_409_identity_mismatch() {
    let app = TestApp::with_demo().await;
    let mut a = app.person("0912345678").await;
    a["national_id"] = json!("001090000001");
    assert_eq!(app.register_raw("demo", a).await.status, 201);
    let mut b = app.person("0987654321").await;
    b["national_id"] = json!("001090000002");
    assert_eq!(app.register_raw("demo", b).await.status, 201);
    let mut mixed = app.person("0912345678").await;
    mixed["national_id"] = json!("001090000002");
    let reply = app.register_raw("demo", mixed).await;
    assert_error(&reply, 409, "identity_mismatch");
}

#[tokio::test]
async fn registration_with_consent_false_is_422_consent_required() {
    let app = TestApp::with_demo().await;
    let mut body = app.person("0912345678").await;
    body["consent"] = json!(false);
    let reply = app.register_raw("demo", body).await;
    assert_error(&reply, 422, "consent_required");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM participants").await, 0);
}

#[tokio::test]
async fn registration_without_consent_is_422_consent_required() {
    let app = TestApp::with_demo().await;
    let mut body = app.person("0912345678").await;
    body.as_object_mut().expect("object").remove("consent");
    let reply = app.register_raw("demo", body).await;
    assert_error(&reply, 422, "consent_required");
}

/// Registers the demo person with one field changed (or removed, with `Value::Null` and
/// `remove`), and returns the reply.
async fn register_with(app: &TestApp, field: &str, value: Option<Value>) -> Reply {
    let mut body = app.person("0912345678").await;
    match value {
        Some(value) => body[field] = value,
        None => {
            body.as_object_mut().expect("object").remove(field);
        }
    }
    app.register_raw("demo", body).await
}

#[tokio::test]
async fn an_empty_full_name_is_422_with_fields_full_name_required() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "full_name", Some(json!("   "))).await;
    assert_field_error(&reply, "full_name", "required");
    assert_eq!(reply.code(), "validation_failed");
}

#[tokio::test]
async fn a_short_phone_is_422_with_fields_phone_invalid_phone() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "phone", Some(json!("12345"))).await;
    assert_field_error(&reply, "phone", "invalid_phone");
    assert_eq!(reply.code(), "validation_failed");
}

#[tokio::test]
async fn a_birth_year_of_1800_is_422_with_fields_birth_year_invalid_birth_year() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "birth_year", Some(json!(1800))).await;
    assert_field_error(&reply, "birth_year", "invalid_birth_year");
}

#[tokio::test]
async fn an_unknown_unit_id_is_422_with_fields_unit_id_unknown_unit() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "unit_id", Some(json!(Uuid::now_v7().to_string()))).await;
    assert_field_error(&reply, "unit_id", "unknown_unit");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM participants").await, 0);
}

#[tokio::test]
async fn a_garbage_unit_id_is_422_with_a_unit_id_field_error() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "unit_id", Some(json!("phường-bắc-hồng"))).await;
    assert_field_error(&reply, "unit_id", "unknown_unit");
}

#[tokio::test]
async fn a_unit_of_another_contest_is_422_with_fields_unit_id_unknown_unit() {
    let app = TestApp::with_demo().await;
    let foreign_unit = add_contest(&app, "other").await;
    let reply = register_with(&app, "unit_id", Some(json!(foreign_unit.to_string()))).await;
    assert_field_error(&reply, "unit_id", "unknown_unit");
}

#[tokio::test]
async fn a_missing_category_is_422_with_fields_category_required() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "category", None).await;
    assert_field_error(&reply, "category", "required");
}

#[tokio::test]
async fn an_unknown_category_is_422_with_fields_category_unknown_category() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "category", Some(json!("alien"))).await;
    assert_field_error(&reply, "category", "unknown_category");
}

#[tokio::test]
async fn a_three_digit_national_id_is_422_with_fields_national_id_invalid_national_id() {
    let app = TestApp::with_demo().await;
    let reply = register_with(&app, "national_id", Some(json!("123"))).await;
    assert_field_error(&reply, "national_id", "invalid_national_id");
}

#[tokio::test]
async fn a_contest_requiring_national_id_refuses_registration_without_one() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.require_national_id = true)
        .await;
    let reply = register_with(&app, "national_id", None).await;
    assert_field_error(&reply, "national_id", "required");
    let ok = register_with(&app, "national_id", Some(json!("001090000001"))).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{ok:?}");
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = TestApp::with_demo().await;
    let reply = app
        .register_raw(
            "demo",
            json!({
                "full_name": "",
                "phone": "12345",
                "birth_year": 1800,
                "unit_id": Uuid::now_v7().to_string(),
                "consent": true,
                "national_id": "123",
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
    let fields = &reply.body["fields"];
    assert_eq!(fields["full_name"], "required", "{reply:?}");
    assert_eq!(fields["phone"], "invalid_phone", "{reply:?}");
    assert_eq!(fields["birth_year"], "invalid_birth_year", "{reply:?}");
    assert_eq!(fields["category"], "required", "{reply:?}");
    assert_eq!(fields["national_id"], "invalid_national_id", "{reply:?}");
}

#[tokio::test]
async fn with_require_pin_the_first_registration_needs_a_pin() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.require_pin = true).await;
    let reply = register_with(&app, "pin", None).await;
    assert_field_error(&reply, "pin", "required");
    let reply = register_with(&app, "pin", Some(json!("12"))).await;
    assert_field_error(&reply, "pin", "invalid_pin");
    let reply = register_with(&app, "pin", Some(json!("1234"))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
}

#[tokio::test]
async fn with_require_pin_registering_again_with_a_wrong_pin_is_401_pin_mismatch() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.require_pin = true).await;
    let first = register_with(&app, "pin", Some(json!("1234"))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let wrong = register_with(&app, "pin", Some(json!("4321"))).await;
    assert_error(&wrong, 401, "pin_mismatch");
    assert!(wrong.body.get("token").is_none());
    let right = register_with(&app, "pin", Some(json!("1234"))).await;
    assert_eq!(right.status, StatusCode::OK, "{right:?}");
    assert_eq!(right.body["participant_id"], first.body["participant_id"]);
}

#[tokio::test]
async fn registering_again_never_changes_the_unit_or_the_category() {
    let app = TestApp::with_demo().await;
    let xp01 = app.unit_id("demo", "XP01").await;
    let cq01 = app.unit_id("demo", "CQ01").await;
    let first = app
        .register_raw("demo", app.person("0912345678").await)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let mut moved = app.person("0912345678").await;
    moved["unit_id"] = json!(cq01);
    moved["category"] = json!("civil_servant");
    let again = app.register_raw("demo", moved).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body["unit_id"], xp01.as_str());
    assert_eq!(again.body["category"], "citizen");
    let view = me(&app, "demo", again.body["token"].as_str().expect("token")).await;
    assert_eq!(view.body["unit_id"], xp01.as_str(), "{view:?}");
    assert_eq!(view.body["category"], "citizen", "{view:?}");
}

#[tokio::test]
async fn a_malformed_json_body_is_400() {
    let app = TestApp::with_demo().await;
    let reply = raw(
        &app,
        Method::POST,
        "/api/v1/contests/demo/participants",
        None,
        b"{\"full_name\": \"An\", ".to_vec(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    assert_error(&reply, 400, "malformed_body");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_payload_too_large() {
    let app = TestApp::with_demo().await;
    let mut body = app.person("0912345678").await;
    body["address"] = json!("x".repeat(70 * 1024));
    let reply = app.register_raw("demo", body).await;
    assert_error(&reply, 413, "payload_too_large");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM participants").await, 0);
}

/// A registration body padded with an ignored field to exactly `len` bytes.
async fn registration_of_length(app: &TestApp, len: usize) -> Vec<u8> {
    let mut body = app.person("0912345678").await;
    body["padding"] = json!("");
    let bare = serde_json::to_vec(&body).expect("json").len();
    body["padding"] = json!("x".repeat(len - bare));
    let bytes = serde_json::to_vec(&body).expect("json");
    assert_eq!(bytes.len(), len);
    bytes
}

#[tokio::test]
async fn a_body_of_exactly_64_kib_is_read() {
    let app = TestApp::with_demo().await;
    let body = registration_of_length(&app, 64 * 1024).await;
    let reply = raw(
        &app,
        Method::POST,
        "/api/v1/contests/demo/participants",
        None,
        body,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
}

#[tokio::test]
async fn a_body_one_byte_over_64_kib_is_413_payload_too_large() {
    let app = TestApp::with_demo().await;
    let body = registration_of_length(&app, 64 * 1024 + 1).await;
    let reply = raw(
        &app,
        Method::POST,
        "/api/v1/contests/demo/participants",
        None,
        body,
    )
    .await;
    assert_error(&reply, 413, "payload_too_large");
}

#[tokio::test]
async fn a_save_body_over_64_kib_is_413_payload_too_large() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let keys: Vec<&str> = std::iter::repeat_n("A", 20_000).collect();
    let reply = app.save(&id, &token, 1, &keys).await;
    assert_error(&reply, 413, "payload_too_large");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers").await, 0);
}

#[tokio::test]
async fn odd_bodies_never_cause_a_500() {
    let app = TestApp::with_demo().await;
    let unit = app.unit_id("demo", "XP01").await;
    let (token, started) = {
        let token = app.register("0987654321").await;
        let reply = app.start("demo", &token).await;
        (token, reply)
    };
    let id = attempt_id(&started);
    let registrations: Vec<&[u8]> = vec![
        b"",
        b"null",
        b"[]",
        b"\"x\"",
        b"42",
        b"{\"birth_year\": \"abc\"}",
        b"{\"birth_year\": 1e300, \"consent\": true}",
        b"{\"birth_year\": 99999999999999999999999, \"consent\": true}",
        b"{\"birth_year\": -5, \"consent\": true}",
        b"{\"full_name\": 12}",
        b"{\"consent\": \"yes\"}",
        b"{\"full_name\": \"\\u0000\\u0001\", \"consent\": true}",
        b"\xff\xfe\xfd",
    ];
    for body in registrations {
        let reply = raw(
            &app,
            Method::POST,
            "/api/v1/contests/demo/participants",
            None,
            body.to_vec(),
        )
        .await;
        assert!(reply.status.is_client_error(), "{body:?}: {reply:?}");
        assert!(reply.body["error"].is_string(), "{body:?}: {reply:?}");
    }
    let odd_people = [
        json!({"full_name": "A".repeat(101), "phone": "0912345670", "birth_year": 1990,
               "unit_id": unit, "consent": true, "category": "citizen"}),
        json!({"full_name": "Nguyễn An", "phone": "+84", "birth_year": "1990",
               "unit_id": unit, "consent": true, "category": "citizen"}),
        json!({"full_name": "Nguyễn An", "phone": "٠٩١٢٣٤٥٦٧٨", "birth_year": 1990,
               "unit_id": unit, "consent": true, "category": "citizen"}),
        json!({"full_name": "Nguyễn An", "phone": "0912345671", "birth_year": 1990,
               "unit_id": unit, "consent": true, "category": "citizen", "gender": "x",
               "address": "y".repeat(600)}),
        json!({"full_name": "12345", "phone": "0912345672", "birth_year": 2999,
               "unit_id": "", "consent": true}),
    ];
    for body in odd_people {
        let reply = app.register_raw("demo", body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {reply:?}"
        );
        assert!(reply.body["fields"].is_object(), "{body}: {reply:?}");
    }
    let saves: Vec<(&str, &[u8])> = vec![
        ("1", b"{\"choice\": \"A\"}"),
        ("1", b"{\"choice\": [1]}"),
        ("1", b"{}"),
        ("1", b"[]"),
        ("1", b"{\"choice\": null}"),
        ("99999999999", b"{\"choice\": [\"A\"]}"),
        ("-1", b"{\"choice\": [\"A\"]}"),
        ("abc", b"{\"choice\": [\"A\"]}"),
    ];
    for (position, body) in saves {
        let reply = raw(
            &app,
            Method::PUT,
            &format!("/api/v1/attempts/{id}/answers/{position}"),
            Some(&token),
            body.to_vec(),
        )
        .await;
        assert!(
            reply.status.is_client_error(),
            "{position} {body:?}: {reply:?}"
        );
        assert!(reply.body["error"].is_string(), "{reply:?}");
    }
    let submits: Vec<&[u8]> = vec![
        b"{\"prediction\": 1e300}",
        b"{\"prediction\": \"12\"}",
        b"{\"prediction\": true}",
        b"{\"prediction\": 18446744073709551615}",
        b"{\"prediction\": [1]}",
        b"[]",
        b"{\"prediction\": ",
    ];
    for body in submits {
        let reply = raw(
            &app,
            Method::POST,
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            body.to_vec(),
        )
        .await;
        assert!(reply.status.is_client_error(), "{body:?}: {reply:?}");
        assert!(reply.body["error"].is_string(), "{reply:?}");
    }
    let still = app.attempt(&id, &token).await;
    assert_eq!(still.body["status"], "in_progress", "{still:?}");
}

// ---------------------------------------------------------------------------------------------
// Starting an attempt
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn starting_gives_201_and_starting_again_gives_200_with_the_same_attempt() {
    let app = TestApp::with_demo().await;
    let (token, first) = started(&app, "0912345678").await;
    assert_eq!(first.body["attempt_no"], 1);
    assert_eq!(first.body["status"], "in_progress");
    let again = app.start("demo", &token).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body["attempt_id"], first.body["attempt_id"]);
    assert_eq!(again.body["questions"], first.body["questions"]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM attempts").await, 1);
}

#[tokio::test]
async fn an_attempt_shows_20_distinct_questions_at_positions_1_to_20_with_keys_in_order() {
    let app = TestApp::with_demo().await;
    let bank = demo_bank();
    let (_, reply) = started(&app, "0912345678").await;
    let b = &reply.body;
    assert!(Uuid::parse_str(b["attempt_id"].as_str().expect("id")).is_ok());
    assert_wire_time(&b["started_at"]);
    assert_wire_time(&b["deadline"]);
    assert_wire_time(&b["server_time"]);
    assert_eq!(b["answers"], json!({}));
    let qs = questions(&reply);
    assert_eq!(qs.len(), 20);
    let texts: BTreeSet<&str> = qs.iter().filter_map(|q| q["text"].as_str()).collect();
    assert_eq!(texts.len(), 20, "distinct texts");
    for (i, q) in qs.iter().enumerate() {
        assert_eq!(q["position"], i as i64 + 1);
        let entry = bank
            .get(q["text"].as_str().expect("text"))
            .expect("a bank question");
        assert_eq!(q["multiple"], entry.answer.len() > 1, "{q}");
        let options = q["options"].as_array().expect("options");
        assert_eq!(options.len(), entry.options.len());
        let keys: Vec<&str> = options.iter().filter_map(|o| o["key"].as_str()).collect();
        assert_eq!(keys, ["A", "B", "C", "D", "E", "F"][..options.len()]);
        let shown: BTreeSet<&str> = options.iter().filter_map(|o| o["text"].as_str()).collect();
        let original: BTreeSet<&str> = entry.options.iter().map(String::as_str).collect();
        assert_eq!(shown, original, "the options are the bank's, reordered");
    }
}

/// No key, explanation or anything beyond the contract's question fields.
#[track_caller]
fn assert_no_keys(reply: &Reply) {
    for q in questions(reply) {
        let fields: BTreeSet<&str> = q
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            BTreeSet::from(["position", "text", "multiple", "options"]),
            "{q}"
        );
        for o in q["options"].as_array().expect("options") {
            assert_eq!(o.as_object().expect("object").len(), 2, "{o}");
        }
    }
}

/// Whether any question of the attempt shows its options in another order than the bank.
fn some_options_reordered(bank: &HashMap<String, BankQuestion>, reply: &Reply) -> bool {
    questions(reply).iter().any(|q| {
        let entry = &bank[q["text"].as_str().expect("text")];
        let shown: Vec<&str> = q["options"]
            .as_array()
            .expect("options")
            .iter()
            .filter_map(|o| o["text"].as_str())
            .collect();
        shown != entry.options.iter().map(String::as_str).collect::<Vec<_>>()
    })
}

#[tokio::test]
async fn options_are_shuffled_by_default() {
    let app = TestApp::with_demo().await;
    let bank = demo_bank();
    let (_, reply) = started(&app, "0912345678").await;
    assert!(some_options_reordered(&bank, &reply));
}

#[tokio::test]
async fn with_shuffle_off_options_keep_the_bank_order() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.shuffle_options = false)
        .await;
    let bank = demo_bank();
    let (_, reply) = started(&app, "0912345678").await;
    assert!(!some_options_reordered(&bank, &reply));
}

#[tokio::test]
async fn an_attempt_draws_the_contests_number_of_questions() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.questions_per_attempt = 5)
        .await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let positions: Vec<i64> = questions(&reply)
        .iter()
        .filter_map(|q| q["position"].as_i64())
        .collect();
    assert_eq!(positions, [1, 2, 3, 4, 5]);
    assert_eq!(reply.body["total"], 5);
    assert_error(&app.save(&id, &token, 6, &["A"]).await, 404, "not_found");
    let result = app.submit(&id, &token, prediction()).await;
    assert_eq!(result.body["total"], 5, "{result:?}");
}

#[tokio::test]
async fn with_max_attempts_1_a_second_start_is_409_no_attempts_left() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.max_attempts = 1).await;
    let token = app.register("0912345678").await;
    let result = finish_one(&app, &token).await;
    assert_eq!(result.body["attempts_left"], 0);
    assert_error(&app.start("demo", &token).await, 409, "no_attempts_left");
}

#[tokio::test]
async fn no_key_is_shown_in_progress_nor_after_submit_while_the_round_is_open() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    assert_no_keys(&reply);
    let id = attempt_id(&reply);
    assert_no_keys(&app.attempt(&id, &token).await);
    assert_no_keys(&app.start("demo", &token).await);
    let result = app.submit(&id, &token, prediction()).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    let after = app.attempt(&id, &token).await;
    assert_eq!(after.body["status"], "submitted");
    assert_no_keys(&after);
}

#[tokio::test]
async fn after_the_round_closes_a_finished_attempt_shows_its_correct_keys() {
    let app = TestApp::with_demo().await;
    let bank = demo_bank();
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.submit(&id, &token, prediction()).await;
    // Keys wait for the round's close plus the grace, while late saves may still count.
    app.advance(Duration::days(30));
    assert_no_keys(&app.attempt(&id, &token).await);
    app.advance(Duration::seconds(15));
    let after = app.attempt(&id, &token).await;
    assert_eq!(after.status, StatusCode::OK, "{after:?}");
    for q in questions(&after) {
        let keys: Vec<String> =
            serde_json::from_value(q["correct_keys"].clone()).expect("correct_keys");
        assert_eq!(keys, right_keys(&bank, &q), "{q}");
        let entry = bank.get(q["text"].as_str().expect("text")).expect("bank");
        if let Some(explanation) = &entry.explanation {
            assert_eq!(q["explanation"], explanation.as_str());
        }
    }
}

#[tokio::test]
async fn with_reveal_after_submit_keys_appear_after_submit_and_never_in_progress() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.reveal = "after_submit".into())
        .await;
    let bank = demo_bank();
    let (token, reply) = started(&app, "0912345678").await;
    assert_no_keys(&reply);
    let id = attempt_id(&reply);
    assert_no_keys(&app.attempt(&id, &token).await);
    assert_no_keys(&app.start("demo", &token).await);
    app.submit(&id, &token, prediction()).await;
    let after = app.attempt(&id, &token).await;
    for q in questions(&after) {
        let keys: Vec<String> =
            serde_json::from_value(q["correct_keys"].clone()).expect("correct_keys");
        assert_eq!(keys, right_keys(&bank, &q), "{q}");
    }
}

#[tokio::test]
async fn with_reveal_never_keys_never_appear() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.reveal = "never".into())
        .await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.submit(&id, &token, prediction()).await;
    assert_no_keys(&app.attempt(&id, &token).await);
    app.advance(Duration::days(31));
    assert_no_keys(&app.attempt(&id, &token).await);
}

#[tokio::test]
async fn starting_without_a_token_or_with_a_bad_one_is_401() {
    let app = TestApp::with_demo().await;
    let none = app
        .call(
            Method::POST,
            "/api/v1/contests/demo/attempts",
            None,
            Some(json!({})),
        )
        .await;
    assert_error(&none, 401, "unauthorized");
    let bad = app.start("demo", "not-a-real-token").await;
    assert_error(&bad, 401, "unauthorized");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM attempts").await, 0);
}

#[tokio::test]
async fn starting_with_a_token_of_another_contest_is_403_not_registered() {
    let app = TestApp::with_demo().await;
    add_contest(&app, "other").await;
    let token = app.register("0912345678").await;
    let reply = app.start("other", &token).await;
    assert_error(&reply, 403, "not_registered");
    let view = me(&app, "other", &token).await;
    assert_error(&view, 403, "not_registered");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM attempts").await, 0);
}

#[tokio::test]
async fn after_three_finished_attempts_starting_is_409_no_attempts_left() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let mut lefts = vec![];
    for _ in 0..3 {
        lefts.push(finish_one(&app, &token).await.body["attempts_left"].clone());
    }
    assert_eq!(lefts, [json!(2), json!(1), json!(0)]);
    let reply = app.start("demo", &token).await;
    assert_error(&reply, 409, "no_attempts_left");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM attempts").await, 3);
}

#[tokio::test]
async fn starting_before_the_round_opens_is_409_round_not_open() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    app.set_round_window(
        "demo",
        test_epoch() + Duration::days(1),
        test_epoch() + Duration::days(2),
    )
    .await;
    let reply = app.start("demo", &token).await;
    assert_error(&reply, 409, "round_not_open");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM attempts").await, 0);
}

#[tokio::test]
async fn starting_after_the_round_closes_is_410_round_closed() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    app.advance(Duration::days(30));
    let reply = app.start("demo", &token).await;
    assert_error(&reply, 410, "round_closed");
}

// ---------------------------------------------------------------------------------------------
// Reading an attempt
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn another_participants_attempt_is_404() {
    let app = TestApp::with_demo().await;
    let (_, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let stranger = app.register("0987654321").await;
    assert_error(&app.attempt(&id, &stranger).await, 404, "not_found");
    assert_error(&app.save(&id, &stranger, 1, &["A"]).await, 404, "not_found");
    let submit = app.submit(&id, &stranger, prediction()).await;
    assert_error(&submit, 404, "not_found");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM attempts WHERE status = 'in_progress'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_participant_of_another_contest_cannot_see_an_attempt() {
    let app = TestApp::with_demo().await;
    let foreign_unit = add_contest(&app, "other").await;
    let (_, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let outsider = app
        .register_raw(
            "other",
            json!({"full_name": "Lê Văn Cường", "phone": "0987654321", "birth_year": 1985,
                   "unit_id": foreign_unit.to_string(), "consent": true}),
        )
        .await;
    assert_eq!(outsider.status, StatusCode::CREATED, "{outsider:?}");
    let token = outsider.body["token"].as_str().expect("token");
    assert_error(&app.attempt(&id, token).await, 404, "not_found");
    assert_error(&app.save(&id, token, 1, &["A"]).await, 404, "not_found");
    assert_error(&app.start("demo", token).await, 403, "not_registered");
}

#[tokio::test]
async fn an_unknown_or_malformed_attempt_id_is_404() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let random = Uuid::now_v7().to_string();
    assert_error(&app.attempt(&random, &token).await, 404, "not_found");
    assert_error(&app.attempt("not-a-uuid", &token).await, 404, "not_found");
    assert_error(&app.attempt("1", &token).await, 404, "not_found");
}

#[tokio::test]
async fn reading_an_attempt_without_a_token_is_401() {
    let app = TestApp::with_demo().await;
    let (_, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let none = app
        .call(Method::GET, &format!("/api/v1/attempts/{id}"), None, None)
        .await;
    assert_error(&none, 401, "unauthorized");
}

#[tokio::test]
async fn the_answers_map_reflects_the_saves() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let single: Vec<i64> = questions(&reply)
        .iter()
        .filter(|q| q["multiple"] == false)
        .filter_map(|q| q["position"].as_i64())
        .take(3)
        .collect();
    for (p, key) in single.iter().zip(["A", "B", "A"]) {
        let saved = app.save(&id, &token, *p, &[key]).await;
        assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    }
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.status, StatusCode::OK, "{view:?}");
    let expected: serde_json::Map<String, Value> = single
        .iter()
        .zip(["A", "B", "A"])
        .map(|(p, k)| (p.to_string(), json!([k])))
        .collect();
    assert_eq!(view.body["answers"], Value::Object(expected));
    assert_eq!(view.body["status"], "in_progress");
    assert!(view.body.get("score").is_none(), "no result in progress");
}

#[tokio::test]
async fn registering_again_on_another_device_resumes_the_same_attempt_with_its_answers() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    assert_eq!(app.save(&id, &token, 1, &["B"]).await.status, 200);
    app.advance(Duration::seconds(60));
    let mut again = app.person("84912345678").await;
    again["full_name"] = json!(NAME_UPPER_NFD);
    let second = app.register_raw("demo", again).await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    assert_eq!(second.body["in_progress_attempt_id"], id.as_str());
    let other_device = second.body["token"].as_str().expect("token");
    let resumed = app.start("demo", other_device).await;
    assert_eq!(resumed.status, StatusCode::OK, "{resumed:?}");
    assert_eq!(resumed.body["attempt_id"], id.as_str());
    assert_eq!(resumed.body["answers"], json!({"1": ["B"]}));
    assert_eq!(resumed.body["deadline"], reply.body["deadline"]);
    assert_eq!(resumed.body["questions"], reply.body["questions"]);
    assert_eq!(app.save(&id, other_device, 2, &["A"]).await.status, 200);
    let first_device = app.attempt(&id, &token).await;
    assert_eq!(
        first_device.body["answers"],
        json!({"1": ["B"], "2": ["A"]})
    );
}

// ---------------------------------------------------------------------------------------------
// Saving answers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_save_answers_200_with_position_choice_and_saved_at() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::milliseconds(12_345));
    let saved = app.save(&id, &token, 3, &["C"]).await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    assert_eq!(saved.body["position"], 3);
    assert_eq!(saved.body["choice"], json!(["C"]));
    assert_eq!(saved.body["saved_at"], at_ms(12_345));
    assert_wire_time(&saved.body["saved_at"]);
}

#[tokio::test]
async fn a_save_can_change_the_answer() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let q = questions(&reply)
        .into_iter()
        .find(|q| q["multiple"] == false)
        .expect("a single-choice question");
    let p = q["position"].as_i64().expect("position");
    assert_eq!(app.save(&id, &token, p, &["A"]).await.status, 200);
    let changed = app.save(&id, &token, p, &["B"]).await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    assert_eq!(changed.body["choice"], json!(["B"]));
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.body["answers"], json!({ p.to_string(): ["B"] }));
}

#[tokio::test]
async fn an_empty_choice_clears_the_answer() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    assert_eq!(app.save(&id, &token, 1, &["A"]).await.status, 200);
    assert_eq!(app.save(&id, &token, 2, &["A"]).await.status, 200);
    let cleared = app.save(&id, &token, 1, &[]).await;
    assert_eq!(cleared.status, StatusCode::OK, "{cleared:?}");
    assert_eq!(cleared.body["choice"], json!([]));
    let view = app.attempt(&id, &token).await;
    // SERVER BUG (reported): the cleared position stays in the map as `"1": []`.
    assert_eq!(
        view.body["answers"],
        json!({"2": ["A"]}),
        "a cleared answer is no longer in the answers map"
    );
}

#[tokio::test]
async fn an_unknown_key_is_422_invalid_choice() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    for bad in [&["Z"][..], &["G"], &[""], &["AB"]] {
        let reply = app.save(&id, &token, 1, bad).await;
        assert_error(&reply, 422, "invalid_choice");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers").await, 0);
}

#[tokio::test]
async fn a_lowercase_key_is_422_invalid_choice() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let reply = app.save(&id, &token, 1, &["a"]).await;
    assert_error(&reply, 422, "invalid_choice");
}

#[tokio::test]
async fn two_keys_on_a_single_choice_question_is_422_invalid_choice() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let p = questions(&reply)
        .iter()
        .find(|q| q["multiple"] == false)
        .and_then(|q| q["position"].as_i64())
        .expect("a single-choice question");
    let reply = app.save(&id, &token, p, &["A", "B"]).await;
    assert_error(&reply, 422, "invalid_choice");
}

#[tokio::test]
async fn duplicate_keys_are_422_invalid_choice() {
    let app = TestApp::with_demo().await;
    let (token, reply, p) = started_with_multiple(&app).await;
    let id = attempt_id(&reply);
    let reply = app.save(&id, &token, p, &["A", "A"]).await;
    assert_error(&reply, 422, "invalid_choice");
    let ok = app.save(&id, &token, p, &["B", "A"]).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(ok.body["choice"], json!(["A", "B"]), "keys in shown order");
}

#[tokio::test]
async fn a_position_outside_the_attempt_is_404() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    assert_error(&app.save(&id, &token, 0, &["A"]).await, 404, "not_found");
    assert_error(&app.save(&id, &token, 21, &["A"]).await, 404, "not_found");
    assert_error(&app.save(&id, &token, -1, &["A"]).await, 404, "not_found");
}

#[tokio::test]
async fn a_save_after_submit_is_409_attempt_finished() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.submit(&id, &token, prediction()).await;
    let reply = app.save(&id, &token, 1, &["A"]).await;
    assert_error(&reply, 409, "attempt_finished");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers").await, 0);
}

#[tokio::test]
async fn a_save_after_deadline_plus_grace_is_410_deadline_passed() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::seconds(1216));
    let first = app.save(&id, &token, 1, &["A"]).await;
    assert_error(&first, 410, "deadline_passed");
    // And still 410 once the server has closed it.
    let second = app.save(&id, &token, 1, &["A"]).await;
    assert_error(&second, 410, "deadline_passed");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers").await, 0);
}

#[tokio::test]
async fn a_save_exactly_at_deadline_plus_grace_is_410_deadline_passed() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::seconds(1215));
    let reply = app.save(&id, &token, 1, &["A"]).await;
    assert_error(&reply, 410, "deadline_passed");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers").await, 0);
}

#[tokio::test]
async fn a_save_one_millisecond_before_deadline_plus_grace_is_accepted_and_counted() {
    let app = TestApp::with_demo().await;
    let bank = demo_bank();
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let q = &questions(&reply)[0];
    app.advance(Duration::milliseconds(1_214_999));
    let saved = save_keys(&app, &id, &token, 1, &right_keys(&bank, q)).await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    assert_eq!(saved.body["saved_at"], at_ms(1_214_999));
    let result = app.submit(&id, &token, json!({})).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "submitted");
    assert_eq!(result.body["score"], 1);
    assert_eq!(result.body["correct"], 1);
    assert_eq!(result.body["submitted_at"], at_ms(1_200_000));
}

// ---------------------------------------------------------------------------------------------
// Submitting
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn submitting_before_the_deadline_without_a_prediction_is_422_prediction_required() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    assert_error(
        &app.submit(&id, &token, json!({})).await,
        422,
        "prediction_required",
    );
    assert_error(
        &app.submit(&id, &token, json!({"prediction": null})).await,
        422,
        "prediction_required",
    );
    let no_body = app
        .call(
            Method::POST,
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            None,
        )
        .await;
    assert_error(&no_body, 422, "prediction_required");
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.body["status"], "in_progress");
}

#[tokio::test]
async fn a_negative_prediction_is_422() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let reply = app.submit(&id, &token, json!({"prediction": -1})).await;
    assert_field_error(&reply, "prediction", "invalid");
    assert_eq!(app.attempt(&id, &token).await.body["status"], "in_progress");
}

#[tokio::test]
async fn a_non_integer_prediction_is_422() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    for bad in [json!(3.5), json!("14426"), json!(true)] {
        let reply = app.submit(&id, &token, json!({ "prediction": bad })).await;
        assert_field_error(&reply, "prediction", "invalid");
    }
    assert_eq!(app.attempt(&id, &token).await.body["status"], "in_progress");
}

#[tokio::test]
async fn a_submit_returns_the_result_fields() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::milliseconds(95_123));
    let result = app.submit(&id, &token, prediction()).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    let b = &result.body;
    assert_eq!(b["status"], "submitted");
    assert_eq!(b["score"], 0);
    assert_eq!(b["correct"], 0);
    assert_eq!(b["total"], 20);
    assert_eq!(b["perfect"], false);
    assert_eq!(b["duration_ms"], 95_123);
    assert_eq!(b["submitted_at"], at_ms(95_123));
    assert_eq!(b["attempts_left"], 2);
    assert_eq!(b["prediction"], 14426);
    let view = app.attempt(&id, &token).await;
    for field in [
        "status",
        "score",
        "correct",
        "total",
        "perfect",
        "duration_ms",
        "submitted_at",
        "attempts_left",
    ] {
        assert_eq!(view.body[field], b[field], "{field}");
    }
}

#[tokio::test]
async fn a_second_submit_returns_the_identical_result() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.save(&id, &token, 1, &["A"]).await;
    app.advance(Duration::seconds(30));
    let first = app.submit(&id, &token, prediction()).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    app.advance(Duration::seconds(30));
    let second = app.submit(&id, &token, json!({"prediction": 1})).await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    assert_eq!(second.body, first.body);
    let without = app.submit(&id, &token, json!({})).await;
    assert_eq!(without.status, StatusCode::OK, "{without:?}");
    assert_eq!(without.body, first.body);
}

#[tokio::test]
async fn a_submit_within_the_grace_without_prediction_is_recorded_at_the_deadline() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::seconds(1207));
    let result = app.submit(&id, &token, json!({})).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "submitted");
    assert_eq!(result.body["submitted_at"], reply.body["deadline"]);
    assert_eq!(result.body["submitted_at"], at_ms(1_200_000));
    assert_eq!(result.body["duration_ms"], 1_200_000);
    assert!(result.body["prediction"].is_null(), "{result:?}");
}

#[tokio::test]
async fn a_submit_within_the_grace_keeps_the_prediction_it_carries() {
    // spec/api.md: the prediction is "optional once the deadline has passed"; the grace
    // "absorbs the network". A participant who pressed submit with a prediction just before
    // zero, whose request arrives 300 ms late, loses the prediction and ranks after everyone
    // who has one.
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::milliseconds(1_200_300));
    let result = app.submit(&id, &token, prediction()).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "submitted");
    assert_eq!(result.body["prediction"], 14426, "{result:?}");
}

#[tokio::test]
async fn a_submit_at_the_deadline_does_not_need_a_prediction() {
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::milliseconds(1_199_999));
    let early = app.submit(&id, &token, json!({})).await;
    assert_error(&early, 422, "prediction_required");
    app.advance(Duration::milliseconds(1));
    let at = app.submit(&id, &token, json!({})).await;
    assert_eq!(at.status, StatusCode::OK, "{at:?}");
    assert_eq!(at.body["status"], "submitted");
    assert_eq!(at.body["duration_ms"], 1_200_000);
}

#[tokio::test]
async fn a_submit_after_deadline_plus_grace_closes_the_attempt_as_expired() {
    let app = TestApp::with_demo().await;
    let bank = demo_bank();
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let q = &questions(&reply)[4];
    assert_eq!(
        save_keys(&app, &id, &token, 5, &right_keys(&bank, q))
            .await
            .status,
        200
    );
    app.advance(Duration::seconds(1300));
    let result = app.submit(&id, &token, prediction()).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "expired");
    assert_eq!(result.body["submitted_at"], reply.body["deadline"]);
    assert_eq!(result.body["duration_ms"], 1_200_000);
    assert_eq!(result.body["score"], 1);
    assert_eq!(result.body["attempts_left"], 2);
    let again = app.submit(&id, &token, prediction()).await;
    assert_eq!(again.body, result.body);
}

#[tokio::test]
async fn answering_every_question_right_scores_20_and_perfect() {
    let app = TestApp::with_demo().await;
    let bank = demo_bank();
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    for q in questions(&reply) {
        let p = q["position"].as_i64().expect("position");
        let saved = save_keys(&app, &id, &token, p, &right_keys(&bank, &q)).await;
        assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    }
    app.advance(Duration::seconds(300));
    let result = app.submit(&id, &token, prediction()).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["score"], 20);
    assert_eq!(result.body["correct"], 20);
    assert_eq!(result.body["total"], 20);
    assert_eq!(result.body["perfect"], true);
    assert_eq!(result.body["duration_ms"], 300_000);
}

#[tokio::test]
async fn the_score_counts_right_answers_only() {
    let app = TestApp::with_demo().await;
    let bank = demo_bank();
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let qs = questions(&reply);
    let mut expected = 0;
    for (i, q) in qs.iter().enumerate() {
        let p = q["position"].as_i64().expect("position");
        let keys = match i % 4 {
            0 | 1 => {
                expected += 1;
                right_keys(&bank, q)
            }
            2 => vec![wrong_key(&bank, q)],
            _ => continue, // unanswered
        };
        assert_eq!(save_keys(&app, &id, &token, p, &keys).await.status, 200);
    }
    // A multiple-choice question is right only with the whole key set.
    if let Some(q) = qs
        .iter()
        .enumerate()
        .find(|(i, q)| q["multiple"] == true && i % 4 < 2)
        .map(|(_, q)| q)
    {
        let keys = right_keys(&bank, q);
        let p = q["position"].as_i64().expect("position");
        assert_eq!(
            save_keys(&app, &id, &token, p, &keys[..1]).await.status,
            200
        );
        expected -= 1;
    }
    let result = app.submit(&id, &token, prediction()).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["score"], expected);
    assert_eq!(result.body["correct"], expected);
    assert_eq!(result.body["perfect"], false);
}

#[tokio::test]
async fn a_contest_without_prediction_accepts_a_submit_without_one() {
    let app = TestApp::with_demo().await;
    app.update_contest("demo", |c| c.prediction_question = None)
        .await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let result = app.submit(&id, &token, json!({})).await;
    assert_eq!(result.status, StatusCode::OK, "{result:?}");
    assert_eq!(result.body["status"], "submitted");
    assert!(result.body["prediction"].is_null(), "{result:?}");
}

#[tokio::test]
async fn submitting_without_a_token_is_401() {
    let app = TestApp::with_demo().await;
    let (_, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    let none = app
        .call(
            Method::POST,
            &format!("/api/v1/attempts/{id}/submit"),
            None,
            Some(prediction()),
        )
        .await;
    assert_error(&none, 401, "unauthorized");
}

// ---------------------------------------------------------------------------------------------
// The participant's own view
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn me_lists_the_attempts_newest_first_with_attempts_left() {
    let app = TestApp::with_demo().await;
    let token = app.register("0912345678").await;
    let empty = me(&app, "demo", &token).await;
    assert_eq!(empty.status, StatusCode::OK, "{empty:?}");
    assert_eq!(empty.body["attempts_used"], 0);
    assert_eq!(empty.body["attempts_left"], 3);
    assert_eq!(empty.body["attempts"], json!([]));
    let first = finish_one(&app, &token).await;
    app.advance(Duration::seconds(10));
    let second = app.start("demo", &token).await;
    let second_id = attempt_id(&second);
    let view = me(&app, "demo", &token).await;
    assert_eq!(view.status, StatusCode::OK, "{view:?}");
    assert_eq!(view.body["attempts_used"], 2);
    assert_eq!(view.body["attempts_left"], 1);
    assert_eq!(view.body["in_progress_attempt_id"], second_id.as_str());
    let attempts = view.body["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["attempt_id"], second_id.as_str());
    assert_eq!(attempts[0]["attempt_no"], 2);
    assert_eq!(attempts[0]["status"], "in_progress");
    assert_eq!(attempts[1]["attempt_no"], 1);
    assert_eq!(attempts[1]["status"], "submitted");
    assert_eq!(attempts[1]["score"], first.body["score"]);
    assert_eq!(attempts[1]["submitted_at"], first.body["submitted_at"]);
}

#[tokio::test]
async fn me_without_a_token_is_401() {
    let app = TestApp::with_demo().await;
    let none = app
        .call(Method::GET, "/api/v1/contests/demo/me", None, None)
        .await;
    assert_error(&none, 401, "unauthorized");
    let bad = me(&app, "demo", "garbage").await;
    assert_error(&bad, 401, "unauthorized");
}

#[tokio::test]
async fn me_shows_an_attempt_past_deadline_plus_grace_as_expired() {
    // SERVER BUG (reported): /me lists the overdue attempt as `in_progress`, with no score,
    // and still names it `in_progress_attempt_id`; the rules close such an attempt lazily on
    // the next request that touches it.
    let app = TestApp::with_demo().await;
    let (token, reply) = started(&app, "0912345678").await;
    let id = attempt_id(&reply);
    app.advance(Duration::seconds(1215));
    let view = me(&app, "demo", &token).await;
    assert_eq!(view.status, StatusCode::OK, "{view:?}");
    assert_eq!(view.body["attempts_used"], 1);
    assert_eq!(view.body["attempts_left"], 2);
    let attempts = view.body["attempts"].as_array().expect("attempts");
    assert_eq!(attempts[0]["attempt_id"], id.as_str());
    assert!(
        view.body["in_progress_attempt_id"].is_null(),
        "no attempt is in progress: {}",
        view.body
    );
    assert_eq!(attempts[0]["status"], "expired", "{}", view.body);
    assert_eq!(attempts[0]["submitted_at"], at_ms(1_200_000));
    assert_eq!(attempts[0]["score"], 0);
}
