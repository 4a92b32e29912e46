//! Result versions for organizers: preview (stores nothing, equals the next finalize), the
//! explanation of every winner (a prediction-error tie, a full tie settled by the draw), one
//! version's detail, the difference between two versions after a regrade, and the winners and
//! ranking files read back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::Duration;
use cuocthi_store::staff::Role;
use cuocthi_store::tokens::sha256_hex;
use cuocthi_tests::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

const SEED: &str = "bốc thăm đợt 1";

fn contest_body(slug: &str, commitment: Option<String>, tiers: Value) -> Value {
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
            "individual": tiers,
            "pools": "all",
            "exclude_previous_winners": false,
            "collective": {"count": 1, "rank_by": "participation_rate", "per_block": false,
                           "min_participants": 1}
        }
    })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

/// A JSON value as the files write it: numbers as digits, null as empty.
fn json_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn mmss(ms: i64) -> String {
    format!(
        "{:02}:{:02}.{:03}",
        ms / 60_000,
        (ms / 1000) % 60,
        ms % 1000
    )
}

/// An explanation's Vietnamese text without the name of the participant compared with, as the
/// winners files write it.
fn anonymous(explanation: &Value) -> String {
    let text = json_text(&explanation["text_vi"]);
    match explanation["against_name"].as_str() {
        Some(name) if !name.is_empty() => text.replacen(&format!(" ({name})"), "", 1),
        _ => text,
    }
}

fn strip(mut v: Value, keys: &[&str]) -> Value {
    for key in keys {
        v.as_object_mut().expect("object").remove(*key);
    }
    v
}

