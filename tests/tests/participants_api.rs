//! Staff participant management through the API: searching (names without diacritics,
//! phones, national IDs), paging and filters, phones masked in every list for every role, a
//! unit manager's name-only, read-only view, one participant's whole record (admins and
//! organizers, audited), and marking a participant ineligible for prizes (validation, audit,
//! the effect on finalizing and the `needs_refinalize` flag of results finalized before).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use chrono::Duration;
use cuocthi_store::staff::Role;
use cuocthi_tests::{Staff, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const SEED: &str = "bốc thăm đợt 1";

fn contest_body(slug: &str) -> Value {
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
        "reveal": "after_submit",
        "prizes": {
            "individual": [
                {"tier": "first", "name": "Giải Nhất", "count": 1},
                {"tier": "second", "name": "Giải Nhì", "count": 1}
            ],
            "pools": "all",
            "exclude_previous_winners": false,
            "collective": null
        }
    })
}

fn list_path(slug: &str) -> String {
    format!("/api/v1/admin/contests/{slug}/participants")
}

fn one_path(slug: &str, id: &str) -> String {
    format!("/api/v1/admin/contests/{slug}/participants/{id}")
}

async fn unit(app: &TestApp, slug: &str, code: &str) -> String {
    app.get(&format!("/api/v1/contests/{slug}/units"))
        .await
        .body
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["code"] == code)
        .expect("unit")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A registered person: id and token.
struct Person {
    id: String,
    token: String,
}

/// Registers a person (one second after the previous one, so registration order is clear).
async fn register(
    app: &TestApp,
    slug: &str,
    name: &str,
    phone: &str,
    unit_code: &str,
    national_id: Option<&str>,
) -> Person {
    app.advance(Duration::seconds(1));
    let mut body = json!({"full_name": name, "phone": phone, "birth_year": 1985,
        "unit_id": unit(app, slug, unit_code).await, "consent": true});
    if let Some(id) = national_id {
        body["national_id"] = json!(id);
    }
    let reply = app.register_raw(slug, body).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    Person {
        id: reply.body["participant_id"]
            .as_str()
            .expect("id")
            .to_owned(),
        token: reply.body["token"].as_str().expect("token").to_owned(),
    }
}

/// Takes an attempt with `right` right answers, submitted after `seconds`.
async fn take(app: &TestApp, slug: &str, person: &Person, right: usize, seconds: i64) {
    let attempt = app.start(slug, &person.token).await;
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
                &person.token,
                q["position"].as_i64().expect("position"),
                &[option["key"].as_str().expect("key")],
            )
            .await;
        assert_eq!(saved.status, 200, "{saved:?}");
    }
    app.advance(Duration::seconds(seconds));
    let submitted = app.submit(&id, &person.token, json!({})).await;
    assert_eq!(submitted.status, 200, "{submitted:?}");
    assert_eq!(submitted.body["correct"], json!(right), "{submitted:?}");
}

/// A search as `staff`, `query` as written in the URL: status and body.
async fn search(app: &TestApp, staff: &Staff, slug: &str, query: &str) -> (u16, Value) {
    let reply = app
        .staff_call(
            staff,
            Method::GET,
            &format!("{}?{query}", list_path(slug)),
            None,
        )
        .await;
    (reply.status.as_u16(), reply.body)
}

/// The names of a page, in order.
fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["full_name"].as_str().expect("name"))
        .collect()
}

/// The names found by `q` (URL-encoded by the caller) and the total.
async fn found(app: &TestApp, staff: &Staff, slug: &str, q: &str) -> (i64, Vec<String>) {
    let (status, page) = search(app, staff, slug, &format!("q={q}")).await;
    assert_eq!(status, 200, "q={q}: {page}");
    (
        page["total"].as_i64().expect("total"),
        names(&page).into_iter().map(str::to_owned).collect(),
    )
}

/// Five people in three units, registered in this order.
async fn five_people(app: &TestApp, slug: &str) -> Vec<Person> {
    vec![
        register(
            app,
            slug,
            "Nguyễn Văn An",
            "0987000001",
            "P01",
            Some("001099012345"),
        )
        .await,
        register(app, slug, "Nguyễn Thị Bình", "0987000002", "P01", None).await,
        register(app, slug, "Trần Văn An", "0987000003", "P02", None).await,
        register(app, slug, "Lê Đức Cường", "0912345678", "CQ1", None).await,
        // Typed decomposed, in capitals: stored NFC, found all the same.
        register(
            app,
            slug,
            "\u{110}O\u{302}\u{303} THU  HA\u{300}",
            "0987000005",
            "CQ1",
            None,
        )
        .await,
    ]
}

