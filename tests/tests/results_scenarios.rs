//! Hand-made result scenarios through the API (spec/contest-rules.md "Ranking", "Prize
//! allocation", "Collective prizes", "Finalizing and publishing"): small contests, one rule at
//! a time, each with its exact expected winners. They run on SQLite, and on PostgreSQL + Redis
//! when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set.
//!
//! Every contest here draws all six questions of the test bank ([`bank_csv`]: in question `i`
//! the right option is "Đúng i", the wrong ones "Sai ia" and "Sai ib"), so "k right answers"
//! means exactly questions 1..=k right and the others answered "Sai ia": the same in every
//! attempt, which a regrade of one question can then move predictably.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::cell::Cell;
use std::collections::HashMap;

use chrono::Duration;
use cuocthi_store::staff::Role;
use cuocthi_store::tokens::sha256_hex;
use cuocthi_tests::{bank_csv, registration, Reply, Staff, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const SEED: &str = "bốc thăm công khai: đợt 1";

/// Five units in two blocks: headcounts 4, 10, none, 2 and 20.
const UNITS: &str = "Mã đơn vị;Tên đơn vị;Khối;Số người\n\
X1;Phường Một;Khối xã, phường;4\n\
X2;Phường Hai;Khối xã, phường;10\n\
X3;Xã Ba;Khối xã, phường;\n\
C1;Phòng Nội vụ;Khối chính quyền;2\n\
C2;Phòng Tư pháp;Khối chính quyền;20\n";

const XA: &str = "Khối xã, phường";
const CQ: &str = "Khối chính quyền";

// ----- the contest body -----

/// An individual tier `{tier, name, count}`.
fn tier(code: &str, count: u32) -> Value {
    let name = match code {
        "first" => "Giải Nhất",
        "second" => "Giải Nhì",
        "third" => "Giải Ba",
        "consolation" => "Giải Khuyến khích",
        _ => "Giải may mắn",
    };
    json!({"tier": code, "name": name, "count": count})
}

/// A contest body: the whole six-question bank per attempt, 10 minutes, 15 s grace, 3 attempts,
/// a prediction of the perfect attempts, the default tie-break keys, prizes first, second and
/// third ×1 and no collective prize; then `overrides`, merged in (objects key by key, anything
/// else replaced).
fn contest(slug: &str, overrides: Value) -> Value {
    let mut body = json!({
        "slug": slug,
        "title": "Tìm hiểu về cải cách hành chính",
        "rules_md": "# Thể lệ",
        "opens_at": "2026-11-25T01:00:00Z",
        "closes_at": "2026-12-25T00:00:00Z",
        "questions_per_attempt": 6,
        "time_limit_secs": 600,
        "max_attempts": 3,
        "grace_secs": 15,
        "topic_quotas": [],
        "prediction": {"question": "Bao nhiêu lượt thi đúng hết?", "target": "perfect_attempts"},
        "reveal": "after_submit",
        "prizes": {
            "individual": [tier("first", 1), tier("second", 1), tier("third", 1)],
            "pools": "all",
            "exclude_previous_winners": false,
            "collective": null
        }
    });
    merge(&mut body, overrides);
    body
}

fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

// ----- a contest, its people and their attempts -----

/// A registered person.
struct Person {
    id: String,
    token: String,
}

/// An attempt started and answered, not yet submitted.
struct Open {
    id: String,
    token: String,
    right: usize,
}

/// A contest set up through the API, with the helpers its scenario needs.
struct Contest<'a> {
    app: &'a TestApp,
    org: &'a Staff,
    slug: String,
    units: HashMap<String, String>,
    phones: Cell<u32>,
}

impl<'a> Contest<'a> {
    /// Creates the contest from `body`, then imports [`UNITS`] and the test bank.
    async fn new(app: &'a TestApp, org: &'a Staff, body: Value) -> Self {
        let slug = body["slug"].as_str().expect("slug").to_owned();
        let created = app
            .staff_call(org, Method::POST, "/api/v1/admin/contests", Some(body))
            .await;
        assert_eq!(created.status, 201, "{created:?}");
        let admin = format!("/api/v1/admin/contests/{slug}");
        let units = app
            .staff_upload(
                org,
                &format!("{admin}/units/import"),
                UNITS.as_bytes().to_vec(),
                "text/csv",
            )
            .await;
        assert_eq!(units.status, 200, "{units:?}");
        let bank = app
            .staff_upload(
                org,
                &format!("{admin}/questions/import"),
                bank_csv().into_bytes(),
                "text/csv",
            )
            .await;
        assert_eq!(bank.status, 200, "{bank:?}");
        let listed = app.get(&format!("/api/v1/contests/{slug}/units")).await;
        let units = listed
            .body
            .as_array()
            .expect("units")
            .iter()
            .map(|u| {
                (
                    u["code"].as_str().expect("code").to_owned(),
                    u["id"].as_str().expect("id").to_owned(),
                )
            })
            .collect();
        Self {
            app,
            org,
            slug,
            units,
            phones: Cell::new(0),
        }
    }

    fn admin(&self, rest: &str) -> String {
        format!("/api/v1/admin/contests/{}/{rest}", self.slug)
    }

