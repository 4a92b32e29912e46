//! R7 (spec/quality-bars.md): who may call what, for every operation of the OpenAPI document.
//!
//! `every_documented_operation_answers_each_caller_as_the_matrix_says` reads
//! `/api/openapi.json`, and calls every (method, path) in it as six callers: anonymous,
//! participant A, participant B, the unit manager of A's unit, an organizer and an admin (staff
//! writes also without the CSRF token). What each must get comes from [`RULES`], keyed by the
//! path template; an operation of the document without a rule fails the test, so a new endpoint
//! cannot ship unclassified. Along the way it checks that no answer key reaches a citizen
//! before the reveal, that B never reads or changes A's attempt, that no public or other
//! citizen's response carries A's phone or national ID, and that every response carries the
//! security headers.
//!
//! The other tests: the unit manager's view is their own unit's; security headers on static
//! files and errors; the JSON body limit (413 `payload_too_large`); rate limits with
//! `Retry-After` on sign-in, registration and start, and none with `CUOCTHI_RATE_LIMIT=off`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests report failure by panicking.

use std::cell::Cell;
use std::collections::BTreeSet;

use chrono::Duration;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

use cuocthi_store::staff::Role;
use cuocthi_tests::{bank_csv, Staff, TestApp, UNITS_CSV};

/// Participant A: the person whose data must not leak.
const PHONE_A: &str = "0938271645";
/// A's national ID.
const NATIONAL_ID_A: &str = "079188004512";
/// Participant B.
const PHONE_B: &str = "0961728354";
/// A's unit, which the unit manager manages.
const UNIT_X: &str = "XP01";
/// B's unit, another one.
const UNIT_Y: &str = "DDT01";
/// Every staff account's password in this test.
const PASSWORD: &str = "a long test password";
/// The draw seed of round 1.
const SEED: &str = "ma trận quyền: đợt 1";

/// A caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    ParticipantA,
    ParticipantB,
    UnitManager,
    Organizer,
    Admin,
}

impl Who {
    fn is_staff(self) -> bool {
        matches!(self, Who::UnitManager | Who::Organizer | Who::Admin)
    }

    fn is_citizen(self) -> bool {
        !self.is_staff()
    }
}

/// The callers in the order they call: B before A, so that B's attempts on A's attempt come
/// while it is still in progress.
const CALLERS: [Who; 6] = [
    Who::Anonymous,
    Who::ParticipantB,
    Who::ParticipantA,
    Who::UnitManager,
    Who::Organizer,
    Who::Admin,
];

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Everyone, signed in or not.
    Public,
    /// A participant about themselves (A and B each their own); anonymous callers and staff,
    /// who have no participant token, 401.
    Participant,
    /// Participant A's attempt: A is served, B gets 404 (never revealing that it exists),
    /// anyone without a participant token 401.
    AttemptOfA,
    /// Any signed-in staff member, about their own account; citizens 401.
    AnyStaff,
    /// Staff reads a unit manager may make too (scoped to their unit, checked in
    /// `a_unit_manager_sees_their_own_unit_only`); citizens 401.
    UnitScoped,
    /// Organizers and admins; unit managers 403, citizens 401.
    Organizer,
    /// Admins only: organizers and unit managers 403, citizens 401.
    Admin,
}

/// When in the contest's life an operation is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// Round 1 open, A and B with an attempt in progress, no key revealed.
    Open,
    /// Still open, the calls that end things: A submits, passwords change.
    Closing,
    /// Round 1 closed, finalized (versions 1 and 2) and published; keys revealed.
    Final,
}

/// What an allowed caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Success {
    /// A 2xx.
    Ok,
    /// Served but the state may say no: anything but 401, 403, 404, 405 and 5xx.
    Served,
}

/// One row of the matrix.
struct Rule {
    method: &'static str,
    path: &'static str,
    access: Access,
    phase: Phase,
    success: Success,
}

const fn rule(method: &'static str, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
        phase: Phase::Open,
        success: Success::Ok,
    }
}

const fn late(method: &'static str, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
        phase: Phase::Closing,
        success: Success::Ok,
    }
}

const fn fin(method: &'static str, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
        phase: Phase::Final,
        success: Success::Ok,
    }
}

const fn served(mut rule: Rule) -> Rule {
    rule.success = Success::Served;
    rule
}

