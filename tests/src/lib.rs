//! The black-box test harness: the real server on port 0 with a fresh database per test
//! (SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set, Redis when
//! `TEST_REDIS_URL` is set), an injected clock that tests move instead of sleeping, and a typed
//! client so tests read as sentences.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A harness reports failure by panicking.
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, EntityTrait, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

use cuocthi_server::config::{Config, DemoMode};
use cuocthi_server::Application;
use cuocthi_store::entities::{contest, round};
use cuocthi_store::time::to_ms;
use cuocthi_store::{AppContext, ManualClock, SharedRng};

pub mod browser;

/// The demo contest's bank as tests need it: which options are right.
pub mod demo {
    use std::collections::{BTreeSet, HashMap};

    use serde_json::Value;

    const DEMO_JSON: &str = include_str!("../../crates/server/demo/demo-contest.json");

    /// The demo bank: question text → the texts of its right options.
    pub fn demo_keys() -> HashMap<String, BTreeSet<String>> {
        let demo: Value = serde_json::from_str(DEMO_JSON).expect("demo json");
        let mut bank = HashMap::new();
        for topic in demo["topics"].as_array().expect("topics") {
            for q in topic["questions"].as_array().expect("questions") {
                let options = q["options"].as_array().expect("options");
                let right = q["answer"]
                    .as_array()
                    .expect("answer")
                    .iter()
                    .map(|a| {
                        options[a.as_u64().expect("index") as usize]
                            .as_str()
                            .expect("option")
                            .to_owned()
                    })
                    .collect();
                bank.insert(q["text"].as_str().expect("text").to_owned(), right);
            }
        }
        bank
    }

    /// The shown keys of the right options of a question of an attempt.
    pub fn right_keys(bank: &HashMap<String, BTreeSet<String>>, question: &Value) -> Vec<String> {
        let right = &bank[question["text"].as_str().expect("text")];
        question["options"]
            .as_array()
            .expect("options")
            .iter()
            .filter(|o| right.contains(o["text"].as_str().expect("option text")))
            .map(|o| o["key"].as_str().expect("key").to_owned())
            .collect()
    }
}

/// A response: status and JSON body (`Value::Null` when empty or not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body as JSON.
    pub body: Value,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The stable error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }
}

/// A running server with its own database, and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The server's clock.
    pub clock: ManualClock,
    /// The server's context (database, cache).
    pub ctx: AppContext,
    /// HTTP client.
    pub http: reqwest::Client,
    /// The server's per-node snapshots, to drop after direct database edits.
    pub snapshots: Arc<cuocthi_store::Snapshots>,
    _data_dir: tempfile::TempDir,
}

/// The clock's start in every test: a fixed instant, so tests are reproducible.
pub fn test_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The backend the tests run on, for messages.
pub fn backend_name() -> &'static str {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The settings of a test server on `database_url`: any free loopback port, the cache of
/// `TEST_REDIS_URL` (in-process without it) under a key prefix of its own, rate limits off,
/// no sweep within a test, two workers, the rest as in production.
fn test_config(database_url: String, data_dir: &std::path::Path, demo: DemoMode) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        database_url: Some(database_url),
        data_dir: data_dir.to_owned(),
        redis_url: std::env::var("TEST_REDIS_URL").ok(),
        redis_prefix: format!("test:{}:", Uuid::new_v4().simple()),
        demo,
        rate_limit: false,
        db_pool: 8,
        sweep_every: std::time::Duration::from_secs(3600),
        workers: Some(2),
        ..Config::default()
    }
}

/// A new, empty database: on `TEST_DATABASE_URL` when set, else an SQLite file in
/// `data_dir`.
async fn fresh_database_url(data_dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => fresh_postgres(&url).await,
        Err(_) => format!("sqlite://{}/test.db?mode=rwc", data_dir.path().display()),
    }
}

async fn fresh_postgres(admin_url: &str) -> String {
    let name = format!("cuocthi_test_{}", Uuid::new_v4().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE {name}"),
        ))
        .await
        .expect("create a test database");
    admin.close().await.ok();
    with_database_name(admin_url, &name)
}

