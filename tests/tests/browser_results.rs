//! The results pages in a real browser (headless Chromium): the public live leaderboard, an
//! organizer closing a round, previewing (with each winner's explanation), finalizing and
//! publishing it, the public winners page (and its print layout), and a unit manager kept out.
//!
//! Set `BROWSER_SHOTS_DIR` to keep PNGs of the pages at 360 px, on a desktop screen and as
//! printed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use chrono::Duration;
use cuocthi_store::staff::Role;
use cuocthi_store::tokens::sha256_hex;
use cuocthi_tests::browser::Browser;
use cuocthi_tests::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

const SLUG: &str = "cchc";
const SEED: &str = "bốc thăm đợt 1: 2026-11-25";
const PASSWORD: &str = "a long test password";

fn contest_body() -> Value {
    json!({
        "slug": SLUG,
        "title": "Tìm hiểu về cải cách hành chính",
        "rules_md": "# Thể lệ",
        "opens_at": "2026-11-25T01:00:00Z",
        "closes_at": "2026-12-25T00:00:00Z",
        "questions_per_attempt": 4,
        "time_limit_secs": 600,
        "max_attempts": 2,
        "grace_secs": 15,
        "topic_quotas": [],
        "prediction": {"question": "Bao nhiêu lượt thi đúng hết?", "target": "perfect_attempts"},
        "reveal": "after_submit",
        "public_leaderboard": true,
        "leaderboard_size": 3,
        "rounds": [{"number": 1, "opens_at": "2026-11-25T01:00:00Z", "closes_at": "2026-12-25T00:00:00Z",
                    "draw_seed_sha256": sha256_hex(SEED.as_bytes())}],
        "prizes": {
            "individual": [
                {"tier": "first", "name": "Giải Nhất", "count": 1},
                {"tier": "second", "name": "Giải Nhì", "count": 1},
                {"tier": "third", "name": "Giải Ba", "count": 1},
                {"tier": "consolation", "name": "Giải Khuyến khích", "count": 3}
            ],
            "pools": "all",
            "exclude_previous_winners": false,
            "collective": {"count": 1, "rank_by": "participation_rate", "per_block": false,
                           "min_participants": 1}
        }
    })
}

/// Registers a person in unit `unit_code` and returns their token.
async fn register(app: &TestApp, name: &str, phone: &str, unit_code: &str) -> String {
    let unit_id = app.unit_id(SLUG, unit_code).await;
    let reply = app
        .register_raw(
            SLUG,
            json!({"full_name": name, "phone": phone, "birth_year": 1985, "unit_id": unit_id, "consent": true}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.body["token"].as_str().expect("token").to_owned()
}

/// Takes an attempt through the API: `right` questions right (the bank's right option starts
/// with "Đúng"), submitted after `seconds` with `prediction`.
async fn take(app: &TestApp, token: &str, right: usize, seconds: i64, prediction: i64) {
    let attempt = app.start(SLUG, token).await;
    assert_eq!(attempt.status, 201, "{attempt:?}");
    let id = attempt.body["attempt_id"].as_str().expect("id").to_owned();
    for (i, q) in attempt.body["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .enumerate()
    {
        let prefix = if i < right { "Đúng" } else { "Sai" };
        let option = q["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["text"].as_str().expect("text").starts_with(prefix))
            .expect("option");
        let saved = app
            .save(
                &id,
                token,
                q["position"].as_i64().expect("position"),
                &[option["key"].as_str().expect("key")],
            )
            .await;
        assert_eq!(saved.status, 200, "{saved:?}");
    }
    app.advance(Duration::seconds(seconds));
    let submitted = app
        .submit(&id, token, json!({ "prediction": prediction }))
        .await;
    assert_eq!(submitted.status, 200, "{submitted:?}");
}

/// The page's texts of the rows matching `css`, trimmed, in order.
async fn texts(b: &Browser, css: &str) -> Vec<String> {
    let v = b
        .eval(
            "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText.trim());",
            vec![json!(css)],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// Lays the page out for a screen `width` CSS pixels wide (Chromium's own device emulation,
/// through ChromeDriver).
async fn screen_width(b: &Browser, width: u32, mobile: bool) {
    let r = b
        .command(
            Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setDeviceMetricsOverride",
                        "params": {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}})),
        )
        .await;
    if let Err(e) = r {
        b.fail(&format!("emulate a {width} px screen: {e}")).await
    }
}

/// Lays the page out as printed (`@media print`), or back to the screen.
async fn print_media(b: &Browser, on: bool) {
    let r = b
        .command(
            Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setEmulatedMedia",
                        "params": {"media": if on { "print" } else { "" }}})),
        )
        .await;
    if let Err(e) = r {
        b.fail(&format!("emulate print media: {e}")).await
    }
}