#[tokio::test]
async fn staff_search_names_without_diacritics_phones_and_national_ids() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "tim-kiem";
    app.set_up_contest(&org, contest_body(slug)).await;
    let people = five_people(&app, slug).await;

    // "nguyen van an" finds "Nguyễn Văn An", and only them.
    assert_eq!(
        found(&app, &org, slug, "nguyen%20van%20an").await,
        (1, vec!["Nguyễn Văn An".to_owned()])
    );
    // With diacritics, in any case, part of a name: every match in registration order.
    assert_eq!(
        found(&app, &org, slug, "V%C4%82N%20AN").await,
        (
            2,
            vec!["Nguyễn Văn An".to_owned(), "Trần Văn An".to_owned()]
        )
    );
    assert_eq!(
        found(&app, &org, slug, "nguyen").await.0,
        2,
        "Nguyễn Văn An and Nguyễn Thị Bình"
    );
    // đ folds to d.
    assert_eq!(
        found(&app, &org, slug, "do%20thu").await,
        (1, vec!["ĐỖ THU HÀ".to_owned()])
    );
    assert_eq!(
        found(&app, &org, slug, "duc").await,
        (1, vec!["Lê Đức Cường".to_owned()])
    );
    // A whole phone, however typed, is that phone; some digits, any phone containing them.
    assert_eq!(
        found(&app, &org, slug, "0987%20000%20002").await,
        (1, vec!["Nguyễn Thị Bình".to_owned()])
    );
    assert_eq!(
        found(&app, &org, slug, "%2B84912345678").await,
        (1, vec!["Lê Đức Cường".to_owned()])
    );
    assert_eq!(
        found(&app, &org, slug, "000003").await,
        (1, vec!["Trần Văn An".to_owned()])
    );
    assert_eq!(found(&app, &org, slug, "0987").await.0, 4);
    // A national ID, exactly.
    assert_eq!(
        found(&app, &org, slug, "001099012345").await,
        (1, vec!["Nguyễn Văn An".to_owned()])
    );
    assert_eq!(found(&app, &org, slug, "001099012346").await.0, 0);
    // LIKE wildcards are plain characters.
    assert_eq!(found(&app, &org, slug, "%25").await.0, 0);
    assert_eq!(found(&app, &org, slug, "_").await.0, 0);
    assert_eq!(found(&app, &org, slug, "nobody").await, (0, vec![]));

    // A row, for an organizer: the phone masked all the same.
    let (_, page) = search(&app, &org, slug, "q=0987000001").await;
    let row = &page["items"][0];
    assert_eq!(row["id"], people[0].id.as_str());
    assert_eq!(row["phone"], "09xx xxx 001");
    assert_eq!(row["birth_year"], 1985);
    assert_eq!(row["unit_code"], "P01");
    assert_eq!(row["unit_name"], "Phường Bắc Hồng");
    assert!(row["category"].is_null());
    assert_eq!(row["registered_at"], "2026-11-25T02:00:01.000Z");
    assert_eq!(row["eligible"], true);
    assert!(row["ineligible_reason"].is_null());
    assert_eq!(row["attempts_finished"], 0);
    assert!(row["best_score"].is_null());
    assert!(row.get("national_id").is_none(), "{row}");
    assert!(row.get("address").is_none(), "{row}");
    // Found by some digits of a phone: masked too, so the digits asked are not shown back.
    let (_, page) = search(&app, &org, slug, "q=000003").await;
    assert_eq!(page["items"][0]["phone"], "09xx xxx 003");

    // Finished attempts and the best score; an attempt in progress does not count.
    take(&app, slug, &people[0], 2, 30).await;
    take(&app, slug, &people[0], 3, 30).await;
    let open = app.start(slug, &people[1].token).await;
    assert_eq!(open.status, 201, "{open:?}");
    let (_, page) = search(&app, &org, slug, "q=nguyen").await;
    assert_eq!(page["items"][0]["attempts_finished"], 2);
    assert_eq!(page["items"][0]["best_score"], 3);
    assert_eq!(page["items"][1]["attempts_finished"], 0);
    assert!(page["items"][1]["best_score"].is_null());
}