/// The access matrix: every operation of the document, by method and path template.
#[rustfmt::skip]
const RULES: &[Rule] = &[
    // Operations and the citizen flow.
    rule("GET", "/healthz", Access::Public),
    rule("GET", "/readyz", Access::Public),
    rule("GET", "/api/v1/contests", Access::Public),
    rule("GET", "/api/v1/contests/{slug}", Access::Public),
    rule("GET", "/api/v1/contests/{slug}/units", Access::Public),
    rule("GET", "/api/v1/contests/{slug}/leaderboard", Access::Public),
    fin("GET", "/api/v1/contests/{slug}/winners", Access::Public),
    rule("POST", "/api/v1/contests/{slug}/participants", Access::Public),
    rule("GET", "/api/v1/contests/{slug}/me", Access::Participant),
    rule("POST", "/api/v1/contests/{slug}/attempts", Access::Participant),
    rule("GET", "/api/v1/attempts/{id}", Access::AttemptOfA),
    rule("PUT", "/api/v1/attempts/{id}/answers/{position}", Access::AttemptOfA),
    late("POST", "/api/v1/attempts/{id}/submit", Access::AttemptOfA),
    // Staff sign-in and their own account.
    rule("POST", "/api/v1/auth/login", Access::Public),
    rule("POST", "/api/v1/auth/logout", Access::AnyStaff),
    rule("GET", "/api/v1/auth/me", Access::AnyStaff),
    late("POST", "/api/v1/auth/password", Access::AnyStaff),
    rule("GET", "/api/v1/auth/tokens", Access::AnyStaff),
    rule("POST", "/api/v1/auth/tokens", Access::AnyStaff),
    rule("DELETE", "/api/v1/auth/tokens/{id}", Access::AnyStaff),
    // Staff accounts and the audit log: admins only.
    rule("GET", "/api/v1/admin/audit", Access::Admin),
    rule("GET", "/api/v1/admin/staff", Access::Admin),
    rule("POST", "/api/v1/admin/staff", Access::Admin),
    rule("PATCH", "/api/v1/admin/staff/{username}", Access::Admin),
    // Contests.
    rule("GET", "/api/v1/admin/contests", Access::UnitScoped),
    rule("POST", "/api/v1/admin/contests", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}", Access::Organizer),
    rule("PATCH", "/api/v1/admin/contests/{slug}", Access::Organizer),
    // Participants.
    rule("GET", "/api/v1/admin/contests/{slug}/participants", Access::UnitScoped),
    rule("GET", "/api/v1/admin/contests/{slug}/participants/export", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}/participants/{id}", Access::Organizer),
    rule("PATCH", "/api/v1/admin/contests/{slug}/participants/{id}", Access::Organizer),
    // The question bank.
    rule("GET", "/api/v1/admin/contests/{slug}/topics", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}/questions", Access::Organizer),
    rule("POST", "/api/v1/admin/contests/{slug}/questions", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}/questions/export.gift", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}/questions/export.xlsx", Access::Organizer),
    rule("POST", "/api/v1/admin/contests/{slug}/questions/import", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}/questions/stats", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}/questions/template.xlsx", Access::Organizer),
    rule("GET", "/api/v1/admin/contests/{slug}/questions/{id}", Access::Organizer),
    rule("PATCH", "/api/v1/admin/contests/{slug}/questions/{id}", Access::Organizer),
    rule("POST", "/api/v1/admin/contests/{slug}/questions/{id}/regrade", Access::Organizer),
    // Units.
    rule("GET", "/api/v1/admin/contests/{slug}/units", Access::UnitScoped),
    rule("POST", "/api/v1/admin/contests/{slug}/units", Access::Organizer),
    rule("POST", "/api/v1/admin/contests/{slug}/units/import", Access::Organizer),
    rule("PATCH", "/api/v1/admin/contests/{slug}/units/{code}", Access::Organizer),
    rule("DELETE", "/api/v1/admin/contests/{slug}/units/{code}", Access::Organizer),
    // Statistics: a unit manager gets their own unit's figures.
    rule("GET", "/api/v1/admin/contests/{slug}/stats", Access::UnitScoped),
    rule("GET", "/api/v1/admin/contests/{slug}/stats/units", Access::UnitScoped),
    rule("GET", "/api/v1/admin/contests/{slug}/stats/categories", Access::UnitScoped),
    rule("GET", "/api/v1/admin/contests/{slug}/stats/days", Access::UnitScoped),
    rule("GET", "/api/v1/admin/contests/{slug}/stats/report.xlsx", Access::UnitScoped),
    // Rounds and results.
    rule("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/leaderboard", Access::Organizer),
    served(fin("POST", "/api/v1/admin/contests/{slug}/rounds/{n}/close", Access::Organizer)),
    fin("POST", "/api/v1/admin/contests/{slug}/rounds/{n}/preview", Access::Organizer),
    fin("POST", "/api/v1/admin/contests/{slug}/rounds/{n}/finalize", Access::Organizer),
    fin("POST", "/api/v1/admin/contests/{slug}/rounds/{n}/publish", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/diff", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/export.csv", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/rules.json", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.csv", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.xlsx", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.csv", Access::Organizer),
    fin("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.xlsx", Access::Organizer),
];

/// What a caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Exactly this status.
    Is(u16),
    /// What [`Success`] says.
    Allowed(Success),
}

fn expected(access: Access, success: Success, who: Who) -> Want {
    let allowed = Want::Allowed(success);
    match access {
        Access::Public => allowed,
        Access::Participant => match who {
            Who::ParticipantA | Who::ParticipantB => allowed,
            _ => Want::Is(401),
        },
        Access::AttemptOfA => match who {
            Who::ParticipantA => allowed,
            Who::ParticipantB => Want::Is(404),
            _ => Want::Is(401),
        },
        Access::AnyStaff | Access::UnitScoped => {
            if who.is_staff() {
                allowed
            } else {
                Want::Is(401)
            }
        }
        Access::Organizer => match who {
            Who::Organizer | Who::Admin => allowed,
            Who::UnitManager => Want::Is(403),
            _ => Want::Is(401),
        },
        Access::Admin => match who {
            Who::Admin => allowed,
            Who::UnitManager | Who::Organizer => Want::Is(403),
            _ => Want::Is(401),
        },
    }
}

