//! Handlers of previewing, finalizing and publishing, result versions (detail, difference,
//! canonical export, winners and ranking files) and the public winners page.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures::TryStreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, StreamTrait,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, SemaphorePermit};
use utoipa::ToSchema;

use cuocthi_domain::allocation::participant_ref;
use cuocthi_store::entities::{attempt, category, contest, participant, result, round, unit};
use cuocthi_store::staff::{audit, authenticate, AuditEntry, Role};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::tokens::sha256_hex;
use cuocthi_store::{ApiError, AppContext};

use super::diff::{self, ResultDiff};
use super::files;
use super::service::{self, CollectiveOut, FinalizedResult, PrizeOut, UnawardedOut};
use crate::export::{
    csv_heading, csv_row, fields_to_csv as to_csv, to_xlsx_book, Field as Cell, Sheet,
};

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

/// A preview of round `n`'s result: what finalizing now would give, not stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResult {
    /// Always null: a preview is not a version.
    pub version: Option<i32>,
    /// Always true.
    pub preview: bool,
    /// Round number.
    pub round: i32,
    /// The prediction target's actual value; null without a prediction question.
    pub actual: Option<i64>,
    /// Whether the round had a seed commitment (which the seed matched).
    pub seed_committed: bool,
    /// The draw seed used.
    pub draw_seed: String,
    /// Individual winners in rank order, each with its explanation.
    pub prizes: Vec<PrizeOut>,
    /// Winning units in rank order.
    pub collective: Vec<CollectiveOut>,
    /// Individual places nobody could take.
    pub unawarded: Vec<UnawardedOut>,
    /// Collective places nobody could take.
    pub collective_unawarded: u32,
    /// Lowercase hex SHA-256 of the canonical results export it would store.
    pub export_sha256: String,
    /// The time it was computed at.
    pub finalized_at: String,
}

impl From<FinalizedResult> for PreviewResult {
    fn from(r: FinalizedResult) -> Self {
        PreviewResult {
            version: None,
            preview: true,
            round: r.round,
            actual: r.actual,
            seed_committed: r.seed_committed,
            draw_seed: r.draw_seed,
            prizes: r.prizes,
            collective: r.collective,
            unawarded: r.unawarded,
            collective_unawarded: r.collective_unawarded,
            export_sha256: r.export_sha256,
            finalized_at: r.finalized_at,
        }
    }
}

/// A stored result version with its bookkeeping.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDetail {
    /// The stored result, as finalize returned it.
    #[serde(flatten)]
    pub result: FinalizedResult,
    /// Who made it.
    pub created_by: String,
    /// When it was made public, if it was.
    pub published_at: Option<String>,
    /// A regrade touched the round since.
    pub needs_refinalize: bool,
}

/// What finalize and preview check before computing: the staff member (admin or organizer),
/// the contest and round (404), the seed (422 `draw_seed`), that the round is final (409
/// `round_open`) and the commitment (409 `seed_mismatch`).
struct Prepared {
    staff: cuocthi_store::staff::StaffAuth,
    contest: contest::Model,
    round: round::Model,
    seed: String,
    committed: bool,
    now_ms: i64,
}

async fn prepare(
    req: &HttpRequest,
    ctx: &AppContext,
    slug: &str,
    number: i32,
    body: &FinalizeRequest,
) -> Result<Prepared, ApiError> {
    let staff = authenticate(req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let contest = service::contest_by_slug(&ctx.db, slug).await?;
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
    Ok(Prepared {
        staff,
        contest,
        round,
        seed,
        committed,
        now_ms,
    })
}

/// At most one preview or finalize computes in this process at a time: each can peak at about
/// 1 GB on a million attempts.
static COMPUTING: Semaphore = Semaphore::const_new(1);

/// How long a preview or finalize waits for the one computing before 409
/// `finalize_in_progress`.
const COMPUTE_WAIT: Duration = Duration::from_secs(30);

/// The permit to compute, waited for at most `wait`: 409 `finalize_in_progress` when another
/// preview or finalize holds it all that time.
async fn compute_permit(gate: &Semaphore, wait: Duration) -> Result<SemaphorePermit<'_>, ApiError> {
    match tokio::time::timeout(wait, gate.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) | Err(_) => Err(ApiError::conflict(
            "finalize_in_progress",
            "another preview or finalize is being computed; try again in a moment",
        )),
    }
}

