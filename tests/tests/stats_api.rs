//! Statistics through the API on a hand-computed dataset (spec/contest-rules.md
//! "Statistics"): the summary with its mean score, median duration and duration buckets; the
//! per-unit, per-category and per-day breakdowns (days in the contest's time zone, across its
//! midnight); the report workbook and the participants export read back with calamine equal
//! to the JSON; a unit manager's view of exactly their unit; formula neutralisation in every
//! file; the figures kept for ten seconds of the server clock; finish times no calendar has.
//! Runs on SQLite, and on PostgreSQL + Redis when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are
//! set.
//!
//! The dataset (times UTC; Asia/Ho_Chi_Minh is UTC+7, its midnight 17:00 UTC). Time limit
//! 600 s, four one-point questions per attempt. Round 1 until 2026-11-27 00:00, round 2 after.
//!
//! | attempt | who (unit, category) | correct | duration | finished (local day) |
//! |---|---|---|---|---|
//! | A1 | An (P01, citizen) | 4 (perfect) | 100 s | 25 Nov 02:11:40 (25) |
//! | B1 | Bình (P01, official) | 2 | 250 s | 25 Nov 02:24:10 (25) |
//! | C1 | Cường (CQ1, official) | 1, expired | 600 s | 25 Nov 02:40:00 (25) |
//! | D1 | Dung (P02, citizen) | 3 | 200 s | 25 Nov 16:53:20 (25, 23:53 local) |
//! | A2 | An | 4 (perfect) | 300 s | 25 Nov 17:15:00 (26, 00:15 local) |
//! | E1 | "=HYPERLINK(...)" (X9, citizen) | 0 | 50 s | 25 Nov 17:20:50 (26) |
//! | B2 | Bình, round 2 | 4 (perfect) | 120 s | 28 Nov 03:02:00 (28) |
//! | F1 | Phúc (CQ1, citizen), round 2 | — in progress, never counts | | |

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::io::{Cursor, Read};

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::{DateTime, Duration, TimeZone, Utc};
use cuocthi_store::staff::Role;
use cuocthi_tests::{Staff, TestApp};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

const SLUG: &str = "tk";
const EVIL_UNIT: &str = "=HYPERLINK(\"http://evil.example\",\"Xã Chín\")";
const EVIL_PERSON: &str = "=HYPERLINK(\"http://evil.example\",\"Em\")";
const EVIL_CATEGORY: &str = "@Cán bộ, công chức";
const TITLE: &str = "+Tìm hiểu cải cách hành chính";

fn at(day: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, h, m, s)
        .single()
        .unwrap()
}

fn contest_body() -> Value {
    json!({
        "slug": SLUG,
        "title": TITLE,
        "rules_md": "# Thể lệ",
        "opens_at": "2026-11-25T01:00:00Z",
        "closes_at": "2026-12-25T00:00:00Z",
        "questions_per_attempt": 4,
        "time_limit_secs": 600,
        "max_attempts": 3,
        "grace_secs": 15,
        "topic_quotas": [],
        "reveal": "after_submit",
        "categories": [{"code": "citizen", "name": "Người dân"}, {"code": "official", "name": EVIL_CATEGORY}],
        "rounds": [
            {"number": 1, "opens_at": "2026-11-25T01:00:00Z", "closes_at": "2026-11-27T00:00:00Z"},
            {"number": 2, "opens_at": "2026-11-27T00:00:00Z", "closes_at": "2026-12-25T00:00:00Z"}
        ]
    })
}

/// Registers a person at the clock's time and returns their token.
async fn register(app: &TestApp, name: &str, phone: &str, unit: &str, category: &str) -> String {
    app.register_person_as(SLUG, name, phone, unit, Some(category))
        .await
}

/// Starts an attempt at `start` and saves `right` right answers and the rest wrong.
async fn start_and_answer(
    app: &TestApp,
    token: &str,
    start: DateTime<Utc>,
    right: usize,
) -> String {
    app.clock.set(start);
    let (id, questions) = app.start_attempt(SLUG, token).await;
    app.answer_right(&id, token, &questions, right).await;
    id
}

/// Takes an attempt: `right` answers right, submitted `seconds` after `start`.
async fn take(app: &TestApp, token: &str, start: DateTime<Utc>, right: usize, seconds: i64) {
    app.clock.set(start);
    let (_, submitted) = app.take_attempt(SLUG, token, right, seconds, None).await;
    assert_eq!(
        (
            submitted["status"].clone(),
            submitted["correct"].clone(),
            submitted["duration_ms"].clone()
        ),
        (json!("submitted"), json!(right), json!(seconds * 1000)),
        "{submitted}"
    );
}

/// Builds the dataset of the module's table; returns the organizer, signed in at its end.
async fn dataset(app: &TestApp) -> Staff {
    let org = app.staff("org", Role::Organizer, None).await;
    app.set_up_contest(&org, contest_body()).await;
    let x9 = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{SLUG}/units"),
            Some(json!({"code": "X9", "name": EVIL_UNIT, "block": "Khối xã, phường", "headcount": 10})),
        )
        .await;
    assert_eq!(x9.status, 201, "{x9:?}");

    app.clock.set(at(25, 2, 0, 0));
    let an = register(app, "Trần Thị An", "0987000001", "P01", "citizen").await;
    app.advance(Duration::seconds(1));
    let binh = register(app, "Lê Văn Bình", "0987000002", "P01", "official").await;
    app.advance(Duration::seconds(1));
    let cuong = register(app, "Phạm Văn Cường", "0987000003", "CQ1", "official").await;
    app.advance(Duration::seconds(1));
    let dung = register(app, "Hoàng Thị Dung", "0987000004", "P02", "citizen").await;
    app.advance(Duration::seconds(1));
    let em = register(app, EVIL_PERSON, "0987000005", "X9", "citizen").await;
    app.advance(Duration::seconds(1));
    let phuc = register(app, "Đỗ Văn Phúc", "0987000006", "CQ1", "citizen").await;

    take(app, &an, at(25, 2, 10, 0), 4, 100).await;
    take(app, &binh, at(25, 2, 20, 0), 2, 250).await;
    // Cường answers one question right and lets the time run out: expired at the deadline.
    let c1 = start_and_answer(app, &cuong, at(25, 2, 30, 0), 1).await;
    app.advance(Duration::seconds(616));
    let expired = app.submit(&c1, &cuong, json!({})).await;
    assert_eq!(
        (
            expired.status.as_u16(),
            expired.body["status"].clone(),
            expired.body["correct"].clone(),
            expired.body["duration_ms"].clone()
        ),
        (200, json!("expired"), json!(1), json!(600_000)),
        "{expired:?}"
    );
    take(app, &dung, at(25, 16, 50, 0), 3, 200).await;
    take(app, &an, at(25, 17, 10, 0), 4, 300).await;
    take(app, &em, at(25, 17, 20, 0), 0, 50).await;
    take(app, &binh, at(28, 3, 0, 0), 4, 120).await;
    // Phúc starts in round 2 and is still at it when the figures are read.
    start_and_answer(app, &phuc, at(28, 4, 0, 0), 2).await;
    // Days have passed: the organizer's session has ended; sign in again.
    app.sign_in("org", "a long test password").await
}

