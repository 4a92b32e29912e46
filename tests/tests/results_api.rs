//! Results through the contract: finalize (round still open, seed commitment, versions), the
//! canonical export and its hash, publication and the public winners page.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use chrono::Duration;
use cuocthi_store::staff::Role;
use cuocthi_store::tokens::sha256_hex;
use cuocthi_tests::{Staff, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const SEED: &str = "bốc thăm đợt 1: 2026-11-25";

fn contest_body(slug: &str, commitment: Option<String>) -> Value {
    json!({
        "slug": slug,
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
        "rounds": [{"number": 1, "opens_at": "2026-11-25T01:00:00Z", "closes_at": "2026-12-25T00:00:00Z",
                    "draw_seed_sha256": commitment}],
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

async fn set_up(app: &TestApp, org: &Staff, slug: &str, commitment: Option<String>) {
    app.set_up_contest(org, contest_body(slug, commitment))
        .await;
}

#[tokio::test]
async fn finalize_rank_publish_and_show_the_winners() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "cchc";
    set_up(&app, &org, slug, Some(sha256_hex(SEED.as_bytes()))).await;
    let finalize = format!("/api/v1/admin/contests/{slug}/rounds/1/finalize");
    let publish = format!("/api/v1/admin/contests/{slug}/rounds/1/publish");
    let winners = format!("/api/v1/contests/{slug}/winners");

    // Actual value (perfect attempts): 2.
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "CQ1")
        .await;
    let cuong = app
        .register_person(slug, "Phạm Văn Cường", "0987000003", "P01")
        .await;
    let dung = app
        .register_person(slug, "Hoàng Thị Dung", "0987000004", "P01")
        .await;
    let em = app
        .register_person(slug, "Vũ Văn Em", "0987000005", "P02")
        .await;
    let (an_attempt, _) = app.take_attempt(slug, &an, 4, 10, Some(2)).await;
    app.take_attempt(slug, &binh, 4, 60, Some(2)).await;
    app.take_attempt(slug, &cuong, 3, 5, Some(7)).await; // fast, prediction 5 off
    app.take_attempt(slug, &dung, 3, 90, Some(2)).await; // slow, exact prediction
                                                         // Em starts and leaves the attempt open.
    let open = app.start(slug, &em).await;
    assert_eq!(open.status, 201, "{open:?}");
    let em_attempt = open.body["attempt_id"].as_str().expect("id").to_owned();

    // Nothing to publish, nothing published; the round is open.
    let early = app.staff_call(&org, Method::POST, &publish, None).await;
    assert_eq!(
        (early.status.as_u16(), early.code()),
        (409, "not_finalized")
    );
    let none = app.get(&winners).await;
    assert_eq!((none.status.as_u16(), none.code()), (404, "not_published"));
    let body = Some(json!({"draw_seed": SEED}));
    let open_round = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(
        (open_round.status.as_u16(), open_round.code()),
        (409, "round_open"),
        "{open_round:?}"
    );

    // Closed, but Em's attempt may still change until close + grace.
    let closed = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/close"),
            None,
        )
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    let in_grace = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(
        (in_grace.status.as_u16(), in_grace.code()),
        (409, "round_open"),
        "{in_grace:?}"
    );
    app.advance(Duration::seconds(16));
    // Em's page submits late: the attempt closes as expired, without a prediction.
    let late = app.submit(&em_attempt, &em, json!({})).await;
    assert_eq!(late.status, 200, "{late:?}");
    assert_eq!(late.body["status"], "expired", "{late:?}");

    // Seeds: validated, and held to the commitment.
    for bad in [
        json!({}),
        json!({"draw_seed": ""}),
        json!({"draw_seed": "x".repeat(201)}),
    ] {
        let reply = app
            .staff_call(&org, Method::POST, &finalize, Some(bad.clone()))
            .await;
        assert_eq!(reply.status, 422, "{bad} -> {reply:?}");
        assert!(reply.body["fields"]["draw_seed"].is_string(), "{reply:?}");
    }
    let wrong = app
        .staff_call(
            &org,
            Method::POST,
            &finalize,
            Some(json!({"draw_seed": "another seed"})),
        )
        .await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (409, "seed_mismatch"),
        "{wrong:?}"
    );

    // Finalize.
    let first = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    let r = &first.body;
    assert_eq!(r["version"], 1);
    assert_eq!(r["round"], 1);
    assert_eq!(r["actual"], 2);
    assert_eq!(r["seed_committed"], true);
    let prizes = r["prizes"].as_array().expect("prizes");
    let seen: Vec<(&str, &str, i64, &str)> = prizes
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default(),
                p["tier"].as_str().unwrap_or_default(),
                p["rank"].as_i64().unwrap_or_default(),
                p["decided_by"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("Trần Thị An", "first", 1, "duration_ms"),
            ("Lê Văn Bình", "second", 2, "score"),
            ("Hoàng Thị Dung", "third", 3, "prediction_error"),
            ("Phạm Văn Cường", "consolation", 4, "score"),
            ("Vũ Văn Em", "consolation", 5, "-"),
        ],
        "{r}"
    );
    let top = &prizes[0];
    assert_eq!(top["attempt_id"], an_attempt.as_str());
    assert_eq!(top["unit_code"], "CQ1");
    assert_eq!(top["score"], 4);
    assert_eq!(top["correct"], 4);
    assert_eq!(top["prediction"], 2);
    assert_eq!(top["prediction_error"], 0);
    assert_eq!(top["duration_ms"], 10_000);
    assert!(top["participant_id"].is_string() && top["submitted_at"].is_string());
    assert!(prizes[4]["prediction"].is_null());
    assert_eq!(
        r["unawarded"],
        json!([{"tier": "consolation", "pool": null, "count": 1}])
    );
    let units: Vec<&str> = r["collective"]
        .as_array()
        .expect("collective")
        .iter()
        .map(|u| u["unit_code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(units, vec!["CQ1"], "{r}");
    assert_eq!(r["collective"][0]["participants"], 2);
    assert_eq!(r["collective"][0]["rank"], 1);
    assert_eq!(r["collective"][0]["unit_name"], "Phòng Nội vụ");
    assert!(
        (r["collective"][0]["participation_rate"]
            .as_f64()
            .expect("rate")
            - 0.08)
            .abs()
            < 1e-12
    );
    let sha1 = r["export_sha256"].as_str().expect("sha").to_owned();

    // Again: a new version, the old kept, the same winners.
    let second = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(second.body["version"], 2);
    assert_eq!(second.body["export_sha256"], sha1.as_str());
    assert_eq!(second.body["prizes"], first.body["prizes"]);
    let versions = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/results"),
            None,
        )
        .await;
    assert_eq!(versions.status, 200, "{versions:?}");
    let listed: Vec<i64> = versions
        .body
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(listed, vec![1, 2]);
    assert!(versions.body[0]["published_at"].is_null());
    assert_eq!(versions.body[0]["created_by"], "org1");
    assert_eq!(versions.body[1]["needs_refinalize"], false);

    // The canonical export: its hash is the result's.
    let export = app
        .raw_get(
            &org,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/results/2/export.csv"),
        )
        .await;
    let (status, content_type, csv) = (export.status, &export.content_type, export.text());
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(!csv.starts_with('\u{feff}'));
    assert!(csv.starts_with("rank,participant_ref,attempt_id,"), "{csv}");
    assert_eq!(sha256_hex(csv.as_bytes()), sha1);
    assert_eq!(csv.lines().count(), 1 + 5, "{csv}");
    assert!(!csv.contains("0987000001") && !csv.contains("Trần"));
    let missing = app
        .raw_get(
            &org,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/results/9/export.csv"),
        )
        .await;
    assert_eq!(missing.status, 404);

    // Still nothing public until published.
    let none = app.get(&winners).await;
    assert_eq!((none.status.as_u16(), none.code()), (404, "not_published"));
    let published = app.staff_call(&org, Method::POST, &publish, None).await;
    assert_eq!(published.status, 200, "{published:?}");
    assert_eq!(published.body["round"], 1);
    assert_eq!(published.body["version"], 2);
    assert!(published.body["published_at"].is_string());

    let public = app.get(&winners).await;
    assert_eq!(public.status, 200, "{public:?}");
    let rounds = public.body.as_array().expect("list");
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0]["round"], 1);
    assert_eq!(rounds[0]["version"], 2);
    assert_eq!(rounds[0]["seed_committed"], true);
    let names: Vec<&str> = rounds[0]["prizes"]
        .as_array()
        .expect("prizes")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        vec![
            "Trần Thị An",
            "Lê Văn Bình",
            "Hoàng Thị Dung",
            "Phạm Văn Cường",
            "Vũ Văn Em"
        ]
    );
    let p = &rounds[0]["prizes"][0];
    assert_eq!(p["tier"], "first");
    assert_eq!(p["tier_name"], "Giải Nhất");
    assert_eq!(p["rank"], 1);
    assert_eq!(p["unit_code"], "CQ1");
    assert_eq!(p["unit_name"], "Phòng Nội vụ");
    assert_eq!(p["score"], 4);
    assert_eq!(p["duration_ms"], 10_000);
    assert_eq!(rounds[0]["collective"][0]["unit_code"], "CQ1");
    let text = public.body.to_string();
    for secret in [
        "0987000001",
        "phone",
        "national_id",
        "participant_id",
        "draw_seed",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // Finalizing again leaves the published version public until the next publication.
    let third = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(third.body["version"], 3);
    assert_eq!(app.get(&winners).await.body[0]["version"], 2);
}