fn meets(want: Want, status: u16) -> bool {
    match want {
        Want::Is(code) => status == code,
        Want::Allowed(Success::Ok) => (200..300).contains(&status),
        Want::Allowed(Success::Served) => status < 500 && !matches!(status, 401 | 403 | 404 | 405),
    }
}

/// A request body.
#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Raw(Vec<u8>, &'static str),
}

/// A request as one caller makes it.
#[derive(Debug, Clone)]
struct Request {
    method: Method,
    path: String,
    body: Body,
    /// A staff session to use instead of the caller's own (for calls that end it).
    session: Option<Staff>,
}

/// A response with its raw text.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: HeaderMap,
    text: String,
    json: Value,
}

/// The world the matrix runs in.
struct World {
    app: TestApp,
    token_a: String,
    token_b: String,
    attempt_a: String,
    attempt_b: String,
    participant_c: String,
    question_id: String,
    question_key: Value,
    unit_manager: Staff,
    organizer: Staff,
    admin: Staff,
    fresh: Cell<u32>,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::with_demo().await;
        let unit_manager = app
            .staff("matrix.unit", Role::UnitManager, Some(UNIT_X))
            .await;
        let organizer = app.staff("matrix.org", Role::Organizer, None).await;
        let admin = app.staff("matrix.admin", Role::Admin, None).await;
        app.staff("matrix.spare", Role::Organizer, None).await;

        let mut a = app.person(PHONE_A).await;
        a["national_id"] = json!(NATIONAL_ID_A);
        a["full_name"] = json!("Trần Thị Mai");
        let a = app.register_raw("demo", a).await;
        assert_eq!(a.status, 201, "{a:?}");
        let token_a = a.body["token"].as_str().expect("token").to_owned();
        let mut b = app.person(PHONE_B).await;
        b["unit_id"] = json!(app.unit_id("demo", UNIT_Y).await);
        b["full_name"] = json!("Lê Văn Bình");
        b["birth_year"] = json!(1979);
        let b = app.register_raw("demo", b).await;
        assert_eq!(b.status, 201, "{b:?}");
        let token_b = b.body["token"].as_str().expect("token").to_owned();
        let c = app
            .register_raw("demo", app.person("0905111222").await)
            .await;
        assert_eq!(c.status, 201, "{c:?}");
        let participant_c = c.body["participant_id"].as_str().expect("id").to_owned();

        let attempt_a = app.start("demo", &token_a).await;
        assert_eq!(attempt_a.status, 201, "{attempt_a:?}");
        let attempt_b = app.start("demo", &token_b).await;
        assert_eq!(attempt_b.status, 201, "{attempt_b:?}");

        let questions = app
            .staff_call(
                &admin,
                Method::GET,
                "/api/v1/admin/contests/demo/questions",
                None,
            )
            .await;
        assert_eq!(questions.status, 200, "{questions:?}");
        let first = questions
            .body
            .as_array()
            .or_else(|| questions.body["items"].as_array())
            .and_then(|q| q.first())
            .cloned()
            .expect("a question");
        let question_id = first["id"].as_str().expect("question id").to_owned();
        let question = app
            .staff_call(
                &admin,
                Method::GET,
                &format!("/api/v1/admin/contests/demo/questions/{question_id}"),
                None,
            )
            .await;
        assert_eq!(question.status, 200, "{question:?}");
        let question_key = question.body["current"]["key"].clone();
        assert!(question_key.is_array(), "{question:?}");

