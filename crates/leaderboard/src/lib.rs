//! Results and statistics: participation per contest, round and unit (live, from indexed
//! queries, never on the answer-save path), and their exports.

use actix_web::web;

pub mod export;
pub mod live;
pub mod results;
pub mod stats;

/// Mounts the statistics and results endpoints.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(stats::summary_handler)
        .service(stats::units_handler)
        .service(stats::handlers::categories_handler)
        .service(stats::handlers::days_handler)
        .service(stats::handlers::report_handler)
        .service(stats::participants::export_participants)
        .service(results::handlers::finalize_round)
        .service(results::handlers::publish_round)
        .service(results::handlers::list_versions)
        .service(results::handlers::export_version)
        .service(results::handlers::rules_version)
        .service(results::handlers::preview_round)
        // `results/diff` before `results/{version}`: routes match in registration order.
        .service(results::handlers::diff_versions)
        .service(results::handlers::version_detail)
        .service(results::handlers::winners_csv)
        .service(results::handlers::winners_xlsx)
        .service(results::handlers::ranking_csv)
        .service(results::handlers::ranking_xlsx)
        .service(results::handlers::winners)
        .service(live::handlers::admin_leaderboard)
        .service(live::handlers::public_leaderboard);
}

/// The OpenAPI description of the statistics and results endpoints.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        stats::summary_handler,
        stats::units_handler,
        stats::handlers::categories_handler,
        stats::handlers::days_handler,
        stats::handlers::report_handler,
        stats::participants::export_participants,
        results::handlers::finalize_round,
        results::handlers::publish_round,
        results::handlers::list_versions,
        results::handlers::export_version,
        results::handlers::rules_version,
        results::handlers::preview_round,
        results::handlers::diff_versions,
        results::handlers::version_detail,
        results::handlers::winners_csv,
        results::handlers::winners_xlsx,
        results::handlers::ranking_csv,
        results::handlers::ranking_xlsx,
        results::handlers::winners,
        live::handlers::admin_leaderboard,
        live::handlers::public_leaderboard,
    ),
    tags(
        (name = "statistics", description = "Participation statistics and exports."),
        (name = "results", description = "Finalized results, publication and winners.")
    )
)]
pub struct StatsApi;