#[tokio::test]
async fn pages_are_stable_and_filters_combine() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "trang";
    app.set_up_contest(&org, contest_body(slug)).await;
    let people = five_people(&app, slug).await;
    // Another contest's participants never show.
    app.set_up_contest(&org, contest_body("khac")).await;
    register(&app, "khac", "Nguyễn Văn An", "0987000001", "P01", None).await;

    let (status, all) = search(&app, &org, slug, "").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        (
            all["total"].clone(),
            all["page"].clone(),
            all["per_page"].clone()
        ),
        (json!(5), json!(1), json!(50))
    );
    let everyone = names(&all);
    assert_eq!(
        everyone,
        vec![
            "Nguyễn Văn An",
            "Nguyễn Thị Bình",
            "Trần Văn An",
            "Lê Đức Cường",
            "ĐỖ THU HÀ"
        ]
    );
    // Two at a time: the same order, nobody twice, nobody left out; past the end, empty.
    let mut paged = Vec::new();
    for n in 1..=3 {
        let (status, page) = search(&app, &org, slug, &format!("page={n}&per_page=2")).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 5);
        assert_eq!(page["page"], n);
        assert_eq!(page["per_page"], 2);
        paged.extend(names(&page).into_iter().map(str::to_owned));
    }
    assert_eq!(paged, everyone);
    let (_, past) = search(&app, &org, slug, "page=4&per_page=2").await;
    assert_eq!(
        (past["total"].clone(), past["items"].clone()),
        (json!(5), json!([]))
    );
    let (status, _) = search(&app, &org, slug, "per_page=200").await;
    assert_eq!(status, 200);

    // Out of range or unreadable.
    for (query, field, code) in [
        ("per_page=0", "per_page", "out_of_range"),
        ("per_page=201", "per_page", "out_of_range"),
        ("page=0", "page", "out_of_range"),
        ("eligible=maybe", "eligible", "invalid"),
        ("unit=NOPE", "unit", "unknown_unit"),
    ] {
        let (status, body) = search(&app, &org, slug, query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["fields"][field], code, "{query}: {body}");
    }
    let long = "a".repeat(201);
    let (status, body) = search(&app, &org, slug, &format!("q={long}")).await;
    assert_eq!(
        (status, body["fields"]["q"].clone()),
        (422, json!("too_long"))
    );
    let unknown = app
        .staff_call(&org, Method::GET, &list_path("nope"), None)
        .await;
    assert_eq!(unknown.status, 404);
    let anonymous = app.get(&list_path(slug)).await;
    assert_eq!(anonymous.status, 401);
    // Both endpoints are documented.
    let doc = app.get("/api/openapi.json").await.body;
    let documented = &doc["paths"]["/api/v1/admin/contests/{slug}/participants"]["get"];
    assert!(documented.is_object(), "list documented");
    assert!(
        doc["paths"]["/api/v1/admin/contests/{slug}/participants/{id}"]["patch"].is_object(),
        "change documented"
    );
    assert!(
        doc["paths"]["/api/v1/admin/contests/{slug}/participants/{id}"]["get"].is_object(),
        "detail documented"
    );
    // The export next door (another endpoint) is still reached.
    let export = app
        .http
        .get(format!("{}{}/export", app.base, list_path(slug)))
        .header("Cookie", &org.cookie)
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(export.status(), 200);

    // Unit, eligibility and search together.
    let (_, p01) = search(&app, &org, slug, "unit=P01").await;
    assert_eq!(names(&p01), vec!["Nguyễn Văn An", "Nguyễn Thị Bình"]);
    let marked = app
        .staff_call(
            &org,
            Method::PATCH,
            &one_path(slug, &people[1].id),
            Some(json!({"eligible": false, "ineligible_reason": "trùng người"})),
        )
        .await;
    assert_eq!(marked.status, 200, "{marked:?}");
    let (_, out) = search(&app, &org, slug, "eligible=false").await;
    assert_eq!(names(&out), vec!["Nguyễn Thị Bình"]);
    assert_eq!(out["items"][0]["ineligible_reason"], "trùng người");
    let (_, kept) = search(&app, &org, slug, "eligible=true&unit=P01").await;
    assert_eq!(names(&kept), vec!["Nguyễn Văn An"]);
    let (_, none) = search(&app, &org, slug, "eligible=false&q=tran").await;
    assert_eq!(none["total"], 0);
    let (_, both) = search(&app, &org, slug, "eligible=&unit=&q=").await;
    assert_eq!(both["total"], 5, "empty filters are no filters");
}

#[tokio::test]
async fn a_unit_manager_sees_their_unit_with_masked_phones_searches_names_and_changes_nothing() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "don-vi";
    app.set_up_contest(&org, contest_body(slug)).await;
    let people = five_people(&app, slug).await;
    let manager = app
        .staff("manager_p01", Role::UnitManager, Some("P01"))
        .await;

    let (status, page) = search(&app, &manager, slug, "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 2);
    assert_eq!(names(&page), vec!["Nguyễn Văn An", "Nguyễn Thị Bình"]);
    let phones: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, vec!["09xx xxx 001", "09xx xxx 002"]);
    // Their own unit asked for explicitly is fine; searching stays within it.
    let (status, own) = search(&app, &manager, slug, "unit=P01&q=van%20an").await;
    assert_eq!((status, names(&own)), (200, vec!["Nguyễn Văn An"]));
    let (_, elsewhere) = search(&app, &manager, slug, "q=tran%20van").await;
    assert_eq!(elsewhere["total"], 0, "Trần Văn An is in P02");
    // Names only: no digit of a phone or national ID, whole or in part, is searchable by them
    // (the masked digits would otherwise come back one guess at a time).
    for q in [
        "0987000001",
        "001099012345",
        "000001",
        "1",
        "%2B84%20987",
        "an%202",
    ] {
        let (status, body) = search(&app, &manager, slug, &format!("q={q}")).await;
        assert_eq!(status, 422, "q={q}: {body}");
        assert_eq!(body["error"], "validation_failed", "q={q}: {body}");
        assert_eq!(body["fields"]["q"], "name_only", "q={q}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("họ tên") && message.contains("by name only"),
            "{message}"
        );
    }
    // The same searches are an organizer's to make.
    assert_eq!(found(&app, &org, slug, "000001").await.0, 1);
    // Nor may they read a whole record.
    let detail = app
        .staff_call(&manager, Method::GET, &one_path(slug, &people[0].id), None)
        .await;
    assert_eq!((detail.status.as_u16(), detail.code()), (403, "forbidden"));
    assert!(detail.body.get("phone").is_none(), "{detail:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participant.view'")
            .await,
        0
    );
    // Another unit: refused.
    let (status, body) = search(&app, &manager, slug, "unit=P02").await;
    assert_eq!((status, body["error"].clone()), (403, json!("forbidden")));
    // Read-only.
    let patch = app
        .staff_call(
            &manager,
            Method::PATCH,
            &one_path(slug, &people[0].id),
            Some(json!({"eligible": false, "ineligible_reason": "x"})),
        )
        .await;
    assert_eq!((patch.status.as_u16(), patch.code()), (403, "forbidden"));
    let (_, after) = search(&app, &org, slug, "eligible=false").await;
    assert_eq!(after["total"], 0);
    // A unit this contest does not have: nobody.
    let stranger = app.staff("manager_x9", Role::UnitManager, Some("X9")).await;
    let (status, page) = search(&app, &stranger, slug, "").await;
    assert_eq!((status, page["total"].clone()), (200, json!(0)));
}