    /// Registers `name` in unit `unit` (and `category`), with a fresh phone.
    async fn register(&self, name: &str, unit: &str, category: Option<&str>) -> Person {
        self.phones.set(self.phones.get() + 1);
        let phone = format!("0987{:06}", self.phones.get());
        let body = registration(name, &phone, &self.units[unit], category);
        let registered = self.app.register_ok(&self.slug, body).await;
        Person {
            id: registered["participant_id"]
                .as_str()
                .expect("id")
                .to_owned(),
            token: registered["token"].as_str().expect("token").to_owned(),
        }
    }

    /// Starts an attempt and answers questions 1..=`right` right, the others "Sai ia".
    async fn begin(&self, person: &Person, right: usize) -> Open {
        let (id, questions) = self.app.start_attempt(&self.slug, &person.token).await;
        self.app
            .answer_with(&id, &person.token, &questions, |_, question, option| {
                let number: usize = question
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .expect("question number");
                if number <= right {
                    option == format!("Đúng {number}")
                } else {
                    option == format!("Sai {number}a")
                }
            })
            .await;
        Open {
            id,
            token: person.token.clone(),
            right,
        }
    }

    /// Submits (with `prediction` if any) and returns the result.
    async fn submit(&self, open: &Open, prediction: Option<i64>) -> Value {
        let submitted = self.app.submit_ok(&open.id, &open.token, prediction).await;
        assert_eq!(submitted["correct"], json!(open.right), "{submitted}");
        submitted
    }

    /// Takes an attempt: `right` right answers, submitted `seconds` after starting with
    /// `prediction`. Returns the attempt id.
    async fn take(
        &self,
        person: &Person,
        right: usize,
        seconds: i64,
        prediction: Option<i64>,
    ) -> String {
        let open = self.begin(person, right).await;
        self.app.advance(Duration::seconds(seconds));
        let result = self.submit(&open, prediction).await;
        assert_eq!(result["status"], "submitted", "{result}");
        assert_eq!(result["duration_ms"], seconds * 1000, "{result}");
        open.id
    }

    /// Closes round `n` now.
    async fn close(&self, n: i32) {
        let closed = self
            .app
            .staff_call(
                self.org,
                Method::POST,
                &self.admin(&format!("rounds/{n}/close")),
                None,
            )
            .await;
        assert_eq!(closed.status, 200, "{closed:?}");
    }

    /// Finalizes round `n` with `seed`.
    async fn finalize(&self, n: i32, seed: &str) -> Reply {
        self.app
            .staff_call(
                self.org,
                Method::POST,
                &self.admin(&format!("rounds/{n}/finalize")),
                Some(json!({ "draw_seed": seed })),
            )
            .await
    }

    /// Closes round 1 and finalizes it with [`SEED`]: the result.
    async fn finalized(&self) -> Value {
        self.close(1).await;
        let result = self.finalize(1, SEED).await;
        assert_eq!(result.status, 200, "{result:?}");
        result.body
    }

    /// The canonical export of a result version, as text.
    async fn export(&self, n: i32, version: i64) -> String {
        let path = self.admin(&format!("rounds/{n}/results/{version}/export.csv"));
        let export = self.app.raw_get(self.org, &path).await;
        assert_eq!(export.status, 200, "{path}");
        export.text()
    }

    /// Marks a participant ineligible for prizes through the staff API.
    async fn mark_ineligible(&self, person: &Person) {
        let marked = self
            .app
            .staff_call(
                self.org,
                Method::PATCH,
                &self.admin(&format!("participants/{}", person.id)),
                Some(json!({"eligible": false, "ineligible_reason": "cán bộ Ban Tổ chức"})),
            )
            .await;
        assert_eq!(marked.status, 200, "{marked:?}");
        assert_eq!(marked.body["eligible"], false, "{marked:?}");
    }
}

// ----- reading a result -----

/// The prizes of a result as `(rank, name, tier, decided_by)`, `-` for no `decided_by`.
fn winners(result: &Value) -> Vec<(i64, &str, &str, &str)> {
    result["prizes"]
        .as_array()
        .expect("prizes")
        .iter()
        .map(|p| {
            (
                p["rank"].as_i64().expect("rank"),
                p["name"].as_str().expect("name"),
                p["tier"].as_str().expect("tier"),
                p["decided_by"].as_str().unwrap_or("-"),
            )
        })
        .collect()
}

/// The prize of the person named `name`.
fn prize_of<'r>(result: &'r Value, name: &str) -> &'r Value {
    result["prizes"]
        .as_array()
        .expect("prizes")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} has no prize in {result}"))
}

/// The winning units of a result as `(rank, unit_code, block, participants,
/// participation_rate)`.
fn units_won(result: &Value) -> Vec<(i64, &str, &str, i64, Option<f64>)> {
    result["collective"]
        .as_array()
        .expect("collective")
        .iter()
        .map(|u| {
            (
                u["rank"].as_i64().expect("rank"),
                u["unit_code"].as_str().expect("code"),
                u["block"].as_str().expect("block"),
                u["participants"].as_i64().expect("participants"),
                u["participation_rate"].as_f64(),
            )
        })
        .collect()
}

/// The ranked rows of a canonical export as `(rank, attempt_id)`, in file order.
fn ranked_rows(csv: &str) -> Vec<(i64, String)> {
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let rank = cells[0].parse().ok()?;
            Some((rank, cells[2].to_owned()))
        })
        .collect()
}