#[tokio::test]
async fn preview_explanations_version_detail_and_files() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "pv";
    let tiers = json!([
        {"tier": "first", "name": "Giải Nhất", "count": 1},
        {"tier": "second", "name": "Giải Nhì", "count": 1},
        {"tier": "third", "name": "Giải Ba", "count": 1},
        {"tier": "consolation", "name": "Giải Khuyến khích", "count": 2}
    ]);
    app.set_up_contest(
        &org,
        contest_body(slug, Some(sha256_hex(SEED.as_bytes())), tiers),
    )
    .await;
    let base = format!("/api/v1/admin/contests/{slug}/rounds/1");
    let preview = format!("{base}/preview");
    let finalize = format!("{base}/finalize");

    // Two perfect attempts: actual = 2. An predicts it exactly, Bình is 3 off.
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "CQ1")
        .await;
    for (token, prediction) in [(&an, 2), (&binh, 5)] {
        let (id, questions) = app.start_attempt(slug, token).await;
        app.answer_right(&id, token, &questions, 4).await;
        app.advance(Duration::seconds(30));
        app.submit_ok(&id, token, Some(prediction)).await;
    }
    // Cường and Dung start and submit at the same instants with the same answers count and
    // prediction: equal on every key, the draw decides.
    let cuong = app
        .register_person(slug, "Phạm Văn Cường", "0987000003", "P01")
        .await;
    let dung = app
        .register_person(slug, "Hoàng Thị Dung", "0987000004", "P01")
        .await;
    let (cuong_id, cuong_q) = app.start_attempt(slug, &cuong).await;
    let (dung_id, dung_q) = app.start_attempt(slug, &dung).await;
    app.answer_right(&cuong_id, &cuong, &cuong_q, 3).await;
    app.answer_right(&dung_id, &dung, &dung_q, 3).await;
    app.advance(Duration::seconds(40));
    app.submit_ok(&cuong_id, &cuong, Some(2)).await;
    app.submit_ok(&dung_id, &dung, Some(2)).await;

    // Preview runs the finalize checks.
    let body = Some(json!({"draw_seed": SEED}));
    let open = app
        .staff_call(&org, Method::POST, &preview, body.clone())
        .await;
    assert_eq!(
        (open.status.as_u16(), open.code()),
        (409, "round_open"),
        "{open:?}"
    );
    let closed = app
        .staff_call(&org, Method::POST, &format!("{base}/close"), None)
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    for bad in [
        json!({}),
        json!({"draw_seed": "  "}),
        json!({"draw_seed": 7}),
    ] {
        let reply = app
            .staff_call(&org, Method::POST, &preview, Some(bad.clone()))
            .await;
        assert_eq!(reply.status, 422, "{bad} -> {reply:?}");
        assert!(reply.body["fields"]["draw_seed"].is_string(), "{reply:?}");
    }
    let wrong = app
        .staff_call(
            &org,
            Method::POST,
            &preview,
            Some(json!({"draw_seed": "khác"})),
        )
        .await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (409, "seed_mismatch")
    );
    let unknown = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/9/preview"),
            body.clone(),
        )
        .await;
    assert_eq!(unknown.status, 404);

    // A preview: no version, nothing stored.
    let shown = app
        .staff_call(&org, Method::POST, &preview, body.clone())
        .await;
    assert_eq!(shown.status, 200, "{shown:?}");
    assert_eq!(shown.body["version"], Value::Null);
    assert_eq!(shown.body["preview"], true);
    let versions = app
        .staff_call(&org, Method::GET, &format!("{base}/results"), None)
        .await;
    assert_eq!(versions.body, json!([]), "a preview stores nothing");
    let again = app
        .staff_call(&org, Method::POST, &preview, body.clone())
        .await;
    assert_eq!(
        again.body, shown.body,
        "the same inputs give the same preview"
    );

    // Every preview that computed is audited, with the seed's hash and the export hash, never
    // the seed itself; refused previews (422, 409, 404) are not.
    let admin = app.staff("admin1", Role::Admin, None).await;
    let log = app
        .staff_call(&admin, Method::GET, "/api/v1/admin/audit?limit=1000", None)
        .await;
    assert_eq!(log.status, 200, "{log:?}");
    let previews: Vec<&Value> = log
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "results.preview")
        .collect();
    assert_eq!(previews.len(), 2, "one entry per preview: {:?}", log.body);
    for entry in &previews {
        assert_eq!(entry["actor"], "org1");
        assert_eq!(entry["subject"], format!("{slug} round 1"));
        assert!(entry["contest_id"].is_string(), "{entry}");
        let after = &entry["after"];
        assert_eq!(after["round"], 1);
        assert_eq!(after["seed_sha256"], sha256_hex(SEED.as_bytes()).as_str());
        assert_eq!(after["seed_committed"], true);
        assert_eq!(after["export_sha256"], shown.body["export_sha256"]);
        assert!(!entry.to_string().contains(SEED), "never the seed: {entry}");
    }

    // Finalize at the same instant: the same result, with a version.
    let done = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(done.body["version"], 1);
    assert!(done.body.get("preview").is_none(), "{done:?}");
    assert_eq!(
        strip(done.body.clone(), &["version"]),
        strip(shown.body.clone(), &["version", "preview"])
    );
    let versions = app
        .staff_call(&org, Method::GET, &format!("{base}/results"), None)
        .await;
    assert_eq!(versions.body.as_array().map(Vec::len), Some(1));

    // Explanations.
    let r = &done.body;
    assert_eq!(r["actual"], 2);
    let prizes = r["prizes"].as_array().expect("prizes").clone();
    let names: Vec<&str> = prizes.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(&names[..2], ["Trần Thị An", "Lê Văn Bình"]);
    let first = &prizes[0]["explanation"];
    assert_eq!(prizes[0]["decided_by"], "prediction_error");
    assert_eq!(
        (
            first["key"].clone(),
            first["value"].clone(),
            first["against_value"].clone(),
            first["against_rank"].clone(),
            first["against_name"].clone()
        ),
        (
            json!("prediction_error"),
            json!(0),
            json!(3),
            json!(2),
            json!("Lê Văn Bình")
        ),
        "{first}"
    );
    assert_eq!(
        first["text_vi"],
        "Hơn hạng 2 (Lê Văn Bình) vì sai số dự đoán nhỏ hơn: 0 so với 3"
    );
    assert_eq!(
        first["text_en"],
        "Ahead of rank 2 (Lê Văn Bình) by a smaller prediction error: 0 vs 3"
    );
    let second = &prizes[1]["explanation"];
    assert_eq!(
        (
            second["key"].clone(),
            second["value"].clone(),
            second["against_value"].clone()
        ),
        (json!("score"), json!(4), json!(3))
    );
    // Ranks 3 and 4: the smaller draw key first.
    let key_of = |id: &str| sha256_hex(format!("{SEED}{id}").as_bytes());
    let (cuong_key, dung_key) = (key_of(&cuong_id), key_of(&dung_id));
    let (ahead, behind, behind_name) = if cuong_key < dung_key {
        (&cuong_id, dung_key.clone(), "Hoàng Thị Dung")
    } else {
        (&dung_id, cuong_key.clone(), "Phạm Văn Cường")
    };
    let third = &prizes[2];
    assert_eq!(third["attempt_id"], ahead.as_str());
    assert_eq!(third["decided_by"], "draw");
    let draw = &third["explanation"];
    assert_eq!(draw["key"], "draw");
    assert_eq!(draw["value"], key_of(ahead).as_str());
    assert_eq!(draw["against_value"], behind.as_str());
    assert_eq!(draw["against_rank"], 4);
    assert_eq!(draw["against_name"], behind_name);
    let text = draw["text_vi"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "Hơn hạng 4 ({behind_name}): bằng nhau ở mọi tiêu chí"
        )),
        "{text}"
    );
    assert!(
        text.contains(&key_of(ahead)[..4]) && text.contains(" < "),
        "{text}"
    );
    assert!(draw["text_en"]
        .as_str()
        .unwrap()
        .contains("equal on every key; the draw sha256(seed‖attempt_id) decided: "));
    // The last ranked participant is compared with nobody.
    assert_eq!(prizes[3]["rank"], 4);
    assert_eq!(prizes[3]["explanation"], Value::Null);
    assert_eq!(prizes[3]["duration_ms"], 40_000);

    // One version in detail.
    let detail = app
        .staff_call(&org, Method::GET, &format!("{base}/results/1"), None)
        .await;
    assert_eq!(detail.status, 200, "{detail:?}");
    assert_eq!(
        strip(
            detail.body.clone(),
            &["created_by", "published_at", "needs_refinalize"]
        ),
        done.body
    );
    assert_eq!(detail.body["created_by"], "org1");
    assert_eq!(detail.body["published_at"], Value::Null);
    assert_eq!(detail.body["needs_refinalize"], false);
    let missing = app
        .staff_call(&org, Method::GET, &format!("{base}/results/7"), None)
        .await;
    assert_eq!(missing.status, 404);
    let published = app
        .staff_call(&org, Method::POST, &format!("{base}/publish"), None)
        .await;
    assert_eq!(published.status, 200);
    let detail = app
        .staff_call(&org, Method::GET, &format!("{base}/results/1"), None)
        .await;
    assert_eq!(detail.body["published_at"], published.body["published_at"]);

    // winners.xlsx: the same values as the JSON.
    let file = app
        .raw_get(&org, &format!("{base}/results/1/winners.xlsx"))
        .await;
    assert_eq!(file.status, 200);
    assert!(file.header("content-type").contains("spreadsheetml"));
    assert_eq!(
        file.header("content-disposition"),
        format!("attachment; filename=\"ket-qua-{slug}-dot-1-v1-giai.xlsx\"")
    );
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(file.body)).expect("an xlsx");
    assert_eq!(
        book.sheet_names(),
        vec!["Giải cá nhân", "Tập thể", "Thông tin"]
    );
    let sheet = book.worksheet_range("Giải cá nhân").expect("winners sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    assert_eq!(
        rows[0],
        vec![
            "Giải",
            "Hạng",
            "Họ và tên",
            "Mã đơn vị",
            "Đơn vị",
            "Đối tượng",
            "Điểm",
            "Số câu đúng",
            "Dự đoán",
            "Sai số dự đoán",
            "Thời gian làm bài (mm:ss)",
            "Nộp lúc",
            "Quyết định bởi"
        ]
    );
    assert_eq!(rows.len(), 1 + prizes.len());
    // "Quyết định bởi" compares with the next rank by rank only: no other person's name.
    assert_eq!(
        rows[1][12],
        "Hơn hạng 2 vì sai số dự đoán nhỏ hơn: 0 so với 3"
    );
    for (row, p) in rows[1..].iter().zip(&prizes) {
        if let Some(other) = p["explanation"]["against_name"].as_str() {
            assert!(!row[12].contains(other), "{} names {other}", row[12]);
        }
    }
    for (row, p) in rows[1..].iter().zip(&prizes) {
        let expected: Vec<String> = vec![
            json_text(&p["tier_name"]),
            json_text(&p["rank"]),
            json_text(&p["name"]),
            json_text(&p["unit_code"]),
            json_text(&p["unit_name"]),
            json_text(&p["category"]),
            json_text(&p["score"]),
            json_text(&p["correct"]),
            json_text(&p["prediction"]),
            json_text(&p["prediction_error"]),
            mmss(p["duration_ms"].as_i64().unwrap()),
            json_text(&p["submitted_at"]),
            anonymous(&p["explanation"]),
        ];
        // Trailing empty cells are not stored in a sheet.
        let mut got = row.clone();
        got.resize(expected.len(), String::new());
        assert_eq!(got, expected);
    }
    let units = book.worksheet_range("Tập thể").expect("collective sheet");
    let unit_rows: Vec<Vec<String>> = units
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let collective = r["collective"].as_array().expect("collective");
    assert_eq!(unit_rows.len(), 1 + collective.len());
    assert_eq!(unit_rows[1][1], json_text(&collective[0]["unit_code"]));
    assert_eq!(unit_rows[1][2], json_text(&collective[0]["unit_name"]));
    let info = book.worksheet_range("Thông tin").expect("info sheet");
    let facts: Vec<String> = info
        .rows()
        .map(|r| r.get(1).map(cell_text).unwrap_or_default())
        .collect();
    for fact in [
        "Tìm hiểu về cải cách hành chính",
        SEED,
        r["export_sha256"].as_str().unwrap(),
        r["finalized_at"].as_str().unwrap(),
    ] {
        assert!(facts.iter().any(|f| f == fact), "{fact} in {facts:?}");
    }

    // winners.csv: the same table.
    let file = app
        .raw_get(&org, &format!("{base}/results/1/winners.csv"))
        .await;
    assert_eq!(file.status, 200);
    assert!(file.header("content-type").starts_with("text/csv"));
    assert!(file
        .header("content-disposition")
        .ends_with("-v1-giai.csv\""));
    let csv = String::from_utf8(file.body).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), 1 + prizes.len());
    assert!(
        csv.contains("Hơn hạng 2 vì sai số dự đoán nhỏ hơn: 0 so với 3"),
        "{csv}"
    );
    assert!(!csv.contains("(Lê Văn Bình)"), "{csv}");

    // ranking.csv: everyone, in rank order, as the JSON ranks them.
    let file = app
        .raw_get(&org, &format!("{base}/results/1/ranking.csv"))
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(
        file.header("content-disposition"),
        format!("attachment; filename=\"ket-qua-{slug}-dot-1-v1-xep-hang.csv\"")
    );
    let csv = String::from_utf8(file.body).unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM");
    let lines: Vec<Vec<&str>> = csv
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        lines[0],
        vec![
            "Hạng",
            "Họ và tên",
            "Mã đơn vị",
            "Đơn vị",
            "Đối tượng",
            "Điểm",
            "Số câu đúng",
            "Dự đoán",
            "Sai số",
            "Thời gian",
            "Nộp lúc",
            "Giải"
        ]
    );
    assert_eq!(lines.len(), 1 + 4);
    for (line, p) in lines[1..].iter().zip(&prizes) {
        assert_eq!(
            line.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            vec![
                json_text(&p["rank"]),
                json_text(&p["name"]),
                json_text(&p["unit_code"]),
                json_text(&p["unit_name"]),
                String::new(),
                json_text(&p["score"]),
                json_text(&p["correct"]),
                json_text(&p["prediction"]),
                json_text(&p["prediction_error"]),
                mmss(p["duration_ms"].as_i64().unwrap()),
                json_text(&p["submitted_at"]),
                json_text(&p["tier_name"]),
            ]
        );
    }
    let all = String::from_utf8_lossy(csv.as_bytes()).to_string();
    assert!(!all.contains("0987000001"), "no phone in files");
    let file = app
        .raw_get(&org, &format!("{base}/results/1/ranking.xlsx"))
        .await;
    assert_eq!(file.status, 200);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(file.body)).expect("an xlsx");
    assert_eq!(book.sheet_names(), vec!["Xếp hạng", "Thông tin"]);
    let ranking = book.worksheet_range("Xếp hạng").expect("ranking sheet");
    assert_eq!(ranking.rows().count(), 1 + 4);
    assert_eq!(
        ranking.rows().nth(1).map(|r| cell_text(&r[1])),
        Some("Trần Thị An".to_owned())
    );

    // Unknown versions; then who may read: admins yes, unit managers and the public no.
    for file in ["winners.csv", "winners.xlsx", "ranking.csv", "ranking.xlsx"] {
        let status = app
            .raw_get(&org, &format!("{base}/results/5/{file}"))
            .await
            .status;
        assert_eq!(status, 404, "{file}");
    }
    let status = app
        .raw_get(&admin, &format!("{base}/results/1/winners.xlsx"))
        .await
        .status;
    assert_eq!(status, 200);
    let manager = app.staff("mgr", Role::UnitManager, Some("CQ1")).await;
    let reads = [
        "results/1",
        "results/1/winners.csv",
        "results/1/winners.xlsx",
        "results/1/ranking.csv",
        "results/1/ranking.xlsx",
        "results/diff?from=1&to=1",
    ];
    for path in reads {
        let url = format!("{base}/{path}");
        let refused = app.staff_call(&manager, Method::GET, &url, None).await;
        assert_eq!(refused.status, 403, "{path}");
        assert_eq!(app.get(&url).await.status, 401, "{path}");
    }
    let refused = app
        .staff_call(&manager, Method::POST, &preview, body.clone())
        .await;
    assert_eq!(refused.status, 403);
    let anonymous = app.call(Method::POST, &preview, None, body.clone()).await;
    assert_eq!(anonymous.status, 401);

    // A version stored before explanations existed still reads.
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
    let row = cuocthi_store::entities::result::Entity::find()
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap();
    let mut old: Value = serde_json::from_str(&row.result).unwrap();
    for p in old["prizes"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("explanation");
    }
    let mut active = row.into_active_model();
    active.result = sea_orm::Set(old.to_string());
    active.update(&app.ctx.db).await.unwrap();
    let detail = app
        .staff_call(&org, Method::GET, &format!("{base}/results/1"), None)
        .await;
    assert_eq!(detail.status, 200, "{detail:?}");
    assert_eq!(detail.body["prizes"][0]["explanation"], Value::Null);
    let status = app
        .raw_get(&org, &format!("{base}/results/1/winners.xlsx"))
        .await
        .status;
    assert_eq!(status, 200);

    let doc = app.get("/api/openapi.json").await.body;
    for path in [
        "/api/v1/admin/contests/{slug}/rounds/{n}/preview",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results/diff",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.csv",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.xlsx",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.csv",
        "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.xlsx",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

#[tokio::test]
async fn the_difference_after_a_regrade_names_who_moved_and_why() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "df";
    let tiers = json!([
        {"tier": "first", "name": "Giải Nhất", "count": 1},
        {"tier": "second", "name": "Giải Nhì", "count": 1}
    ]);
    app.set_up_contest(&org, contest_body(slug, None, tiers))
        .await;
    let base = format!("/api/v1/admin/contests/{slug}/rounds/1");

    // An: everything right, fast.
    let an = app
        .register_person(slug, "Trần Thị An", "0987000001", "CQ1")
        .await;
    let (an_id, an_q) = app.start_attempt(slug, &an).await;
    app.answer_with(&an_id, &an, &an_q, |_, _, o| o.starts_with("Đúng"))
        .await;
    app.advance(Duration::seconds(10));
    app.submit_ok(&an_id, &an, Some(0)).await;
    // The question whose key will be corrected to its option A ("Sai Na"): An answered it
    // right and loses a point; Bình, slower, picks option A there (if drawn) and gains one.
    let moved = an_q[0]["text"].as_str().unwrap().to_owned();
    let number: String = moved.chars().filter(char::is_ascii_digit).collect();
    let option_a = format!("Sai {number}a");
    let binh = app
        .register_person(slug, "Lê Văn Bình", "0987000002", "CQ1")
        .await;
    let (binh_id, binh_q) = app.start_attempt(slug, &binh).await;
    app.answer_with(&binh_id, &binh, &binh_q, |_, q, o| {
        if q == moved {
            o == option_a
        } else {
            o.starts_with("Đúng")
        }
    })
    .await;
    app.advance(Duration::seconds(20));
    app.submit_ok(&binh_id, &binh, Some(0)).await;

    let closed = app
        .staff_call(&org, Method::POST, &format!("{base}/close"), None)
        .await;
    assert_eq!(closed.status, 200);
    let finalize = format!("{base}/finalize");
    let body = Some(json!({"draw_seed": "hạt giống"}));
    let v1 = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(v1.status, 200, "{v1:?}");
    let winners = |r: &Value| -> Vec<(String, String)> {
        r["prizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_owned(),
                    p["tier"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        winners(&v1.body),
        vec![
            ("Trần Thị An".to_owned(), "first".to_owned()),
            ("Lê Văn Bình".to_owned(), "second".to_owned())
        ]
    );

    let questions = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/questions"),
            None,
        )
        .await;
    let question_id = questions
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["current"]["text"] == moved.as_str())
        .expect("the question")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let regraded = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/questions/{question_id}/regrade"),
            Some(json!({"key": ["A"]})),
        )
        .await;
    assert_eq!(regraded.status, 200, "{regraded:?}");
    let v2 = app
        .staff_call(&org, Method::POST, &finalize, body.clone())
        .await;
    assert_eq!(v2.status, 200, "{v2:?}");
    assert_eq!(
        winners(&v2.body),
        vec![
            ("Lê Văn Bình".to_owned(), "first".to_owned()),
            ("Trần Thị An".to_owned(), "second".to_owned())
        ]
    );

    let diff = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/results/diff?from=1&to=2"),
            None,
        )
        .await;
    assert_eq!(diff.status, 200, "{diff:?}");
    let d = &diff.body;
    assert_eq!((d["from"].clone(), d["to"].clone()), (json!(1), json!(2)));
    assert_eq!(d["from_sha256"], v1.body["export_sha256"]);
    assert_eq!(d["to_sha256"], v2.body["export_sha256"]);
    assert_eq!(d["actual_from"], v1.body["actual"]);
    assert_eq!(d["actual_to"], v2.body["actual"]);
    assert_eq!(d["identical"], false);
    let changes = d["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{d}");
    assert_eq!(changes[0]["name"], "Lê Văn Bình");
    assert_eq!(changes[0]["kind"], "tier_changed");
    let a = &changes[1];
    assert_eq!(a["name"], "Trần Thị An");
    assert_eq!(a["unit_code"], "CQ1");
    assert_eq!(a["kind"], "tier_changed");
    assert_eq!(a["participant_id"], v1.body["prizes"][0]["participant_id"]);
    assert_eq!(
        (
            a["from"]["tier"].clone(),
            a["from"]["tier_name"].clone(),
            a["from"]["rank"].clone(),
            a["from"]["score"].clone(),
            a["from"]["correct"].clone()
        ),
        (
            json!("first"),
            json!("Giải Nhất"),
            json!(1),
            json!(4),
            json!(4)
        )
    );
    assert_eq!(
        (
            a["to"]["tier"].clone(),
            a["to"]["rank"].clone(),
            a["to"]["score"].clone(),
            a["to"]["duration_ms"].clone()
        ),
        (json!("second"), json!(2), json!(3), json!(10_000))
    );
    assert!(
        a["reason_vi"]
            .as_str()
            .unwrap()
            .contains("Điểm đổi từ 4 thành 3 (chấm lại)"),
        "{a}"
    );
    assert!(
        a["reason_en"]
            .as_str()
            .unwrap()
            .contains("Score changed from 4 to 3 (regrade)"),
        "{a}"
    );
    assert_eq!(d["collective_changes"], json!([]));

    // A version against itself; bad and unknown versions.
    let same = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/results/diff?from=2&to=2"),
            None,
        )
        .await;
    assert_eq!(same.body["identical"], true, "{same:?}");
    assert_eq!(same.body["changes"], json!([]));
    let missing = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/results/diff?from=1"),
            None,
        )
        .await;
    assert_eq!(missing.status, 422, "{missing:?}");
    assert_eq!(missing.body["fields"]["to"], "required");
    let words = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/results/diff?from=abc&to=1.5"),
            None,
        )
        .await;
    assert_eq!(words.status, 422, "{words:?}");
    assert_eq!(words.body["fields"]["from"], "invalid");
    assert_eq!(words.body["fields"]["to"], "invalid");
    let unknown = app
        .staff_call(
            &org,
            Method::GET,
            &format!("{base}/results/diff?from=1&to=3"),
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
    let no_round = app
        .staff_call(
            &org,
            Method::GET,
            &format!("/api/v1/admin/contests/{slug}/rounds/4/results/diff?from=1&to=2"),
            None,
        )
        .await;
    assert_eq!(no_round.status, 404);

    // The regrade flagged version 1, not version 2.
    let detail = app
        .staff_call(&org, Method::GET, &format!("{base}/results/1"), None)
        .await;
    assert_eq!(detail.body["needs_refinalize"], true);
    let detail = app
        .staff_call(&org, Method::GET, &format!("{base}/results/2"), None)
        .await;
    assert_eq!(detail.body["needs_refinalize"], false);
    assert_eq!(detail.body["version"], 2);
}