#[tokio::test]
async fn marking_ineligible_is_validated_audited_and_changes_the_prizes() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let admin = app.staff("admin1", Role::Admin, None).await;
    let slug = "loai";
    app.set_up_contest(&org, contest_body(slug)).await;
    let an = register(&app, slug, "Trần Thị An", "0987000001", "CQ1", None).await;
    let binh = register(&app, slug, "Lê Văn Bình", "0987000002", "CQ1", None).await;
    let cuong = register(&app, slug, "Phạm Văn Cường", "0987000003", "P01", None).await;
    let dung = register(&app, slug, "Hoàng Thị Dung", "0987000004", "P01", None).await;
    take(&app, slug, &an, 4, 10).await;
    take(&app, slug, &binh, 3, 10).await;
    take(&app, slug, &cuong, 2, 10).await;
    let patch = |id: &str, body: Value| {
        let path = one_path(slug, id);
        let org = org.clone();
        let app = &app;
        async move { app.staff_call(&org, Method::PATCH, &path, Some(body)).await }
    };

    // Validation.
    for (body, field, code) in [
        (json!({}), "eligible", "required"),
        (json!({"ineligible_reason": "x"}), "eligible", "required"),
        (json!({"eligible": false}), "ineligible_reason", "required"),
        (
            json!({"eligible": false, "ineligible_reason": " \n "}),
            "ineligible_reason",
            "required",
        ),
        (
            json!({"eligible": false, "ineligible_reason": "x".repeat(501)}),
            "ineligible_reason",
            "too_long",
        ),
    ] {
        let reply = patch(&an.id, body.clone()).await;
        assert_eq!(reply.status, 422, "{body} -> {reply:?}");
        assert_eq!(reply.body["fields"][field], code, "{body} -> {reply:?}");
    }
    for id in [
        "00000000-0000-0000-0000-000000000000",
        "not-an-id",
        "export",
    ] {
        let reply = patch(id, json!({"eligible": true})).await;
        assert_eq!(reply.status, 404, "{id}: {reply:?}");
    }
    // Another contest's participant is not this contest's.
    app.set_up_contest(&org, contest_body("khac")).await;
    let other = register(&app, "khac", "Trần Thị An", "0987000001", "CQ1", None).await;
    let reply = patch(&other.id, json!({"eligible": true})).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    let no_csrf = app
        .staff_call_with(
            &org,
            false,
            Method::PATCH,
            &one_path(slug, &an.id),
            Some(json!({"eligible": true})),
        )
        .await;
    assert_eq!(no_csrf.code(), "csrf_required");
    // Nothing stored by any of those.
    let (_, page) = search(&app, &org, slug, "eligible=false").await;
    assert_eq!(page["total"], 0);

    // The live board ranks An first, until An is marked.
    let board_path = format!("/api/v1/admin/contests/{slug}/rounds/1/leaderboard");
    let board = app.staff_call(&org, Method::GET, &board_path, None).await;
    assert_eq!(board.status, 200, "{board:?}");
    assert_eq!(board.body["entries"][0]["participant_id"], an.id.as_str());

    // An is on the organizing staff.
    let marked = patch(
        &an.id,
        json!({"eligible": false, "ineligible_reason": "  cán bộ   Ban Tổ chức "}),
    )
    .await;
    assert_eq!(marked.status, 200, "{marked:?}");
    assert_eq!(marked.body["id"], an.id.as_str());
    assert_eq!(marked.body["eligible"], false);
    assert_eq!(marked.body["ineligible_reason"], "cán bộ Ban Tổ chức");
    assert_eq!(
        marked.body["phone"], "09xx xxx 001",
        "masked here as in the list"
    );
    assert_eq!(marked.body["attempts_finished"], 1);
    assert_eq!(marked.body["best_score"], 4);
    let board = app.staff_call(&org, Method::GET, &board_path, None).await;
    assert_eq!(board.status, 200, "{board:?}");
    assert!(
        board.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["participant_id"] != an.id.as_str()),
        "{board:?}"
    );

    // In the audit log, with the state before and after.
    let log = app
        .staff_call(&admin, Method::GET, "/api/v1/admin/audit", None)
        .await;
    let entries: Vec<&Value> = log
        .body
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "participant.eligibility")
        .collect();
    assert_eq!(entries.len(), 1, "{log:?}");
    assert_eq!(entries[0]["actor"], "org1");
    assert_eq!(entries[0]["subject"], an.id.as_str());
    assert_eq!(
        entries[0]["before"],
        json!({"eligible": true, "ineligible_reason": null})
    );
    assert_eq!(entries[0]["after"]["eligible"], false);
    assert_eq!(
        entries[0]["after"]["ineligible_reason"],
        "cán bộ Ban Tổ chức"
    );
    // The same again changes nothing and logs nothing.
    let again = patch(
        &an.id,
        json!({"eligible": false, "ineligible_reason": "cán bộ Ban Tổ chức"}),
    )
    .await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participant.eligibility'")
            .await,
        1
    );

    // Finalizing: An keeps the attempt but wins nothing; Bình and Cường take the prizes.
    let closed = app
        .staff_call(
            &org,
            Method::POST,
            &format!("/api/v1/admin/contests/{slug}/rounds/1/close"),
            None,
        )
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    app.advance(Duration::seconds(16));
    let finalize = format!("/api/v1/admin/contests/{slug}/rounds/1/finalize");
    let first = app
        .staff_call(
            &org,
            Method::POST,
            &finalize,
            Some(json!({"draw_seed": SEED})),
        )
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    let winners = |r: &Value| -> Vec<(String, String)> {
        r["prizes"]
            .as_array()
            .expect("prizes")
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_owned(),
                    p["tier"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        winners(&first.body),
        vec![
            ("Lê Văn Bình".to_owned(), "first".to_owned()),
            ("Phạm Văn Cường".to_owned(), "second".to_owned())
        ],
        "{first:?}"
    );
    let versions_path = format!("/api/v1/admin/contests/{slug}/rounds/1/results");
    let flags = || {
        let (app, org, path) = (&app, &org, &versions_path);
        async move {
            let versions = app.staff_call(org, Method::GET, path, None).await;
            assert_eq!(versions.status, 200, "{versions:?}");
            versions
                .body
                .as_array()
                .expect("versions")
                .iter()
                .map(|v| v["needs_refinalize"].as_bool().expect("flag"))
                .collect::<Vec<bool>>()
        }
    };
    assert_eq!(flags().await, vec![false]);

    // Someone who finished nothing in the round changes no result.
    let quiet = patch(
        &dung.id,
        json!({"eligible": false, "ineligible_reason": "đăng ký hộ"}),
    )
    .await;
    assert_eq!(quiet.status, 200, "{quiet:?}");
    assert_eq!(quiet.body["attempts_finished"], 0);
    assert_eq!(flags().await, vec![false]);

    // Restoring An: the reason goes, the finalized result is flagged, and finalizing again
    // gives An the first prize.
    let restored = patch(
        &an.id,
        json!({"eligible": true, "ineligible_reason": "ignored"}),
    )
    .await;
    assert_eq!(restored.status, 200, "{restored:?}");
    assert_eq!(restored.body["eligible"], true);
    assert!(restored.body["ineligible_reason"].is_null());
    assert_eq!(flags().await, vec![true]);
    let log = app
        .staff_call(&admin, Method::GET, "/api/v1/admin/audit", None)
        .await;
    let newest = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "participant.eligibility")
        .unwrap();
    assert_eq!(newest["subject"], an.id.as_str());
    assert_eq!(newest["after"]["rounds_to_refinalize"], json!([1]));
    let second = app
        .staff_call(
            &org,
            Method::POST,
            &finalize,
            Some(json!({"draw_seed": SEED})),
        )
        .await;
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(second.body["version"], 2);
    assert_eq!(
        winners(&second.body),
        vec![
            ("Trần Thị An".to_owned(), "first".to_owned()),
            ("Lê Văn Bình".to_owned(), "second".to_owned())
        ],
        "{second:?}"
    );
    assert_eq!(flags().await, vec![true, false]);
}