/// The draw key of an attempt, computed here from the rules page: lowercase hex of
/// `sha256(utf8(seed) ‖ utf8(attempt_id))`.
fn draw_key(seed: &str, attempt_id: &str) -> String {
    sha256_hex(format!("{seed}{attempt_id}").as_bytes())
}

/// The lottery key of a participant for a tier, computed here from the rules page.
fn lottery_key(seed: &str, tier: &str, participant_id: &str) -> String {
    sha256_hex(format!("{seed}lottery:{tier}:{participant_id}").as_bytes())
}

// ----- individual ranking -----

#[tokio::test]
async fn each_tie_break_key_decides_in_turn_and_a_missing_prediction_ranks_last() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(
        &app,
        &org,
        contest(
            "keys",
            json!({"prizes": {"individual": [tier("first", 1), tier("second", 1), tier("third", 1), tier("consolation", 4)]}}),
        ),
    )
    .await;
    let an = c.register("Trần An", "X1", None).await;
    let binh = c.register("Lê Bình", "X1", None).await;
    let cuong = c.register("Phạm Cường", "X2", None).await;
    let dung = c.register("Hoàng Dung", "X2", None).await;
    let em = c.register("Vũ Em", "C1", None).await;
    let giang = c.register("Đỗ Giang", "C2", None).await;
    let huy = c.register("Bùi Huy", "C2", None).await;

    // Four perfect attempts: the actual value is 4.
    c.take(&an, 6, 100, Some(4)).await; // exact prediction, slowest
    c.take(&binh, 6, 50, Some(5)).await; // off by 1
    c.take(&cuong, 6, 70, Some(3)).await; // off by 1, slower than Bình
    c.take(&dung, 6, 70, Some(5)).await; // as Cường, submitted later
    c.take(&em, 5, 30, Some(1004)).await; // off by 1000, but a prediction

    // Giang's attempt expires; Huy's page submits at zero, within the grace, without one.
    let giang_open = c.begin(&giang, 5).await;
    let huy_open = c.begin(&huy, 4).await;
    app.advance(Duration::seconds(605));
    let auto = c.submit(&huy_open, None).await;
    assert_eq!(auto["status"], "submitted", "{auto}");
    assert_eq!(auto["duration_ms"], 600_000, "{auto}");
    app.advance(Duration::seconds(11));
    let expired = c.submit(&giang_open, Some(4)).await;
    assert_eq!(expired["status"], "expired", "{expired}");
    assert_eq!(expired["duration_ms"], 600_000, "{expired}");

    let r = c.finalized().await;
    assert_eq!(r["version"], 1);
    assert_eq!(r["actual"], 4);
    assert_eq!(r["seed_committed"], false);
    assert_eq!(
        winners(&r),
        vec![
            (1, "Trần An", "first", "prediction_error"),
            (2, "Lê Bình", "second", "duration_ms"),
            (3, "Phạm Cường", "third", "submitted_at"),
            (4, "Hoàng Dung", "consolation", "score"),
            (5, "Vũ Em", "consolation", "prediction_error"),
            (6, "Đỗ Giang", "consolation", "score"),
            (7, "Bùi Huy", "consolation", "-"),
        ],
        "{r}"
    );
    assert_eq!(r["unawarded"], json!([]), "{r}");
    let an_prize = prize_of(&r, "Trần An");
    assert_eq!(
        (
            an_prize["prediction"].clone(),
            an_prize["prediction_error"].clone()
        ),
        (json!(4), json!(0))
    );
    assert_eq!(prize_of(&r, "Vũ Em")["prediction_error"], 1000);
    for name in ["Đỗ Giang", "Bùi Huy"] {
        let p = prize_of(&r, name);
        assert!(
            p["prediction"].is_null() && p["prediction_error"].is_null(),
            "{p}"
        );
        assert_eq!(p["duration_ms"], 600_000, "{p}");
    }
}

#[tokio::test]
async fn attempts_used_and_registered_at_decide_when_the_rules_list_them() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(
        &app,
        &org,
        contest(
            "used",
            json!({"tie_breaks": ["score", "attempts_used", "registered_at"]}),
        ),
    )
    .await;
    let an = c.register("Trần An", "X1", None).await;
    app.advance(Duration::seconds(1));
    let binh = c.register("Lê Bình", "X1", None).await;
    app.advance(Duration::seconds(1));
    let cuong = c.register("Phạm Cường", "X2", None).await;
    app.advance(Duration::seconds(1));
    let dung = c.register("Hoàng Dung", "X2", None).await;

    // Durations and predictions are not keys here: they must not matter.
    c.take(&an, 3, 5, Some(1)).await;
    c.take(&an, 6, 5, Some(3)).await; // perfect on the second attempt
    c.take(&binh, 6, 100, Some(0)).await;
    c.take(&cuong, 6, 10, Some(3)).await; // faster than Bình, registered later
    c.take(&dung, 2, 1, Some(3)).await;

    let r = c.finalized().await;
    assert_eq!(
        winners(&r),
        vec![
            (1, "Lê Bình", "first", "registered_at"),
            (2, "Phạm Cường", "second", "attempts_used"),
            (3, "Trần An", "third", "score"),
        ],
        "{r}"
    );
}