// ----- reading files -----

async fn json_get(app: &TestApp, staff: &Staff, path: &str) -> Value {
    let reply = app.staff_call(staff, Method::GET, path, None).await;
    assert_eq!(reply.status, 200, "{path}: {reply:?}");
    reply.body
}

/// A CSV file's rows (RFC 4180 quoting), after checking the byte-order mark.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the file ends with a line end"
    );
    rows
}

/// Every sheet of a workbook: name, values, and whether any cell holds a formula.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>, bool)> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let formulas = book.worksheet_formula(&name).unwrap();
            let any_formula = formulas.rows().flatten().any(|f| !f.is_empty());
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows, any_formula)
        })
        .collect()
}

/// One part of the `.xlsx` zip, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// What a spreadsheet cell must hold for an expected JSON value: text as it is, numbers as
/// numbers, null as an empty cell.
fn xlsx_matches(cell: &Data, expected: &Value) -> bool {
    match (cell, expected) {
        (Data::String(s), Value::String(e)) => s == e,
        (Data::Float(f), Value::Number(n)) => Some(*f) == n.as_f64(),
        (Data::Int(i), Value::Number(n)) => Some(*i as f64) == n.as_f64(),
        (Data::Empty, Value::Null) => true,
        (Data::String(s), Value::Null) => s.is_empty(),
        _ => false,
    }
}

/// What a CSV field must hold: text neutralised (an apostrophe before `= + - @`), numbers
/// that parse to the same value, null as an empty field.
fn csv_matches(field: &str, expected: &Value) -> bool {
    match expected {
        Value::String(e) if e.starts_with(['=', '+', '-', '@']) => *field == format!("'{e}"),
        Value::String(e) => field == e,
        Value::Number(n) => field.parse::<f64>().ok() == n.as_f64(),
        Value::Null => field.is_empty(),
        _ => false,
    }
}

fn assert_table_xlsx(rows: &[Vec<Data>], headings: usize, expected: &[Vec<Value>], what: &str) {
    assert_eq!(rows.len(), expected.len() + 1, "{what}: rows {rows:?}");
    assert_eq!(rows[0].len(), headings, "{what}: headings {:?}", rows[0]);
    for (got, want) in rows[1..].iter().zip(expected) {
        for (i, value) in want.iter().enumerate() {
            let cell = got.get(i).cloned().unwrap_or(Data::Empty);
            assert!(
                xlsx_matches(&cell, value),
                "{what}: {cell:?} is not {value} in {got:?}"
            );
        }
    }
}

fn assert_table_csv(rows: &[Vec<String>], headings: usize, expected: &[Vec<Value>], what: &str) {
    assert_eq!(rows.len(), expected.len() + 1, "{what}: rows {rows:?}");
    assert_eq!(rows[0].len(), headings, "{what}: headings {:?}", rows[0]);
    for (got, want) in rows[1..].iter().zip(expected) {
        assert_eq!(got.len(), want.len(), "{what}: {got:?}");
        for (field, value) in got.iter().zip(want) {
            assert!(
                csv_matches(field, value),
                "{what}: {field:?} is not {value} in {got:?}"
            );
        }
    }
}

// ----- the tables as the files have them, from the JSON -----

fn secs(ms: &Value) -> Value {
    ms.as_i64()
        .map_or(Value::Null, |ms| json!(ms as f64 / 1000.0))
}

fn unit_table(rows: &Value) -> Vec<Vec<Value>> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                r["unit_code"].clone(),
                r["unit_name"].clone(),
                r["block"].clone(),
                r["headcount"].clone(),
                r["participants"].clone(),
                r["attempts"].clone(),
                r["perfect_participants"].clone(),
                r["perfect_attempts"].clone(),
                r["participation_rate"].clone(),
                r["mean_score"].clone(),
                secs(&r["median_duration_ms"]),
            ]
        })
        .collect()
}

fn category_table(rows: &Value) -> Vec<Vec<Value>> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                r["category_code"].clone(),
                r["category_name"].clone(),
                r["participants"].clone(),
                r["attempts"].clone(),
                r["perfect_participants"].clone(),
                r["perfect_attempts"].clone(),
                r["mean_score"].clone(),
                secs(&r["median_duration_ms"]),
                r["units_participating"].clone(),
            ]
        })
        .collect()
}

fn day_table(rows: &Value) -> Vec<Vec<Value>> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                r["date"].clone(),
                r["new_participants"].clone(),
                r["active_participants"].clone(),
                r["participants_to_date"].clone(),
                r["attempts"].clone(),
                r["perfect_attempts"].clone(),
                r["perfect_participants"].clone(),
                r["mean_score"].clone(),
                secs(&r["median_duration_ms"]),
                r["units_participating"].clone(),
            ]
        })
        .collect()
}