/// `admin_url` with its database name replaced: `postgres://u@h:5432/postgres?x=1` →
/// `postgres://u@h:5432/NAME?x=1`.
fn with_database_name(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, ""), |(b, q)| (b, q));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    if query.is_empty() {
        format!("{server}/{name}")
    } else {
        format!("{server}/{name}?{query}")
    }
}

impl TestApp {
    /// A server with the demo contest seeded, open from the test epoch for 30 days.
    pub async fn with_demo() -> Self {
        Self::spawn(true).await
    }

    /// A server with an empty database.
    pub async fn empty() -> Self {
        Self::spawn(false).await
    }

    /// A server with the demo contest and rate limits on (as in production).
    pub async fn with_demo_and_limits() -> Self {
        Self::spawn_with(true, true).await
    }

    async fn spawn(demo: bool) -> Self {
        Self::spawn_with(demo, false).await
    }

    async fn spawn_with(demo: bool, rate_limit: bool) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let demo = if demo {
            DemoMode::Always
        } else {
            DemoMode::Never
        };
        let config = Config {
            rate_limit,
            ..test_config(fresh_database_url(&data_dir).await, data_dir.path(), demo)
        };
        let clock = ManualClock::new(test_epoch());
        Self::serve(config, clock, data_dir, SharedRng::seeded(42)).await
    }

    /// Builds and runs the application with `config` on `clock` and `rng`; `data_dir` is
    /// kept for the server's lifetime.
    async fn serve(
        config: Config,
        clock: ManualClock,
        data_dir: tempfile::TempDir,
        rng: SharedRng,
    ) -> Self {
        let app = Application::build(config, Arc::new(clock.clone()), rng)
            .await
            .expect("build the application");
        let base = format!("http://127.0.0.1:{}", app.port());
        let ctx = app.context().clone();
        let snapshots = app.snapshots();
        tokio::spawn(app.run_until_stopped());
        Self {
            base,
            clock,
            ctx,
            http: reqwest::Client::new(),
            snapshots,
            _data_dir: data_dir,
        }
    }

    /// Any request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
        }
    }

    /// GET without credentials.
    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None, None).await
    }

    /// The id of the demo contest's unit with this code.
    pub async fn unit_id(&self, slug: &str, code: &str) -> String {
        let units = self.get(&format!("/api/v1/contests/{slug}/units")).await;
        units
            .body
            .as_array()
            .expect("units")
            .iter()
            .find(|u| u["code"] == code)
            .expect("unit code")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Registers with a body, as is.
    pub async fn register_raw(&self, slug: &str, body: Value) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/v1/contests/{slug}/participants"),
            None,
            Some(body),
        )
        .await
    }

    /// A valid registration body for the demo contest with this phone.
    pub async fn person(&self, phone: &str) -> Value {
        json!({
            "full_name": "Nguyễn Văn An",
            "phone": phone,
            "birth_year": 1990,
            "unit_id": self.unit_id("demo", "XP01").await,
            "consent": true,
            "category": "citizen",
        })
    }

    /// Registers a new person in the demo contest and returns their token.
    pub async fn register(&self, phone: &str) -> String {
        let body = self.person(phone).await;
        let reply = self.register_raw("demo", body).await;
        assert!(reply.status.is_success(), "register: {reply:?}");
        reply.body["token"].as_str().expect("token").to_owned()
    }

    /// Starts (or resumes) an attempt.
    pub async fn start(&self, slug: &str, token: &str) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/v1/contests/{slug}/attempts"),
            Some(token),
            Some(json!({})),
        )
        .await
    }

    /// Reads an attempt.
    pub async fn attempt(&self, id: &str, token: &str) -> Reply {
        self.call(
            Method::GET,
            &format!("/api/v1/attempts/{id}"),
            Some(token),
            None,
        )
        .await
    }

    /// Saves an answer.
    pub async fn save(&self, id: &str, token: &str, position: i64, choice: &[&str]) -> Reply {
        self.call(
            Method::PUT,
            &format!("/api/v1/attempts/{id}/answers/{position}"),
            Some(token),
            Some(json!({ "choice": choice })),
        )
        .await
    }

    /// Submits an attempt with a body.
    pub async fn submit(&self, id: &str, token: &str, body: Value) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/v1/attempts/{id}/submit"),
            Some(token),
            Some(body),
        )
        .await
    }

    /// Moves the server's clock.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// The stored contest row of a slug.
    pub async fn contest_row(&self, slug: &str) -> contest::Model {
        use sea_orm::{ColumnTrait, QueryFilter};
        contest::Entity::find()
            .filter(contest::Column::Slug.eq(slug))
            .one(&self.ctx.db)
            .await
            .expect("query")
            .expect("contest")
    }

    /// Changes a contest's settings directly in the database (the organizer API comes with
    /// issue 3) and drops this node's snapshot of it, so the next request sees the change.
    pub async fn update_contest(&self, slug: &str, change: impl FnOnce(&mut contest::Model)) {
        use sea_orm::ActiveModelTrait;
        let mut row = self.contest_row(slug).await;
        change(&mut row);
        let id = row.id;
        let active = contest::ActiveModel::from(row).reset_all();
        contest::Entity::update(active)
            .exec(&self.ctx.db)
            .await
            .expect("update contest");
        self.snapshots.invalidate(id);
    }

    /// Moves every round of a contest to a new window (stored directly).
    pub async fn set_round_window(
        &self,
        slug: &str,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    ) {
        use sea_orm::{ColumnTrait, QueryFilter};
        let contest = self.contest_row(slug).await;
        let rows = round::Entity::find()
            .filter(round::Column::ContestId.eq(contest.id))
            .all(&self.ctx.db)
            .await
            .expect("rounds");
        for row in rows {
            let mut active: round::ActiveModel = row.into();
            active.opens_at = sea_orm::Set(to_ms(opens_at));
            active.closes_at = sea_orm::Set(to_ms(closes_at));
            round::Entity::update(active)
                .exec(&self.ctx.db)
                .await
                .expect("update round");
        }
        self.snapshots.invalidate(contest.id);
    }

    /// Counts rows of a SQL query returning one integer column `n`.
    pub async fn count(&self, sql: &str) -> i64 {
        let backend = self.ctx.db.get_database_backend();
        let row = self
            .ctx
            .db
            .query_one(Statement::from_string(backend, sql.to_owned()))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

/// A signed-in staff member: the session cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Staff {
    /// `cuocthi_session=...`.
    pub cookie: String,
    /// The CSRF token.
    pub csrf: String,
}