/// Previews round `n`'s result: the same checks and computation as finalize, nothing stored
/// but an audit entry. Every preview is audited (action `results.preview`: the round,
/// `seed_sha256` = SHA-256 of the draw seed, never the seed itself, `seed_committed`, the
/// resulting `export_sha256` and the number of winners), so trying seeds leaves a trace.
/// One preview or finalize computes at a time: another waits up to 30 s, then gets 409
/// `finalize_in_progress`.
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/rounds/{n}/preview", tag = "results",
    request_body = FinalizeRequest,
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "What finalizing now would store, with `version: null` and `preview: true`; audited as `results.preview` (seed hash and export hash, never the seed)", body = PreviewResult),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "round_open, seed_mismatch, or finalize_in_progress (another preview or finalize computed for 30 s)", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "draw_seed missing, empty or too long", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/contests/{slug}/rounds/{n}/preview")]
pub async fn preview_round(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32)>,
    body: web::Json<FinalizeRequest>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let p = prepare(&req, &ctx, &slug, number, &body).await?;
    let permit = compute_permit(&COMPUTING, COMPUTE_WAIT).await?;
    let computed = service::compute(
        &ctx.db,
        &p.contest,
        &p.round,
        &p.seed,
        p.committed,
        p.now_ms,
        false,
    )
    .await?;
    drop(permit);
    let result = computed.result;
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: p.staff.username,
            action: "results.preview".into(),
            contest_id: Some(p.contest.id),
            subject: Some(format!("{slug} round {number}")),
            after: Some(serde_json::json!({
                "round": number,
                "seed_sha256": sha256_hex(p.seed.as_bytes()),
                "seed_committed": result.seed_committed,
                "export_sha256": result.export_sha256,
                "winners": result.prizes.len(),
            })),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PreviewResult::from(result)))
}

/// Finalizes round `n`: ranks it, allocates the prizes and stores a new version. One preview
/// or finalize computes at a time: another waits up to 30 s, then gets 409
/// `finalize_in_progress`.
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
        (status = 409, description = "round_open, seed_mismatch, or finalize_in_progress (another preview or finalize computed for 30 s, or racing versions)", body = cuocthi_store::api::ErrorBody),
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
    let Prepared {
        staff,
        contest,
        round,
        seed,
        committed,
        now_ms,
    } = prepare(&req, &ctx, &slug, number, &body).await?;
    let permit = compute_permit(&COMPUTING, COMPUTE_WAIT).await?;
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
    drop(permit);
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

/// A stored result version with its contest, for admins and organizers: 404 when the
/// contest, round or version does not exist.
async fn load_version(
    req: &HttpRequest,
    ctx: &AppContext,
    slug: &str,
    number: i32,
    version: i32,
) -> Result<(contest::Model, result::Model), ApiError> {
    let staff = authenticate(req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer])?;
    let contest = service::contest_by_slug(&ctx.db, slug).await?;
    let round = service::round_by_number(&ctx.db, contest.id, number).await?;
    let row = result::Entity::find()
        .filter(result::Column::RoundId.eq(round.id))
        .filter(result::Column::Version.eq(version))
        .one(&ctx.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((contest, row))
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
    Ok(load_version(req, ctx, slug, number, version).await?.1)
}

fn parse_stored(row: &result::Model) -> Result<FinalizedResult, ApiError> {
    serde_json::from_str(&row.result).map_err(ApiError::internal)
}

/// One stored version of round `n`'s result: the result as finalize returned it, plus who made
/// it, when it was published and whether a regrade touched the round since.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("version" = i32, Path, description = "Result version")),
    responses(
        (status = 200, description = "The version", body = VersionDetail),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}")]