fn distribution(row: &Value) -> Vec<i64> {
    row["score_distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// The "Phân bố điểm" sheet: its headings, and its rows (the scope's distribution and share,
/// then a column per unit, category and day).
fn score_table(
    summary: &Value,
    units: &Value,
    categories: &Value,
    days: &Value,
) -> (Vec<String>, Vec<Vec<Value>>) {
    let mut headings: Vec<String> = ["Số câu đúng", "Số lượt thi", "Tỷ lệ"]
        .map(String::from)
        .to_vec();
    let mut columns = Vec::new();
    for u in units.as_array().unwrap() {
        headings.push(format!("Đơn vị: {}", u["unit_code"].as_str().unwrap()));
        columns.push(distribution(u));
    }
    for c in categories.as_array().unwrap() {
        let code = c["category_code"].as_str().unwrap_or("(không có)");
        headings.push(format!("Đối tượng: {code}"));
        columns.push(distribution(c));
    }
    for d in days.as_array().unwrap() {
        headings.push(format!("Ngày: {}", d["date"].as_str().unwrap()));
        columns.push(distribution(d));
    }
    let dist = distribution(summary);
    let total: i64 = dist.iter().sum();
    let rows = dist
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut row = vec![json!(i), json!(n), json!(*n as f64 / total as f64)];
            row.extend(columns.iter().map(|c| json!(c[i])));
            row
        })
        .collect();
    (headings, rows)
}

/// Checks the "Phân bố điểm" sheet against the JSON of the summary and the breakdowns.
fn assert_score_sheet(
    rows: &[Vec<Data>],
    summary: &Value,
    units: &Value,
    categories: &Value,
    days: &Value,
) {
    let (headings, expected) = score_table(summary, units, categories, days);
    let got: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(got, headings, "Phân bố điểm: headings");
    assert_table_xlsx(rows, headings.len(), &expected, "Phân bố điểm");
}

fn duration_table(summary: &Value) -> Vec<Vec<Value>> {
    let buckets = summary["duration_distribution"].as_array().unwrap();
    let total: i64 = buckets
        .iter()
        .map(|b| b["attempts"].as_i64().unwrap())
        .sum();
    buckets
        .iter()
        .map(|b| {
            let n = b["attempts"].as_i64().unwrap();
            vec![
                secs(&b["from_ms"]),
                secs(&b["to_ms"]),
                json!(n),
                json!(n as f64 / total as f64),
            ]
        })
        .collect()
}

/// The "Tổng hợp" sheet's figures, label → value.
fn summary_table(summary: &Value, scope: &str, units: &str) -> Vec<Vec<Value>> {
    let n = |k: &str| summary[k].as_i64().unwrap();
    vec![
        vec![json!("Cuộc thi"), json!(TITLE)],
        vec![json!("Phạm vi"), json!(scope)],
        vec![json!("Đơn vị"), json!(units)],
        vec![json!("Múi giờ"), json!("Asia/Ho_Chi_Minh")],
        vec![json!("Thời điểm lập báo cáo"), json!("2026-11-28 11:00:00")],
        vec![
            json!("Số đơn vị có người dự thi"),
            json!(n("units_participating")),
        ],
        vec![json!("Tổng số đơn vị"), json!(n("units_total"))],
        vec![
            json!("Tỷ lệ đơn vị tham gia"),
            json!(n("units_participating") as f64 / n("units_total") as f64),
        ],
        vec![json!("Số người dự thi"), json!(n("participants"))],
        vec![json!("Số lượt thi"), json!(n("attempts"))],
        vec![
            json!("Số người đạt điểm tuyệt đối"),
            json!(n("perfect_participants")),
        ],
        vec![
            json!("Số lượt đạt điểm tuyệt đối"),
            json!(n("perfect_attempts")),
        ],
        vec![
            json!("Tỷ lệ lượt thi đạt điểm tuyệt đối"),
            json!(n("perfect_attempts") as f64 / n("attempts") as f64),
        ],
        vec![json!("Điểm trung bình"), summary["mean_score"].clone()],
        vec![
            json!("Thời gian làm bài trung vị (giây)"),
            secs(&summary["median_duration_ms"]),
        ],
        vec![json!("Số lượt đang làm bài"), json!(n("in_progress"))],
    ]
}

/// The ten buckets of a 600 s limit with these counts.
fn buckets(counts: [i64; 10]) -> Value {
    Value::Array(
        counts
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let i = i as i64;
                json!({"from_secs": (i * 60) as f64, "to_secs": ((i + 1) * 60) as f64,
                       "from_ms": i * 60_000, "to_ms": (i + 1) * 60_000, "attempts": n})
            })
            .collect(),
    )
}

/// A day's row: `counts` are new, active and to-date participants, attempts and perfect
/// attempts; `rest` are perfect participants, the mean score, the median duration in
/// seconds, the units taking part and the score distribution.
fn day(
    date: &str,
    counts: [i64; 5],
    rest: (i64, Option<f64>, Option<i64>, i64, [i64; 5]),
) -> Value {
    let [new, active, to_date, attempts, perfect] = counts;
    let (perfect_participants, mean, median_secs, units, dist) = rest;
    json!({"date": date, "new_participants": new, "active_participants": active,
           "participants_to_date": to_date, "attempts": attempts, "perfect_attempts": perfect,
           "perfect_participants": perfect_participants, "mean_score": mean,
           "median_duration_ms": median_secs.map(|s| s * 1000), "units_participating": units,
           "score_distribution": dist})
}

/// A day without finished attempts.
fn empty_day(date: &str, to_date: i64) -> Value {
    day(date, [0, 0, to_date, 0, 0], (0, None, None, 0, [0; 5]))
}

/// Checks a breakdown's JSON against `expected` and its `.csv` and `.xlsx` against the JSON.
async fn check_breakdown(
    app: &TestApp,
    staff: &Staff,
    path: &str,
    expected: &Value,
    table: fn(&Value) -> Vec<Vec<Value>>,
    headings: usize,
    sheet: &str,
) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let body = json_get(app, staff, &format!("{path}{sep}format=json")).await;
    assert_eq!(&body, expected, "{path}");
    let want = table(&body);
    let csv = app.raw_get(staff, &format!("{path}{sep}format=csv")).await;
    assert_eq!(
        (csv.status, csv.content_type.as_str()),
        (200, "text/csv; charset=utf-8"),
        "{path}"
    );
    assert_table_csv(&csv_rows(&csv.body), headings, &want, path);
    let xlsx = app.raw_get(staff, &format!("{path}{sep}format=xlsx")).await;
    assert_eq!(
        (xlsx.status, xlsx.content_type.as_str()),
        (
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        "{path}"
    );
    let book = sheets(&xlsx.body);
    assert_eq!(book.len(), 1, "{path}");
    assert_eq!(book[0].0, sheet);
    assert!(!book[0].2, "{path}: no formula in any cell");
    assert_table_xlsx(&book[0].1, headings, &want, path);
}

