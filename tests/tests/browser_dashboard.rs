//! The statistics dashboard in a real browser (headless Chromium): an organizer's counters
//! equal the API's and refresh by themselves without a reload, the charts are SVG with one bar
//! per figure, the unit table sorts by a column and filters by block and by text, the round
//! selector changes the scope; a unit manager lands on the same page for their own unit only.
//!
//! With `BROWSER_SHOTS_DIR` set, screenshots of the page on a phone (360 px) and on a desktop
//! (1280 px) are saved there.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use cuocthi_store::staff::Role;
use cuocthi_tests::browser::Browser;
use cuocthi_tests::{Staff, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const SLUG: &str = "thong-ke";
const PASSWORD: &str = "a long test password";

/// Two rounds: everything in this test happens in round 1 (the clock starts on 25 November).
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
        "reveal": "after_submit",
        "rounds": [
            {"number": 1, "opens_at": "2026-11-25T01:00:00Z", "closes_at": "2026-11-28T00:00:00Z"},
            {"number": 2, "opens_at": "2026-11-28T00:00:00Z", "closes_at": "2026-12-25T00:00:00Z"}
        ]
    })
}

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

/// Starts an attempt and answers `right` questions right (the bank's right options start
/// with "Đúng"), the rest wrong; submits after `seconds` unless `submit` is false.
async fn take(app: &TestApp, token: &str, right: usize, seconds: i64, submit: bool) {
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
    if submit {
        let submitted = app.submit(&id, token, json!({})).await;
        assert_eq!(submitted.status, 200, "{submitted:?}");
        assert_eq!(submitted.body["correct"], json!(right), "{submitted:?}");
    }
}