#[tokio::test]
async fn an_organizer_closes_previews_finalizes_and_publishes_and_the_public_sees_the_winners() {
    let app = TestApp::empty().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    let org = app.staff("bantochuc", Role::Organizer, None).await;
    app.set_up_contest(&org, contest_body()).await;
    // Actual value (perfect attempts): 2. An and Bình get every answer right (An faster);
    // Dung and Cường three of four (Dung's prediction exact).
    let an = register(&app, "Trần Thị An", "0987000001", "CQ1").await;
    let binh = register(&app, "Lê Văn Bình", "0987000002", "CQ1").await;
    let cuong = register(&app, "Phạm Văn Cường", "0987000003", "P01").await;
    let dung = register(&app, "Hoàng Thị Dung", "0987000004", "P01").await;
    take(&app, &an, 4, 10, 2).await;
    take(&app, &binh, 4, 60, 2).await;
    take(&app, &cuong, 3, 5, 7).await;
    take(&app, &dung, 3, 90, 2).await;

    // The public page, while the round is open: the live top 3, names masked.
    b.goto(&format!("{}/c/{SLUG}", app.base)).await;
    b.wait_until(
        "the public live leaderboard's top 3",
        "document.querySelectorAll('#public_board_table tbody tr').length === 3",
    )
    .await;
    let board = texts(&b, "#public_board_table tbody tr").await;
    assert!(
        board.iter().all(|row| !row.contains("Trần Thị An")),
        "names are masked: {board:?}"
    );
    assert!(!b.exists("#winners_link").await, "nothing published yet");
    b.snapshot("results-public-board-360").await;

    // The organizer's results page: sign in where it is.
    b.goto(&format!("{}/admin/c/{SLUG}/results", app.base))
        .await;
    b.type_into("#login_username", "bantochuc").await;
    b.type_into("#login_password", PASSWORD).await;
    b.click("#login_btn").await;
    b.wait_attr("#tab_results", "aria-current", "page").await;
    b.wait_attr("#round_state .badge", "data-status", "open")
        .await;
    b.wait_until(
        "the live leaderboard's four participants",
        "document.querySelectorAll('#live_table tr[data-participant]').length === 4",
    )
    .await;
    let live = texts(&b, "#live_table tr[data-participant]").await;
    assert!(live[0].contains("Trần Thị An"), "{live:?}");
    assert_eq!(
        b.attr("#seed_note", "data-committed").await.as_deref(),
        Some("true")
    );
    b.snapshot("results-admin-open-360").await;

    // Close the round from the page.
    b.click("#close_round_btn").await;
    b.wait_visible("#confirm_dialog").await;
    b.click("#confirm_ok_btn").await;
    b.wait_visible("#round_closed_msg").await;
    b.wait_attr("#round_state .badge", "data-status", "closed")
        .await;

    // A wrong seed: refused, with the server's code, next to the field.
    b.type_into("#draw_seed", "một chuỗi khác").await;
    b.click("#preview_btn").await;
    b.wait_attr("#finalize_error", "data-code", "seed_mismatch")
        .await;
    assert!(!b.text("#err_draw_seed").await.is_empty());

    // Preview: the winners per tier, each with why they are there.
    let expected = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{SLUG}/rounds/1/preview"),
            Some(json!({"draw_seed": SEED})),
        )
        .await;
    assert_eq!(expected.status, 200, "{expected:?}");
    assert_eq!(expected.body["preview"], true, "{expected:?}");
    let top = &expected.body["prizes"][0];
    let why_vi = top["explanation"]["text_vi"].as_str().expect("text_vi");
    let why_en = top["explanation"]["text_en"].as_str().expect("text_en");
    b.type_into("#draw_seed", SEED).await;
    b.click("#preview_btn").await;
    b.wait_attr("#result_view", "data-kind", "preview").await;
    let first = "#result_view section[data-tier=first]";
    assert!(b
        .text(&format!("{first} tr[data-participant]"))
        .await
        .contains("Trần Thị An"));
    assert_eq!(b.text(&format!("{first} .expl")).await, why_vi);
    assert_eq!(b.text("#result_actual").await, "2");
    assert_eq!(
        b.text("#result_sha").await,
        expected.body["export_sha256"].as_str().unwrap()
    );
    assert!(b
        .text("#result_view section[data-tier=second] tr[data-participant]")
        .await
        .contains("Lê Văn Bình"));
    assert!(b.text("#collective_table").await.contains("Phòng Nội vụ"));
    assert_eq!(
        b.attr("#unawarded li[data-tier=consolation]", "data-count")
            .await
            .as_deref(),
        Some("2"),
        "three consolation prizes, one participant left for them"
    );
    b.snapshot("results-admin-preview-360").await;
    // In English, the English explanation.
    b.click("#lang_switch").await;
    b.wait_text(&format!("{first} .expl"), why_en).await;
    b.click("#lang_switch").await;
    b.wait_text(&format!("{first} .expl"), why_vi).await;

    // Finalize: version 1, listed with its downloads.
    b.click("#finalize_btn").await;
    b.wait_visible("#confirm_dialog").await;
    b.click("#confirm_ok_btn").await;
    b.wait_attr("#result_view", "data-kind", "final").await;
    b.wait_for("#versions_table tr[data-version='1']").await;
    assert_eq!(
        b.attr("#dl_winners_xlsx_1", "href").await.as_deref(),
        Some(format!("/api/v1/admin/contests/{SLUG}/rounds/1/results/1/winners.xlsx").as_str())
    );
    assert_eq!(
        b.attr("#versions_table tr[data-version='1']", "data-published")
            .await
            .as_deref(),
        Some("false")
    );

    // Publish it.
    b.click("#publish_btn").await;
    b.wait_visible("#confirm_dialog").await;
    b.click("#confirm_ok_btn").await;
    b.wait_visible("#published_msg").await;
    b.wait_attr(
        "#versions_table tr[data-version='1']",
        "data-published",
        "true",
    )
    .await;
    b.snapshot("results-admin-published-360").await;
    screen_width(&b, 1280, false).await;
    b.snapshot("results-admin-published-desktop").await;
    screen_width(&b, 360, true).await;

    // Finalize again: version 2, the same winners, and the comparison says so.
    b.click("#finalize_btn").await;
    b.wait_visible("#confirm_dialog").await;
    b.click("#confirm_ok_btn").await;
    b.wait_attr("#result_view", "data-version", "2").await;
    b.wait_for("#versions_table tr[data-version='2']").await;
    assert!(b.exists("#publish_btn").await, "v2 is not public yet");
    assert_eq!(
        b.eval("return document.querySelector('#diff_from').value;", vec![])
            .await,
        "1"
    );
    b.click("#diff_btn").await;
    b.wait_attr("#diff_result", "data-identical", "true").await;

    // The settings form carries the public leaderboard switch.
    b.goto(&format!("{}/admin/c/{SLUG}", app.base)).await;
    assert!(b.is_checked("#f_public_leaderboard").await);
    assert_eq!(
        b.eval(
            "return document.querySelector('#f_leaderboard_size').value;",
            vec![]
        )
        .await,
        "3"
    );
    b.click("#f_public_leaderboard").await;
    b.click("#save_contest_btn").await;
    b.wait_attr("#save_status", "data-kind", "ok").await;
    let saved = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{SLUG}"),
            None,
        )
        .await;
    assert_eq!(saved.body["public_leaderboard"], false, "{saved:?}");
    let board = app
        .get(&format!("/api/v1/contests/{SLUG}/leaderboard?round=1"))
        .await;
    assert_eq!(
        (board.status.as_u16(), board.code()),
        (404, "leaderboard_disabled")
    );

    // The public winners page.
    b.goto(&format!("{}/c/{SLUG}/winners", app.base)).await;
    let tier = |t: &str| format!("#round_1_winners section[data-tier={t}] tbody tr");
    b.wait_for(&tier("first")).await;
    assert!(b.text(&tier("first")).await.contains("Trần Thị An"));
    assert!(b.text(&tier("first")).await.contains("00:10"));
    assert!(b.text(&tier("second")).await.contains("Lê Văn Bình"));
    assert!(b
        .text("#collective_1 tbody tr")
        .await
        .contains("Phòng Nội vụ"));
    assert!(b
        .wait_visible("#print_btn")
        .await
        .is_displayed()
        .await
        .unwrap());
    b.snapshot("results-winners-360").await;
    screen_width(&b, 1280, false).await;
    b.snapshot("results-winners-desktop").await;

    // As printed: no header or buttons, ruled tables, the contest's title on top.
    print_media(&b, true).await;
    let printed = b
        .eval(
            "const cs = (s) => getComputedStyle(document.querySelector(s)); \
             return {header: cs('header.top').display, print: cs('#print_btn').display, \
                     border: cs('#round_1_winners td').borderTopStyle, \
                     tier: cs('#round_1_winners .tier-w').breakInside, \
                     bg: cs('body').backgroundColor, title: document.querySelector('#winners_h').innerText};",
            vec![],
        )
        .await;
    assert_eq!(printed["header"], "none", "{printed}");
    assert_eq!(printed["print"], "none", "{printed}");
    assert_eq!(printed["border"], "solid", "{printed}");
    assert_eq!(printed["tier"], "avoid", "{printed}");
    assert_eq!(printed["bg"], "rgb(255, 255, 255)", "{printed}");
    assert_eq!(printed["title"], "Tìm hiểu về cải cách hành chính");
    b.snapshot("results-winners-print").await;
    print_media(&b, false).await;
    screen_width(&b, 360, true).await;

    // The contest page now links to them.
    b.goto(&format!("{}/c/{SLUG}", app.base)).await;
    b.click("#winners_link").await;
    b.wait_for(&tier("first")).await;

    // A unit manager is told the page is not for them.
    app.staff("donvi", Role::UnitManager, Some("P01")).await;
    b.goto(&format!("{}/admin/c/{SLUG}/results", app.base))
        .await;
    b.click("#logout_btn").await;
    b.type_into("#login_username", "donvi").await;
    b.type_into("#login_password", PASSWORD).await;
    b.click("#login_btn").await;
    b.wait_visible("#no_access").await;
}

#[tokio::test]
async fn the_winners_page_says_when_nothing_is_published() {
    let app = TestApp::with_demo().await;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.goto(&format!("{}/c/demo/winners", app.base)).await;
    b.wait_visible("#no_winners").await;
    b.click("#contest_link").await;
    b.wait_for("#contest_title").await;
    assert!(!b.exists("#winners_link").await);
}
