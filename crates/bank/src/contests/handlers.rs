//! Handlers of contest setup.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use sea_orm::{EntityTrait, QueryOrder};

use cuocthi_store::entities::contest;
use cuocthi_store::staff::{audit, authenticate, AuditEntry, Role};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::{ApiError, AppContext, Snapshots};

use super::input::{apply, locked_changes, ContestDraft, ContestInput, FieldProblems};
use super::service::{self, ContestAdmin};

type Ctx = web::Data<AppContext>;

fn invalid(problems: FieldProblems) -> ApiError {
    ApiError::invalid_fields("validation_failed", problems)
}

/// A contest in the organizers' list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ContestListItem {
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Opening.
    pub opens_at: String,
    /// Closing.
    pub closes_at: String,
    /// Listed publicly.
    pub listed: bool,
}

/// Every contest, newest first (organizers and admins; unit managers see them too, to pick
/// their statistics).
#[utoipa::path(get, path = "/api/v1/admin/contests", tag = "organizer",
    responses(
        (status = 200, description = "Contests", body = Vec<ContestListItem>),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests")]
pub async fn list_contests(req: HttpRequest, ctx: Ctx) -> Result<HttpResponse, ApiError> {
    authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    let rows = contest::Entity::find()
        .order_by_desc(contest::Column::CreatedAt)
        .all(&ctx.db)
        .await?;
    let items: Vec<ContestListItem> = rows
        .into_iter()
        .map(|c| ContestListItem {
            slug: c.slug,
            title: c.title,
            opens_at: rfc3339_ms(c.opens_at),
            closes_at: rfc3339_ms(c.closes_at),
            listed: c.listed,
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Creates a contest with every setting of spec/contest-rules.md (defaults for the rest).
#[utoipa::path(post, path = "/api/v1/admin/contests", tag = "organizer", request_body = ContestInput,
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 201, description = "Created", body = ContestAdmin),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "slug_taken", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Field errors", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/contests")]
pub async fn create_contest(
    req: HttpRequest,
    ctx: Ctx,
    body: web::Json<ContestInput>,
) -> Result<HttpResponse, ApiError> {
    let now = ctx.clock.now();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let mut missing = FieldProblems::new();
    for (name, value) in [
        ("slug", &body.slug),
        ("title", &body.title),
        ("opens_at", &body.opens_at),
        ("closes_at", &body.closes_at),
    ] {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            missing.insert(name.into(), "required".into());
        }
    }
    if body.rules_md.is_none() {
        missing.insert("rules_md".into(), "required".into());
    }
    let base = ContestDraft::defaults(
        String::new(),
        String::new(),
        now,
        now + chrono::Duration::days(30),
    );
    let draft = match apply(&body, base) {
        Ok(draft) if missing.is_empty() => draft,
        Ok(_) => return Err(invalid(missing)),
        Err(mut problems) => {
            problems.extend(missing);
            return Err(invalid(problems));
        }
    };
    service::create(&ctx.db, &draft, now).await?;
    let (row, rounds, stored) = service::load(&ctx.db, &draft.slug).await?;
    let view = service::to_admin(&row, &rounds, &stored, now);
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "contest.create".into(),
            contest_id: Some(row.id),
            subject: Some(row.slug.clone()),
            after: serde_json::to_value(&view).ok(),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Reads a contest with every setting.
#[utoipa::path(get, path = "/api/v1/admin/contests/{slug}", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug")),
    responses(
        (status = 200, description = "The contest", body = ContestAdmin),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
    ))]
#[get("/api/v1/admin/contests/{slug}")]
pub async fn get_contest(
    req: HttpRequest,
    ctx: Ctx,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require(&[Role::Admin, Role::Organizer])?;
    let (row, rounds, draft) = service::load(&ctx.db, &slug).await?;
    Ok(HttpResponse::Ok().json(service::to_admin(&row, &rounds, &draft, ctx.clock.now())))
}

