//! The organizer flow through the contract: sign in, set up a contest, import units and a
//! bank, let people take it, close the round; plus the locks, regrade and hostile files.

use cuocthi_store::staff::Role;
use cuocthi_tests::{bank_csv, Staff, TestApp, UNITS_CSV};
use reqwest::Method;
use serde_json::{json, Value};

/// Creates contest `slug` (no topic quotas, `questions` per attempt) with the test units and
/// bank, through the contract.
async fn set_up(app: &TestApp, org: &Staff, slug: &str, questions: u32) {
    let mut body = contest_body(slug);
    body["questions_per_attempt"] = json!(questions);
    body["topic_quotas"] = json!([]);
    app.set_up_contest(org, body).await;
}

async fn organizer(app: &TestApp) -> Staff {
    app.staff("org1", Role::Organizer, None).await
}

fn contest_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": "Tìm hiểu về cải cách hành chính",
        "rules_md": "# Thể lệ\n\nMỗi người thi tối đa 2 lượt.",
        "opens_at": "2026-11-25T01:00:00Z",
        "closes_at": "2026-12-25T00:00:00Z",
        "questions_per_attempt": 4,
        "time_limit_secs": 600,
        "max_attempts": 2,
        "topic_quotas": [{"topic": "hien-phap", "count": 1}],
        "prediction": {"question": "Bao nhiêu lượt thi đúng hết?", "target": "perfect_attempts"},
        "categories": [{"code": "citizen", "name": "Người dân"}, {"code": "civil_servant", "name": "Cán bộ"}],
        "reveal": "after_submit",
    })
}

#[tokio::test]
async fn a_script_runs_a_whole_contest_through_the_contract() {
    let app = TestApp::empty().await;
    let org = organizer(&app).await;
    let created = app
        .staff_call(
            &org,
            Method::POST,
            "/api/v1/admin/contests",
            Some(contest_body("cchc")),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.body["max_attempts"], 2);
    assert_eq!(created.body["rounds"].as_array().unwrap().len(), 1);

    let units = app
        .staff_upload(
            &org,
            "/api/v1/admin/contests/cchc/units/import",
            UNITS_CSV.as_bytes().to_vec(),
            "text/csv",
        )
        .await;
    assert_eq!(units.status, 200, "{units:?}");
    assert_eq!(units.body["imported"], 3);

    let path = "/api/v1/admin/contests/cchc/questions/import";
    let dry = app
        .staff_upload(
            &org,
            &format!("{path}?dry_run=true"),
            bank_csv().into_bytes(),
            "text/csv",
        )
        .await;
    assert_eq!(
        (
            dry.status.as_u16(),
            dry.body["valid"].clone(),
            dry.body["imported"].clone()
        ),
        (200, json!(6), json!(0))
    );
    let real = app
        .staff_upload(&org, path, bank_csv().into_bytes(), "text/csv")
        .await;
    assert_eq!(real.body["imported"], 6, "{real:?}");

    // A citizen takes it.
    let units = app.get("/api/v1/contests/cchc/units").await;
    let unit_id = units.body[0]["id"].as_str().unwrap().to_owned();
    let registered = app
        .register_raw("cchc", json!({"full_name": "Trần Thị Bình", "phone": "0987654321", "birth_year": 1985, "unit_id": unit_id, "consent": true, "category": "citizen"}))
        .await;
    assert_eq!(registered.status, 201, "{registered:?}");
    let token = registered.body["token"].as_str().unwrap().to_owned();
    let attempt = app.start("cchc", &token).await;
    assert_eq!(attempt.status, 201, "{attempt:?}");
    let id = attempt.body["attempt_id"].as_str().unwrap().to_owned();
    for q in attempt.body["questions"].as_array().unwrap() {
        let right = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["text"].as_str().unwrap().starts_with("Đúng"))
            .unwrap();
        let saved = app
            .save(
                &id,
                &token,
                q["position"].as_i64().unwrap(),
                &[right["key"].as_str().unwrap()],
            )
            .await;
        assert_eq!(saved.status, 200);
    }
    let result = app.submit(&id, &token, json!({"prediction": 1})).await;
    assert_eq!(
        (result.body["score"].clone(), result.body["perfect"].clone()),
        (json!(4), json!(true)),
        "{result:?}"
    );
    let shown = app.attempt(&id, &token).await;
    assert!(
        shown.body["questions"][0]["correct_keys"].is_array(),
        "after_submit reveals keys"
    );

    // The organizer closes the round: nobody can start any more.
    let closed = app
        .staff_call(
            &org,
            Method::POST,
            "/api/v1/admin/contests/cchc/rounds/1/close",
            None,
        )
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    assert_eq!(closed.body["rounds"][0]["status"], "closed");
    assert_eq!(app.start("cchc", &token).await.code(), "round_closed");
}

