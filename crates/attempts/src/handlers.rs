//! HTTP handlers of the citizen flow: extract, parse, call the service, answer. Nothing else.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use cuocthi_store::{ratelimit, ApiError, AppContext};

use crate::auth::{authenticate, ParticipantAuth, TokenCache};
use crate::autosave::AnswerWriter;
use crate::draws::{AttemptDraw, DrawCache};
use crate::dto::{
    AttemptDto, ContestDetail, ContestSummary, MeResponse, RegisterRequest, RegisterResponse,
    ResultDto, SaveAnswerRequest, SaveAnswerResponse, SubmitRequest, UnitDto,
};
use crate::{contests, engine, participants};
use cuocthi_store::snapshot::{ContestView, Snapshots};

type Ctx = web::Data<AppContext>;
type Snaps = web::Data<Snapshots>;
type Tokens = web::Data<TokenCache>;
type Draws = web::Data<DrawCache>;
type Writer = web::Data<AnswerWriter>;

async fn contest_by_slug(
    ctx: &AppContext,
    snapshots: &Snapshots,
    slug: &str,
) -> Result<Arc<ContestView>, ApiError> {
    snapshots
        .by_slug(&ctx.db, slug)
        .await?
        .ok_or_else(ApiError::not_found)
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Lists public contests.
#[utoipa::path(
    get, path = "/api/v1/contests", tag = "citizen",
    responses((status = 200, description = "Listed contests", body = Vec<ContestSummary>))
)]
#[get("/api/v1/contests")]
pub async fn list_contests(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let list = contests::list(&ctx.db, ctx.clock.now()).await?;
    Ok(no_store(HttpResponse::Ok().json(list)))
}

/// One contest's public page data.
#[utoipa::path(
    get, path = "/api/v1/contests/{slug}", tag = "citizen",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses(
        (status = 200, description = "The contest", body = ContestDetail),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
    )
)]
#[get("/api/v1/contests/{slug}")]
pub async fn get_contest(
    ctx: Ctx,
    snapshots: Snaps,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contest = contest_by_slug(&ctx, &snapshots, &slug).await?;
    let stats = contests::stats(&ctx.db, ctx.cache.as_ref(), contest.row.id).await?;
    Ok(no_store(HttpResponse::Ok().json(contests::detail(
        &contest,
        ctx.clock.now(),
        stats,
    ))))
}

/// The units a participant chooses from.
#[utoipa::path(
    get, path = "/api/v1/contests/{slug}/units", tag = "citizen",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses(
        (status = 200, description = "Units in display order", body = Vec<UnitDto>),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
    )
)]
#[get("/api/v1/contests/{slug}/units")]
pub async fn list_units(
    ctx: Ctx,
    snapshots: Snaps,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contest = contest_by_slug(&ctx, &snapshots, &slug).await?;
    Ok(HttpResponse::Ok().json(contests::units(&ctx.db, contest.row.id).await?))
}

/// Registers a participant (201), or recognises the same person again (200, new token).
#[utoipa::path(
    post, path = "/api/v1/contests/{slug}/participants", tag = "citizen",
    params(("slug" = String, Path, description = "The contest's slug")),
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "New participant", body = RegisterResponse),
        (status = 200, description = "The same person again", body = RegisterResponse),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "pin_mismatch", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "identity_mismatch", body = cuocthi_store::api::ErrorBody),
        (status = 413, description = "payload_too_large", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "consent_required or field errors", body = cuocthi_store::api::ErrorBody),
        (status = 429, description = "rate_limited, see Retry-After", body = cuocthi_store::api::ErrorBody),
    )
)]
#[post("/api/v1/contests/{slug}/participants")]
pub async fn register(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: Snaps,
    tokens: Tokens,
    slug: web::Path<String>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let contest = contest_by_slug(&ctx, &snapshots, &slug).await?;
    let now = ctx.clock.now();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    ratelimit::hit(
        &ctx,
        &format!("register:{address}"),
        ratelimit::REGISTRATION_PER_ADDRESS,
    )
    .await?;
    let registration = participants::parse_registration(&body, &contest, now)?;
    // Wrong PINs are counted per phone, so nobody can try them all.
    let pin_key = format!("pin:{}:{}", contest.row.id, registration.phone().as_str());
    if ratelimit::exceeded(&ctx, &pin_key, ratelimit::PIN_FAILURES).await {
        return Err(ApiError::too_many_requests(
            ratelimit::PIN_FAILURES.window.as_secs() as u32,
        ));
    }
    let registered = match participants::register(&ctx.db, &contest, registration, now).await {
        Ok(registered) => registered,
        Err(error) => {
            if error.code() == "pin_mismatch" {
                ratelimit::fail(&ctx, &pin_key, ratelimit::PIN_FAILURES).await;
            }
            return Err(error);
        }
    };
    tokens.remember_issued(
        &registered.body.token,
        ParticipantAuth {
            participant_id: registered.body.participant_id,
            contest_id: contest.row.id,
        },
    );
    let mut response = if registered.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(no_store(response.json(registered.body)))
}