        Self {
            app,
            token_a,
            token_b,
            attempt_a: attempt_a.body["attempt_id"]
                .as_str()
                .expect("id")
                .to_owned(),
            attempt_b: attempt_b.body["attempt_id"]
                .as_str()
                .expect("id")
                .to_owned(),
            participant_c,
            question_id,
            question_key,
            unit_manager,
            organizer,
            admin,
            fresh: Cell::new(0),
        }
    }

    fn next(&self) -> u32 {
        let n = self.fresh.get() + 1;
        self.fresh.set(n);
        n
    }

    fn staff_of(&self, who: Who) -> Option<&Staff> {
        match who {
            Who::UnitManager => Some(&self.unit_manager),
            Who::Organizer => Some(&self.organizer),
            Who::Admin => Some(&self.admin),
            _ => None,
        }
    }

    fn username_of(who: Who) -> &'static str {
        match who {
            Who::UnitManager => "matrix.unit",
            Who::Organizer => "matrix.org",
            _ => "matrix.admin",
        }
    }

    /// Sends a request as `who` (staff: with the CSRF token unless `csrf` is false).
    async fn send(&self, who: Who, csrf: bool, request: &Request) -> Response {
        let url = format!("{}{}", self.app.base, request.path);
        let mut builder = self.app.http.request(request.method.clone(), url);
        match who {
            Who::ParticipantA => builder = builder.bearer_auth(&self.token_a),
            Who::ParticipantB => builder = builder.bearer_auth(&self.token_b),
            Who::Anonymous => {}
            _ => {
                let staff = request
                    .session
                    .as_ref()
                    .or(self.staff_of(who))
                    .expect("staff");
                builder = builder.header("Cookie", &staff.cookie);
                if csrf {
                    builder = builder.header("X-CSRF-Token", &staff.csrf);
                }
            }
        }
        builder = match &request.body {
            Body::None => builder,
            Body::Json(value) => builder.json(value),
            Body::Raw(bytes, content_type) => builder
                .header("Content-Type", *content_type)
                .body(bytes.clone()),
        };
        let response = builder.send().await.expect("request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        Response {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// The concrete request `who` makes for an operation: path parameters from the world,
    /// a body that an allowed caller would have accepted, fresh resources where the call
    /// consumes one.
    async fn request(&self, who: Who, method: &str, template: &str) -> Request {
        let id = if template.starts_with("/api/v1/attempts/") {
            self.attempt_a.clone()
        } else if template.contains("/questions/{id}") {
            self.question_id.clone()
        } else if template.contains("/participants/{id}") {
            self.participant_c.clone()
        } else if template == "/api/v1/auth/tokens/{id}" {
            // The caller's own new token; citizens try the admin's.
            let owner = self.staff_of(who).unwrap_or(&self.admin);
            let made = self
                .app
                .staff_call(
                    owner,
                    Method::POST,
                    "/api/v1/auth/tokens",
                    Some(json!({"name": "to revoke"})),
                )
                .await;
            assert_eq!(made.status, 201, "{made:?}");
            made.body["id"].as_str().expect("token id").to_owned()
        } else {
            String::new()
        };
        let code = if method == "DELETE" {
            // A unit of its own to delete, made by the admin.
            let code = format!("DEL{}", self.next());
            let made = self
                .app
                .staff_call(
                    &self.admin,
                    Method::POST,
                    "/api/v1/admin/contests/demo/units",
                    Some(json!({"code": code, "name": "Đơn vị xoá", "block": "Khối thử"})),
                )
                .await;
            assert_eq!(made.status, 201, "{made:?}");
            code
        } else {
            UNIT_X.to_owned()
        };
        let position = if who == Who::ParticipantB { "2" } else { "1" };
        let path = template
            .replace("{slug}", "demo")
            .replace("{n}", "1")
            .replace("{version}", "1")
            .replace("{position}", position)
            .replace("{username}", "matrix.spare")
            .replace("{code}", &code)
            .replace("{id}", &id);
        let n = self.next();
        let (path, body) = match (method, template) {
            ("POST", "/api/v1/contests/{slug}/participants") => {
                let mut person = self.app.person(&format!("0977{n:06}")).await;
                person["full_name"] = json!("Phạm Thị Hoa");
                (path, Body::Json(person))
            }
            ("POST", "/api/v1/contests/{slug}/attempts") => (path, Body::Json(json!({}))),
            ("PUT", _) => {
                let choice = if who == Who::ParticipantB { "B" } else { "A" };
                (path, Body::Json(json!({"choice": [choice]})))
            }
            ("POST", "/api/v1/attempts/{id}/submit") => {
                (path, Body::Json(json!({"prediction": 3})))
            }
            ("POST", "/api/v1/auth/login") => (
                path,
                Body::Json(json!({"username": "matrix.spare", "password": PASSWORD})),
            ),
            ("POST", "/api/v1/auth/password") => (
                path,
                Body::Json(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
            ),
            ("POST", "/api/v1/auth/tokens") => {
                (path, Body::Json(json!({"name": format!("matrix {n}")})))
            }
            ("POST", "/api/v1/admin/staff") => (
                path,
                Body::Json(json!({
                    "username": format!("matrix.new{n}"),
                    "role": "organizer",
                    "password": PASSWORD,
                })),
            ),
            ("PATCH", "/api/v1/admin/staff/{username}") => {
                (path, Body::Json(json!({"active": true})))
            }
            ("POST", "/api/v1/admin/contests") => (
                path,
                Body::Json(json!({
                    "slug": format!("matrix-{n}"),
                    "title": "Cuộc thi thử quyền truy cập",
                    "rules_md": "Thể lệ",
                    "opens_at": "2026-12-01T00:00:00Z",
                    "closes_at": "2026-12-31T00:00:00Z",
                })),
            ),
            ("PATCH", "/api/v1/admin/contests/{slug}") => {
                (path, Body::Json(json!({"rules_md": "Thể lệ cuộc thi thử"})))
            }
            ("GET", "/api/v1/admin/contests/{slug}/participants/export") => {
                (format!("{path}?format=csv"), Body::None)
            }
            ("PATCH", "/api/v1/admin/contests/{slug}/participants/{id}") => {
                (path, Body::Json(json!({"eligible": true})))
            }
            ("POST", "/api/v1/admin/contests/{slug}/questions") => (
                path,
                Body::Json(json!({
                    "text": format!("Câu hỏi thử quyền số {n}?"),
                    "options": ["Đúng", "Sai"],
                    "key": ["A"],
                    "topic": "Thử quyền",
                    "active": false,
                })),
            ),
            ("POST", "/api/v1/admin/contests/{slug}/questions/import") => (
                format!("{path}?dry_run=true"),
                Body::Raw(bank_csv().into_bytes(), "text/csv"),
            ),
            ("PATCH", "/api/v1/admin/contests/{slug}/questions/{id}") => {
                (path, Body::Json(json!({"difficulty": "dễ"})))
            }
            ("POST", "/api/v1/admin/contests/{slug}/questions/{id}/regrade") => {
                (path, Body::Json(json!({"key": self.question_key})))
            }
            ("POST", "/api/v1/admin/contests/{slug}/units") => (
                path,
                Body::Json(json!({
                    "code": format!("MX{n}"),
                    "name": format!("Đơn vị thử {n}"),
                    "block": "Khối thử",
                    "headcount": 10,
                })),
            ),
            ("POST", "/api/v1/admin/contests/{slug}/units/import") => (
                format!("{path}?dry_run=true"),
                Body::Raw(UNITS_CSV.as_bytes().to_vec(), "text/csv"),
            ),
            ("PATCH", "/api/v1/admin/contests/{slug}/units/{code}") => {
                (path, Body::Json(json!({"headcount": 40})))
            }
            ("POST", "/api/v1/admin/contests/{slug}/rounds/{n}/preview")
            | ("POST", "/api/v1/admin/contests/{slug}/rounds/{n}/finalize") => {
                (path, Body::Json(json!({"draw_seed": SEED})))
            }
            ("GET", "/api/v1/admin/contests/{slug}/rounds/{n}/results/diff") => {
                (format!("{path}?from=1&to=2"), Body::None)
            }
            _ => (path, Body::None),
        };
        // Signing out ends the session it is called with: use a new one.
        let session = if template == "/api/v1/auth/logout" && who.is_staff() {
            Some(self.app.sign_in(Self::username_of(who), PASSWORD).await)
        } else {
            None
        };
        Request {
            method: Method::from_bytes(method.as_bytes()).expect("method"),
            path,
            body,
            session,
        }
    }
}

/// The operations of the document: (method, path template).
async fn documented_operations(app: &TestApp) -> Vec<(String, String)> {
    let doc = app.get("/api/openapi.json").await;
    assert_eq!(doc.status, 200);
    let mut operations = Vec::new();
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(operations.len() > 50, "{operations:?}");
    operations
}

/// Names of fields that would give an answer away.
const KEY_FIELDS: &[&str] = &[
    "correct_keys",
    "explanation",
    "explanations",
    "is_correct",
    "answer_key",
    "key_mask",
    "correct_mask",
    "right_keys",
];

/// Where in `value` a key shows: a field of [`KEY_FIELDS`], or `correct` as a boolean (the
/// result's `correct` is a count, which is not a key).
fn key_leaks(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                let here = format!("{at}.{name}");
                if KEY_FIELDS.contains(&name.as_str()) && !inner.is_null() {
                    found.push(here.clone());
                }
                if name == "correct" && inner.is_boolean() {
                    found.push(here.clone());
                }
                key_leaks(inner, &here, found);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                key_leaks(inner, &format!("{at}[{i}]"), found);
            }
        }
        _ => {}
    }
}