#[tokio::test]
async fn sign_in_refuses_alike_and_throttles_repeated_failures() {
    let app = TestApp::empty().await;
    app.staff("org1", Role::Organizer, None).await;
    let login = |user: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": user, "password": password})),
            )
            .await
        }
    };
    let unknown = login("nobody", "whatever password").await;
    let wrong = login("org1", "wrong password!").await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.code()),
        (401, "invalid_credentials")
    );
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (401, "invalid_credentials")
    );
    for _ in 0..8 {
        login("org1", "wrong password!").await;
    }
    let throttled = login("org1", "a long test password").await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_session_ends_at_logout_and_changes_need_the_csrf_token() {
    let app = TestApp::empty().await;
    let org = organizer(&app).await;
    let me = app
        .staff_call(&org, Method::GET, "/api/v1/auth/me", None)
        .await;
    assert_eq!(
        (me.body["username"].clone(), me.body["role"].clone()),
        (json!("org1"), json!("organizer"))
    );
    let without = app
        .staff_call_with(
            &org,
            false,
            Method::POST,
            "/api/v1/admin/contests",
            Some(contest_body("x1")),
        )
        .await;
    assert_eq!(
        (without.status.as_u16(), without.code()),
        (403, "csrf_required")
    );
    assert_eq!(
        app.staff_call(&org, Method::POST, "/api/v1/auth/logout", None)
            .await
            .status,
        204
    );
    let after = app
        .staff_call(&org, Method::GET, "/api/v1/auth/me", None)
        .await;
    assert_eq!(after.status, 401);
    assert_eq!(app.get("/api/v1/auth/me").await.status, 401);
}