#[tokio::test]
async fn a_round_without_commitment_says_so_and_unknown_rounds_are_404() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "nocommit";
    set_up(&app, &org, slug, None).await;
    let token = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    app.take_attempt(slug, &token, 2, 30, Some(0)).await;
    let closed = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/close"),
            None,
        )
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    // Every attempt has ended: no need to wait for the grace.
    let done = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/finalize"),
            Some(json!({"draw_seed": "any seed"})),
        )
        .await;
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(done.body["seed_committed"], false);
    assert_eq!(done.body["actual"], 0);
    assert_eq!(done.body["prizes"].as_array().map(Vec::len), Some(1));
    assert_eq!(done.body["prizes"][0]["decided_by"], Value::Null);
    assert_eq!(
        done.body["unawarded"],
        json!([
            {"tier": "second", "pool": null, "count": 1},
            {"tier": "third", "pool": null, "count": 1},
            {"tier": "consolation", "pool": null, "count": 3}
        ])
    );
    let unknown = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/7/finalize"),
            Some(json!({"draw_seed": "any seed"})),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(app.get("/api/v1/contests/nope/winners").await.status, 404);
    let doc = app.get("/api/openapi.json").await.body;
    for path in [
        "/api/v1/admin/contests/{slug}/rounds/{n}/finalize",
        "/api/v1/admin/contests/{slug}/rounds/{n}/publish",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/export.csv",
        "/api/v1/contests/{slug}/winners",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }

    // Unit managers and the public cannot finalize or read versions.
    let manager = app.staff("mgr", Role::UnitManager, Some("CQ1")).await;
    let refused = app
        .staff_call(
            &manager,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/finalize"),
            Some(json!({"draw_seed": "any seed"})),
        )
        .await;
    assert_eq!(refused.status, 403);
    let listing = app
        .staff_call(
            &manager,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/results"),
            None,
        )
        .await;
    assert_eq!(listing.status, 403);
    let anonymous = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/publish"),
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn a_regrade_after_finalizing_flags_the_result_and_finalizing_again_makes_a_new_version() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "rf";
    set_up(&app, &org, slug, None).await;
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "CQ1")
        .await;
    app.take_attempt(slug, &an, 4, 10, Some(2)).await;
    app.take_attempt(slug, &binh, 3, 10, Some(2)).await;
    app.staff_call(
        &org,
        Method::POST,
        &format!("/api/v1/admin/contests/{slug}/rounds/1/close"),
        None,
    )
    .await;
    app.advance(Duration::seconds(60));
    let finalize = format!("/api/v1/admin/contests/{slug}/rounds/1/finalize");
    let first = app
        .staff_call(
            &org,
            Method::POST,
            &finalize,
            Some(json!({"draw_seed": "hạt giống"})),
        )
        .await;
    assert_eq!(first.status, 200, "{first:?}");

    // Every question's key becomes a wrong option: the scores change.
    let questions = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/questions"),
            None,
        )
        .await;
    let qid = questions.body[0]["id"].as_str().expect("id").to_owned();
    let regraded = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/questions/{qid}/regrade"),
            Some(json!({"key": ["A"]})),
        )
        .await;
    assert_eq!(regraded.status, 200, "{regraded:?}");
    assert_eq!(
        regraded.body["rounds_to_refinalize"],
        json!([1]),
        "{regraded:?}"
    );
    let versions = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/results"),
            None,
        )
        .await;
    assert_eq!(versions.body[0]["needs_refinalize"], true, "{versions:?}");

    let second = app
        .staff_call(
            &org,
            Method::POST,
            &finalize,
            Some(json!({"draw_seed": "hạt giống"})),
        )
        .await;
    assert_eq!(second.body["version"], 2);
    assert_ne!(
        second.body["export_sha256"], first.body["export_sha256"],
        "the scores moved"
    );
}