async fn participant_of_contest(
    req: &HttpRequest,
    ctx: &AppContext,
    tokens: &TokenCache,
    contest: &ContestView,
) -> Result<ParticipantAuth, ApiError> {
    let auth = authenticate(req, &ctx.db, tokens).await?;
    if auth.contest_id != contest.row.id {
        return Err(ApiError::forbidden(
            "not_registered",
            "not registered in this contest",
        ));
    }
    Ok(auth)
}

/// The participant's own view: usage and attempts.
#[utoipa::path(
    get, path = "/api/v1/contests/{slug}/me", tag = "citizen",
    params(("slug" = String, Path, description = "The contest's slug")),
    security(("participant_token" = [])),
    responses(
        (status = 200, description = "The participant", body = MeResponse),
        (status = 401, description = "No or bad token", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "not_registered", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
    )
)]
#[get("/api/v1/contests/{slug}/me")]
pub async fn me(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: Snaps,
    tokens: Tokens,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contest = contest_by_slug(&ctx, &snapshots, &slug).await?;
    let auth = participant_of_contest(&req, &ctx, &tokens, &contest).await?;
    let body = participants::me(&ctx.db, &contest, auth.participant_id, ctx.clock.now()).await?;
    Ok(no_store(HttpResponse::Ok().json(body)))
}

/// Starts an attempt (201) or returns the one in progress (200).
#[utoipa::path(
    post, path = "/api/v1/contests/{slug}/attempts", tag = "citizen",
    params(("slug" = String, Path, description = "The contest's slug")),
    security(("participant_token" = [])),
    responses(
        (status = 201, description = "A new attempt", body = AttemptDto),
        (status = 200, description = "The attempt already in progress", body = AttemptDto),
        (status = 401, description = "No or bad token", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "not_registered", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "no_attempts_left, round_not_open", body = cuocthi_store::api::ErrorBody),
        (status = 410, description = "round_closed", body = cuocthi_store::api::ErrorBody),
        (status = 429, description = "rate_limited, see Retry-After", body = cuocthi_store::api::ErrorBody),
    )
)]
#[post("/api/v1/contests/{slug}/attempts")]
pub async fn start_attempt(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: Snaps,
    tokens: Tokens,
    draws: Draws,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contest = contest_by_slug(&ctx, &snapshots, &slug).await?;
    let auth = participant_of_contest(&req, &ctx, &tokens, &contest).await?;
    ratelimit::hit(
        &ctx,
        &format!("start:{}", auth.participant_id),
        ratelimit::STARTS_PER_PARTICIPANT,
    )
    .await?;
    let now = ctx.clock.now();
    let (row, created) = engine::start(
        &ctx.db,
        &snapshots,
        &ctx.rng,
        &contest,
        auth.participant_id,
        now,
    )
    .await?;
    // The saves that follow need not read the attempt again.
    draws.remember(Arc::new(AttemptDraw::of(&row)?));
    let body = engine::view(&ctx.db, &snapshots, &contest, &row, now, created).await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(no_store(response.json(body)))
}

async fn own_attempt(
    req: &HttpRequest,
    ctx: &AppContext,
    snapshots: &Snapshots,
    tokens: &TokenCache,
    id: Uuid,
) -> Result<(Arc<ContestView>, cuocthi_store::entities::attempt::Model), ApiError> {
    let auth = authenticate(req, &ctx.db, tokens).await?;
    let row = engine::load_own(&ctx.db, id, auth.participant_id).await?;
    let contest = snapshots
        .by_id(&ctx.db, row.contest_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((contest, row))
}

/// The attempt as its participant sees it.
#[utoipa::path(
    get, path = "/api/v1/attempts/{id}", tag = "citizen",
    params(("id" = Uuid, Path, description = "The attempt's id")),
    security(("participant_token" = [])),
    responses(
        (status = 200, description = "The attempt", body = AttemptDto),
        (status = 401, description = "No or bad token", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "Not this participant's attempt", body = cuocthi_store::api::ErrorBody),
    )
)]
#[get("/api/v1/attempts/{id}")]
pub async fn get_attempt(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: Snaps,
    tokens: Tokens,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (contest, row) = own_attempt(&req, &ctx, &snapshots, &tokens, *id).await?;
    let now = ctx.clock.now();
    let was_open = row.status == "in_progress";
    let row = engine::close_if_overdue(&ctx.db, &contest, row, now).await?;
    if was_open && row.status != "in_progress" {
        // In the background: the read never waits for the live board.
        cuocthi_store::live_board::spawn_record(&ctx, &row);
    }
    Ok(no_store(HttpResponse::Ok().json(
        engine::view(&ctx.db, &snapshots, &contest, &row, now, false).await?,
    )))
}