// ----- the tests -----

#[tokio::test]
async fn every_figure_equals_the_hand_computed_dataset() {
    let app = TestApp::empty().await;
    let org = dataset(&app).await;
    let base = format!("/api/v1/admin/contests/{SLUG}");

    // Summary of the whole contest: durations 50 100 120 200 250 300 600 s → median 200 s.
    let summary = json_get(&app, &org, &format!("{base}/stats")).await;
    assert_eq!(
        summary,
        json!({
            "participants": 5, "attempts": 7, "perfect_participants": 2, "perfect_attempts": 3,
            "units_participating": 4, "units_total": 4, "score_distribution": [1, 1, 1, 1, 3],
            "in_progress": 1, "mean_score": 18.0 / 7.0, "median_duration_ms": 200_000,
            "duration_distribution": buckets([1, 1, 1, 1, 1, 1, 0, 0, 0, 1]),
        })
    );
    // Round 1: six attempts, 50 100 200 250 300 600 s: the lower middle is 200 s (not 225).
    let round1 = json_get(&app, &org, &format!("{base}/stats?round=1")).await;
    assert_eq!(
        round1,
        json!({
            "participants": 5, "attempts": 6, "perfect_participants": 1, "perfect_attempts": 2,
            "units_participating": 4, "units_total": 4, "score_distribution": [1, 1, 1, 1, 2],
            "in_progress": 0, "mean_score": 14.0 / 6.0, "median_duration_ms": 200_000,
            "duration_distribution": buckets([1, 1, 0, 1, 1, 1, 0, 0, 0, 1]),
        })
    );
    let round2 = json_get(&app, &org, &format!("{base}/stats?round=2")).await;
    assert_eq!(
        round2,
        json!({
            "participants": 1, "attempts": 1, "perfect_participants": 1, "perfect_attempts": 1,
            "units_participating": 1, "units_total": 4, "score_distribution": [0, 0, 0, 0, 1],
            "in_progress": 1, "mean_score": 4.0, "median_duration_ms": 120_000,
            "duration_distribution": buckets([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
        })
    );

    // Per unit, in import order, zeros included; X9 was added last. P01's durations are
    // 100 120 250 300 s: the lower middle is 120 s.
    let units = json!([
        {"unit_code": "P01", "unit_name": "Phường Bắc Hồng", "block": "Khối xã, phường", "headcount": 120,
         "participants": 2, "attempts": 4, "perfect_participants": 2, "perfect_attempts": 3,
         "participation_rate": 2.0 / 120.0, "mean_score": 3.5, "median_duration_ms": 120_000,
         "score_distribution": [0, 0, 1, 0, 3]},
        {"unit_code": "P02", "unit_name": "Xã Nam Hồng", "block": "Khối xã, phường", "headcount": null,
         "participants": 1, "attempts": 1, "perfect_participants": 0, "perfect_attempts": 0,
         "participation_rate": null, "mean_score": 3.0, "median_duration_ms": 200_000,
         "score_distribution": [0, 0, 0, 1, 0]},
        {"unit_code": "CQ1", "unit_name": "Phòng Nội vụ", "block": "Khối chính quyền", "headcount": 25,
         "participants": 1, "attempts": 1, "perfect_participants": 0, "perfect_attempts": 0,
         "participation_rate": 1.0 / 25.0, "mean_score": 1.0, "median_duration_ms": 600_000,
         "score_distribution": [0, 1, 0, 0, 0]},
        {"unit_code": "X9", "unit_name": EVIL_UNIT, "block": "Khối xã, phường", "headcount": 10,
         "participants": 1, "attempts": 1, "perfect_participants": 0, "perfect_attempts": 0,
         "participation_rate": 0.1, "mean_score": 0.0, "median_duration_ms": 50_000,
         "score_distribution": [1, 0, 0, 0, 0]},
    ]);
    check_breakdown(
        &app,
        &org,
        &format!("{base}/stats/units"),
        &units,
        unit_table,
        11,
        "Đơn vị",
    )
    .await;
    // A round's units: round 2 has Bình's one attempt.
    let round2_units = json_get(&app, &org, &format!("{base}/stats/units?round=2")).await;
    assert_eq!(
        (
            round2_units[0]["attempts"].clone(),
            round2_units[0]["median_duration_ms"].clone(),
            round2_units[0]["score_distribution"].clone(),
            round2_units[1]["score_distribution"].clone(),
            round2_units[1]["median_duration_ms"].clone(),
        ),
        (
            json!(1),
            json!(120_000),
            json!([0, 0, 0, 0, 1]),
            json!([0, 0, 0, 0, 0]),
            Value::Null
        )
    );

    // Per category: citizen 50 100 200 300 s (lower middle 100 s) in P01, P02 and X9;
    // official 120 250 600 s in P01 and CQ1.
    let categories = json!([
        {"category_code": "citizen", "category_name": "Người dân", "participants": 3, "attempts": 4,
         "perfect_participants": 1, "perfect_attempts": 2, "mean_score": 2.75, "median_duration_ms": 100_000,
         "units_participating": 3, "score_distribution": [1, 0, 0, 1, 2]},
        {"category_code": "official", "category_name": EVIL_CATEGORY, "participants": 2, "attempts": 3,
         "perfect_participants": 1, "perfect_attempts": 1, "mean_score": 7.0 / 3.0, "median_duration_ms": 250_000,
         "units_participating": 2, "score_distribution": [0, 1, 1, 0, 1]},
    ]);
    check_breakdown(
        &app,
        &org,
        &format!("{base}/stats/categories"),
        &categories,
        category_table,
        9,
        "Đối tượng",
    )
    .await;

    // Per local day: Dung's 23:53 is still the 25th, An's 00:15 the 26th (both the 25th in
    // UTC); the 27th has nothing and is there with zeros. The 25th: 100 200 250 600 s (lower
    // middle 200 s), 4 + 2 + 1 + 3 points, units P01, CQ1, P02; the 26th: 50 and 300 s.
    let days = json!([
        day(
            "2026-11-25",
            [4, 4, 4, 4, 1],
            (1, Some(2.5), Some(200), 3, [0, 1, 1, 1, 1])
        ),
        day(
            "2026-11-26",
            [1, 2, 5, 2, 1],
            (1, Some(2.0), Some(50), 2, [1, 0, 0, 0, 1])
        ),
        empty_day("2026-11-27", 5),
        day(
            "2026-11-28",
            [0, 1, 5, 1, 1],
            (1, Some(4.0), Some(120), 1, [0, 0, 0, 0, 1])
        ),
    ]);
    check_breakdown(
        &app,
        &org,
        &format!("{base}/stats/days"),
        &days,
        day_table,
        10,
        "Theo ngày",
    )
    .await;
    let days_round2 = json!([day(
        "2026-11-28",
        [1, 1, 1, 1, 1],
        (1, Some(4.0), Some(120), 1, [0, 0, 0, 0, 1])
    )]);
    check_breakdown(
        &app,
        &org,
        &format!("{base}/stats/days?round=2"),
        &days_round2,
        day_table,
        10,
        "Theo ngày",
    )
    .await;

    // The report: every sheet equals the JSON.
    let report = app
        .raw_get(&org, &format!("{base}/stats/report.xlsx"))
        .await;
    assert_eq!(report.status, 200);
    let report = report.body;
    let book = sheets(&report);
    let names: Vec<&str> = book.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "Tổng hợp",
            "Đơn vị",
            "Đối tượng",
            "Theo ngày",
            "Phân bố điểm",
            "Thời gian làm bài"
        ]
    );
    assert!(book.iter().all(|s| !s.2), "no formula anywhere");
    assert_table_xlsx(
        &book[0].1,
        2,
        &summary_table(&summary, "Toàn cuộc thi", "Tất cả đơn vị"),
        "Tổng hợp",
    );
    assert_table_xlsx(&book[1].1, 11, &unit_table(&units), "Đơn vị");
    assert_table_xlsx(&book[2].1, 9, &category_table(&categories), "Đối tượng");
    assert_table_xlsx(&book[3].1, 10, &day_table(&days), "Theo ngày");
    assert_score_sheet(&book[4].1, &summary, &units, &categories, &days);
    assert_table_xlsx(
        &book[5].1,
        4,
        &duration_table(&summary),
        "Thời gian làm bài",
    );
    // Bold frozen headings, widths, #,##0 counts and 0.0% rates.
    let styles = part(&report, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"#,##0\""), "{styles}");
    assert!(styles.contains("formatCode=\"0.0%\""), "{styles}");
    assert!(styles.contains("<b/>"), "{styles}");
    assert!(
        styles.contains("quotePrefix=\"1\""),
        "text that looks like a formula is quoted"
    );
    for i in 1..=6 {
        let sheet = part(&report, &format!("xl/worksheets/sheet{i}.xml"));
        assert!(
            sheet.contains("ySplit=\"1\"") && sheet.contains("state=\"frozen\""),
            "sheet {i}"
        );
        assert!(sheet.contains("<col "), "sheet {i} has column widths");
        assert!(!sheet.contains("<f>"), "sheet {i} has no formula");
    }
    let round_report = app
        .raw_get(&org, &format!("{base}/stats/report.xlsx?round=1"))
        .await;
    let book = sheets(&round_report.body);
    assert_table_xlsx(
        &book[0].1,
        2,
        &summary_table(&round1, "Đợt 1", "Tất cả đơn vị"),
        "Tổng hợp, đợt 1",
    );

    // Wrong format, unknown round, no session.
    let bad = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/stats/categories?format=pdf"),
            None,
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.code()), (400, "unknown_format"));
    let missing = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/stats/days?round=9"),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    for path in [
        "stats/categories",
        "stats/days",
        "stats/report.xlsx",
        "participants/export",
    ] {
        let anonymous = app.get(&format!("{base}/{path}")).await;
        assert_eq!(anonymous.status, 401, "{path}");
    }

    // Attempts whose category is unknown to the contest (here: none, as if the contest had no
    // categories when Dung registered) get their own row at the end (once the figures read
    // above, kept for ten seconds, have made way).
    app.ctx
        .db
        .execute_unprepared("UPDATE attempts SET category = NULL WHERE duration_ms = 200000")
        .await
        .unwrap();
    app.advance(Duration::seconds(10));
    let categories = json!([
        {"category_code": "citizen", "category_name": "Người dân", "participants": 2, "attempts": 3,
         "perfect_participants": 1, "perfect_attempts": 2, "mean_score": 8.0 / 3.0, "median_duration_ms": 100_000,
         "units_participating": 2, "score_distribution": [1, 0, 0, 0, 2]},
        {"category_code": "official", "category_name": EVIL_CATEGORY, "participants": 2, "attempts": 3,
         "perfect_participants": 1, "perfect_attempts": 1, "mean_score": 7.0 / 3.0, "median_duration_ms": 250_000,
         "units_participating": 2, "score_distribution": [0, 1, 1, 0, 1]},
        {"category_code": null, "category_name": "Không có đối tượng", "participants": 1, "attempts": 1,
         "perfect_participants": 0, "perfect_attempts": 0, "mean_score": 3.0, "median_duration_ms": 200_000,
         "units_participating": 1, "score_distribution": [0, 0, 0, 1, 0]},
    ]);
    check_breakdown(
        &app,
        &org,
        &format!("{base}/stats/categories"),
        &categories,
        category_table,
        9,
        "Đối tượng",
    )
    .await;
}