pub async fn version_detail(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number, version) = path.into_inner();
    let row = stored_version(&req, &ctx, &slug, number, version).await?;
    let body = VersionDetail {
        result: parse_stored(&row)?,
        created_by: row.created_by,
        published_at: row.published_at.map(rfc3339_ms),
        needs_refinalize: row.needs_refinalize,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// The rows of a stored version's canonical export whose `participant_ref` is one of `refs`
/// (read row by row off the async workers), with `refs` back.
async fn winners_rows(
    ctx: &AppContext,
    result_id: uuid::Uuid,
    refs: HashSet<String>,
) -> Result<(HashSet<String>, Vec<cuocthi_domain::allocation::ExportRow>), ApiError> {
    let csv = service::load_export(&ctx.db, result_id).await?;
    web::block(move || {
        let rows = diff::rows_of(&csv, &refs)?;
        Ok::<_, cuocthi_domain::allocation::ExportError>((refs, rows))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// A query parameter as a version number: the field problem otherwise.
fn version_param(query: &HashMap<String, String>, name: &str) -> Result<i32, &'static str> {
    match query.get(name).map(|v| v.trim()) {
        None | Some("") => Err("required"),
        Some(v) => v.parse::<i32>().map_err(|_| "invalid"),
    }
}

/// The difference between two versions of round `n`'s result: every winner of either whose
/// prize or rank differs, with where they stand in each (from that version's canonical
/// export) and why; and the units whose collective prize differs.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/diff", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("from" = i32, Query, description = "The older version"), ("to" = i32, Query, description = "The newer version")),
    responses(
        (status = 200, description = "The difference", body = ResultDiff),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "from or to missing or not a whole number (fields)", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/diff")]
pub async fn diff_versions(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32)>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer])?;
    let (from, to) = (version_param(&query, "from"), version_param(&query, "to"));
    let (from, to) = match (from, to) {
        (Ok(f), Ok(t)) => (f, t),
        (f, t) => {
            let mut fields = std::collections::BTreeMap::new();
            if let Err(problem) = f {
                fields.insert("from".to_owned(), problem.to_owned());
            }
            if let Err(problem) = t {
                fields.insert("to".to_owned(), problem.to_owned());
            }
            return Err(ApiError::invalid_fields("validation_failed", fields));
        }
    };
    let contest = service::contest_by_slug(&ctx.db, &slug).await?;
    let round = service::round_by_number(&ctx.db, contest.id, number).await?;
    let rows = result::Entity::find()
        .filter(result::Column::RoundId.eq(round.id))
        .filter(result::Column::Version.is_in([from, to]))
        .all(&ctx.db)
        .await?;
    let pick = |v: i32| {
        rows.iter()
            .find(|r| r.version == v)
            .cloned()
            .ok_or_else(ApiError::not_found)
    };
    let (older, newer) = (pick(from)?, pick(to)?);
    drop(rows);
    let (result_from, result_to) = (parse_stored(&older)?, parse_stored(&newer)?);
    // Only the rows of participants holding a prize in either version matter; each export is
    // loaded, read row by row keeping those, and let go before the other.
    let refs: HashSet<String> = result_from
        .prizes
        .iter()
        .chain(result_to.prizes.iter())
        .map(|p| participant_ref(p.participant_id))
        .collect();
    let (refs, export_from) = winners_rows(&ctx, older.id, refs).await?;
    let export_to = if newer.id == older.id {
        export_from.clone()
    } else {
        winners_rows(&ctx, newer.id, refs).await?.1
    };
    let body = web::block(move || -> ResultDiff {
        diff::diff(
            diff::Side {
                result: &result_from,
                export: &export_from,
                rules: &older.rules,
            },
            diff::Side {
                result: &result_to,
                export: &export_to,
                rules: &newer.rules,
            },
        )
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn attachment(content_type: &str, filename: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

/// Category code → name of a contest.
async fn category_names(
    ctx: &AppContext,
    contest_id: uuid::Uuid,
) -> Result<HashMap<String, String>, ApiError> {
    Ok(category::Entity::find()
        .filter(category::Column::ContestId.eq(contest_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect())
}

/// The file format asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

fn sheet(name: &str, headings: &[&str], rows: Vec<Vec<Cell>>) -> Sheet {
    Sheet {
        name: name.to_owned(),
        headings: headings.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

async fn xlsx_of(sheets: Vec<Sheet>) -> Result<Vec<u8>, ApiError> {
    web::block(move || to_xlsx_book(&sheets))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

fn info_sheet(contest: &contest::Model, row: &result::Model, result: &FinalizedResult) -> Sheet {
    sheet(
        "Thông tin",
        &files::INFO_HEADINGS,
        files::info_rows(
            &contest.title,
            result,
            row.published_at.map(rfc3339_ms).as_deref(),
            row.needs_refinalize,
        ),
    )
}

async fn winners_file(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let (slug, number, version) = path.into_inner();
    let (contest, row) = load_version(&req, &ctx, &slug, number, version).await?;
    let result = parse_stored(&row)?;
    let categories = category_names(&ctx, contest.id).await?;
    let rows = files::winner_rows(&result, &categories);
    let name = format!("ket-qua-{slug}-dot-{number}-v{version}-giai");
    Ok(match format {
        Format::Csv => attachment(
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
            to_csv(&files::WINNER_HEADINGS, &rows),
        ),
        Format::Xlsx => {
            let sheets = vec![
                sheet("Giải cá nhân", &files::WINNER_HEADINGS, rows),
                sheet(
                    "Tập thể",
                    &files::COLLECTIVE_HEADINGS,
                    files::collective_rows(&result),
                ),
                info_sheet(&contest, &row, &result),
            ];
            attachment(XLSX, &format!("{name}.xlsx"), xlsx_of(sheets).await?)
        }
    })
}

/// Bytes of `ranking.csv` sent to the client at a time.
const CHUNK_BYTES: usize = 64 * 1024;

/// The full names of the participants of these attempts of a round (the attempts a ranking
/// lists), each attempt mapped to its participant's name (empty when the attempt is gone):
/// one query joining the round's attempts (`ix_attempts_round_status`) to their participants,
/// read as a stream and kept for the listed attempts only. Names only, never phone or
/// national ID.
async fn attempt_names(
    db: &(impl ConnectionTrait + StreamTrait),
    round_id: uuid::Uuid,
    listed: HashSet<uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, String>, ApiError> {
    let mut names: HashMap<uuid::Uuid, String> =
        listed.into_iter().map(|id| (id, String::new())).collect();
    let mut rows = attempt::Entity::find()
        .select_only()
        .column(attempt::Column::Id)
        .column(participant::Column::FullName)
        .join(
            JoinType::InnerJoin,
            attempt::Entity::belongs_to(participant::Entity)
                .from(attempt::Column::ParticipantId)
                .to(participant::Column::Id)
                .into(),
        )
        .filter(attempt::Column::RoundId.eq(round_id))
        .into_tuple::<(uuid::Uuid, String)>()
        .stream(db)
        .await?;
    while let Some((id, name)) = rows.try_next().await? {
        if let Some(slot) = names.get_mut(&id) {
            *slot = name;
        }
    }
    Ok(names)
}

/// `ranking.csv` or `ranking.xlsx`: the export is read twice off the async workers (which
/// attempts are listed; then the rows themselves), never held parsed; the names come from one
/// query for the listed attempts. The CSV is sent as it is made; the workbook is written in
/// constant memory.
async fn ranking_file(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let (slug, number, version) = path.into_inner();
    let (contest, row) = load_version(&req, &ctx, &slug, number, version).await?;
    let result = parse_stored(&row)?;
    let csv = service::load_export(&ctx.db, row.id).await?;
    let (csv, listed) = web::block(move || files::ranking_attempts(&csv).map(|ids| (csv, ids)))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let names = files::Names {
        people: attempt_names(&ctx.db, row.round_id, listed).await?,
        units: unit::Entity::find()
            .filter(unit::Column::ContestId.eq(contest.id))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect(),
        categories: category_names(&ctx, contest.id).await?,
    };
    let name = format!("ket-qua-{slug}-dot-{number}-v{version}-xep-hang");
    match format {
        Format::Csv => Ok(ranking_csv_stream(csv, result, names, &name)),
        Format::Xlsx => {
            let info = info_sheet(&contest, &row, &result).rows;
            let bytes = web::block(move || {
                files::ranking_xlsx(
                    &csv,
                    &result,
                    &names,
                    "Thông tin",
                    &files::INFO_HEADINGS,
                    &info,
                )
            })
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
            Ok(attachment(XLSX, &format!("{name}.xlsx"), bytes))
        }
    }
}

/// `ranking.csv` sent as it is made, a chunk at a time, by a blocking task that reads the
/// export (already read once without error, so a failure midway is not expected; it would end
/// the body with an error, a broken download). Stops when the client goes away.
fn ranking_csv_stream(
    csv: String,
    result: FinalizedResult,
    names: files::Names,
    name: &str,
) -> HttpResponse {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(4);
    tokio::task::spawn_blocking(move || {
        let mut chunk = csv_heading(&files::RANKING_HEADINGS);
        let written = files::ranking_rows(&csv, &result, &names, |cells| {
            chunk.push_str(&csv_row(&cells));
            if chunk.len() < CHUNK_BYTES {
                return true;
            }
            let full = std::mem::replace(&mut chunk, String::with_capacity(CHUNK_BYTES));
            tx.blocking_send(Ok(Bytes::from(full))).is_ok()
        });
        let last = match written {
            Ok(()) => Ok(Bytes::from(chunk)),
            Err(error) => {
                tracing::error!(%error, "ranking.csv failed midway");
                Err(error.to_string())
            }
        };
        tx.blocking_send(last).ok();
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|item| (item.map_err(std::io::Error::other), rx))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

/// The winners of a version as CSV (UTF-8 with BOM): one row per individual winner in rank
/// order (tier, rank, name, unit, category, score, correct, prediction and its error,
/// duration, finish, what decided). No phone or national ID, and no name but the winners':
/// "Quyết định bởi" compares a winner with the next rank by rank only ("Hơn hạng 7 vì sai số
/// dự đoán nhỏ hơn: 3 so với 6"; the version's JSON keeps the named explanation for staff).
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.csv", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("version" = i32, Path, description = "Result version")),
    responses(
        (status = 200, description = "The winners", content_type = "text/csv", body = String),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.csv")]
pub async fn winners_csv(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    winners_file(req, ctx, path, Format::Csv).await
}

/// The winners of a version as a workbook: sheet "Giải cá nhân" (as `winners.csv`), "Tập thể"
/// (the winning units) and "Thông tin" (contest, round, version, seed, export hash, times).
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.xlsx", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("version" = i32, Path, description = "Result version")),
    responses(
        (status = 200, description = "The winners", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/winners.xlsx")]
pub async fn winners_xlsx(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    winners_file(req, ctx, path, Format::Xlsx).await
}

/// The full ranking of a version as CSV (UTF-8 with BOM), from its canonical export: one row
/// per ranked participant's best attempt in rank order, then the unranked (ineligible)
/// participants. No phone or national ID.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.csv", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("version" = i32, Path, description = "Result version")),
    responses(
        (status = 200, description = "The ranking", content_type = "text/csv", body = String),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.csv")]
pub async fn ranking_csv(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    ranking_file(req, ctx, path, Format::Csv).await
}

/// The full ranking of a version as a workbook: sheet "Xếp hạng" (as `ranking.csv`) and
/// "Thông tin".
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.xlsx", tag = "results",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("version" = i32, Path, description = "Result version")),
    responses(
        (status = 200, description = "The ranking", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest, round or version", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}/rounds/{n}/results/{version}/ranking.xlsx")]
pub async fn ranking_xlsx(
    req: HttpRequest,
    ctx: Ctx,
    path: web::Path<(String, i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    ranking_file(req, ctx, path, Format::Xlsx).await
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
    let csv = service::load_export(&ctx.db, row.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"ket-qua-{slug}-dot-{number}-v{version}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_computation_waits_then_is_refused_while_one_runs() {
        let gate = Semaphore::new(1);
        let running = compute_permit(&gate, Duration::from_millis(10)).await;
        assert!(running.is_ok());
        let refused = compute_permit(&gate, Duration::from_millis(10)).await;
        assert_eq!(
            refused
                .err()
                .map(|e| (e.status().as_u16(), e.code().to_owned())),
            Some((409, "finalize_in_progress".to_owned()))
        );
        drop(running);
        assert!(compute_permit(&gate, Duration::from_millis(10))
            .await
            .is_ok());
    }
}