/// The personal data of A (and of B, for A's responses) that must not show in a response to
/// `who`: a phone's digits after the leading 0 (so `+84...` forms count too), a national ID.
fn secrets_for(who: Who) -> Vec<&'static str> {
    match who {
        Who::Anonymous => vec![&PHONE_A[1..], NATIONAL_ID_A, &PHONE_B[1..]],
        Who::ParticipantB => vec![&PHONE_A[1..], NATIONAL_ID_A],
        Who::ParticipantA => vec![&PHONE_B[1..]],
        _ => vec![],
    }
}

/// The security headers every response carries; what is missing or wrong.
fn header_problems(headers: &HeaderMap) -> Vec<String> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut problems = Vec::new();
    let csp = get("content-security-policy");
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .or_else(|| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.starts_with("default-src"))
        })
        .unwrap_or_default();
    if script_src.is_empty() {
        problems.push(format!("no script-src in CSP {csp:?}"));
    }
    if script_src.contains("'unsafe-inline'") || script_src.contains("'unsafe-eval'") {
        problems.push(format!("inline script allowed: {script_src:?}"));
    }
    if get("x-content-type-options") != "nosniff" {
        problems.push("X-Content-Type-Options is not nosniff".into());
    }
    if get("referrer-policy").is_empty() {
        problems.push("no Referrer-Policy".into());
    }
    let frames_denied = get("x-frame-options").eq_ignore_ascii_case("deny")
        || csp.contains("frame-ancestors 'none'");
    if !frames_denied {
        problems.push("frames not denied".into());
    }
    problems
}