#[tokio::test]
async fn every_role_sees_masked_phones_and_only_staff_who_manage_read_a_whole_record_audited() {
    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let admin = app.staff("admin1", Role::Admin, None).await;
    let slug = "chi-tiet";
    app.set_up_contest(&org, contest_body(slug)).await;
    let people = five_people(&app, slug).await;
    let manager = app
        .staff("manager_cq1", Role::UnitManager, Some("CQ1"))
        .await;

    // Every list, every role: no whole phone.
    for (who, staff, expected) in [
        (
            "organizer",
            &org,
            vec![
                "09xx xxx 001",
                "09xx xxx 002",
                "09xx xxx 003",
                "09xx xxx 678",
                "09xx xxx 005",
            ],
        ),
        (
            "admin",
            &admin,
            vec![
                "09xx xxx 001",
                "09xx xxx 002",
                "09xx xxx 003",
                "09xx xxx 678",
                "09xx xxx 005",
            ],
        ),
        (
            "unit manager",
            &manager,
            vec!["09xx xxx 678", "09xx xxx 005"],
        ),
    ] {
        let (status, page) = search(&app, staff, slug, "").await;
        assert_eq!(status, 200, "{who}: {page}");
        let items = page["items"].as_array().unwrap();
        let phones: Vec<&str> = items.iter().map(|p| p["phone"].as_str().unwrap()).collect();
        assert_eq!(phones, expected, "{who}");
        for item in items {
            assert!(item.get("national_id").is_none(), "{who}: {item}");
            assert!(item.get("address").is_none(), "{who}: {item}");
        }
    }
    // A search by a whole phone or national ID finds the row, masked.
    for q in ["0912345678", "%2B84%20912%20345%20678"] {
        let (_, page) = search(&app, &admin, slug, &format!("q={q}")).await;
        assert_eq!(names(&page), vec!["Lê Đức Cường"], "{q}");
        assert_eq!(page["items"][0]["phone"], "09xx xxx 678", "{q}");
    }
    let (_, page) = search(&app, &org, slug, "q=001099012345").await;
    assert_eq!(names(&page), vec!["Nguyễn Văn An"]);
    assert_eq!(page["items"][0]["phone"], "09xx xxx 001");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participant.view'")
            .await,
        0,
        "lists are not views of a record"
    );

    // The whole record, for an organizer, logged.
    let an = &people[0];
    take(&app, slug, an, 3, 20).await;
    app.advance(Duration::seconds(5));
    let detail = app
        .staff_call(&org, Method::GET, &one_path(slug, &an.id), None)
        .await;
    assert_eq!(detail.status, 200, "{detail:?}");
    let d = &detail.body;
    assert_eq!(d["id"], an.id.as_str());
    assert_eq!(d["full_name"], "Nguyễn Văn An");
    assert_eq!(d["phone"], "0987000001");
    assert_eq!(d["national_id"], "001099012345");
    assert_eq!(d["birth_year"], 1985);
    assert!(d["gender"].is_null() && d["address"].is_null(), "{d}");
    assert_eq!(d["unit_code"], "P01");
    assert_eq!(d["unit_name"], "Phường Bắc Hồng");
    assert_eq!(d["registered_at"], "2026-11-25T02:00:01.000Z");
    assert_eq!(d["eligible"], true);
    assert_eq!(d["attempts_finished"], 1);
    assert_eq!(d["best_score"], 3);
    let log = app
        .staff_call(&admin, Method::GET, "/api/v1/admin/audit", None)
        .await;
    let views: Vec<&Value> = log
        .body
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "participant.view")
        .collect();
    assert_eq!(views.len(), 1, "{log:?}");
    assert_eq!(views[0]["actor"], "org1");
    assert_eq!(views[0]["subject"], an.id.as_str());
    assert_eq!(
        views[0]["contest_id"],
        app.contest_row(slug).await.id.to_string(),
        "the entry names the contest"
    );

    // An admin too, with the optional fields given at registration; each view is an entry.
    app.advance(Duration::seconds(1));
    let full = app
        .register_raw(
            slug,
            json!({"full_name": "Phạm Thị Hoa", "phone": "0977123456", "birth_year": 1990,
                "unit_id": unit(&app, slug, "CQ1").await, "consent": true,
                "national_id": "079190000123", "gender": "female",
                "address": "12 Hàng Bài, Hoàn Kiếm"}),
        )
        .await;
    assert_eq!(full.status, 201, "{full:?}");
    let hoa = full.body["participant_id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let detail = app
            .staff_call(&admin, Method::GET, &one_path(slug, &hoa), None)
            .await;
        assert_eq!(detail.status, 200, "{detail:?}");
        assert_eq!(detail.body["phone"], "0977123456");
        assert_eq!(detail.body["national_id"], "079190000123");
        assert_eq!(detail.body["gender"], "female");
        assert_eq!(detail.body["address"], "12 Hàng Bài, Hoàn Kiếm");
        assert_eq!(detail.body["attempts_finished"], 0);
        assert!(detail.body["best_score"].is_null());
    }
    let (_, page) = search(&app, &admin, slug, "q=hoa").await;
    assert_eq!(page["items"][0]["phone"], "09xx xxx 456");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participant.view' \
             AND actor = 'admin1' AND subject = '{hoa}'"
        ))
        .await,
        2
    );

    // A unit manager: refused, even for their own unit's participant; nothing logged.
    let own = app
        .staff_call(&manager, Method::GET, &one_path(slug, &people[3].id), None)
        .await;
    assert_eq!((own.status.as_u16(), own.code()), (403, "forbidden"));

    // Unknown, malformed, another contest's: 404, nothing logged.
    app.set_up_contest(&org, contest_body("khac")).await;
    let other = register(&app, "khac", "Trần Thị An", "0987000001", "CQ1", None).await;
    for id in [
        "00000000-0000-0000-0000-000000000000",
        "0198a6f0-0000-7000-8000-000000000000",
        "not-an-id",
        other.id.as_str(),
    ] {
        let reply = app
            .staff_call(&org, Method::GET, &one_path(slug, id), None)
            .await;
        assert_eq!(reply.status, 404, "{id}: {reply:?}");
    }
    let unknown_contest = app
        .staff_call(&org, Method::GET, &one_path("nope", &an.id), None)
        .await;
    assert_eq!(unknown_contest.status, 404);
    let anonymous = app.get(&one_path(slug, &an.id)).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participant.view'")
            .await,
        3,
        "one organizer view and two admin views, nothing else"
    );

    // `participants/export` is still the export, not a participant id.
    let export = app
        .http
        .get(format!("{}{}/export", app.base, list_path(slug)))
        .header("Cookie", &org.cookie)
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(export.status(), 200);
}