/// Changes a contest. Once a round has opened only texts, later closing times and a draw-seed
/// commitment may change; anything else answers 422 `locked_field` naming the fields.
#[utoipa::path(patch, path = "/api/v1/admin/contests/{slug}", tag = "organizer", request_body = ContestInput,
    params(("slug" = String, Path, description = "The contest's slug"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "Changed", body = ContestAdmin),
        (status = 400, description = "Malformed body", body = cuocthi_store::api::ErrorBody),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest", body = cuocthi_store::api::ErrorBody),
        (status = 422, description = "Field errors or locked_field", body = cuocthi_store::api::ErrorBody),
    ))]
#[patch("/api/v1/admin/contests/{slug}")]
pub async fn update_contest(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: web::Data<Snapshots>,
    slug: web::Path<String>,
    body: web::Json<ContestInput>,
) -> Result<HttpResponse, ApiError> {
    let now = ctx.clock.now();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let (row, rounds, current) = service::load(&ctx.db, &slug).await?;
    if body
        .slug
        .as_deref()
        .is_some_and(|s| s.trim() != current.slug)
    {
        return Err(invalid(
            [("slug".to_owned(), "fixed_after_creation".to_owned())].into(),
        ));
    }
    let next = apply(&body, current.clone()).map_err(invalid)?;
    if service::is_locked(&rounds, now) {
        let now_ms = ctx.now_ms();
        let closed: Vec<i32> = rounds
            .iter()
            .filter(|r| {
                r.closed_early_at
                    .map_or(r.closes_at, |c| c.min(r.closes_at))
                    <= now_ms
            })
            .map(|r| r.number)
            .collect();
        let locked = locked_changes(&current, &next, &closed);
        if !locked.is_empty() {
            let fields = locked
                .into_iter()
                .map(|f| (f.to_owned(), "locked_field".to_owned()))
                .collect();
            let mut error = ApiError::invalid_fields("locked_field", fields);
            error.set_message("a round has opened: only texts, later closing times and a draw-seed commitment may change");
            return Err(error);
        }
    }
    let before = service::to_admin(&row, &rounds, &current, now);
    service::update(&ctx.db, &row, &rounds, &next, now).await?;
    snapshots.invalidate(row.id);
    let (row, rounds, stored) = service::load(&ctx.db, &slug).await?;
    let view = service::to_admin(&row, &rounds, &stored, now);
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "contest.update".into(),
            contest_id: Some(row.id),
            subject: Some(row.slug.clone()),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&view).ok(),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Closes round `n` now; open attempts then end by the grace rule.
#[utoipa::path(post, path = "/api/v1/admin/contests/{slug}/rounds/{n}/close", tag = "organizer",
    params(("slug" = String, Path, description = "The contest's slug"), ("n" = i32, Path, description = "Round number"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "Closed; the contest as it now stands", body = ContestAdmin),
        (status = 401, description = "No session", body = cuocthi_store::api::ErrorBody),
        (status = 403, description = "Wrong role or csrf_required", body = cuocthi_store::api::ErrorBody),
        (status = 404, description = "No such contest or round", body = cuocthi_store::api::ErrorBody),
        (status = 409, description = "round_not_open", body = cuocthi_store::api::ErrorBody),
    ))]
#[post("/api/v1/admin/contests/{slug}/rounds/{n}/close")]
pub async fn close_round(
    req: HttpRequest,
    ctx: Ctx,
    snapshots: web::Data<Snapshots>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let now = ctx.clock.now();
    let (slug, number) = path.into_inner();
    let staff = authenticate(&req, &ctx.db, ctx.now_ms()).await?;
    staff.require_organizer()?;
    let (row, _, _) = service::load(&ctx.db, &slug).await?;
    let closed = service::close_round(&ctx.db, row.id, number, now).await?;
    snapshots.invalidate(row.id);
    audit(
        &ctx.db,
        ctx.now_ms(),
        AuditEntry {
            actor: staff.username,
            action: "round.close".into(),
            contest_id: Some(row.id),
            subject: Some(format!("{slug} round {number}")),
            after: Some(
                serde_json::json!({"closed_early_at": closed.closed_early_at.map(rfc3339_ms)}),
            ),
            ..AuditEntry::default()
        },
    )
    .await?;
    let (row, rounds, stored) = service::load(&ctx.db, &slug).await?;
    Ok(HttpResponse::Ok().json(service::to_admin(&row, &rounds, &stored, now)))
}