/// Runs every rule of `phase` for every caller; returns the mismatches.
async fn run_phase(
    world: &World,
    operations: &[(String, String)],
    phase: Phase,
    citizen_bodies: &mut Vec<(Who, String, Value)>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (method, template) in operations {
        let Some(rule) = RULES
            .iter()
            .find(|r| r.method == method && r.path == template)
        else {
            continue;
        };
        if rule.phase != phase {
            continue;
        }
        for who in CALLERS {
            let request = world.request(who, method, template).await;
            let staff_path = template.starts_with("/api/v1/admin/")
                || (template.starts_with("/api/v1/auth/") && template != "/api/v1/auth/login");
            if who.is_staff() && staff_path && method != "GET" {
                // Without the CSRF token a cookie session changes nothing.
                let bare = world.send(who, false, &request).await;
                if bare.status != 403 || bare.json["error"] != "csrf_required" {
                    problems.push(format!(
                        "{method} {template} as {who:?} without CSRF: {} {}",
                        bare.status, bare.text
                    ));
                }
            }
            let response = world.send(who, true, &request).await;
            let want = expected(rule.access, rule.success, who);
            if !meets(want, response.status) {
                problems.push(format!(
                    "{method} {} as {who:?}: want {want:?}, got {} {}",
                    request.path,
                    response.status,
                    response.text.chars().take(300).collect::<String>()
                ));
            }
            if response.status >= 400 && response.json["error"].as_str().is_none() {
                problems.push(format!(
                    "{method} {} as {who:?}: error {} without the error body: {}",
                    request.path, response.status, response.text
                ));
            }
            for problem in header_problems(&response.headers) {
                problems.push(format!("{method} {} as {who:?}: {problem}", request.path));
            }
            for secret in secrets_for(who) {
                if response.text.contains(secret) {
                    problems.push(format!(
                        "{method} {} as {who:?}: personal data {secret} in {}",
                        request.path, response.text
                    ));
                }
            }
            if who.is_citizen() {
                citizen_bodies.push((who, format!("{method} {}", request.path), response.json));
            }
        }
    }
    problems
}