#[tokio::test]
async fn a_unit_manager_sees_and_exports_only_their_unit() {
    let app = TestApp::empty().await;
    let _org = dataset(&app).await;
    let base = format!("/api/v1/admin/contests/{SLUG}");
    let manager = app
        .staff("quanly_p01", Role::UnitManager, Some("P01"))
        .await;

    // P01: An (4/4 in 100 s and 300 s) and Bình (2/4 in 250 s, 4/4 in 120 s).
    let summary = json_get(&app, &manager, &format!("{base}/stats")).await;
    assert_eq!(
        summary,
        json!({
            "participants": 2, "attempts": 4, "perfect_participants": 2, "perfect_attempts": 3,
            "units_participating": 1, "units_total": 1, "score_distribution": [0, 0, 1, 0, 3],
            "in_progress": 0, "mean_score": 3.5, "median_duration_ms": 120_000,
            "duration_distribution": buckets([0, 1, 1, 0, 1, 1, 0, 0, 0, 0]),
        })
    );
    let units = json!([
        {"unit_code": "P01", "unit_name": "Phường Bắc Hồng", "block": "Khối xã, phường", "headcount": 120,
         "participants": 2, "attempts": 4, "perfect_participants": 2, "perfect_attempts": 3,
         "participation_rate": 2.0 / 120.0, "mean_score": 3.5, "median_duration_ms": 120_000,
         "score_distribution": [0, 0, 1, 0, 3]},
    ]);
    check_breakdown(
        &app,
        &manager,
        &format!("{base}/stats/units"),
        &units,
        unit_table,
        11,
        "Đơn vị",
    )
    .await;
    let categories = json!([
        {"category_code": "citizen", "category_name": "Người dân", "participants": 1, "attempts": 2,
         "perfect_participants": 1, "perfect_attempts": 2, "mean_score": 4.0, "median_duration_ms": 100_000,
         "units_participating": 1, "score_distribution": [0, 0, 0, 0, 2]},
        {"category_code": "official", "category_name": EVIL_CATEGORY, "participants": 1, "attempts": 2,
         "perfect_participants": 1, "perfect_attempts": 1, "mean_score": 3.0, "median_duration_ms": 120_000,
         "units_participating": 1, "score_distribution": [0, 0, 1, 0, 1]},
    ]);
    check_breakdown(
        &app,
        &manager,
        &format!("{base}/stats/categories"),
        &categories,
        category_table,
        9,
        "Đối tượng",
    )
    .await;
    let days = json!([
        day(
            "2026-11-25",
            [2, 2, 2, 2, 1],
            (1, Some(3.0), Some(100), 1, [0, 0, 1, 0, 1])
        ),
        day(
            "2026-11-26",
            [0, 1, 2, 1, 1],
            (1, Some(4.0), Some(300), 1, [0, 0, 0, 0, 1])
        ),
        empty_day("2026-11-27", 2),
        day(
            "2026-11-28",
            [0, 1, 2, 1, 1],
            (1, Some(4.0), Some(120), 1, [0, 0, 0, 0, 1])
        ),
    ]);
    check_breakdown(
        &app,
        &manager,
        &format!("{base}/stats/days"),
        &days,
        day_table,
        10,
        "Theo ngày",
    )
    .await;

    let report = app
        .raw_get(&manager, &format!("{base}/stats/report.xlsx"))
        .await;
    assert_eq!(report.status, 200);
    let report = report.body;
    let book = sheets(&report);
    assert_table_xlsx(
        &book[0].1,
        2,
        &summary_table(&summary, "Toàn cuộc thi", "P01 – Phường Bắc Hồng"),
        "Tổng hợp",
    );
    assert_table_xlsx(&book[1].1, 11, &unit_table(&units), "Đơn vị");
    assert_table_xlsx(&book[2].1, 9, &category_table(&categories), "Đối tượng");
    assert_table_xlsx(&book[3].1, 10, &day_table(&days), "Theo ngày");
    assert_score_sheet(&book[4].1, &summary, &units, &categories, &days);
    assert_table_xlsx(
        &book[5].1,
        4,
        &duration_table(&summary),
        "Thời gian làm bài",
    );
    // Nothing of another unit anywhere in the workbook.
    for (name, rows, _) in &book {
        for cell in rows.iter().flatten() {
            if let Data::String(s) = cell {
                assert!(
                    !["P02", "CQ1", "X9", "Xã Nam Hồng", "Phòng Nội vụ", EVIL_UNIT]
                        .contains(&s.as_str()),
                    "{name}: {s}"
                );
            }
        }
    }

    // Personal data is for admins and organizers only.
    for format in ["csv", "xlsx"] {
        let refused = app
            .staff_call(
                &manager,
                Method::GET,
                &format!("{base}/participants/export?format={format}"),
                None,
            )
            .await;
        assert_eq!(
            (refused.status.as_u16(), refused.code()),
            (403, "forbidden"),
            "{format}"
        );
    }
    // A unit manager of a unit this contest does not have sees nothing of it.
    let stranger = app
        .staff("quanly_khac", Role::UnitManager, Some("Z99"))
        .await;
    for path in [
        "stats",
        "stats/units",
        "stats/categories",
        "stats/days",
        "stats/report.xlsx",
    ] {
        let reply = app
            .staff_call(&stranger, Method::GET, &format!("{base}/{path}"), None)
            .await;
        assert_eq!(reply.status, 404, "{path}: {reply:?}");
    }
}