#[tokio::test]
async fn the_search_migration_folds_the_names_of_everyone_registered_before_it() {
    use cuocthi_migrations::{MigratorTrait, SchemaManager};
    use cuocthi_store::entities::participant;
    use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};

    let app = TestApp::empty().await;
    let org = app.staff("org1", Role::Organizer, None).await;
    let slug = "cu";
    app.set_up_contest(&org, contest_body(slug)).await;
    let first = register(&app, slug, "Nguyễn Văn An", "0987000001", "P01", None).await;
    // More than one batch of the backfill, written directly.
    let contest_id = app.contest_row(slug).await.id;
    let unit_id = uuid::Uuid::parse_str(&unit(&app, slug, "P02").await).unwrap();
    let rows: Vec<participant::ActiveModel> = (0..950)
        .map(|i| participant::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            contest_id: Set(contest_id),
            full_name: Set(format!("Đặng Thị Mỹ {i:03}")),
            name_key: Set(format!("đặng thị mỹ {i:03}")),
            name_fold: Set(String::new()),
            phone: Set(format!("0988{i:06}")),
            national_id: Set(None),
            birth_year: Set(1990),
            gender: Set(None),
            unit_id: Set(unit_id),
            category: Set(None),
            address: Set(None),
            pin_hash: Set(None),
            eligible: Set(true),
            ineligible_reason: Set(None),
            registered_at: Set(1_000 + i),
        })
        .collect();
    for chunk in rows.chunks(300) {
        participant::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.ctx.db)
            .await
            .expect("insert participants");
    }
    assert_eq!(
        found(&app, &org, slug, "dang%20thi").await.0,
        0,
        "not folded yet"
    );

    // The migration again, from before it: every name folded.
    let migration = cuocthi_migrations::Migrator::migrations()
        .into_iter()
        .find(|m| m.name() == "m20261125_000008_participant_search")
        .expect("the migration");
    // On one connection (SQLite connections would otherwise see each other's schema late).
    let txn = app.ctx.db.begin().await.expect("begin");
    let manager = SchemaManager::new(&txn);
    migration.down(&manager).await.expect("down");
    migration.up(&manager).await.expect("up");
    txn.commit().await.expect("commit");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM participants WHERE name_fold = ''")
            .await,
        0
    );
    let (total, _) = found(&app, &org, slug, "dang%20thi%20my").await;
    assert_eq!(total, 950);
    let (_, page) = search(&app, &org, slug, "q=my%20949").await;
    assert_eq!(names(&page), vec!["Đặng Thị Mỹ 949"]);
    let (_, page) = search(&app, &org, slug, "q=nguyen%20van%20an").await;
    assert_eq!(page["items"][0]["id"], first.id.as_str());
}