#[tokio::test]
async fn every_documented_operation_answers_each_caller_as_the_matrix_says() {
    let world = World::new().await;
    let app = &world.app;
    let operations = documented_operations(app).await;

    // Every operation has a rule, and every rule an operation.
    let unclassified: Vec<_> = operations
        .iter()
        .filter(|(m, p)| !RULES.iter().any(|r| r.method == m && r.path == p))
        .collect();
    assert!(
        unclassified.is_empty(),
        "operations without a rule in the access matrix (add them to RULES): {unclassified:?}"
    );
    let known: BTreeSet<_> = operations.iter().cloned().collect();
    let stale: Vec<_> = RULES
        .iter()
        .filter(|r| !known.contains(&(r.method.to_owned(), r.path.to_owned())))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        stale.is_empty(),
        "rules for operations not in the document: {stale:?}"
    );

    // B can neither submit A's attempt nor find out that it exists.
    let b_submits = app
        .submit(&world.attempt_a, &world.token_b, json!({"prediction": 1}))
        .await;
    assert_eq!(b_submits.status, 404, "{b_submits:?}");
    let a_reads = app.attempt(&world.attempt_a, &world.token_a).await;
    assert_eq!(a_reads.body["status"], "in_progress", "{a_reads:?}");
    let b_reads_unknown = app
        .attempt(&uuid::Uuid::new_v4().to_string(), &world.token_b)
        .await;
    assert_eq!(
        b_reads_unknown.body,
        app.attempt(&world.attempt_a, &world.token_b).await.body,
        "A's attempt looks to B exactly like one that does not exist"
    );

    let mut citizen_bodies = Vec::new();
    let mut problems = run_phase(&world, &operations, Phase::Open, &mut citizen_bodies).await;

    // B's saves on A's attempt changed nothing: A saved position 1 only.
    let a_attempt = app.attempt(&world.attempt_a, &world.token_a).await;
    assert_eq!(a_attempt.status, 200);
    assert_eq!(
        a_attempt.body["answers"]["1"],
        json!(["A"]),
        "{a_attempt:?}"
    );
    assert!(
        a_attempt.body["answers"].get("2").is_none(),
        "B's save reached A's attempt: {a_attempt:?}"
    );

    problems.extend(run_phase(&world, &operations, Phase::Closing, &mut citizen_bodies).await);

    // Before the round closes no citizen response gives a key away, even A's submitted attempt.
    let submitted = app.attempt(&world.attempt_a, &world.token_a).await;
    assert_eq!(submitted.body["status"], "submitted", "{submitted:?}");
    citizen_bodies.push((
        Who::ParticipantA,
        "A's submitted attempt".into(),
        submitted.body,
    ));
    for (who, call, body) in &citizen_bodies {
        let mut found = Vec::new();
        key_leaks(body, "$", &mut found);
        if !found.is_empty() {
            problems.push(format!(
                "{call} as {who:?} shows keys before the reveal: {found:?}"
            ));
        }
    }

    // Round 1 ends: B submits, the round closes, is finalized twice and published.
    let b_done = app
        .submit(&world.attempt_b, &world.token_b, json!({"prediction": 2}))
        .await;
    assert_eq!(b_done.status, 200, "{b_done:?}");
    let round = "/api/v1/admin/contests/demo/rounds/1";
    let closed = app
        .staff_call(&world.admin, Method::POST, &format!("{round}/close"), None)
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    app.advance(Duration::minutes(1));
    for _ in 0..2 {
        let finalized = app
            .staff_call(
                &world.admin,
                Method::POST,
                &format!("{round}/finalize"),
                Some(json!({"draw_seed": SEED})),
            )
            .await;
        assert_eq!(finalized.status, 200, "{finalized:?}");
    }
    let published = app
        .staff_call(
            &world.admin,
            Method::POST,
            &format!("{round}/publish"),
            None,
        )
        .await;
    assert_eq!(published.status, 200, "{published:?}");

    let mut after = Vec::new();
    problems.extend(run_phase(&world, &operations, Phase::Final, &mut after).await);

    // Now the keys show: so the scan above could have found them.
    let revealed = app.attempt(&world.attempt_a, &world.token_a).await;
    let mut found = Vec::new();
    key_leaks(&revealed.body, "$", &mut found);
    assert!(
        !found.is_empty(),
        "after the round closes A sees the keys (the scan must be able to find them): {revealed:?}"
    );
    // ... to A only.
    let b_sees = app.attempt(&world.attempt_a, &world.token_b).await;
    assert_eq!(b_sees.status, 404, "{b_sees:?}");

    // The staff export shows A's phone and national ID as the scan looks for them, so the scan
    // above could have found them.
    let export = world
        .send(
            Who::Admin,
            true,
            &Request {
                method: Method::GET,
                path: "/api/v1/admin/contests/demo/participants/export?format=csv".into(),
                body: Body::None,
                session: None,
            },
        )
        .await;
    assert_eq!(export.status, 200);
    for secret in secrets_for(Who::ParticipantB) {
        assert!(
            export.text.contains(secret),
            "{secret} not in {}",
            export.text
        );
    }

    assert!(
        problems.is_empty(),
        "{} access problems on {}:\n{}",
        problems.len(),
        cuocthi_tests::backend_name(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn a_unit_manager_sees_their_own_unit_only() {
    let world = World::new().await;
    let app = &world.app;
    let um = &world.unit_manager;
    let get = |path: &'static str| app.staff_call(um, Method::GET, path, None);

    let units = get("/api/v1/admin/contests/demo/stats/units?format=json").await;
    assert_eq!(units.status, 200, "{units:?}");
    let rows = units.body.as_array().expect("rows");
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r["unit_code"] == UNIT_X),
        "another unit's figures: {units:?}"
    );
    let org_units = app
        .staff_call(
            &world.organizer,
            Method::GET,
            "/api/v1/admin/contests/demo/stats/units?format=json",
            None,
        )
        .await;
    assert!(
        org_units.body.as_array().expect("rows").len() > rows.len(),
        "the organizer sees every unit: {org_units:?}"
    );

    let summary = get("/api/v1/admin/contests/demo/stats").await;
    assert_eq!(summary.status, 200, "{summary:?}");
    assert_eq!(summary.body["units_total"], 1, "{summary:?}");
    assert_eq!(
        summary.body["in_progress"], 1,
        "A's attempt, not B's: {summary:?}"
    );
    let whole = app
        .staff_call(
            &world.organizer,
            Method::GET,
            "/api/v1/admin/contests/demo/stats",
            None,
        )
        .await;
    assert_eq!(whole.body["in_progress"], 2, "{whole:?}");

    let listed = get("/api/v1/admin/contests/demo/participants").await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let people = listed.body["items"]
        .as_array()
        .or_else(|| listed.body.as_array())
        .expect("participants");
    assert!(!people.is_empty(), "{listed:?}");
    assert!(
        people.iter().all(|p| p["unit_code"] == UNIT_X),
        "another unit's participant: {listed:?}"
    );
    assert!(
        !listed.body.to_string().contains(&PHONE_B[1..]),
        "B's phone: {listed:?}"
    );
    let other = get("/api/v1/admin/contests/demo/participants?unit=DDT01").await;
    assert_eq!(other.status, 403, "{other:?}");

    let own_units = get("/api/v1/admin/contests/demo/units").await;
    assert_eq!(own_units.status, 200, "{own_units:?}");
    let codes: Vec<_> = own_units
        .body
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["code"].clone())
        .collect();
    assert_eq!(codes, vec![json!(UNIT_X)], "{own_units:?}");
}