/// The participants export's rows as JSON values, in the file's column order.
fn person(
    name: &str,
    phone: &str,
    unit: (&str, &str),
    category: &str,
    registered: &str,
    used: i64,
    best: Option<i64>,
) -> Vec<Value> {
    vec![
        json!(name),
        json!(phone),
        Value::Null,
        json!(1985),
        Value::Null,
        json!(unit.0),
        json!(unit.1),
        json!(category),
        Value::Null,
        json!(registered),
        json!(used),
        best.map_or(Value::Null, |b| json!(b)),
        json!("Có"),
        Value::Null,
    ]
}

#[tokio::test]
async fn the_participants_export_has_everyone_with_their_attempts_and_neutralised_text() {
    let app = TestApp::empty().await;
    let org = dataset(&app).await;
    let admin = app.staff("admin", Role::Admin, None).await;
    let base = format!("/api/v1/admin/contests/{SLUG}");
    let p01 = ("P01", "Phường Bắc Hồng");
    let cq1 = ("CQ1", "Phòng Nội vụ");
    // Unit order, then registration order; local registration times (UTC+7).
    let whole = vec![
        person(
            "Trần Thị An",
            "0987000001",
            p01,
            "Người dân",
            "2026-11-25 09:00:00",
            2,
            Some(4),
        ),
        person(
            "Lê Văn Bình",
            "0987000002",
            p01,
            EVIL_CATEGORY,
            "2026-11-25 09:00:01",
            2,
            Some(4),
        ),
        person(
            "Hoàng Thị Dung",
            "0987000004",
            ("P02", "Xã Nam Hồng"),
            "Người dân",
            "2026-11-25 09:00:03",
            1,
            Some(3),
        ),
        person(
            "Phạm Văn Cường",
            "0987000003",
            cq1,
            EVIL_CATEGORY,
            "2026-11-25 09:00:02",
            1,
            Some(1),
        ),
        person(
            "Đỗ Văn Phúc",
            "0987000006",
            cq1,
            "Người dân",
            "2026-11-25 09:00:05",
            1,
            None,
        ),
        person(
            EVIL_PERSON,
            "0987000005",
            ("X9", EVIL_UNIT),
            "Người dân",
            "2026-11-25 09:00:04",
            1,
            Some(0),
        ),
    ];
    for staff in [&org, &admin] {
        let csv = app
            .raw_get(staff, &format!("{base}/participants/export"))
            .await;
        assert_eq!(
            (csv.status, csv.content_type.as_str()),
            (200, "text/csv; charset=utf-8")
        );
        let rows = csv_rows(&csv.body);
        assert_table_csv(&rows, 14, &whole, "participants.csv");
        assert_eq!(rows[6][0], "'=HYPERLINK(\"http://evil.example\",\"Em\")");
        let xlsx = app
            .raw_get(staff, &format!("{base}/participants/export?format=xlsx"))
            .await;
        assert_eq!(xlsx.status, 200);
        let xlsx = xlsx.body;
        let book = sheets(&xlsx);
        assert_eq!(book.len(), 1);
        assert_eq!(book[0].0, "Người dự thi");
        assert!(!book[0].2, "no formula in any cell");
        assert_table_xlsx(&book[0].1, 14, &whole, "participants.xlsx");
        let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains("ySplit=\"1\"") && !sheet.contains("<f>"));
    }
    // Round 2 only: attempts and best scores of that round.
    let round2 = vec![
        person(
            "Trần Thị An",
            "0987000001",
            p01,
            "Người dân",
            "2026-11-25 09:00:00",
            0,
            None,
        ),
        person(
            "Lê Văn Bình",
            "0987000002",
            p01,
            EVIL_CATEGORY,
            "2026-11-25 09:00:01",
            1,
            Some(4),
        ),
        person(
            "Hoàng Thị Dung",
            "0987000004",
            ("P02", "Xã Nam Hồng"),
            "Người dân",
            "2026-11-25 09:00:03",
            0,
            None,
        ),
        person(
            "Phạm Văn Cường",
            "0987000003",
            cq1,
            EVIL_CATEGORY,
            "2026-11-25 09:00:02",
            0,
            None,
        ),
        person(
            "Đỗ Văn Phúc",
            "0987000006",
            cq1,
            "Người dân",
            "2026-11-25 09:00:05",
            1,
            None,
        ),
        person(
            EVIL_PERSON,
            "0987000005",
            ("X9", EVIL_UNIT),
            "Người dân",
            "2026-11-25 09:00:04",
            0,
            None,
        ),
    ];
    let csv = app
        .raw_get(
            &org,
            &format!("{base}/participants/export?format=csv&round=2"),
        )
        .await;
    assert_table_csv(
        &csv_rows(&csv.body),
        14,
        &round2,
        "participants.csv, round 2",
    );
    let bad = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/participants/export?format=pdf"),
            None,
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.code()), (400, "unknown_format"));
    // Every export of personal data is in the audit log.
    let audited = app
        .count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participants.export'")
        .await;
    assert_eq!(audited, 5);
}