impl TestApp {
    /// Creates a staff account directly and signs it in through the API.
    pub async fn staff(
        &self,
        username: &str,
        role: cuocthi_store::staff::Role,
        unit: Option<&str>,
    ) -> Staff {
        let password = "a long test password";
        cuocthi_server::staff::service::create_account(
            &self.ctx.db,
            username,
            role,
            unit,
            password,
            self.ctx.now_ms(),
        )
        .await
        .expect("create staff account");
        self.sign_in(username, password).await
    }

    /// Signs in through the API.
    pub async fn sign_in(&self, username: &str, password: &str) -> Staff {
        let response = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login reaches the server");
        assert_eq!(response.status(), 200, "login of {username}");
        let cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("cuocthi_session="))
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        let body: Value = response.json().await.expect("login body");
        Staff {
            cookie,
            csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
        }
    }

    /// A staff call with the session cookie and (unless `csrf` is false) the CSRF token.
    pub async fn staff_call_with(
        &self,
        staff: &Staff,
        csrf: bool,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("Cookie", &staff.cookie);
        if csrf {
            request = request.header("X-CSRF-Token", &staff.csrf);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::reply(request.send().await.expect("request reaches the server")).await
    }

    /// A staff call with cookie and CSRF token.
    pub async fn staff_call(
        &self,
        staff: &Staff,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        self.staff_call_with(staff, true, method, path, body).await
    }

    /// Uploads a file as the raw body.
    pub async fn staff_upload(
        &self,
        staff: &Staff,
        path: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Reply {
        let request = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("Cookie", &staff.cookie)
            .header("X-CSRF-Token", &staff.csrf)
            .header("Content-Type", content_type)
            .body(bytes);
        Self::reply(request.send().await.expect("request reaches the server")).await
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
        }
    }
}

/// Units in the contract's columns (`;`-separated, as Vietnamese Excel writes): two wards of
/// one block and an office of another.
pub const UNITS_CSV: &str = "Mã đơn vị;Tên đơn vị;Khối;Số người\nP01;Phường Bắc Hồng;Khối xã, phường;120\nP02;Xã Nam Hồng;Khối xã, phường;\nCQ1;Phòng Nội vụ;Khối chính quyền;25\n";