#[tokio::test]
async fn a_full_tie_across_tier_boundaries_is_settled_by_the_committed_draw() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let commitment = sha256_hex(SEED.as_bytes());
    let c = Contest::new(
        &app,
        &org,
        contest(
            "draw",
            json!({"rounds": [{"number": 1, "opens_at": "2026-11-25T01:00:00Z",
                               "closes_at": "2026-12-25T00:00:00Z", "draw_seed_sha256": commitment}]}),
        ),
    )
    .await;
    let names = [
        "Trần An",
        "Lê Bình",
        "Phạm Cường",
        "Hoàng Dung",
        "Vũ Em",
        "Đỗ Giang",
    ];
    let mut people = Vec::new();
    for name in names {
        people.push(c.register(name, "X1", None).await);
    }
    // Everyone starts at the same instant and submits at the same instant: equal on every key.
    let mut open = Vec::new();
    for person in &people {
        open.push(c.begin(person, 6).await);
    }
    app.advance(Duration::seconds(42));
    for attempt in &open {
        c.submit(attempt, Some(6)).await;
    }

    c.close(1).await;
    let wrong = c.finalize(1, "một hạt giống khác").await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (409, "seed_mismatch"),
        "{wrong:?}"
    );
    let right = c.finalize(1, SEED).await;
    assert_eq!(right.status, 200, "{right:?}");
    let r = right.body;
    assert_eq!(r["seed_committed"], true);
    assert_eq!(r["version"], 1, "the refused call made no version");

    // The draw order, computed here: attempts by sha256(seed ‖ attempt_id) ascending.
    let mut drawn: Vec<(String, &str, &str)> = open
        .iter()
        .zip(names)
        .map(|(o, name)| (draw_key(SEED, &o.id), o.id.as_str(), name))
        .collect();
    drawn.sort();
    let expected: Vec<(i64, &str, &str, &str)> = drawn
        .iter()
        .zip(["first", "second", "third"])
        .enumerate()
        .map(|(i, ((_, _, name), tier))| (i as i64 + 1, *name, tier, "draw"))
        .collect();
    assert_eq!(winners(&r), expected, "{r}");
    // The export ranks every attempt in the same order.
    let csv = c.export(1, 1).await;
    assert_eq!(
        ranked_rows(&csv),
        drawn
            .iter()
            .enumerate()
            .map(|(i, (_, id, _))| (i as i64 + 1, (*id).to_owned()))
            .collect::<Vec<_>>(),
        "{csv}"
    );
    assert_eq!(
        sha256_hex(csv.as_bytes()),
        r["export_sha256"].as_str().unwrap()
    );
}

#[tokio::test]
async fn the_best_attempt_of_each_person_is_ranked_and_nobody_holds_two_prizes() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(&app, &org, contest("best", json!({}))).await;
    let an = c.register("Trần An", "X1", None).await;
    let binh = c.register("Lê Bình", "X1", None).await;
    let cuong = c.register("Phạm Cường", "X2", None).await;

    let an_first = c.take(&an, 4, 10, Some(1)).await;
    let an_best = c.take(&an, 6, 90, Some(1)).await; // the later attempt is better
    let binh_best = c.take(&binh, 5, 20, Some(1)).await; // the earlier attempt is better
    let binh_second = c.take(&binh, 2, 5, Some(1)).await;
    let cuong_only = c.take(&cuong, 3, 30, Some(1)).await;

    let r = c.finalized().await;
    // Were attempts ranked rather than people, An's 4/6 would take the third prize.
    assert_eq!(
        winners(&r),
        vec![
            (1, "Trần An", "first", "score"),
            (2, "Lê Bình", "second", "score"),
            (3, "Phạm Cường", "third", "-"),
        ],
        "{r}"
    );
    assert_eq!(prize_of(&r, "Trần An")["attempt_id"], an_best.as_str());
    assert_eq!(prize_of(&r, "Trần An")["duration_ms"], 90_000);
    assert_eq!(prize_of(&r, "Lê Bình")["attempt_id"], binh_best.as_str());
    // The export: every attempt, ranked on best attempts only, each person's attempts together.
    let csv = c.export(1, 1).await;
    let rows: Vec<(String, String, String)> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[0].into(), cells[2].into(), cells[12].into())
        })
        .collect();
    let row = |rank: &str, id: &str, prize: &str| (rank.to_owned(), id.to_owned(), prize.into());
    assert_eq!(
        rows,
        vec![
            row("1", &an_best, "first"),
            row("", &an_first, ""),
            row("2", &binh_best, "second"),
            row("", &binh_second, ""),
            row("3", &cuong_only, "third"),
        ],
        "{csv}"
    );
}

// ----- prize allocation -----

