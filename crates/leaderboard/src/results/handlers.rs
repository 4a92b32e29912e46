//! Handlers of finalizing, publishing, result versions, the canonical export and the public
//! winners page.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use cuocthi_store::entities::result;
use cuocthi_store::staff::{audit, authenticate, AuditEntry, Role};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::{ApiError, AppContext};

use super::service::{self, FinalizedResult};

type Ctx = web::Data<AppContext>;

/// The body of a finalize call.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FinalizeRequest {
    /// The draw seed (1–200 characters); must match the round's `draw_seed_sha256` if set.
    #[schema(value_type = String)]
    pub draw_seed: Option<serde_json::Value>,
}

/// The answer to a publish call.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// Round number.
    pub round: i32,
    /// The version made public.
    pub version: i32,
    /// When it was made public.
    pub published_at: String,
}

/// One version of a round's result, as staff list them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultVersion {
    /// 1, 2, ...
    pub version: i32,
    /// When it was made.
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// SHA-256 of its canonical export.
    pub export_sha256: String,
    /// When it was made public, if it was.
    pub published_at: Option<String>,
    /// A regrade touched the round since.
    pub needs_refinalize: bool,
}

/// A public winner.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicPrize {
    /// Tier code.
    pub tier: String,
    /// Tier name.
    pub tier_name: String,
    /// Rank in the round.
    pub rank: u32,
    /// Full name.
    pub name: String,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Score.
    pub score: i32,
    /// Duration, milliseconds.
    pub duration_ms: i64,
}

/// A public winning unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicUnit {
    /// Rank.
    pub rank: u32,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Participants.
    pub participants: u64,
    /// `participants / headcount`, unrounded; null without a headcount.
    pub participation_rate: Option<f64>,
}

/// The published winners of one round.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRoundWinners {
    /// Round number.
    pub round: i32,
    /// The version published.
    pub version: i32,
    /// Whether the draw seed had been committed to before the round closed.
    pub seed_committed: bool,
    /// Individual winners, in rank order.
    pub prizes: Vec<PublicPrize>,
    /// Winning units, in rank order.
    pub collective: Vec<PublicUnit>,
}

fn public_view(r: FinalizedResult) -> PublicRoundWinners {
    PublicRoundWinners {
        round: r.round,
        version: r.version,
        seed_committed: r.seed_committed,
        prizes: r
            .prizes
            .into_iter()
            .map(|p| PublicPrize {
                tier: p.tier,
                tier_name: p.tier_name,
                rank: p.rank,
                name: p.name,
                unit_code: p.unit_code,
                unit_name: p.unit_name,
                score: p.score,
                duration_ms: p.duration_ms,
            })
            .collect(),
        collective: r
            .collective
            .into_iter()
            .map(|u| PublicUnit {
                rank: u.rank,
                unit_code: u.unit_code,
                unit_name: u.unit_name,
                participants: u.participants,
                participation_rate: u.participation_rate,
            })
            .collect(),
    }
}

/// Finalizes round `n`: ranks it, allocates the prizes and stores a new version.
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/rounds/{n}/finalize", tag = "results",
    request_body = FinalizeRequest,
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "The new version", body = FinalizedResult),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "round_open or seed_mismatch", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "draw_seed missing, empty or too long", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/contests/{slug}/rounds/{n}/finalize")]
pub async fn finalize_round(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32)>,
    body: web::Json<FinalizeRequest>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let contest = service::contest_by_slug(&ctx.db, &slug).await?;
    let round = service::round_by_number(&ctx.db, contest.id, number).await?;
    if let Some(problem) = service::seed_problem(body.draw_seed.as_ref()) {
        return Err(ApiError::invalid_fields(
            "validation_failed",
            [("draw_seed".to_owned(), problem.to_owned())].into(),
        ));
    }
    let seed = body
        .draw_seed
        .as_ref()
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let now_ms = ctx.now_ms();
    service::ensure_final(&ctx.db, &contest, &round, now_ms).await?;
    let committed = service::check_seed(&round, &seed)?;
    let outcome = service::finalize(
        &ctx.db,
        &contest,
        &round,
        &seed,
        committed,
        &staff.username,
        now_ms,
    )
    .await?;
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "round.finalize".into(),
            contest_id: Some(contest.id),
            subject: Some(format!("{slug} round {number}")),
            after: Some(serde_json::json!({
                "version": outcome.version,
                "export_sha256": outcome.export_sha256,
                "seed_committed": outcome.seed_committed,
                "winners": outcome.prizes.len(),
            })),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(outcome))
}