/// Saves one answer (autosave).
#[utoipa::path(
    put, path = "/api/v1/attempts/{id}/answers/{position}", tag = "citizen",
    params(
        ("id" = Uuid, Path, description = "The attempt's id"),
        ("position" = i32, Path, description = "The question's position, from 1"),
    ),
    security(("participant_token" = [])),
    request_body = SaveAnswerRequest,
    responses(
        (status = 200, description = "Saved", body = SaveAnswerResponse),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "No or bad token", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "Not this participant's attempt, or no such position", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "attempt_finished", body = cuocthi_store::api::ErrorBody),
        (status = 410, description = "deadline_passed", body = cuocthi_store::api::ErrorBody),
        (status = 413, description = "payload_too_large", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "invalid_choice", body = cuocthi_store::api::ErrorBody),
    )
)]
#[put("/api/v1/attempts/{id}/answers/{position}")]
// Extractors, one per piece of node state the save uses.
#[allow(clippy::too_many_arguments)]
pub async fn save_answer(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: Snaps,
    tokens: Tokens,
    draws: Draws,
    writer: Writer,
    path: web::Path<(Uuid, i32)>,
    body: web::Json<SaveAnswerRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, position) = path.into_inner();
    let auth = authenticate(&req, &ctx.db, &tokens).await?;
    let attempt = draws.own(&ctx.db, id, auth.participant_id).await?;
    let contest = snapshots
        .by_id(&ctx.db, attempt.contest_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let saved = engine::save_answer(
        &ctx.db,
        &writer,
        &contest,
        &attempt,
        position,
        &body.choice,
        ctx.clock.now(),
    )
    .await?;
    Ok(no_store(HttpResponse::Ok().json(saved)))
}

fn parse_prediction(raw: &Option<serde_json::Value>) -> Result<Option<i64>, ApiError> {
    match raw {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => match value.as_i64().or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }) {
            Some(n) if n >= 0 => Ok(Some(n)),
            _ => Err(ApiError::invalid_fields(
                "validation_failed",
                BTreeMap::from([("prediction".to_owned(), "invalid".to_owned())]),
            )),
        },
    }
}

/// Submits the attempt; calling again returns the same result.
#[utoipa::path(
    post, path = "/api/v1/attempts/{id}/submit", tag = "citizen",
    params(("id" = Uuid, Path, description = "The attempt's id")),
    security(("participant_token" = [])),
    request_body = SubmitRequest,
    responses(
        (status = 200, description = "The result", body = ResultDto),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "No or bad token", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "Not this participant's attempt", body = cuocthi_store::api::ErrorBody),
        (status = 413, description = "payload_too_large", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "prediction_required, or an invalid prediction", body = cuocthi_store::api::ErrorBody),
    )
)]
#[post("/api/v1/attempts/{id}/submit")]
pub async fn submit_attempt(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: Snaps,
    tokens: Tokens,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (contest, row) = own_attempt(&req, &ctx, &snapshots, &tokens, *id).await?;
    // An empty body is a submission without a prediction; anything else must be JSON.
    let prediction = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        if body.len() > ctx.settings.json_limit {
            return Err(ApiError::payload_too_large(ctx.settings.json_limit));
        }
        let parsed: SubmitRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request("malformed_body", e.to_string()))?;
        parse_prediction(&parsed.prediction)?
    };
    let row = engine::submit(&ctx.db, &contest, row, prediction, ctx.clock.now()).await?;
    // After the commit, in the background: idempotent (only a better entry replaces), never
    // delays or fails the submit.
    cuocthi_store::live_board::spawn_record(&ctx, &row);
    let left = engine::attempts_left(&ctx.db, &contest, &row).await?;
    let result = engine::result_of(&row, left).ok_or_else(|| {
        ApiError::internal(format!("attempt {} finished without a score", row.id))
    })?;
    Ok(no_store(HttpResponse::Ok().json(result)))
}