#[tokio::test]
async fn minimum_scores_and_ineligible_people_leave_places_unawarded() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(
        &app,
        &org,
        contest(
            "minimum",
            json!({"prizes": {"individual": [
                {"tier": "first", "name": "Giải Nhất", "count": 1, "min_score": 6},
                {"tier": "second", "name": "Giải Nhì", "count": 2, "min_score": 5},
                tier("third", 1),
                tier("consolation", 3)
            ]}}),
        ),
    )
    .await;
    let an = c.register("Trần An", "X1", None).await;
    let binh = c.register("Lê Bình", "X1", None).await;
    let cuong = c.register("Phạm Cường", "X2", None).await;
    let dung = c.register("Hoàng Dung", "X2", None).await;
    let em = c.register("Vũ Em", "C1", None).await;
    c.take(&an, 5, 20, Some(1)).await;
    let binh_attempt = c.take(&binh, 6, 10, Some(1)).await; // the only perfect attempt
    c.take(&cuong, 4, 10, Some(1)).await;
    c.take(&dung, 5, 10, Some(1)).await;
    c.take(&em, 3, 10, Some(1)).await;
    // Bình is on the organizing staff: not eligible for prizes.
    c.mark_ineligible(&binh).await;

    let r = c.finalized().await;
    // Bình's attempt still counts for the prediction target.
    assert_eq!(r["actual"], 1);
    // Nobody eligible reached 6: the first prize stays empty; 5 gets the second.
    assert_eq!(
        winners(&r),
        vec![
            (1, "Hoàng Dung", "second", "duration_ms"),
            (2, "Trần An", "second", "score"),
            (3, "Phạm Cường", "third", "score"),
            (4, "Vũ Em", "consolation", "-"),
        ],
        "{r}"
    );
    assert_eq!(
        r["unawarded"],
        json!([
            {"tier": "first", "pool": null, "count": 1},
            {"tier": "consolation", "pool": null, "count": 2}
        ]),
        "{r}"
    );
    // Bình keeps the attempt in the export, unranked, marked ineligible, without a prize.
    let csv = c.export(1, 1).await;
    let line = csv
        .lines()
        .find(|l| l.contains(&binh_attempt))
        .expect("Bình's row");
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!(
        (cells[0], cells[5], cells[6], cells[12]),
        ("", "false", "6", ""),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 5, "{csv}");
}

#[tokio::test]
async fn a_person_below_a_tier_minimum_stays_available_for_the_tiers_below() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    // Prediction first: a lower score can rank first.
    let c = Contest::new(
        &app,
        &org,
        contest(
            "walk",
            json!({
                "tie_breaks": ["prediction_error", "score", "duration_ms"],
                "prizes": {"individual": [
                    {"tier": "first", "name": "Giải Nhất", "count": 1, "min_score": 6},
                    tier("second", 1)
                ]}
            }),
        ),
    )
    .await;
    let an = c.register("Trần An", "X1", None).await;
    let binh = c.register("Lê Bình", "X1", None).await;
    c.take(&an, 4, 10, Some(1)).await; // exact: one perfect attempt
    c.take(&binh, 6, 10, Some(4)).await; // off by 3

    let r = c.finalized().await;
    assert_eq!(r["actual"], 1);
    assert_eq!(
        winners(&r),
        vec![
            (1, "Trần An", "second", "prediction_error"),
            (2, "Lê Bình", "first", "-"),
        ],
        "{r}"
    );
    assert_eq!(r["unawarded"], json!([]), "{r}");
}

#[tokio::test]
async fn without_a_prediction_question_the_key_is_refused_and_ranking_ignores_predictions() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let refused = app
        .staff_call(
            &org,
            Method::POST,
            "/api/v1/admin/contests",
            Some(contest(
                "nopred",
                json!({"prediction": null, "tie_breaks": ["score", "prediction_error", "duration_ms"]}),
            )),
        )
        .await;
    assert_eq!(refused.status, 422, "{refused:?}");
    assert_eq!(
        refused.body["fields"]["tie_breaks"], "prediction_error_without_prediction",
        "{refused:?}"
    );

    // The default keys (which list prediction_error) are fine: the key is skipped.
    let c = Contest::new(&app, &org, contest("nopred", json!({"prediction": null}))).await;
    let an = c.register("Trần An", "X1", None).await;
    let binh = c.register("Lê Bình", "X1", None).await;
    let cuong = c.register("Phạm Cường", "X2", None).await;
    c.take(&an, 6, 50, Some(1)).await; // a prediction sent anyway is not recorded
    c.take(&binh, 6, 40, None).await;
    c.take(&cuong, 5, 10, None).await;

    let r = c.finalized().await;
    assert!(r["actual"].is_null(), "{r}");
    assert_eq!(
        winners(&r),
        vec![
            (1, "Lê Bình", "first", "duration_ms"),
            (2, "Trần An", "second", "score"),
            (3, "Phạm Cường", "third", "-"),
        ],
        "{r}"
    );
    for p in r["prizes"].as_array().unwrap() {
        assert!(
            p["prediction"].is_null() && p["prediction_error"].is_null(),
            "{p}"
        );
    }
}