async fn summary(app: &TestApp, who: &Staff, round: Option<i32>) -> Value {
    let q = round.map_or(String::new(), |n| format!("?round={n}"));
    let reply = app
        .staff_call(
            who,
            Method::GET,
            &format!("/api/v1/admin/contests/{SLUG}/stats{q}"),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body
}

/// Each counter's `data-value` equals the API's figure.
async fn counters_match(b: &Browser, api: &Value, keys: &[&str]) {
    for key in keys {
        let want = api[*key].as_i64().expect("a number").to_string();
        b.wait_attr(&format!("#dash_c_{key}"), "data-value", &want)
            .await;
    }
}

/// Waits until the unit table's rows (their codes, top to bottom) are `codes`.
async fn wait_rows(b: &Browser, what: &str, codes: &[&str]) {
    let want = serde_json::to_string(codes).unwrap();
    b.wait_until(
        what,
        &format!("JSON.stringify([...document.querySelectorAll('#dash_units tbody tr[data-code]')].map(r => r.dataset.code)) === {want:?}"),
    )
    .await;
}

async fn bars(b: &Browser, chart: &str) -> usize {
    b.eval(
        &format!("return document.querySelectorAll('{chart} svg[role=img] rect.ch-bar').length;"),
        vec![],
    )
    .await
    .as_u64()
    .unwrap() as usize
}

/// The page logged no error (a script error, a refused inline style, a failed request).
async fn no_console_errors(b: &Browser) {
    let errors: Vec<String> = b
        .console()
        .await
        .into_iter()
        .filter(|line| line.contains("SEVERE") || line.contains("Content Security Policy"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

/// Fetches every download link of the page with the page's own session, as a click would:
/// `{id: {status, type}}`.
async fn downloads(b: &Browser) -> Value {
    b.command(
        Method::POST,
        "/execute/async",
        Some(json!({"args": [], "script": "const done = arguments[arguments.length - 1];\
            Promise.all([...document.querySelectorAll('#dash_downloads a[download]')].map(a =>\
              fetch(a.href, {credentials: 'same-origin'}).then(r => [a.id, {status: r.status, type: r.headers.get('content-type') || ''}])))\
            .then(list => done(Object.fromEntries(list)), e => done({error: String(e)}));"})),
    )
    .await
    .unwrap()
}

/// Emulates a screen of `width`×`height` CSS pixels (a phone when `mobile`).
async fn screen(b: &Browser, width: u32, height: u32, mobile: bool) {
    b.command(
        Method::POST,
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setDeviceMetricsOverride",
                    "params": {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}})),
    )
    .await
    .unwrap();
}

/// Saves the page at this width, one screenful after another (`{name}-1.png`, …), when
/// screenshots are wanted; leaves the screen at that width, scrolled to the top.
async fn shots(b: &Browser, name: &str, width: u32, mobile: bool) {
    if std::env::var_os("BROWSER_SHOTS_DIR").is_none() {
        return;
    }
    let height = if mobile { 800 } else { 900 };
    screen(b, width, height, mobile).await;
    // A fresh load at that size, as a person on that screen would see it.
    b.refresh().await;
    b.wait_visible("#dash_c_attempts").await;
    screen(b, width, height, mobile).await; // a reload may bring back the phone emulation
    b.wait_until(
        "the charts to fit the new width",
        "(() => { const s = document.querySelector('#chart_scores svg'); return s && Math.abs(s.parentElement.clientWidth - s.width.baseVal.value) < 2 || (s && s.width.baseVal.value >= 900); })()",
    )
    .await;
    let total = b
        .eval(
            "return Math.ceil(document.querySelector('footer').getBoundingClientRect().bottom + window.scrollY);",
            vec![],
        )
        .await
        .as_u64()
        .unwrap_or(800) as u32;
    let mut part = 1;
    let mut y = 0;
    while y < total && part <= 12 {
        b.eval(&format!("window.scrollTo(0, {y}); return 1;"), vec![])
            .await;
        b.snapshot(&format!("{name}-{part}")).await;
        y += height - 60;
        part += 1;
    }
    b.eval("window.scrollTo(0, 0); return 1;", vec![]).await;
}

#[tokio::test]
async fn an_organizer_watches_the_dashboard_and_a_unit_manager_sees_only_their_unit() {
    let app = TestApp::empty().await;
    let org = app.staff("bantochuc", Role::Organizer, None).await;
    app.set_up_contest(&org, contest_body()).await;
    let Some(b) = Browser::start().await else {
        return;
    };

    // Day 1 (25/11): An and Bình of P01, Chi of CQ1; day 2: Chi again, and Dũng of P02 starts.
    let an = register(&app, "Nguyễn Văn An", "0912000001", "P01").await;
    let binh = register(&app, "Trần Thị Bình", "0912000002", "P01").await;
    let chi = register(&app, "Lê Văn Chi", "0912000003", "CQ1").await;
    let dung = register(&app, "Phạm Dũng", "0912000004", "P02").await;
    take(&app, &an, 4, 120, true).await;
    take(&app, &binh, 2, 200, true).await;
    take(&app, &chi, 3, 300, true).await;
    app.advance(Duration::days(1));
    take(&app, &chi, 4, 100, true).await;
    take(&app, &dung, 1, 30, false).await;
    // A day later the first session has lapsed: sign in again.
    let org = app.sign_in("bantochuc", PASSWORD).await;

    let api = summary(&app, &org, None).await;
    assert_eq!(api["participants"], 3, "{api}");
    assert_eq!(api["attempts"], 4, "{api}");
    assert_eq!(api["in_progress"], 1, "{api}");
    assert_eq!(api["score_distribution"], json!([0, 0, 1, 1, 2]), "{api}");

    // The organizer opens the dashboard from the contest list.
    b.goto(&format!("{}/admin", app.base)).await;
    b.type_into("#login_username", "bantochuc").await;
    b.type_into("#login_password", PASSWORD).await;
    b.click("#login_btn").await;
    b.click(&format!("li[data-slug={SLUG}] a[data-dashboard]"))
        .await;
    b.wait_visible("#dash_counters").await;
    b.console().await; // forget the sign-in page's 401 for `/auth/me`
    assert!(b
        .url()
        .await
        .ends_with(&format!("/admin/c/{SLUG}/dashboard")));
    assert_eq!(
        b.attr("#tab_dashboard", "aria-current").await.as_deref(),
        Some("page")
    );

    // Counters equal the API's summary.
    counters_match(
        &b,
        &api,
        &[
            "participants",
            "attempts",
            "perfect_participants",
            "perfect_attempts",
            "in_progress",
        ],
    )
    .await;
    b.wait_text("#dash_c_units", "2/3").await;
    assert!(b.text("#dash_updated").await.contains("Cập nhật lúc"));

    // Nothing widens the page beyond the phone's screen (the table scrolls inside its box).
    assert_eq!(
        b.eval("return document.documentElement.scrollWidth;", vec![])
            .await,
        json!(360)
    );
    // Charts: SVG images with a bar per figure.
    assert_eq!(bars(&b, "#chart_scores").await, 5, "0..4 right answers");
    let heights = b
        .eval(
            "return [...document.querySelectorAll('#chart_scores rect.ch-bar')].map(r => +r.dataset.value);",
            vec![],
        )
        .await;
    assert_eq!(heights, json!([0, 0, 1, 1, 2]));
    assert_eq!(
        bars(&b, "#chart_units").await,
        2,
        "the units with a headcount"
    );
    let order = b
        .eval(
            "return [...document.querySelectorAll('#chart_units rect.ch-bar')].map(r => r.dataset.key);",
            vec![],
        )
        .await;
    assert_eq!(
        order,
        json!(["CQ1", "P01"]),
        "sorted by rate: 1/25, then 2/120"
    );
    assert!(b.text("#chart_units_apart").await.contains("P02"));
    let days = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{SLUG}/stats/days?format=json"),
            None,
        )
        .await;
    if days.status == 404 {
        // The server has no daily figures: the chart is left out, not broken.
        assert_eq!(
            b.eval("return document.querySelector('#box_days').hidden;", vec![])
                .await,
            json!(true)
        );
    } else {
        assert_eq!(days.status, 200, "{days:?}");
        assert_eq!(bars(&b, "#chart_days").await, 2, "25/11 and 26/11");
        let per_day = b
            .eval(
                "return [...document.querySelectorAll('#chart_days rect.ch-bar')].map(r => +r.dataset.value);",
                vec![],
            )
            .await;
        assert_eq!(per_day, json!([3, 1]));
    }

    // The unit table: every unit, then sorted by participation rate (no headcount last).
    wait_rows(&b, "every unit in the API's order", &["P01", "P02", "CQ1"]).await;
    assert_eq!(
        b.text("#dash_units tr[data-code=CQ1] td[data-rate]").await,
        "4,0 %"
    );
    b.click("th[data-col=participation_rate] button").await;
    wait_rows(&b, "highest rate first", &["CQ1", "P01", "P02"]).await;
    assert_eq!(
        b.attr("th[data-col=participation_rate]", "aria-sort")
            .await
            .as_deref(),
        Some("descending")
    );
    b.click("th[data-col=participation_rate] button").await;
    wait_rows(&b, "lowest rate first", &["P01", "CQ1", "P02"]).await;
    assert_eq!(
        b.attr("th[data-col=participation_rate]", "aria-sort")
            .await
            .as_deref(),
        Some("ascending")
    );
    b.click("th[data-col=unit_name] button").await;
    wait_rows(&b, "by name", &["CQ1", "P01", "P02"]).await;
    assert_eq!(
        b.attr("th[data-col=participation_rate]", "aria-sort").await,
        None
    );
    b.click("th[data-col=participants] button").await;
    wait_rows(&b, "most participants first", &["P01", "CQ1", "P02"]).await;

    // Filters: by block, then by text (with or without diacritics).
    b.select_label("#dash_block", "Khối chính quyền").await;
    wait_rows(&b, "the block's units", &["CQ1"]).await;
    b.wait_text("#dash_units_shown", "Hiện 1/3 đơn vị").await;
    b.select_value("#dash_block", "").await;
    b.type_into("#dash_filter", "hong").await;
    wait_rows(&b, "the units named Hồng", &["P01", "P02"]).await;
    b.type_into("#dash_filter", "").await;
    wait_rows(&b, "every unit again", &["P01", "CQ1", "P02"]).await;

    // Downloads follow the scope; the participants export is there for organizers.
    let href = b.attr("#dl_units_xlsx", "href").await.unwrap();
    assert!(href.ends_with(&format!(
        "/api/v1/admin/contests/{SLUG}/stats/units?format=xlsx"
    )));
    let files = downloads(&b).await;
    for (id, kind) in [
        ("dl_units_xlsx", "spreadsheetml"),
        ("dl_units_csv", "text/csv"),
        ("dl_report_xlsx", "spreadsheetml"),
        ("dl_participants_xlsx", "spreadsheetml"),
        ("dl_participants_csv", "text/csv"),
    ] {
        let file = &files[id];
        assert_eq!(file["status"], 200, "{id}: {file}");
        assert!(
            file["type"].as_str().unwrap().contains(kind),
            "{id}: {file}"
        );
    }

    // Round 2 has no attempts yet; the address keeps the scope.
    b.select_value("#dash_round", "2").await;
    b.wait_attr("#dash_c_attempts", "data-value", "0").await;
    assert!(b.url().await.ends_with("?round=2"));
    assert!(b
        .attr("#dl_units_csv", "href")
        .await
        .unwrap()
        .contains("round=2"));
    b.select_value("#dash_round", "").await;
    b.wait_attr("#dash_c_attempts", "data-value", "4").await;

    // In English, the same figures.
    b.click("#lang_switch").await;
    b.wait_text("#main h1", "Participation statistics").await;
    b.wait_attr("#dash_c_attempts", "data-value", "4").await;
    assert_eq!(
        b.text("#dash_units tr[data-code=CQ1] td[data-rate]").await,
        "4.0 %"
    );
    b.click("#lang_switch").await;
    b.wait_text("#main h1", "Thống kê tham gia").await;

    no_console_errors(&b).await;
    shots(&b, "dashboard-organizer-360", 360, true).await;
    shots(&b, "dashboard-organizer-1280", 1280, false).await;
    screen(&b, 360, 800, true).await;

    // Live: a new attempt shows up by itself, without reloading the page.
    b.eval("window.__same_page = 1; return 1;", vec![]).await;
    let before: u64 = b
        .attr("#dash_updated", "data-n")
        .await
        .unwrap()
        .parse()
        .unwrap();
    take(&app, &binh, 4, 90, true).await;
    let api = summary(&app, &org, None).await;
    assert_eq!(api["attempts"], 5, "{api}");
    // The page fetches every 15 s; poll (bounded) for the new figure to arrive.
    let deadline = Instant::now() + StdDuration::from_secs(45);
    loop {
        let seen = b
            .eval(
                "return document.querySelector('#dash_c_attempts').dataset.value;",
                vec![],
            )
            .await;
        if seen == json!("5") {
            break;
        }
        if Instant::now() > deadline {
            b.fail("the counters did not refresh by themselves").await;
        }
        tokio::time::sleep(StdDuration::from_millis(250)).await;
    }
    counters_match(
        &b,
        &api,
        &[
            "participants",
            "attempts",
            "perfect_participants",
            "perfect_attempts",
            "in_progress",
        ],
    )
    .await;
    assert_eq!(
        b.eval("return window.__same_page;", vec![]).await,
        json!(1),
        "no reload"
    );
    let after: u64 = b
        .attr("#dash_updated", "data-n")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!(after > before);
    let live = b
        .eval(
            "return document.querySelector('#dash_live').textContent;",
            vec![],
        )
        .await;
    assert!(
        live.as_str().unwrap().contains("Lượt thi: 5"),
        "the change is announced: {live}"
    );

    // A unit manager of P01: the contest opens on its dashboard, for P01 only.
    let manager = app
        .staff("quanly.p01", Role::UnitManager, Some("P01"))
        .await;
    b.click("#logout_btn").await;
    b.wait_visible("#login_username").await;
    b.goto(&format!("{}/admin/c/{SLUG}", app.base)).await;
    b.type_into("#login_username", "quanly.p01").await;
    b.type_into("#login_password", PASSWORD).await;
    b.click("#login_btn").await;
    b.wait_visible("#dash_own_unit").await;
    b.console().await; // forget the sign-in page's 401 for `/auth/me`
    assert!(b
        .url()
        .await
        .ends_with(&format!("/admin/c/{SLUG}/dashboard")));
    assert!(b
        .text("#dash_own_unit")
        .await
        .contains("P01 – Phường Bắc Hồng"));
    let own = summary(&app, &manager, None).await;
    assert_eq!(own["participants"], 2, "{own}");
    assert_eq!(own["attempts"], 3, "{own}");
    counters_match(
        &b,
        &own,
        &[
            "participants",
            "attempts",
            "perfect_participants",
            "perfect_attempts",
            "in_progress",
        ],
    )
    .await;
    // Their unit's line, one figure a line.
    b.wait_attr("#dash_units", "data-code", "P01").await;
    assert_eq!(
        b.text("#dash_units tr[data-col=participants] td").await,
        "2"
    );
    assert_eq!(
        b.text("#dash_units tr[data-col=participation_rate] td")
            .await,
        "1,7 %"
    );
    b.wait_text("#dash_c_rate", "1,7 %").await;
    let files = downloads(&b).await;
    assert_eq!(
        files.as_object().unwrap().len(),
        3,
        "units and report, no participants: {files}"
    );
    for (id, file) in files.as_object().unwrap() {
        assert_eq!(file["status"], 200, "{id}: {file}");
    }
    for absent in [
        "#dash_c_units",
        "#chart_units",
        "#dash_block",
        "#dash_units thead",
        "#dl_participants_xlsx",
        "#tab_settings",
        "#tab_units",
        "#tab_questions",
    ] {
        assert!(
            !b.exists(absent).await,
            "{absent} is not for a unit manager"
        );
    }
    assert_eq!(bars(&b, "#chart_scores").await, 5);
    let page_text = b
        .eval(
            "return document.querySelector('#main').textContent;",
            vec![],
        )
        .await;
    for other in ["CQ1", "Phòng Nội vụ", "P02", "Xã Nam Hồng"] {
        assert!(
            !page_text.as_str().unwrap().contains(other),
            "{other} shows on the unit manager's page"
        );
    }
    no_console_errors(&b).await;
    shots(&b, "dashboard-unit-manager-360", 360, true).await;
}