/// A six-question bank in the template: in question `i` the right option is "Đúng i" (B) and
/// the wrong ones start with "Sai"; topics alternate between two.
pub fn bank_csv() -> String {
    let mut csv = String::from(
        "STT,Chủ đề,Câu hỏi,Phương án A,Phương án B,Phương án C,Đáp án,Điểm,Giải thích\n",
    );
    for i in 1..=6 {
        let topic = if i % 2 == 0 {
            "Hiến pháp"
        } else {
            "Thủ tục hành chính"
        };
        csv.push_str(&format!(
            "{i},{topic},Câu hỏi số {i}?,Sai {i}a,Đúng {i},Sai {i}b,B,1,Vì B đúng\n"
        ));
    }
    csv
}

impl TestApp {
    /// Creates a contest from `body` through the contract, then imports [`UNITS_CSV`] and
    /// [`bank_csv`] into it; every step must succeed.
    pub async fn set_up_contest(&self, org: &Staff, body: Value) {
        let slug = body["slug"].as_str().expect("slug").to_owned();
        let created = self
            .staff_call(org, Method::POST, "/api/v1/admin/contests", Some(body))
            .await;
        assert_eq!(created.status, 201, "{created:?}");
        let units = self
            .staff_upload(
                org,
                &format!("/api/v1/admin/contests/{slug}/units/import"),
                UNITS_CSV.as_bytes().to_vec(),
                "text/csv",
            )
            .await;
        assert_eq!(units.status, 200, "{units:?}");
        let bank = self
            .staff_upload(
                org,
                &format!("/api/v1/admin/contests/{slug}/questions/import"),
                bank_csv().into_bytes(),
                "text/csv",
            )
            .await;
        assert_eq!(bank.status, 200, "{bank:?}");
    }
}

/// A registration body: `name`, `phone`, born 1985, in the unit `unit_id`, consenting, and in
/// `category` when there is one.
pub fn registration(name: &str, phone: &str, unit_id: &str, category: Option<&str>) -> Value {
    let mut body = json!({
        "full_name": name,
        "phone": phone,
        "birth_year": 1985,
        "unit_id": unit_id,
        "consent": true,
    });
    if let Some(category) = category {
        body["category"] = json!(category);
    }
    body
}

