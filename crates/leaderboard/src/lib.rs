//! Results and statistics: participation per contest, round and unit (live, from indexed
//! queries, never on the answer-save path), and their exports.

use actix_web::web;

pub mod export;
pub mod results;
pub mod stats;

/// Mounts the statistics and results endpoints.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(stats::summary_handler)
        .service(stats::units_handler)
        .service(results::handlers::finalize_round)
        .service(results::handlers::publish_round)
        .service(results::handlers::list_versions)
        .service(results::handlers::export_version)
        .service(results::handlers::rules_version)
        .service(results::handlers::winners);
}

/// The OpenAPI description of the statistics and results endpoints.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        stats::summary_handler,
        stats::units_handler,
        results::handlers::finalize_round,
        results::handlers::publish_round,
        results::handlers::list_versions,
        results::handlers::export_version,
        results::handlers::rules_version,
        results::handlers::winners,
    ),
    tags(
        (name = "statistics", description = "Participation statistics and exports."),
        (name = "results", description = "Finalized results, publication and winners.")
    )
)]
pub struct StatsApi;