#[tokio::test]
async fn verify_recomputes_the_winners_from_the_export_the_rules_and_the_seed() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "vf";
    set_up(&app, &org, slug, Some(sha256_hex(SEED.as_bytes()))).await;
    let people = [
        ("Trần Thị An", "0987000001", 4, 10),
        ("Lê Văn Bình", "0987000002", 4, 60),
        ("Phạm Văn Cường", "0987000003", 3, 5),
        ("Hoàng Thị Dung", "0987000004", 2, 5),
    ];
    for (name, phone, right, seconds) in people {
        let token = app.register_person(slug, name, phone, "CQ1").await;
        app.take_attempt(slug, &token, right, seconds, Some(2))
            .await;
    }
    app.staff_call(
        &org,
        Method::POST,
        &format!("/api/v1/admin/contests/{slug}/rounds/1/close"),
        None,
    )
    .await;
    app.advance(Duration::seconds(60));
    let finalized = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/finalize"),
            Some(json!({"draw_seed": SEED})),
        )
        .await;
    assert_eq!(finalized.status, 200, "{finalized:?}");
    let base = format!("/api/v1/admin/contests/{slug}/rounds/1/results/1");
    let export = app.raw_get(&org, &format!("{base}/export.csv")).await;
    assert_eq!(export.status, 200);
    let csv = export.text();
    let rules = app.raw_get(&org, &format!("{base}/rules.json")).await;
    assert_eq!(rules.status, 200);
    let rules = rules.text();
    let dir = tempfile::tempdir().unwrap();
    let (export_path, rules_path) = (dir.path().join("export.csv"), dir.path().join("rules.json"));
    std::fs::write(&export_path, &csv).unwrap();
    std::fs::write(&rules_path, &rules).unwrap();

    let verdict = cuocthi_server::cli::verify_files(&export_path, &rules_path, SEED).unwrap();
    assert!(verdict.matches, "{verdict:?}");
    assert_eq!(
        verdict.recorded.len(),
        4,
        "four ranked prizes for four people"
    );

    // Tampering: the file now says the last-ranked person scored higher than everyone.
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let last = lines
        .iter()
        .rposition(|l| l.starts_with('4') || l.contains(",consolation"))
        .unwrap();
    let mut cells: Vec<String> = lines[last].split(',').map(str::to_owned).collect();
    cells[6] = "99".into();
    lines[last] = cells.join(",");
    std::fs::write(&export_path, lines.join("\n") + "\n").unwrap();
    let tampered = cuocthi_server::cli::verify_files(&export_path, &rules_path, SEED).unwrap();
    assert!(!tampered.matches, "{tampered:?}");
}