#[tokio::test]
async fn static_files_and_errors_carry_the_security_headers() {
    let app = TestApp::with_demo().await;
    let paths = [
        "/",
        "/c/demo",
        "/admin",
        "/admin/contests",
        "/assets/app.js",
        "/assets/favicon.svg",
        "/assets/no-such-file.js",
        "/api/docs/",
        "/api/openapi.json",
        "/no/such/page",
        "/api/v1/contests/no-such-contest",
        "/api/v1/admin/contests",
        "/metrics",
    ];
    let mut problems = Vec::new();
    for path in paths {
        let reply = app.get(path).await;
        for problem in header_problems(&reply.headers) {
            problems.push(format!("GET {path} ({}): {problem}", reply.status));
        }
    }
    // A method the path does not have: 405 with Allow, and the headers.
    let wrong = app
        .call(Method::DELETE, "/api/v1/contests", None, None)
        .await;
    assert_eq!(wrong.status, 405, "{wrong:?}");
    assert_eq!(wrong.code(), "method_not_allowed");
    assert_eq!(wrong.headers["allow"], "GET");
    problems.extend(header_problems(&wrong.headers));
    // The page scripts are files: the pages carry no inline script.
    for page in ["/", "/admin"] {
        let html = app
            .http
            .get(format!("{}{page}", app.base))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        for tag in html.split("<script").skip(1) {
            let head = tag.split('>').next().unwrap_or_default();
            assert!(
                head.contains("src="),
                "inline script on {page}: <script{head}>"
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn oversized_json_bodies_answer_413_with_a_stable_code() {
    let app = TestApp::with_demo().await;
    let org = app.staff("size.org", Role::Organizer, None).await;
    let token = app.register("0912000111").await;
    let attempt = app.start("demo", &token).await;
    let id = attempt.body["attempt_id"].as_str().expect("id").to_owned();
    let big = "x".repeat(70 * 1024);
    let mut person = app.person("0912000222").await;
    person["address"] = json!(big);

    let register = app.register_raw("demo", person).await;
    assert_eq!(register.status, 413, "{register:?}");
    assert_eq!(register.code(), "payload_too_large");
    let problems = header_problems(&register.headers);
    assert!(
        problems.is_empty(),
        "413 without security headers: {problems:?}"
    );
    let save = app
        .call(
            Method::PUT,
            &format!("/api/v1/attempts/{id}/answers/1"),
            Some(&token),
            Some(json!({"choice": [big]})),
        )
        .await;
    assert_eq!(save.status, 413, "{save:?}");
    assert_eq!(save.code(), "payload_too_large");
    let contest = app
        .staff_call(
            &org,
            Method::POST,
            "/api/v1/admin/contests",
            Some(json!({"slug": "big", "title": big})),
        )
        .await;
    assert_eq!(contest.status, 413, "{contest:?}");
    assert_eq!(contest.code(), "payload_too_large");

    // Just under the limit is read (and judged on its content).
    let mut person = app.person("0912000333").await;
    person["address"] = json!("x".repeat(60 * 1024));
    let under = app.register_raw("demo", person).await;
    assert_ne!(under.status, 413, "{under:?}");
    assert!(
        under.status.is_client_error() || under.status.is_success(),
        "{under:?}"
    );
}

fn retry_after(reply: &cuocthi_tests::Reply) -> u64 {
    reply
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("429 without a numeric Retry-After: {reply:?}"))
}

#[tokio::test]
async fn starting_attempts_is_rate_limited_with_retry_after() {
    let app = TestApp::with_demo_and_limits().await;
    let token = app.register("0912000444").await;
    for i in 0..30 {
        let start = app.start("demo", &token).await;
        assert!(start.status.is_success(), "start {i}: {start:?}");
    }
    let limited = app.start("demo", &token).await;
    assert_eq!(limited.status, 429, "{limited:?}");
    assert_eq!(limited.code(), "rate_limited");
    assert!(retry_after(&limited) > 0);
    // Another participant behind the same address is not held up.
    let other = app.register("0912000555").await;
    assert_eq!(app.start("demo", &other).await.status, 201);
}

#[tokio::test]
async fn without_rate_limits_nothing_is_limited() {
    // `TestApp::with_demo` runs as `CUOCTHI_RATE_LIMIT=off` does.
    let app = TestApp::with_demo().await;
    let token = app.register("0912000666").await;
    for i in 0..40 {
        let start = app.start("demo", &token).await;
        assert!(start.status.is_success(), "start {i}: {start:?}");
    }
}

#[tokio::test]
async fn staff_sign_in_is_throttled_after_repeated_failures() {
    let app = TestApp::with_demo_and_limits().await;
    app.staff("throttle.org", Role::Organizer, None).await;
    let login = |password: &'static str| {
        app.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "throttle.org", "password": password})),
        )
    };
    for i in 0..8 {
        let wrong = login("not the password").await;
        assert_eq!(wrong.status, 401, "failure {i}: {wrong:?}");
        assert_eq!(wrong.code(), "invalid_credentials");
    }
    let throttled = login(PASSWORD).await;
    assert_eq!(throttled.status, 429, "{throttled:?}");
    assert!(retry_after(&throttled) > 0);
}

#[tokio::test]
async fn registration_is_rate_limited_per_address_above_a_meeting_room() {
    let app = TestApp::with_demo_and_limits().await;
    let unit = app.unit_id("demo", UNIT_X).await;
    let body = |i: u32| {
        json!({
            "full_name": "Nguyễn Văn An",
            "phone": format!("09{:08}", 20_000_000 + i),
            "birth_year": 1990,
            "unit_id": unit,
            "consent": true,
            "category": "citizen",
        })
    };
    // 600 in ten minutes from one address pass (README "Limits").
    for i in 0..600 {
        let reply = app.register_raw("demo", body(i)).await;
        assert_eq!(reply.status, 201, "registration {i}: {reply:?}");
    }
    let limited = app.register_raw("demo", body(600)).await;
    assert_eq!(limited.status, 429, "{limited:?}");
    assert_eq!(limited.code(), "rate_limited");
    assert!(retry_after(&limited) > 0);
}