#[tokio::test]
async fn scripts_use_api_tokens_without_csrf() {
    let app = TestApp::empty().await;
    let org = organizer(&app).await;
    let issued = app
        .staff_call(
            &org,
            Method::POST,
            "/api/v1/auth/tokens",
            Some(json!({"name": "import script"})),
        )
        .await;
    assert_eq!(issued.status, 201, "{issued:?}");
    let token = issued.body["token"].as_str().unwrap().to_owned();
    let created = app
        .call(
            Method::POST,
            "/api/v1/admin/contests",
            Some(&token),
            Some(contest_body("by-token")),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = issued.body["id"].as_str().unwrap();
    assert_eq!(
        app.staff_call(
            &org,
            Method::DELETE,
            &format!("/api/v1/auth/tokens/{id}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/admin/contests", Some(&token), None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn every_staff_endpoint_refuses_the_anonymous_and_the_wrong_role() {
    let app = TestApp::with_demo().await;
    let manager = app.staff("manager1", Role::UnitManager, Some("XP01")).await;
    let org = organizer(&app).await;
    let endpoints: Vec<(Method, &str, bool)> = vec![
        // (method, path, admin only)
        (Method::GET, "/api/v1/admin/contests", false),
        (Method::POST, "/api/v1/admin/contests", false),
        (Method::GET, "/api/v1/admin/contests/demo", false),
        (Method::PATCH, "/api/v1/admin/contests/demo", false),
        (
            Method::POST,
            "/api/v1/admin/contests/demo/rounds/1/close",
            false,
        ),
        (Method::POST, "/api/v1/admin/contests/demo/units", false),
        (
            Method::PATCH,
            "/api/v1/admin/contests/demo/units/XP01",
            false,
        ),
        (
            Method::DELETE,
            "/api/v1/admin/contests/demo/units/XP02",
            false,
        ),
        (
            Method::POST,
            "/api/v1/admin/contests/demo/units/import",
            false,
        ),
        (Method::GET, "/api/v1/admin/contests/demo/topics", false),
        (Method::GET, "/api/v1/admin/contests/demo/questions", false),
        (Method::POST, "/api/v1/admin/contests/demo/questions", false),
        (
            Method::POST,
            "/api/v1/admin/contests/demo/questions/import",
            false,
        ),
        (
            Method::GET,
            "/api/v1/admin/contests/demo/questions/template.xlsx",
            false,
        ),
        (
            Method::GET,
            "/api/v1/admin/contests/demo/questions/export.xlsx",
            false,
        ),
        (
            Method::GET,
            "/api/v1/admin/contests/demo/questions/export.gift",
            false,
        ),
        (
            Method::GET,
            "/api/v1/admin/contests/demo/questions/stats",
            false,
        ),
        (Method::GET, "/api/v1/admin/staff", true),
        (Method::POST, "/api/v1/admin/staff", true),
        (Method::PATCH, "/api/v1/admin/staff/org1", true),
        (Method::GET, "/api/v1/admin/audit", true),
    ];
    for (method, path, admin_only) in endpoints {
        let anonymous = app.call(method.clone(), path, None, Some(json!({}))).await;
        assert_eq!(anonymous.status, 401, "anonymous {method} {path}");
        let wrong = if admin_only { &org } else { &manager };
        let refused = app
            .staff_call(wrong, method.clone(), path, Some(json!({})))
            .await;
        // The unit manager may list contests (to find their statistics); nothing else.
        if !(path == "/api/v1/admin/contests" && method == Method::GET) {
            assert_eq!(
                refused.status, 403,
                "wrong role {method} {path}: {refused:?}"
            );
        }
        if method != Method::GET {
            let no_csrf = app
                .staff_call_with(&org, false, method.clone(), path, Some(json!({})))
                .await;
            assert_eq!(no_csrf.status, 403, "no csrf {method} {path}");
            assert_eq!(no_csrf.code(), "csrf_required");
        }
    }
    let own = app
        .staff_call(
            &manager,
            Method::GET,
            "/api/v1/admin/contests/demo/units",
            None,
        )
        .await;
    let codes: Vec<&str> = own
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["XP01"], "a unit manager sees only their unit");
}

#[tokio::test]
async fn once_a_round_is_open_only_safe_fields_change() {
    let app = TestApp::with_demo().await;
    let org = organizer(&app).await;
    let path = "/api/v1/admin/contests/demo";
    let locked = app
        .staff_call(
            &org,
            Method::PATCH,
            path,
            Some(json!({"max_attempts": 5, "title": "Mới"})),
        )
        .await;
    assert_eq!(
        (locked.status.as_u16(), locked.code()),
        (422, "locked_field"),
        "{locked:?}"
    );
    assert_eq!(locked.body["fields"]["max_attempts"], "locked_field");
    let safe = app
        .staff_call(&org, Method::PATCH, path, Some(json!({"title": "Tên mới", "closes_at": "2027-02-01T00:00:00Z", "rounds": [
            {"number": 1, "opens_at": app.get("/api/v1/contests/demo").await.body["rounds"][0]["opens_at"], "closes_at": "2027-02-01T00:00:00Z"}
        ]})))
        .await;
    assert_eq!(safe.status, 200, "{safe:?}");
    assert_eq!(
        app.get("/api/v1/contests/demo").await.body["title"],
        "Tên mới"
    );
}

#[tokio::test]
async fn invalid_contest_bodies_name_every_field() {
    let app = TestApp::empty().await;
    let org = organizer(&app).await;
    let reply = app
        .staff_call(&org, Method::POST, "/api/v1/admin/contests", Some(json!({"slug": "Có Dấu", "title": "", "opens_at": "2026-12-01T00:00:00Z", "closes_at": "2026-11-01T00:00:00Z", "grace_secs": 999})))
        .await;
    assert_eq!(reply.status, 422);
    for field in ["slug", "title", "closes_at", "grace_secs", "rules_md"] {
        assert!(
            reply.body["fields"].get(field).is_some(),
            "{field}: {reply:?}"
        );
    }
    app.staff_call(
        &org,
        Method::POST,
        "/api/v1/admin/contests",
        Some(contest_body("taken")),
    )
    .await;
    assert_eq!(
        app.staff_call(
            &org,
            Method::POST,
            "/api/v1/admin/contests",
            Some(contest_body("taken"))
        )
        .await
        .code(),
        "slug_taken"
    );
}

#[tokio::test]
async fn a_regrade_rescores_every_finished_attempt_that_drew_the_version() {
    let app = TestApp::empty().await;
    let org = organizer(&app).await;
    set_up(&app, &org, "rg", 6).await;
    let unit_id = app.get("/api/v1/contests/rg/units").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Two people: one picks "Đúng" everywhere, the other "Sai ...a" everywhere.
    let mut people = Vec::new();
    for (phone, prefix) in [("0911111111", "Đúng"), ("0922222222", "Sai")] {
        let reg = app.register_raw("rg", json!({"full_name": "Lê Văn C", "phone": phone, "birth_year": 1990, "unit_id": unit_id, "consent": true, "category": "citizen"})).await;
        let token = reg.body["token"].as_str().unwrap().to_owned();
        let attempt = app.start("rg", &token).await;
        let id = attempt.body["attempt_id"].as_str().unwrap().to_owned();
        for q in attempt.body["questions"].as_array().unwrap() {
            let option = q["options"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| {
                    let text = o["text"].as_str().unwrap();
                    text.starts_with(prefix) && (prefix == "Đúng" || text.ends_with('a'))
                })
                .unwrap();
            app.save(
                &id,
                &token,
                q["position"].as_i64().unwrap(),
                &[option["key"].as_str().unwrap()],
            )
            .await;
        }
        let result = app.submit(&id, &token, json!({"prediction": 0})).await;
        people.push((token, id, result.body["score"].as_i64().unwrap()));
    }
    assert_eq!((people[0].2, people[1].2), (6, 0));
    let questions = app
        .staff_call(
            &org,
            Method::GET,
            "/api/v1/admin/contests/rg/questions?q=cau hoi so 3",
            None,
        )
        .await;
    let question_id = questions.body[0]["id"].as_str().unwrap().to_owned();
    // The key was wrong: "Sai 3a" (A) is right.
    let regraded = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/rg/questions/{question_id}/regrade"),
            Some(json!({"key": ["A"]})),
        )
        .await;
    assert_eq!(regraded.status, 200, "{regraded:?}");
    assert_eq!(
        (
            regraded.body["answered"].clone(),
            regraded.body["rescored"].clone()
        ),
        (json!(2), json!(2))
    );
    assert_eq!(regraded.body["rounds_touched"], json!([1]));
    let first = app.attempt(&people[0].1, &people[0].0).await;
    let second = app.attempt(&people[1].1, &people[1].0).await;
    assert_eq!(
        (first.body["score"].clone(), first.body["perfect"].clone()),
        (json!(5), json!(false))
    );
    assert_eq!(second.body["score"], 1);
    let audit = app.staff("admin1", Role::Admin, None).await;
    let log = app
        .staff_call(&audit, Method::GET, "/api/v1/admin/audit", None)
        .await;
    assert!(log
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "question.regrade" && e["actor"] == "org1"));
}

#[tokio::test]
async fn editing_a_question_makes_a_version_and_earlier_attempts_keep_theirs() {
    let app = TestApp::with_demo().await;
    let org = organizer(&app).await;
    let token = app.register("0933333333").await;
    let attempt = app.start("demo", &token).await;
    let id = attempt.body["attempt_id"].as_str().unwrap().to_owned();
    let shown = attempt.body["questions"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = app
        .staff_call(
            &org,
            Method::GET,
            "/api/v1/admin/contests/demo/questions",
            None,
        )
        .await;
    let question = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["current"]["text"] == shown.as_str())
        .unwrap()
        .clone();
    let qid = question["id"].as_str().unwrap();
    let edited = app
        .staff_call(
            &org,
            Method::PATCH,
            &format!("/api/v1/admin/contests/demo/questions/{qid}"),
            Some(json!({"text": "Câu hỏi đã sửa?"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert_eq!(edited.body["current"]["version"], 2);
    assert_eq!(edited.body["versions"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.attempt(&id, &token).await.body["questions"][0]["text"],
        shown.as_str()
    );
}

#[tokio::test]
async fn hostile_or_unknown_files_get_a_clear_4xx() {
    let app = TestApp::with_demo().await;
    let org = organizer(&app).await;
    let path = "/api/v1/admin/contests/demo/questions/import?dry_run=true";
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let reply = app
        .staff_upload(&org, path, junk, "application/octet-stream")
        .await;
    assert!(reply.status.is_client_error(), "{reply:?}");
    assert!(
        ["unreadable_file", "unsupported_format"].contains(&reply.code()),
        "{reply:?}"
    );
    let xls = app
        .staff_upload(
            &org,
            path,
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest".to_vec(),
            "application/octet-stream",
        )
        .await;
    assert_eq!(xls.code(), "unsupported_format");
    let big = vec![b'a'; 21 * 1024 * 1024];
    let too_large = app.staff_upload(&org, path, big, "text/csv").await;
    assert_eq!(
        (too_large.status.as_u16(), too_large.code()),
        (413, "payload_too_large")
    );
    let gift = include_str!("../../crates/bank/tests/fixtures/moodle/questions.gift.txt");
    let report = app
        .staff_upload(
            &org,
            "/api/v1/admin/contests/demo/questions/import?dry_run=true&format=gift",
            gift.as_bytes().to_vec(),
            "text/plain",
        )
        .await;
    assert_eq!(report.status, 200, "{report:?}");
    assert!(report.body["valid"].as_u64().unwrap() >= 3, "{report:?}");
    assert!(report.body["invalid"].as_u64().unwrap() >= 3, "{report:?}");
    let real = app
        .staff_upload(
            &org,
            "/api/v1/admin/contests/demo/questions/import?format=gift",
            gift.as_bytes().to_vec(),
            "text/plain",
        )
        .await;
    assert_eq!(
        (real.status.as_u16(), real.body["imported"].clone()),
        (422, json!(0)),
        "all or nothing"
    );
}

#[tokio::test]
async fn statistics_count_finished_attempts_per_unit_with_zeros() {
    let app = TestApp::empty().await;
    let org = organizer(&app).await;
    set_up(&app, &org, "st", 4).await;
    let units = app.get("/api/v1/contests/st/units").await;
    let p01 = units
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "P01")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Two people of P01: one perfect attempt, one attempt with nothing right; one still running.
    let mut tokens = Vec::new();
    for (phone, prefix) in [
        ("0911111111", "Đúng"),
        ("0922222222", "Sai"),
        ("0933333333", ""),
    ] {
        let reg = app.register_raw("st", json!({"full_name": "Phạm Thị D", "phone": phone, "birth_year": 1992, "unit_id": p01, "consent": true, "category": "citizen"})).await;
        let token = reg.body["token"].as_str().unwrap().to_owned();
        let attempt = app.start("st", &token).await;
        let id = attempt.body["attempt_id"].as_str().unwrap().to_owned();
        if !prefix.is_empty() {
            for q in attempt.body["questions"].as_array().unwrap() {
                let option = q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["text"].as_str().unwrap().starts_with(prefix))
                    .unwrap();
                app.save(
                    &id,
                    &token,
                    q["position"].as_i64().unwrap(),
                    &[option["key"].as_str().unwrap()],
                )
                .await;
            }
            app.submit(&id, &token, json!({"prediction": 3})).await;
        }
        tokens.push(token);
    }
    let summary = app
        .staff_call(&org, Method::GET, "/api/v1/admin/contests/st/stats", None)
        .await;
    assert_eq!(summary.status, 200, "{summary:?}");
    let expected = json!({
        "participants": 2, "attempts": 2, "perfect_participants": 1, "perfect_attempts": 1,
        "units_participating": 1, "units_total": 3, "score_distribution": [1, 0, 0, 0, 1], "in_progress": 1
    });
    // The contract's fields (later fields are added beside them: see stats_api.rs).
    let contract = |body: &Value| {
        let mut only = serde_json::Map::new();
        for key in expected.as_object().unwrap().keys() {
            only.insert(key.clone(), body[key.as_str()].clone());
        }
        Value::Object(only)
    };
    assert_eq!(contract(&summary.body), expected);
    assert_eq!(
        contract(
            &app.staff_call(
                &org,
                Method::GET,
                "/api/v1/admin/contests/st/stats?round=1",
                None
            )
            .await
            .body
        ),
        expected
    );
    let per_unit = app
        .staff_call(
            &org,
            Method::GET,
            "/api/v1/admin/contests/st/stats/units?format=json",
            None,
        )
        .await;
    let rows = per_unit.body.as_array().unwrap();
    assert_eq!(rows.len(), 3, "every unit, zeros included");
    let p01_row = rows.iter().find(|r| r["unit_code"] == "P01").unwrap();
    assert_eq!(p01_row["participants"], 2);
    assert_eq!(p01_row["perfect_attempts"], 1);
    assert_eq!(p01_row["participation_rate"].as_f64().unwrap(), 2.0 / 120.0);
    let p02_row = rows.iter().find(|r| r["unit_code"] == "P02").unwrap();
    assert_eq!(
        (
            p02_row["participants"].clone(),
            p02_row["participation_rate"].clone()
        ),
        (json!(0), Value::Null)
    );

    let csv = app
        .http
        .get(format!(
            "{}/api/v1/admin/contests/st/stats/units?format=csv",
            app.base
        ))
        .header("Cookie", &org.cookie)
        .send()
        .await
        .unwrap();
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}Mã đơn vị".as_bytes()));
    let xlsx = app
        .http
        .get(format!(
            "{}/api/v1/admin/contests/st/stats/units?format=xlsx",
            app.base
        ))
        .header("Cookie", &org.cookie)
        .send()
        .await
        .unwrap();
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    let manager = app.staff("manager2", Role::UnitManager, Some("P02")).await;
    let own = app
        .staff_call(
            &manager,
            Method::GET,
            "/api/v1/admin/contests/st/stats/units",
            None,
        )
        .await;
    let codes: Vec<&str> = own
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["P02"]);
    let own_summary = app
        .staff_call(
            &manager,
            Method::GET,
            "/api/v1/admin/contests/st/stats",
            None,
        )
        .await;
    assert_eq!(
        (
            own_summary.body["participants"].clone(),
            own_summary.body["units_total"].clone()
        ),
        (json!(0), json!(1))
    );
}

#[tokio::test]
async fn the_exported_bank_imports_back_as_the_same_bank() {
    let app = TestApp::with_demo().await;
    let org = organizer(&app).await;
    let created = app
        .staff_call(&org, Method::POST, "/api/v1/admin/contests/demo/questions", Some(json!({
            "topic": "Thử nghiệm", "text": "Câu có =công thức= và \"ngoặc\"?", "options": ["=SUM(A1)", "Hai", "Ba"],
            "key": ["A", "C"], "points": 2, "explanation": "Vì vậy.", "tags": ["mới", " "]
        })))
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.body["current"]["tags"], json!(["mới"]));
    assert_eq!(created.body["current"]["multiple"], true);
    let export = app
        .http
        .get(format!(
            "{}/api/v1/admin/contests/demo/questions/export.xlsx",
            app.base
        ))
        .header("Cookie", &org.cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    app.staff_call(
        &org,
        Method::POST,
        "/api/v1/admin/contests",
        Some(contest_body("copy")),
    )
    .await;
    let imported = app
        .staff_upload(
            &org,
            "/api/v1/admin/contests/copy/questions/import",
            export,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .await;
    assert_eq!(
        (imported.status.as_u16(), imported.body["imported"].clone()),
        (200, json!(105)),
        "{imported:?}"
    );
    let original = app
        .staff_call(
            &org,
            Method::GET,
            "/api/v1/admin/contests/demo/questions",
            None,
        )
        .await;
    let copy = app
        .staff_call(
            &org,
            Method::GET,
            "/api/v1/admin/contests/copy/questions",
            None,
        )
        .await;
    let content = |list: &Value| -> Vec<(String, Value, Value, Value, String)> {
        let mut rows: Vec<_> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let c = &q["current"];
                (
                    c["text"].as_str().unwrap().to_owned(),
                    c["options"].clone(),
                    c["key"].clone(),
                    c["points"].clone(),
                    q["topic"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    };
    assert_eq!(content(&copy.body), content(&original.body));
}

#[tokio::test]
async fn the_last_admin_cannot_be_disabled_or_demoted() {
    let app = TestApp::empty().await;
    let admin = app.staff("admin1", Role::Admin, None).await;
    let path = "/api/v1/admin/staff/admin1";
    let demote = app
        .staff_call(
            &admin,
            Method::PATCH,
            path,
            Some(json!({"role": "organizer"})),
        )
        .await;
    assert_eq!((demote.status.as_u16(), demote.code()), (409, "last_admin"));
    let disable = app
        .staff_call(&admin, Method::PATCH, path, Some(json!({"active": false})))
        .await;
    assert_eq!(disable.code(), "last_admin");
    let created = app
        .staff_call(
            &admin,
            Method::POST,
            "/api/v1/admin/staff",
            Some(
                json!({"username": "admin2", "role": "admin", "password": "another long password"}),
            ),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let now_fine = app
        .staff_call(
            &admin,
            Method::PATCH,
            "/api/v1/admin/staff/admin2",
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(now_fine.status, 200, "{now_fine:?}");
}