/// A file as a staff member downloads it: status, content type, every header and the body.
#[derive(Debug, Clone)]
pub struct Download {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header (empty when missing).
    pub content_type: String,
    /// Every response header.
    pub headers: reqwest::header::HeaderMap,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl Download {
    /// A header's value (empty when missing or not text).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// The body as text, decoded as `reqwest`'s `Response::text` does for UTF-8: a leading
    /// byte-order mark dropped, invalid sequences replaced.
    pub fn text(&self) -> String {
        let bytes = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// People, attempts and files in a contest set up with [`TestApp::set_up_contest`].
impl TestApp {
    /// Registers with `body`, which must succeed (201); returns the reply's body.
    pub async fn register_ok(&self, slug: &str, body: Value) -> Value {
        let reply = self.register_raw(slug, body).await;
        assert_eq!(reply.status, 201, "{reply:?}");
        reply.body
    }

    /// Registers `name` with `phone` in the unit with code `unit_code` (no category; see
    /// [`registration`]) and returns their token.
    pub async fn register_person(
        &self,
        slug: &str,
        name: &str,
        phone: &str,
        unit_code: &str,
    ) -> String {
        self.register_person_as(slug, name, phone, unit_code, None)
            .await
    }

    /// [`TestApp::register_person`] in `category`, when there is one.
    pub async fn register_person_as(
        &self,
        slug: &str,
        name: &str,
        phone: &str,
        unit_code: &str,
        category: Option<&str>,
    ) -> String {
        let unit_id = self.unit_id(slug, unit_code).await;
        let body = self
            .register_ok(slug, registration(name, phone, &unit_id, category))
            .await;
        body["token"].as_str().expect("token").to_owned()
    }

    /// Starts an attempt, which must be created (201); returns its id and its questions in
    /// the order shown.
    pub async fn start_attempt(&self, slug: &str, token: &str) -> (String, Vec<Value>) {
        let attempt = self.start(slug, token).await;
        assert_eq!(attempt.status, 201, "{attempt:?}");
        (
            attempt.body["attempt_id"].as_str().expect("id").to_owned(),
            attempt.body["questions"]
                .as_array()
                .expect("questions")
                .clone(),
        )
    }

    /// Answers each question in turn with its first shown option for which
    /// `pick(index of the question, question text, option text)` holds; every save must
    /// succeed.
    pub async fn answer_with(
        &self,
        id: &str,
        token: &str,
        questions: &[Value],
        pick: impl Fn(usize, &str, &str) -> bool,
    ) {
        for (i, q) in questions.iter().enumerate() {
            let text = q["text"].as_str().expect("text");
            let option = q["options"]
                .as_array()
                .expect("options")
                .iter()
                .find(|o| pick(i, text, o["text"].as_str().expect("option text")))
                .expect("an option to pick");
            let saved = self
                .save(
                    id,
                    token,
                    q["position"].as_i64().expect("position"),
                    &[option["key"].as_str().expect("key")],
                )
                .await;
            assert_eq!(saved.status, 200, "{saved:?}");
        }
    }

    /// Answers the first `right` questions shown with their right option ("Đúng i" in
    /// [`bank_csv`]) and the others with their first shown wrong one ("Sai …").
    pub async fn answer_right(&self, id: &str, token: &str, questions: &[Value], right: usize) {
        self.answer_with(id, token, questions, |i, _, option| {
            option.starts_with(if i < right { "Đúng" } else { "Sai" })
        })
        .await;
    }

    /// Submits with `prediction` (an empty body without one), which must succeed (200);
    /// returns the result.
    pub async fn submit_ok(&self, id: &str, token: &str, prediction: Option<i64>) -> Value {
        let body = match prediction {
            Some(p) => json!({ "prediction": p }),
            None => json!({}),
        };
        let submitted = self.submit(id, token, body).await;
        assert_eq!(submitted.status, 200, "{submitted:?}");
        submitted.body
    }

    /// Takes an attempt: starts it, answers `right` questions right ([`TestApp::answer_right`]),
    /// moves the clock `seconds` and submits with `prediction`, which must count `right`
    /// correct answers. Returns the attempt id and the result.
    pub async fn take_attempt(
        &self,
        slug: &str,
        token: &str,
        right: usize,
        seconds: i64,
        prediction: Option<i64>,
    ) -> (String, Value) {
        let (id, questions) = self.start_attempt(slug, token).await;
        self.answer_right(&id, token, &questions, right).await;
        self.advance(Duration::seconds(seconds));
        let result = self.submit_ok(&id, token, prediction).await;
        assert_eq!(result["correct"], json!(right), "{result}");
        (id, result)
    }

    /// GETs `path` with the staff member's session cookie alone (no CSRF token), as a browser
    /// downloads a file.
    pub async fn raw_get(&self, staff: &Staff, path: &str) -> Download {
        let response = self
            .http
            .get(format!("{}{}", self.base, path))
            .header("Cookie", &staff.cookie)
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.bytes().await.expect("body").to_vec();
        Download {
            status,
            content_type,
            headers,
            body,
        }
    }
}

/// Backups and restores: where a test server's database is, and a server on an existing one.
impl TestApp {
    /// The URL of this server's database: its SQLite file, or (when `TEST_DATABASE_URL` is
    /// set) `TEST_DATABASE_URL` with the test's own database name.
    pub async fn database_url(&self) -> String {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) => {
                let backend = self.ctx.db.get_database_backend();
                let row = self
                    .ctx
                    .db
                    .query_one(Statement::from_string(
                        backend,
                        "SELECT current_database() AS name",
                    ))
                    .await
                    .expect("current_database()")
                    .expect("a row");
                let name: String = row.try_get("", "name").expect("name");
                with_database_name(&admin_url, &name)
            }
            Err(_) => format!(
                "sqlite://{}/test.db?mode=rwc",
                self._data_dir.path().display()
            ),
        }
    }

    /// A new, empty PostgreSQL database on the `TEST_DATABASE_URL` server, as a URL (for a
    /// restore); `None` on SQLite.
    pub async fn new_postgres_database() -> Option<String> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) => Some(fresh_postgres(&url).await),
            Err(_) => None,
        }
    }

    /// A server on an existing database at `database_url` (a restored backup, say): migrated
    /// when behind, never seeded, its clock at `now`; `data_dir` is kept for the server's
    /// lifetime (put an SQLite copy in it).
    pub async fn on_database(
        database_url: String,
        data_dir: tempfile::TempDir,
        now: DateTime<Utc>,
    ) -> Self {
        let config = test_config(database_url, data_dir.path(), DemoMode::Never);
        Self::serve(
            config,
            ManualClock::new(now),
            data_dir,
            SharedRng::seeded(42),
        )
        .await
    }
}