#[tokio::test]
async fn figures_are_kept_for_ten_seconds_of_the_server_clock_per_scope() {
    let app = TestApp::empty().await;
    let org = dataset(&app).await;
    let base = format!("/api/v1/admin/contests/{SLUG}");
    let manager = app
        .staff("quanly_p01", Role::UnitManager, Some("P01"))
        .await;
    let perfect = |body: &Value| body["perfect_attempts"].as_i64().unwrap();
    let p01 = |rows: &Value| {
        let row = &rows.as_array().unwrap()[0];
        assert_eq!(row["unit_code"], "P01");
        (
            row["perfect_attempts"].as_i64().unwrap(),
            row["score_distribution"].clone(),
        )
    };

    // The organizer's summary computes the per-unit figures of the whole contest.
    let summary = json_get(&app, &org, &format!("{base}/stats")).await;
    assert_eq!(perfect(&summary), 3);
    let days = json_get(&app, &org, &format!("{base}/stats/days")).await;
    assert_eq!(days[3]["perfect_attempts"], 1, "{days}");

    // A regrade turns Bình's perfect attempt of round 2 into one with nothing right.
    app.ctx
        .db
        .execute_unprepared(
            "UPDATE attempts SET correct = 0, score = 0, perfect = FALSE \
             WHERE duration_ms = 120000",
        )
        .await
        .unwrap();

    // Within the same ten seconds the organizer's figures are those computed before, and
    // `/stats/units`, never asked for yet, comes from the summary's computation.
    app.advance(Duration::milliseconds(
        9_999 - app.ctx.now_ms().rem_euclid(10_000),
    ));
    assert_eq!(
        perfect(&json_get(&app, &org, &format!("{base}/stats")).await),
        3
    );
    let units = json_get(&app, &org, &format!("{base}/stats/units")).await;
    assert_eq!(p01(&units), (3, json!([0, 0, 1, 0, 3])));
    let days = json_get(&app, &org, &format!("{base}/stats/days")).await;
    assert_eq!(days[3]["perfect_attempts"], 1, "{days}");
    // Another scope has figures of its own: the unit manager's are computed now.
    let own = json_get(&app, &manager, &format!("{base}/stats")).await;
    assert_eq!(
        (perfect(&own), own["score_distribution"].clone()),
        (2, json!([1, 0, 1, 0, 2]))
    );
    let round2 = json_get(&app, &org, &format!("{base}/stats?round=2")).await;
    assert_eq!(perfect(&round2), 0);

    // The next ten seconds compute them again.
    app.advance(Duration::milliseconds(1));
    let summary = json_get(&app, &org, &format!("{base}/stats")).await;
    assert_eq!(
        (perfect(&summary), summary["score_distribution"].clone()),
        (2, json!([2, 1, 1, 1, 2]))
    );
    let units = json_get(&app, &org, &format!("{base}/stats/units")).await;
    assert_eq!(p01(&units), (2, json!([1, 0, 1, 0, 2])));
    let days = json_get(&app, &org, &format!("{base}/stats/days")).await;
    assert_eq!(
        (
            days[3]["perfect_attempts"].clone(),
            days[3]["score_distribution"].clone()
        ),
        (json!(0), json!([1, 0, 0, 0, 0])),
        "{days}"
    );
}