#[tokio::test]
async fn the_participants_page_searches_excludes_with_a_reason_and_restores() {
    use cuocthi_tests::browser::Browser;

    let app = TestApp::empty().await;
    let org = app.staff("bantochuc", Role::Organizer, None).await;
    let slug = "trang-thi-sinh";
    app.set_up_contest(&org, contest_body(slug)).await;
    let people = five_people(&app, slug).await;
    cuocthi_server::staff::service::create_account(
        &app.ctx.db,
        "quanly_p01",
        Role::UnitManager,
        Some("P01"),
        "mật khẩu rất dài",
        app.ctx.now_ms(),
    )
    .await
    .unwrap();
    cuocthi_server::staff::service::create_account(
        &app.ctx.db,
        "nguoi_to_chuc",
        Role::Organizer,
        None,
        "mật khẩu rất dài",
        app.ctx.now_ms(),
    )
    .await
    .unwrap();
    let Some(b) = Browser::start().await else {
        return;
    };
    let rows = "document.querySelectorAll('#part_table tbody tr').length";

    b.goto(&format!("{}/admin/c/{slug}/participants", app.base))
        .await;
    b.type_into("#login_username", "nguoi_to_chuc").await;
    b.type_into("#login_password", "mật khẩu rất dài").await;
    b.click("#login_btn").await;
    b.wait_attr("#part_count", "data-total", "5").await;
    b.wait_attr("#tab_participants", "aria-current", "page")
        .await;
    b.snapshot("participants-organizer").await;

    // Without diacritics.
    b.type_into("#part_q", "nguyen van an").await;
    b.wait_attr("#part_count", "data-total", "1").await;
    b.wait_until("one row", &format!("{rows} === 1")).await;
    let row = format!("#part_table tr[data-id=\"{}\"]", people[0].id);
    assert_eq!(
        b.text(&format!("{row} td:nth-child(2)")).await,
        "09xx xxx 001",
        "masked for organizers too"
    );
    // The search stays in the address.
    assert!(
        b.url().await.contains("q=nguyen+van+an"),
        "{}",
        b.url().await
    );

    // The whole record, on demand; the dialog says the view is logged, and it is.
    b.click(&format!("#part_view_{}", people[0].id)).await;
    b.wait_visible("#part_detail_dialog #part_detail_phone")
        .await;
    assert_eq!(b.text("#part_detail_phone").await, "0987000001");
    assert_eq!(b.text("#part_detail_national_id").await, "001099012345");
    assert_eq!(b.text("#part_detail_birth_year").await, "1985");
    assert!(
        b.text("#part_detail_note").await.contains("nhật ký"),
        "the dialog says the view is logged"
    );
    b.snapshot("participants-detail").await;
    b.click("#part_detail_close_btn").await;
    assert!(!b.exists("#part_detail_dialog").await);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participant.view' \
             AND actor = 'nguoi_to_chuc'"
        )
        .await,
        1
    );

    // Excluding needs a reason.
    b.click(&format!("#part_mark_{}", people[0].id)).await;
    b.wait_visible("#part_mark_dialog #part_reason").await;
    b.click("#part_mark_ok_btn").await;
    b.wait_until(
        "the reason to be marked missing",
        "document.querySelector('#part_reason').getAttribute('aria-invalid') === 'true'",
    )
    .await;
    b.type_into("#part_reason", "cán bộ Ban Tổ chức").await;
    b.snapshot("participants-dialog").await;
    b.click("#part_mark_ok_btn").await;
    b.wait_attr(&row, "data-eligible", "false").await;
    assert!(!b.exists("#part_mark_dialog").await);
    b.wait_text(&format!("{row} [data-reason]"), "cán bộ Ban Tổ chức")
        .await;
    let stored = app
        .count(
            "SELECT COUNT(*) AS n FROM participants WHERE eligible = false \
             AND ineligible_reason = 'cán bộ Ban Tổ chức' AND full_name = 'Nguyễn Văn An'",
        )
        .await;
    assert_eq!(stored, 1);

    // Only the excluded, then everyone again after restoring.
    b.type_into("#part_q", "").await;
    b.select_value("#part_eligible", "false").await;
    b.wait_attr("#part_count", "data-total", "1").await;
    b.wait_until(
        "the address to hold the filter alone",
        "location.search === '?eligible=false'",
    )
    .await;
    b.click(&format!("#part_restore_{}", people[0].id)).await;
    b.click("#confirm_ok_btn").await;
    b.wait_attr(&row, "data-eligible", "true").await;
    b.select_value("#part_eligible", "").await;
    b.wait_attr("#part_count", "data-total", "5").await;

    // Twenty a page: one page, no pager.
    b.select_value("#part_per_page", "20").await;
    b.wait_attr("#part_count", "data-total", "5").await;
    assert!(!b.exists("#part_pager").await, "one page of 20");

    // A unit manager: their unit, masked phones, no actions.
    b.click("#logout_btn").await;
    b.goto(&format!("{}/admin/c/{slug}/participants", app.base))
        .await;
    b.type_into("#login_username", "quanly_p01").await;
    b.type_into("#login_password", "mật khẩu rất dài").await;
    b.click("#login_btn").await;
    b.wait_attr("#part_count", "data-total", "2").await;
    assert_eq!(
        b.text(&format!("{row} td:nth-child(2)")).await,
        "09xx xxx 001"
    );
    assert!(b.exists("#part_manager_note").await);
    assert!(
        !b.exists("[data-action=view]").await,
        "no detail for unit managers"
    );
    // Names only: digits are refused in the box, not sent.
    b.type_into("#part_q", "0987").await;
    b.wait_visible("#part_q_refused").await;
    assert!(!b.text("#err_q").await.is_empty());
    b.type_into("#part_q", "binh").await;
    b.wait_attr("#part_count", "data-total", "1").await;
    assert!(b.text("#err_q").await.is_empty());
    assert!(!b.exists("#part_unit").await, "no unit choice");
    assert!(!b.exists("[data-action=mark]").await && !b.exists("[data-action=restore]").await);
    assert!(b.exists("#tab_participants").await && b.exists("#tab_dashboard").await);
    assert!(!b.exists("#tab_settings").await);
    b.snapshot("participants-unit-manager").await;
    let _ = org;
}