/// Makes the latest finalized version of round `n` public.
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/rounds/{n}/publish", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "Published", body = Published),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "not_finalized", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/contests/{slug}/rounds/{n}/publish")]
pub async fn publish_round(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let contest = service::contest_by_slug(&ctx.db, &slug).await?;
    let round = service::round_by_number(&ctx.db, contest.id, number).await?;
    let row = service::publish(&ctx.db, round.id, ctx.now_ms()).await?;
    let published_at = rfc3339_ms(row.published_at.unwrap_or_else(|| ctx.now_ms()));
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "round.publish".into(),
            contest_id: Some(contest.id),
            subject: Some(format!("{slug} round {number}")),
            after: Some(serde_json::json!({
                "version": row.version,
                "published_at": published_at,
            })),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Published {
        round: number,
        version: row.version,
        published_at,
    }))
}

/// The versions of round `n`'s result, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number")),
    responses(
        (status = 200, description = "Versions", body = Vec<ResultVersion>),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results")]
pub async fn list_versions(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer])?;
    let contest = service::contest_by_slug(&ctx.db, &slug).await?;
    let round = service::round_by_number(&ctx.db, contest.id, number).await?;
    let items: Vec<ResultVersion> = service::versions(&ctx.db, round.id)
        .await?
        .into_iter()
        .map(|r| ResultVersion {
            version: r.version,
            created_at: rfc3339_ms(r.created_at),
            created_by: r.created_by,
            export_sha256: r.export_sha256,
            published_at: r.published_at.map(rfc3339_ms),
            needs_refinalize: r.needs_refinalize,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(items))
}

/// A stored result version, for admins and organizers: 404 when the contest, round or
/// version does not exist.
async fn stored_version(
    req: &HttpRequest,
    ctx: &AppContext,
    slug: &str,
    number: i32,
    version: i32,
) -> Result<result::Model, ApiError> {
    let staff = authenticate(req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer])?;
    let contest = service::contest_by_slug(&ctx.db, slug).await?;
    let round = service::round_by_number(&ctx.db, contest.id, number).await?;
    result::Entity::find()
        .filter(result::Column::RoundId.eq(round.id))
        .filter(result::Column::Version.eq(version))
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The canonical results export of a version (CSV, UTF-8 without BOM): with the rules and the
/// seed, everything the winners depend on; no name, phone or national ID.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/export.csv", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("version" = i32, Path, description = "Result version")),
    responses(
        (status = 200, description = "The export", content_type = "text/csv", body = String),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/export.csv")]
pub async fn export_version(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number, version) = path.into_inner();
    let row = stored_version(&req, &ctx, &slug, number, version).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"ket-qua-{slug}-dot-{number}-v{version}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(row.export_csv))
}

/// The rules a result version was computed under (tie-break keys, prize rules, prediction
/// target): with the export and the seed, what `cuocthi verify` needs.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/rules.json", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("version" = i32, Path, description = "Result version")),
    responses(
        (status = 200, description = "The rules in force", body = Object),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/rules.json")]
pub async fn rules_version(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number, version) = path.into_inner();
    let row = stored_version(&req, &ctx, &slug, number, version).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"quy-tac-{slug}-dot-{number}-v{version}.json\""),
        ))
        .body(row.rules))
}

/// The published winners of every round (public; never phone or national ID).
#[utoipa::path(get, path = "/api/v1/contests/{slug}/winners", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses(
        (status = 200, description = "Per round, its published winners", body = Vec<PublicRoundWinners>),
        (status = 404, description = "not_found, or not_published before any publication", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/contests/{slug}/winners")]
pub async fn winners(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let contest = service::contest_by_slug(&ctx.db, &slug).await?;
    let results = service::published(&ctx.db, contest.id).await?;
    if results.is_empty() {
        return Err(ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_published",
            "no result of this contest has been published yet",
        ));
    }
    let body: Vec<PublicRoundWinners> = results.into_iter().map(public_view).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=30"))
        .json(body))
}
