//! The timed attempt engine: public contest pages' data, participants, starting (the draw),
//! autosave, submission, and expiry by the server's clock.
//!
//! Handlers only extract and parse; the rules live in `cuocthi_domain` and the transactions
//! in the service modules. Routes are mounted by [`configure`].

use actix_web::web;

pub mod auth;
pub mod autosave;
pub mod contests;
pub mod draws;
pub mod dto;
pub mod engine;
pub mod expiry;
mod handlers;
pub mod participants;

/// Mounts the citizen flow under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::list_contests)
        .service(handlers::get_contest)
        .service(handlers::list_units)
        .service(handlers::register)
        .service(handlers::me)
        .service(handlers::start_attempt)
        .service(handlers::get_attempt)
        .service(handlers::save_answer)
        .service(handlers::submit_attempt);
}

/// The OpenAPI description of the citizen flow.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        handlers::list_contests,
        handlers::get_contest,
        handlers::list_units,
        handlers::register,
        handlers::me,
        handlers::start_attempt,
        handlers::get_attempt,
        handlers::save_answer,
        handlers::submit_attempt,
    ),
    components(schemas(cuocthi_store::api::ErrorBody)),
    tags((name = "citizen", description = "The contestant's flow: register, start, answer, submit."))
)]
pub struct CitizenApi;