#[tokio::test]
async fn finish_times_no_calendar_has_are_left_out_of_the_days_only() {
    let app = TestApp::empty().await;
    let org = dataset(&app).await;
    let base = format!("/api/v1/admin/contests/{SLUG}");
    // Corrupt rows: Em's attempt finished near the end of time, Bình's second before its
    // beginning (adding a zone's offset would overflow a bigint; no date has such a day).
    for (at, duration) in [(i64::MAX - 1_000, 50_000), (i64::MIN + 1_000, 120_000)] {
        app.ctx
            .db
            .execute_unprepared(&format!(
                "UPDATE attempts SET submitted_at = {at} WHERE duration_ms = {duration}"
            ))
            .await
            .unwrap();
    }
    // The 25th as before; the 26th without Em; nothing after it.
    let days = json!([
        day(
            "2026-11-25",
            [4, 4, 4, 4, 1],
            (1, Some(2.5), Some(200), 3, [0, 1, 1, 1, 1])
        ),
        day(
            "2026-11-26",
            [0, 1, 4, 1, 1],
            (1, Some(4.0), Some(300), 1, [0, 0, 0, 0, 1])
        ),
    ]);
    check_breakdown(
        &app,
        &org,
        &format!("{base}/stats/days"),
        &days,
        day_table,
        10,
        "Theo ngày",
    )
    .await;
    // Every other figure still counts them.
    let summary = json_get(&app, &org, &format!("{base}/stats")).await;
    assert_eq!(
        (summary["attempts"].clone(), summary["participants"].clone()),
        (json!(7), json!(5))
    );
    let report = app
        .raw_get(&org, &format!("{base}/stats/report.xlsx"))
        .await;
    assert_eq!(report.status, 200);
    let report = report.body;
    assert_table_xlsx(&sheets(&report)[3].1, 10, &day_table(&days), "Theo ngày");
    // The same rows on another round's days: none with a date there.
    let round2 = json_get(&app, &org, &format!("{base}/stats/days?round=2")).await;
    assert_eq!(round2, json!([]));

    // Numbers correct outside 0..=4: more right than questions widens every distribution,
    // a negative number is in none (Cường's 6, Bình's -1 on the 25th).
    for (correct, duration) in [(6, 600_000), (-1, 250_000)] {
        app.ctx
            .db
            .execute_unprepared(&format!(
                "UPDATE attempts SET correct = {correct} WHERE duration_ms = {duration}"
            ))
            .await
            .unwrap();
    }
    app.advance(Duration::seconds(10));
    let summary = json_get(&app, &org, &format!("{base}/stats")).await;
    assert_eq!(summary["score_distribution"], json!([1, 0, 0, 1, 3, 0, 1]));
    let units = json_get(&app, &org, &format!("{base}/stats/units")).await;
    let dists: Vec<Value> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["score_distribution"].clone())
        .collect();
    assert_eq!(
        dists,
        [
            json!([0, 0, 0, 0, 3, 0, 0]),
            json!([0, 0, 0, 1, 0, 0, 0]),
            json!([0, 0, 0, 0, 0, 0, 1]),
            json!([1, 0, 0, 0, 0, 0, 0]),
        ]
    );
    let days = json_get(&app, &org, &format!("{base}/stats/days")).await;
    assert_eq!(days[0]["score_distribution"], json!([0, 0, 0, 1, 1, 0, 1]));
    let categories = json_get(&app, &org, &format!("{base}/stats/categories")).await;
    assert_eq!(
        categories[1]["score_distribution"],
        json!([0, 0, 0, 0, 1, 0, 1]),
        "official: Bình's 4 of round 2 and Cường's 6; Bình's -1 in none: {categories}"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_statistics_endpoint() {
    let app = TestApp::empty().await;
    let doc = app.get("/api/openapi.json").await.body;
    for path in [
        "/api/v1/admin/contests/{slug}/stats",
        "/api/v1/admin/contests/{slug}/stats/units",
        "/api/v1/admin/contests/{slug}/stats/categories",
        "/api/v1/admin/contests/{slug}/stats/days",
        "/api/v1/admin/contests/{slug}/stats/report.xlsx",
        "/api/v1/admin/contests/{slug}/participants/export",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    let summary = &doc["components"]["schemas"]["StatsSummary"]["properties"];
    for field in [
        "mean_score",
        "median_duration_ms",
        "duration_distribution",
        "in_progress",
    ] {
        assert!(summary[field].is_object(), "StatsSummary.{field}");
    }
    for (schema, fields) in [
        (
            "UnitStats",
            &["median_duration_ms", "score_distribution"][..],
        ),
        (
            "CategoryStats",
            &["units_participating", "score_distribution"][..],
        ),
        (
            "DayStats",
            &[
                "perfect_participants",
                "mean_score",
                "median_duration_ms",
                "units_participating",
                "score_distribution",
            ][..],
        ),
    ] {
        for field in fields {
            let property = &doc["components"]["schemas"][schema]["properties"][field];
            assert!(property.is_object(), "{schema}.{field}");
        }
    }
    // The figures' age is documented with each endpoint.
    for path in ["stats", "stats/units", "stats/categories", "stats/days"] {
        let description = doc["paths"][format!("/api/v1/admin/contests/{{slug}}/{path}")]["get"]
            ["description"]
            .as_str()
            .unwrap_or_default();
        assert!(description.contains("10 s"), "{path}: {description:?}");
    }
}