/// A cache that fails every call: a stand-in for Redis that accepts connections and answers
/// every command with an error, so the server's cache calls all fail as with Redis broken.
impl TestApp {
    /// A server with the demo contest seeded whose cache (a "Redis" that answers every
    /// command with an error) fails every call.
    pub async fn with_demo_and_failing_cache() -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let config = Config {
            redis_url: Some(failing_redis()),
            ..test_config(
                fresh_database_url(&data_dir).await,
                data_dir.path(),
                DemoMode::Always,
            )
        };
        let clock = ManualClock::new(test_epoch());
        let app = Self::serve(config, clock, data_dir, SharedRng::seeded(42)).await;
        assert!(!app.ctx.cache.ping().await, "the cache fails");
        app
    }
}

/// Starts a stand-in for Redis on a free local port (threads of its own, for the rest of the
/// process) that answers every command with an error; returns its URL.
fn failing_redis() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a failing redis");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            std::thread::spawn(move || answer_with_errors(socket));
        }
    });
    format!("redis://{address}")
}

/// Reads commands (RESP arrays, or inline lines) and answers each with an error, until the
/// client hangs up.
fn answer_with_errors(mut socket: std::net::TcpStream) {
    use std::io::{Read, Write};
    let mut pending = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = match socket.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        pending.extend_from_slice(&chunk[..read]);
        while let Some(used) = command_length(&pending) {
            pending.drain(..used);
            if socket
                .write_all(b"-ERR the test cache fails every call\r\n")
                .is_err()
            {
                return;
            }
        }
    }
}

/// The length in bytes of the first complete command in `bytes`, if there is one.
fn command_length(bytes: &[u8]) -> Option<usize> {
    let line_end = |from: usize| -> Option<usize> {
        bytes
            .get(from..)?
            .windows(2)
            .position(|w| w == b"\r\n")
            .map(|at| from + at)
    };
    let number = |from: usize, to: usize| -> Option<usize> {
        std::str::from_utf8(bytes.get(from..to)?).ok()?.parse().ok()
    };
    let end = line_end(0)?;
    if bytes.first() != Some(&b'*') {
        return Some(end + 2);
    }
    let parts = number(1, end)?;
    let mut at = end + 2;
    for _ in 0..parts {
        let end = line_end(at)?;
        let length = number(at + 1, end)?;
        at = end + 2 + length + 2;
        if at > bytes.len() {
            return None;
        }
    }
    Some(at)
}

/// Two server nodes on one database (and, with `TEST_REDIS_URL`, one Redis prefix), as in a
/// deployment of several nodes (spec/quality-bars.md R4, P8).
impl TestApp {
    /// Two nodes sharing a fresh database with the demo contest (seeded by the first), one
    /// cache prefix and one clock (moving either node's clock moves both). On SQLite both
    /// open the same file.
    pub async fn two_nodes() -> (TestApp, TestApp) {
        let first_dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database_url(&first_dir).await;
        let prefix = format!("test:{}:", Uuid::new_v4().simple());
        let clock = ManualClock::new(test_epoch());
        let node = |demo: DemoMode, dir: &std::path::Path| Config {
            redis_prefix: prefix.clone(),
            ..test_config(database_url.clone(), dir, demo)
        };
        let first_config = node(DemoMode::Always, first_dir.path());
        let first = Self::serve(
            first_config,
            clock.clone(),
            first_dir,
            SharedRng::from_entropy(),
        )
        .await;
        let second_dir = tempfile::tempdir().expect("temp dir");
        let second_config = node(DemoMode::Never, second_dir.path());
        let second = Self::serve(second_config, clock, second_dir, SharedRng::from_entropy()).await;
        (first, second)
    }
}