#[tokio::test]
async fn pools_by_category_give_every_tier_in_each_category() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(
        &app,
        &org,
        contest(
            "pools",
            json!({
                "categories": [
                    {"code": "citizen", "name": "Người dân"},
                    {"code": "civil_servant", "name": "Cán bộ, công chức, viên chức"},
                    {"code": "student", "name": "Học sinh"}
                ],
                "prizes": {"individual": [tier("first", 1), tier("second", 1)], "pools": "by_category"}
            }),
        ),
    )
    .await;
    let an = c.register("Trần An", "X1", Some("citizen")).await;
    let binh = c.register("Lê Bình", "X1", Some("citizen")).await;
    let cuong = c.register("Phạm Cường", "X2", Some("citizen")).await;
    let dung = c.register("Hoàng Dung", "C1", Some("civil_servant")).await;
    let em = c.register("Vũ Em", "C2", Some("civil_servant")).await;
    // One perfect attempt: the actual value is 1.
    c.take(&an, 6, 10, Some(1)).await;
    c.take(&binh, 5, 20, Some(2)).await;
    c.take(&cuong, 5, 30, Some(2)).await;
    c.take(&dung, 5, 20, Some(1)).await; // overall just ahead of Bình (prediction)
    c.take(&em, 4, 10, Some(1)).await;

    let r = c.finalized().await;
    // Overall ranks; decided_by against the next person of the same pool.
    assert_eq!(
        winners(&r),
        vec![
            (1, "Trần An", "first", "score"),
            (2, "Hoàng Dung", "first", "score"),
            (3, "Lê Bình", "second", "duration_ms"),
            (5, "Vũ Em", "second", "-"),
        ],
        "{r}"
    );
    let pools: Vec<(&str, &str)> = r["prizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["pool"].as_str().unwrap(), p["category"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pools,
        vec![
            ("citizen", "citizen"),
            ("civil_servant", "civil_servant"),
            ("citizen", "citizen"),
            ("civil_servant", "civil_servant"),
        ]
    );
    // Nobody of the third category took part: its places stay empty.
    assert_eq!(
        r["unawarded"],
        json!([
            {"tier": "first", "pool": "student", "count": 1},
            {"tier": "second", "pool": "student", "count": 1}
        ]),
        "{r}"
    );
}

#[tokio::test]
async fn winners_of_an_earlier_round_are_skipped_in_later_rounds() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(
        &app,
        &org,
        contest(
            "weekly",
            json!({
                "rounds": [
                    {"number": 1, "opens_at": "2026-11-25T01:00:00Z", "closes_at": "2026-11-25T03:00:00Z"},
                    {"number": 2, "opens_at": "2026-11-25T03:00:00Z", "closes_at": "2026-12-25T00:00:00Z"}
                ],
                "prizes": {"individual": [tier("first", 1), tier("second", 1)], "exclude_previous_winners": true}
            }),
        ),
    )
    .await;
    let an = c.register("Trần An", "X1", None).await;
    let binh = c.register("Lê Bình", "X1", None).await;
    let cuong = c.register("Phạm Cường", "X2", None).await;
    c.take(&an, 6, 10, Some(1)).await;
    c.take(&binh, 5, 10, Some(1)).await;
    c.take(&cuong, 4, 10, Some(1)).await;
    let first_round = c.finalized().await;
    assert_eq!(
        winners(&first_round),
        vec![
            (1, "Trần An", "first", "score"),
            (2, "Lê Bình", "second", "score"),
        ]
    );

    // Round 2 opens at 03:00 UTC (the clock started at 02:00).
    app.advance(Duration::hours(1));
    let dung = c.register("Hoàng Dung", "X2", None).await;
    c.take(&an, 6, 10, Some(1)).await;
    c.take(&binh, 6, 20, Some(1)).await;
    c.take(&cuong, 3, 10, Some(1)).await;
    c.take(&dung, 2, 10, Some(1)).await;
    c.close(2).await;
    let second = c.finalize(2, SEED).await;
    assert_eq!(second.status, 200, "{second:?}");
    let r = second.body;
    assert_eq!(
        (r["round"].clone(), r["version"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(
        winners(&r),
        vec![
            (3, "Phạm Cường", "first", "score"),
            (4, "Hoàng Dung", "second", "-"),
        ],
        "{r}"
    );
}

#[tokio::test]
async fn lottery_tiers_draw_the_lowest_keys_among_those_eligible() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(
        &app,
        &org,
        contest(
            "lucky",
            json!({"prizes": {"individual": [
                tier("first", 1),
                {"tier": "lucky", "name": "Giải may mắn", "count": 3, "kind": "lottery",
                 "eligible": "perfect_without_prize"},
                {"tier": "extra", "name": "Giải khuyến khích may mắn", "count": 2, "kind": "lottery",
                 "eligible": "any_without_prize"}
            ]}}),
        ),
    )
    .await;
    // The fastest perfect attempt wins the ranked prize; six more perfect, one not.
    let an = c.register("Trần An", "X1", None).await;
    c.take(&an, 6, 5, Some(7)).await;
    let names = [
        "Lê Bình",
        "Phạm Cường",
        "Hoàng Dung",
        "Vũ Em",
        "Đỗ Giang",
        "Bùi Hà",
        "Ngô Khoa",
    ];
    let mut people = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let person = c.register(name, "X2", None).await;
        let right = if name == "Ngô Khoa" { 5 } else { 6 };
        c.take(&person, right, 10 + i as i64, Some(7)).await;
        people.push((name, person));
    }

    let r = c.finalized().await;
    // Lucky: the three lowest keys among the perfect people without a prize.
    let mut lucky: Vec<(String, &str)> = people
        .iter()
        .filter(|(name, _)| *name != "Ngô Khoa")
        .map(|(name, p)| (lottery_key(SEED, "lucky", &p.id), *name))
        .collect();
    lucky.sort();
    // Extra: the two lowest keys among everyone else without a prize, Khoa included.
    let mut extra: Vec<(String, &str)> = people
        .iter()
        .filter(|(name, _)| !lucky[..3].iter().any(|(_, n)| n == name))
        .map(|(name, p)| (lottery_key(SEED, "extra", &p.id), *name))
        .collect();
    extra.sort();
    let mut expected: Vec<(&str, &str, &str)> = vec![("Trần An", "first", "duration_ms")];
    expected.extend(lucky[..3].iter().map(|(_, n)| (*n, "lucky", "lottery")));
    expected.extend(extra[..2].iter().map(|(_, n)| (*n, "extra", "lottery")));
    expected.sort();
    let mut got: Vec<(&str, &str, &str)> = winners(&r)
        .into_iter()
        .map(|(_, name, tier, by)| (name, tier, by))
        .collect();
    got.sort();
    assert_eq!(
        got, expected,
        "lucky keys {lucky:?}, extra keys {extra:?}: {r}"
    );
    assert_eq!(r["unawarded"], json!([]), "{r}");
    // Prizes are listed in rank order.
    let ranks: Vec<i64> = winners(&r).iter().map(|w| w.0).collect();
    let mut sorted = ranks.clone();
    sorted.sort_unstable();
    assert_eq!(ranks, sorted);
}

