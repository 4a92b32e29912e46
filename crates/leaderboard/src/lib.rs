//! Results and statistics: participation per contest, round and unit (live, from indexed
//! queries, never on the answer-save path), and their exports.

use actix_web::web;

pub mod export;
pub mod stats;

/// Mounts the statistics endpoints.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(stats::summary_handler)
        .service(stats::units_handler);
}

/// The OpenAPI description of the statistics endpoints.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(stats::summary_handler, stats::units_handler),
    tags((name = "statistics", description = "Participation statistics and exports."))
)]
pub struct StatsApi;
