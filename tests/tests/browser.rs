//! The citizen pages in a real browser (headless Chromium on a 360×800 phone screen): register,
//! answer, reload, submit and read the score, against the real server and its database.
//!
//! Each test returns early when Chromium or ChromeDriver is missing (and fails under `CI=true`).
//! Set `BROWSER_SHOTS_DIR` to keep PNGs of the quiz and result pages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use cuocthi_store::entities::attempt;
use cuocthi_tests::browser::Browser;
use cuocthi_tests::TestApp;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

const UNIT: &str = "Phường Bắc Hồng";

/// The selector of question `pos` in the grid.
fn cell(pos: usize) -> String {
    format!("#qgrid [data-position=\"{pos}\"]")
}

/// The selector of the option `key` of the question on screen.
fn option(key: &str) -> String {
    format!("#qform input[name=\"choice\"][value=\"{key}\"]")
}

/// The texts of the units the picker offers (placeholder left out).
async fn unit_options(b: &Browser) -> Vec<String> {
    let v = b
        .eval(
            "return [...document.querySelectorAll('#unit_id option')]\
               .filter((o) => o.value).map((o) => o.textContent);",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// Opens the contest page and waits until the unit list has arrived.
async fn open_contest(b: &Browser, app: &TestApp) {
    b.goto(&format!("{}/c/demo", app.base)).await;
    b.wait_until(
        "the unit list to load",
        "(() => { const s = document.querySelector('#unit_id'); \
           return s && !s.disabled && s.options.length > 1; })()",
    )
    .await;
}

/// Fills the registration form as a person would, registers and presses "start".
async fn register_and_start(b: &Browser, app: &TestApp, phone: &str) {
    open_contest(b, app).await;
    b.type_into("#full_name", "Nguyễn Thị Bình").await;
    b.type_into("#phone", phone).await;
    b.type_into("#birth_year", "1988").await;
    b.type_into("#unit_search", "phuong bac hong").await;
    b.select_label("#unit_id", UNIT).await;
    b.select_value("#category", "citizen").await;
    b.click("#consent").await;
    b.click("#register_btn").await;
    b.wait_visible("#start_btn").await;
    b.click("#start_btn").await;
    b.wait_for("#question_text").await;
    assert!(b.url().await.ends_with("/c/demo/quiz"), "{}", b.url().await);
}

/// Waits until question `pos` is on screen.
async fn on_question(b: &Browser, pos: usize) {
    b.wait_attr(&cell(pos), "aria-current", "step").await;
    b.wait_text("#q_no", &format!("Câu {pos}/20")).await;
}

/// Waits until the question on screen, number `pos`, is saved by the server.
async fn saved(b: &Browser, pos: usize) {
    b.wait_attr(&cell(pos), "data-state", "answered").await;
    b.wait_attr("#save_state", "data-state", "saved").await;
}

/// The option keys of the question on screen, in shown order.
async fn keys_on_screen(b: &Browser) -> Vec<String> {
    let v = b
        .eval(
            "return [...document.querySelectorAll('#qform input[name=choice]')].map((i) => i.value);",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// `mm:ss`, as the result page shows a duration.
fn mm_ss(ms: i64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

#[tokio::test]
async fn a_person_registers_answers_every_question_submits_and_reads_the_score() {
    let app = TestApp::with_demo().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    register_and_start(&b, &app, "0912345601").await;

    for pos in 1..=20 {
        on_question(&b, pos).await;
        b.click("#qform input[name=\"choice\"]").await; // the first option
        saved(&b, pos).await;
        if pos < 20 {
            b.click("#next_btn").await;
        }
    }
    b.wait_text("#answered_count", "Đã trả lời 20/20").await;
    b.snapshot("quiz").await;

    b.click("#finish_btn").await;
    b.type_into("#prediction", "1234").await;
    b.click("#submit_btn").await;
    b.wait_visible("#confirm_dialog").await;
    b.click("#confirm_submit_btn").await;
    b.wait_for("#result_score").await;
    b.snapshot("result").await;

    let url = b.url().await;
    let id = url
        .rsplit_once("/c/demo/result/")
        .map(|(_, id)| id.to_owned())
        .unwrap_or_else(|| panic!("on the result page: {url}"));
    let token = b.local_storage("cuocthi:demo:token").await.unwrap();
    let api = app.attempt(&id, &token).await;
    assert_eq!(api.status, 200, "{api:?}");
    assert_eq!(api.body["status"], "submitted");
    assert_eq!(api.body["answers"].as_object().unwrap().len(), 20);

    let score: i64 = b.text("#result_score").await.parse().unwrap();
    assert_eq!(json!(score), api.body["score"]);
    let correct: i64 = b.text("#result_correct").await.parse().unwrap();
    assert_eq!(json!(correct), api.body["correct"]);
    assert_eq!(b.text("#result_total").await, "20");
    assert_eq!(b.text("#attempts_left").await, "2");
    assert_eq!(b.text("#result_prediction").await, "1234");
    let duration = api.body["duration_ms"].as_i64().unwrap();
    assert_eq!(b.text("#result_duration").await, mm_ss(duration));
    assert!(b.exists("#again_btn").await, "a second attempt is offered");

    // The stored row agrees, and carries the unit and category picked in the form.
    let row = attempt::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "submitted");
    assert_eq!(row.score.map(i64::from), Some(score));
    assert_eq!(row.prediction, Some(1234));
    assert_eq!(row.unit_id.to_string(), app.unit_id("demo", "XP01").await);
    assert_eq!(row.category.as_deref(), Some("citizen"));
}

#[tokio::test]
async fn a_reload_mid_quiz_keeps_every_saved_answer() {
    let app = TestApp::with_demo().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    register_and_start(&b, &app, "0912345602").await;

    // Questions 1..5, a different option each time where there are enough.
    let mut chosen = Vec::new();
    for pos in 1..=5 {
        on_question(&b, pos).await;
        let keys = keys_on_screen(&b).await;
        let key = keys[(pos - 1) % keys.len()].clone();
        b.click(&option(&key)).await;
        saved(&b, pos).await;
        chosen.push(key);
        b.click("#next_btn").await;
    }

    b.refresh().await;
    on_question(&b, 6).await; // the page opens on the first unanswered question
    for pos in 1..=20 {
        let want = if pos <= 5 { "answered" } else { "unanswered" };
        assert_eq!(
            b.attr(&cell(pos), "data-state").await.as_deref(),
            Some(want),
            "question {pos} after the reload"
        );
    }
    for (i, key) in chosen.iter().enumerate() {
        let pos = i + 1;
        b.click(&cell(pos)).await;
        on_question(&b, pos).await;
        for k in keys_on_screen(&b).await {
            assert_eq!(
                b.is_checked(&option(&k)).await,
                &k == key,
                "question {pos}, option {k} (chose {key})"
            );
        }
        assert_eq!(
            b.attr("#save_state", "data-state").await.as_deref(),
            Some("saved")
        );
    }

    // The server holds exactly those five.
    let token = b.local_storage("cuocthi:demo:token").await.unwrap();
    let me = app
        .call(Method::GET, "/api/v1/contests/demo/me", Some(&token), None)
        .await;
    assert_eq!(me.status, 200, "{me:?}");
    let id = me.body["in_progress_attempt_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = app.attempt(&id, &token).await;
    assert_eq!(view.status, 200, "{view:?}");
    let want: serde_json::Map<String, Value> = chosen
        .iter()
        .enumerate()
        .map(|(i, k)| ((i + 1).to_string(), json!([k])))
        .collect();
    assert_eq!(view.body["answers"], Value::Object(want));
    let pending = b
        .eval(
            "return Object.keys(localStorage).filter((k) => k.startsWith('cuocthi:pending:'));",
            vec![],
        )
        .await;
    assert_eq!(pending, json!([]), "nothing left waiting in the phone");
}

#[tokio::test]
async fn the_unit_picker_finds_units_without_diacritics() {
    let app = TestApp::with_demo().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    open_contest(&b, &app).await;
    let all = unit_options(&b).await;
    assert!(all.len() > 20, "{all:?}");
    assert!(all.iter().any(|u| u == UNIT), "{all:?}");
    assert!(all.iter().any(|u| u == "Phường Đông Hồng"), "{all:?}");

    b.type_into("#unit_search", "phuong bac hong").await;
    b.wait_until(
        "the filter to apply",
        "document.querySelectorAll('#unit_id option[value]:not([value=\"\"])').length < 5",
    )
    .await;
    assert_eq!(unit_options(&b).await, vec![UNIT.to_owned()]);
    // A filter leaving exactly one unit picks it.
    let picked = b
        .eval("return document.querySelector('#unit_id').value;", vec![])
        .await;
    assert_eq!(picked, json!(app.unit_id("demo", "XP01").await));
    assert!(!b.text("#unit_count").await.is_empty());

    // Written with its marks, or in capitals, it is found just the same.
    b.type_into("#unit_search", "PHƯỜNG ĐÔNG HỒNG").await;
    b.wait_until(
        "the filter to apply",
        "[...document.querySelectorAll('#unit_id option')].some((o) => o.textContent === 'Phường Đông Hồng')",
    )
    .await;
    assert_eq!(unit_options(&b).await, vec!["Phường Đông Hồng".to_owned()]);

    // Emptying the filter brings every unit back.
    b.type_into("#unit_search", " ").await;
    b.wait_until(
        "every unit to come back",
        &format!(
            "document.querySelectorAll('#unit_id option[value]:not([value=\"\"])').length === {}",
            all.len()
        ),
    )
    .await;
    assert_eq!(unit_options(&b).await, all);
}

#[tokio::test]
async fn the_page_fits_a_360_px_screen() {
    let app = TestApp::with_demo().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    let width = "return [window.innerWidth, document.documentElement.scrollWidth];";
    open_contest(&b, &app).await;
    assert_eq!(
        b.eval(width, vec![]).await,
        json!([360, 360]),
        "contest page"
    );

    // With every field error shown too.
    b.click("#register_btn").await;
    b.wait_until(
        "field errors",
        "document.querySelector('#phone_err').textContent !== ''",
    )
    .await;
    assert_eq!(
        b.eval(width, vec![]).await,
        json!([360, 360]),
        "registration errors"
    );

    register_and_start(&b, &app, "0912345603").await;
    on_question(&b, 1).await;
    assert_eq!(b.eval(width, vec![]).await, json!([360, 360]), "quiz page");

    b.click("#finish_btn").await;
    b.wait_for("#prediction").await;
    assert_eq!(
        b.eval(width, vec![]).await,
        json!([360, 360]),
        "submit step"
    );
}