// ----- collective prizes -----

/// Twelve people in the five units, one attempt each (score = right answers):
/// X1 (headcount 4): 4, 4 → rate 0.5, average 4; X2 (10): 3, 3, 3 → 0.3; X3 (none): 5, 2, 2, 2;
/// C1 (2): 2 → 0.5; C2 (20): 6, 1 → 0.1, average 3.5. With tiers first and second ×1, C2's 6
/// wins the first prize and X3's 5 the second.
async fn turn_out(c: &Contest<'_>) {
    let people = [
        ("X1", 4),
        ("X1", 4),
        ("X2", 3),
        ("X2", 3),
        ("X2", 3),
        ("X3", 5),
        ("X3", 2),
        ("X3", 2),
        ("X3", 2),
        ("C1", 2),
        ("C2", 6),
        ("C2", 1),
    ];
    for (i, (unit, right)) in people.into_iter().enumerate() {
        let person = c
            .register(&format!("Người Thứ {}", i + 1), unit, None)
            .await;
        c.take(&person, right, 30, Some(0)).await;
    }
}

/// A contest with tiers first and second ×1 and these collective rules.
async fn collective_contest(app: &TestApp, org: &Staff, slug: &str, rules: Value) -> Value {
    let c = Contest::new(
        app,
        org,
        contest(
            slug,
            json!({"prizes": {"individual": [tier("first", 1), tier("second", 1)], "collective": rules}}),
        ),
    )
    .await;
    turn_out(&c).await;
    c.finalized().await
}

#[tokio::test]
async fn collective_prizes_overall_by_participation_rate_or_by_participants() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;

    let by_rate = collective_contest(
        &app,
        &org,
        "rate",
        json!({"count": 3, "rank_by": "participation_rate", "per_block": false, "min_participants": 1}),
    )
    .await;
    assert_eq!(
        winners(&by_rate),
        vec![
            (1, "Người Thứ 11", "first", "score"),
            (2, "Người Thứ 6", "second", "score"),
        ],
        "{by_rate}"
    );
    // X1 and C1 both at 0.5: more participants first. X3 has no headcount: last.
    assert_eq!(
        units_won(&by_rate),
        vec![
            (1, "X1", XA, 2, Some(0.5)),
            (2, "C1", CQ, 1, Some(0.5)),
            (3, "X2", XA, 3, Some(0.3)),
        ],
        "{by_rate}"
    );
    assert_eq!(by_rate["collective"][0]["unit_name"], "Phường Một");

    let by_people = collective_contest(
        &app,
        &org,
        "people",
        json!({"count": 3, "rank_by": "participants", "per_block": false, "min_participants": 1}),
    )
    .await;
    // X1 and C2 both have 2 people: the higher average best score (4 against 3.5) first.
    assert_eq!(
        units_won(&by_people),
        vec![
            (1, "X3", XA, 4, None),
            (2, "X2", XA, 3, Some(0.3)),
            (3, "X1", XA, 2, Some(0.5)),
        ],
        "{by_people}"
    );
}

#[tokio::test]
async fn collective_minimums_and_rate_bands_by_unit_size() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;

    // At least 2 people and 30 %: C1 is too small, C2 below the rate, X3 without headcount.
    let minimums = collective_contest(
        &app,
        &org,
        "minimums",
        json!({"count": 5, "min_participants": 2, "min_rate": 0.3}),
    )
    .await;
    assert_eq!(
        units_won(&minimums),
        vec![(1, "X1", XA, 2, Some(0.5)), (2, "X2", XA, 3, Some(0.3))],
        "{minimums}"
    );
    assert_eq!(minimums["collective_unawarded"], 3, "{minimums}");

    // Units of up to 4 people need 60 %, larger ones 10 %: X1 and C1 (0.5) fail their band,
    // C2 (0.1) meets its own.
    let bands = collective_contest(
        &app,
        &org,
        "bands",
        json!({"count": 5, "min_participants": 1, "rate_bands": [
            {"max_headcount": 4, "min_rate": 0.6},
            {"max_headcount": null, "min_rate": 0.1}
        ]}),
    )
    .await;
    assert_eq!(
        units_won(&bands),
        vec![(1, "X2", XA, 3, Some(0.3)), (2, "C2", CQ, 2, Some(0.1))],
        "{bands}"
    );
    assert_eq!(bands["collective_unawarded"], 3, "{bands}");
}

