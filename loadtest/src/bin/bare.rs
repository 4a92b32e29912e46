//! `cuocthi-bare`: the ceiling of P2 (spec/quality-bars.md). A bare actix-web server that
//! answers the routes of a contestant journey — units, register, start, save, submit, read —
//! parsing the same JSON bodies into the same request types as the real server
//! (`cuocthi_attempts::dto`) and storing nothing: no database, no cache, no middleware. Its
//! responses have the shape and about the size of the real ones (the start and read bodies
//! carry 20 questions of the demo contest), so `cuocthi-load --no-verify` drives it with the
//! same request mix as the real server, and the ratio of the two request rates is P2.

use std::sync::Arc;

use actix_web::{get, post, put, web, App, HttpResponse, HttpServer};
use anyhow::Context;
use clap::Parser;
use serde_json::{json, Value};
use uuid::Uuid;

use cuocthi_attempts::dto::{RegisterRequest, SaveAnswerRequest, SubmitRequest};

/// Same allocator as the server, so that the ceiling is not an allocator comparison.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The demo contest's questions, for realistic response bodies.
const DEMO_JSON: &str = include_str!("../../../crates/server/demo/demo-contest.json");

/// The bare handler.
#[derive(Debug, Parser)]
#[command(name = "cuocthi-bare")]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8099")]
    listen: String,
    /// HTTP worker threads (default: one per core, as the server).
    #[arg(long)]
    workers: Option<usize>,
}

/// Response bodies prepared once.
struct Bodies {
    units: Vec<u8>,
    registered: Vec<u8>,
    attempt: Vec<u8>,
    result: Vec<u8>,
}

fn bodies() -> anyhow::Result<Bodies> {
    let demo: Value = serde_json::from_str(DEMO_JSON).context("reading the demo data")?;
    let questions: Vec<Value> = demo["topics"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|topic| topic["questions"].as_array().cloned().unwrap_or_default())
        .take(20)
        .enumerate()
        .map(|(i, q)| {
            let options: Vec<Value> = q["options"]
                .as_array()
                .into_iter()
                .flatten()
                .zip(["A", "B", "C", "D", "E", "F"])
                .map(|(text, key)| json!({"key": key, "text": text}))
                .collect();
            json!({"position": i + 1, "text": q["text"], "multiple": false, "options": options})
        })
        .collect();
    let now = chrono::Utc::now();
    let attempt = json!({
        "attempt_id": Uuid::now_v7(), "attempt_no": 1, "round": 1, "status": "in_progress",
        "started_at": now.to_rfc3339(), "deadline": (now + chrono::Duration::minutes(20)).to_rfc3339(),
        "server_time": now.to_rfc3339(), "grace_secs": 15, "prediction_enabled": true,
        "prediction_question": demo["prediction_question"], "questions": questions,
        "answers": {}, "total": 20,
    });
    let unit = Uuid::now_v7();
    Ok(Bodies {
        units: serde_json::to_vec(&json!([
            {"id": unit, "code": "U01", "name": "Đơn vị mẫu", "block": "Khối mẫu"}
        ]))?,
        registered: serde_json::to_vec(&json!({
            "participant_id": Uuid::now_v7(), "token": "bare-token-0123456789abcdef0123456789abcdef",
            "attempts_used": 0, "attempts_left": 3, "unit_id": unit, "category": "citizen",
            "full_name": "Thí sinh", "in_progress_attempt_id": null,
        }))?,
        attempt: serde_json::to_vec(&attempt)?,
        result: serde_json::to_vec(&json!({
            "status": "submitted", "score": 10, "correct": 10, "total": 20, "perfect": false,
            "duration_ms": 1000, "submitted_at": now.to_rfc3339(), "attempts_left": 2,
            "prediction": 1,
        }))?,
    })
}

type Data = web::Data<Arc<Bodies>>;

fn json_body(status: actix_web::http::StatusCode, body: &[u8]) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_vec())
}

#[get("/api/v1/contests/{slug}/units")]
async fn units(bodies: Data, _slug: web::Path<String>) -> HttpResponse {
    json_body(actix_web::http::StatusCode::OK, &bodies.units)
}

#[post("/api/v1/contests/{slug}/participants")]
async fn register(
    bodies: Data,
    _slug: web::Path<String>,
    body: web::Json<RegisterRequest>,
) -> HttpResponse {
    let _ = body.into_inner();
    json_body(actix_web::http::StatusCode::CREATED, &bodies.registered)
}

#[post("/api/v1/contests/{slug}/attempts")]
async fn start(bodies: Data, _slug: web::Path<String>) -> HttpResponse {
    json_body(actix_web::http::StatusCode::CREATED, &bodies.attempt)
}

#[put("/api/v1/attempts/{id}/answers/{position}")]
async fn save(path: web::Path<(Uuid, i32)>, body: web::Json<SaveAnswerRequest>) -> HttpResponse {
    let (_, position) = path.into_inner();
    HttpResponse::Ok().json(json!({
        "position": position, "choice": body.into_inner().choice,
        "saved_at": chrono::Utc::now().to_rfc3339(),
    }))
}

#[post("/api/v1/attempts/{id}/submit")]
async fn submit(bodies: Data, _id: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    if !body.iter().all(u8::is_ascii_whitespace)
        && serde_json::from_slice::<SubmitRequest>(&body).is_err()
    {
        return HttpResponse::BadRequest().json(json!({"error": "malformed_body"}));
    }
    json_body(actix_web::http::StatusCode::OK, &bodies.result)
}

#[get("/api/v1/attempts/{id}")]
async fn read(bodies: Data, _id: web::Path<Uuid>) -> HttpResponse {
    json_body(actix_web::http::StatusCode::OK, &bodies.attempt)
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let bodies = web::Data::new(Arc::new(bodies()?));
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(bodies.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024))
                .service(units)
                .service(register)
                .service(start)
                .service(save)
                .service(submit)
                .service(read)
        })
        .bind(&cli.listen)
        .with_context(|| format!("binding {}", cli.listen))?;
        if let Some(workers) = cli.workers {
            server = server.workers(workers.max(1));
        }
        println!("cuocthi-bare listening on {}", cli.listen);
        server.run().await.context("serving")
    })
}