#[tokio::test]
async fn collective_prizes_per_block_and_only_for_units_with_an_individual_prize() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;

    // One per block, blocks in code order, ranks restarting at 1.
    let per_block = collective_contest(
        &app,
        &org,
        "blocks",
        json!({"count": 1, "per_block": true, "min_participants": 1}),
    )
    .await;
    assert_eq!(
        units_won(&per_block),
        vec![(1, "C1", CQ, 1, Some(0.5)), (1, "X1", XA, 2, Some(0.5))],
        "{per_block}"
    );

    // Only units holding an individual prize: C2 (first) and X3 (second).
    let with_prize = collective_contest(
        &app,
        &org,
        "prized",
        json!({"count": 1, "per_block": true, "min_participants": 1,
               "require_individual_prize": true}),
    )
    .await;
    let prized_units: Vec<&str> = with_prize["prizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["unit_code"].as_str().unwrap())
        .collect();
    assert_eq!(prized_units, vec!["C2", "X3"], "{with_prize}");
    assert_eq!(
        units_won(&with_prize),
        vec![(1, "C2", CQ, 2, Some(0.1)), (1, "X3", XA, 4, None)],
        "{with_prize}"
    );
    assert_eq!(with_prize["collective_unawarded"], 0, "{with_prize}");
}

// ----- finalizing again -----

#[tokio::test]
async fn a_regrade_then_finalizing_again_makes_version_2_and_keeps_version_1() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let c = Contest::new(&app, &org, contest("regrade", json!({}))).await;
    let an = c.register("Trần An", "X1", None).await;
    let binh = c.register("Lê Bình", "X1", None).await;
    let cuong = c.register("Phạm Cường", "X2", None).await;
    c.take(&an, 6, 10, Some(1)).await; // questions 1–6 right
    c.take(&binh, 5, 20, Some(1)).await; // 1–5 right, "Sai 6a" on question 6
    c.take(&cuong, 4, 30, Some(1)).await; // 1–4 right, "Sai 5a", "Sai 6a"

    let v1 = c.finalized().await;
    assert_eq!(v1["version"], 1);
    assert_eq!(
        winners(&v1),
        vec![
            (1, "Trần An", "first", "score"),
            (2, "Lê Bình", "second", "score"),
            (3, "Phạm Cường", "third", "-"),
        ],
        "{v1}"
    );
    let v1_sha = v1["export_sha256"].as_str().unwrap().to_owned();
    let v1_csv = c.export(1, 1).await;
    assert_eq!(sha256_hex(v1_csv.as_bytes()), v1_sha);
    let published = app
        .staff_call(&org, Method::POST, &c.admin("rounds/1/publish"), None)
        .await;
    assert_eq!(published.status, 200, "{published:?}");

    // Question 6's key was wrong: "Sai 6a" (A) is right. An 6 → 5, Bình 5 → 6, Cường 4 → 5.
    let found = app
        .staff_call(
            &org,
            Method::GET,
            &c.admin("questions?q=cau hoi so 6"),
            None,
        )
        .await;
    let question = found.body[0]["id"].as_str().expect("question 6").to_owned();
    let regraded = app
        .staff_call(
            &org,
            Method::POST,
            &c.admin(&format!("questions/{question}/regrade")),
            Some(json!({"key": ["A"]})),
        )
        .await;
    assert_eq!(regraded.status, 200, "{regraded:?}");
    assert_eq!(
        regraded.body["rounds_to_refinalize"],
        json!([1]),
        "{regraded:?}"
    );

    let again = c.finalize(1, SEED).await;
    assert_eq!(again.status, 200, "{again:?}");
    let v2 = again.body;
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["actual"], 1);
    assert_eq!(
        winners(&v2),
        vec![
            (1, "Lê Bình", "first", "score"),
            (2, "Trần An", "second", "duration_ms"),
            (3, "Phạm Cường", "third", "-"),
        ],
        "{v2}"
    );
    assert_ne!(v2["export_sha256"], v1_sha.as_str());

    // Version 1 is kept as it was: listed with its hash, its export byte for byte, and still
    // the public one until version 2 is published.
    let versions = app
        .staff_call(&org, Method::GET, &c.admin("rounds/1/results"), None)
        .await;
    assert_eq!(versions.status, 200, "{versions:?}");
    let listed: Vec<(i64, &str, bool, bool)> = versions
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["export_sha256"].as_str().unwrap(),
                v["needs_refinalize"].as_bool().unwrap(),
                v["published_at"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (1, v1_sha.as_str(), true, true),
            (2, v2["export_sha256"].as_str().unwrap(), false, false),
        ]
    );
    assert_eq!(c.export(1, 1).await, v1_csv);
    let v2_csv = c.export(1, 2).await;
    assert_eq!(
        sha256_hex(v2_csv.as_bytes()),
        v2["export_sha256"].as_str().unwrap()
    );
    let public = app.get("/api/v1/contests/regrade/winners").await;
    assert_eq!(public.status, 200, "{public:?}");
    assert_eq!(public.body[0]["version"], 1);
    assert_eq!(public.body[0]["prizes"][0]["name"], "Trần An");
}
