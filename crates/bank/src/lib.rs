//! The content service: contests and their settings, units, topics, questions and their
//! versions, importers and exporters. Organizers use it through `/api/v1/admin/...`.

use actix_web::web;

pub mod contests;
pub mod import;
pub mod participants;
pub mod questions;
pub mod report;
pub mod units;
pub mod upload;

/// Mounts the organizers' content endpoints.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(contests::handlers::list_contests)
        .service(contests::handlers::create_contest)
        .service(contests::handlers::get_contest)
        .service(contests::handlers::update_contest)
        .service(contests::handlers::close_round)
        .service(units::import_units)
        .service(units::list_units)
        .service(units::create_unit)
        .service(units::update_unit)
        .service(units::delete_unit)
        .service(participants::handlers::list_participants)
        .service(participants::handlers::update_participant)
        .service(questions::handlers::list_topics)
        // Fixed paths before `{id}`, which would otherwise claim them.
        .service(questions::handlers::template)
        .service(questions::handlers::export_xlsx)
        .service(questions::handlers::export_gift)
        .service(questions::handlers::question_stats)
        .service(questions::handlers::import_questions)
        .service(questions::handlers::list_questions)
        .service(questions::handlers::create_question)
        .service(questions::handlers::get_question)
        .service(questions::handlers::update_question)
        .service(questions::handlers::regrade_question);
}

/// Mounts the content endpoints whose paths would capture fixed paths of other crates: call
/// it after `cuocthi_leaderboard::configure` (routes match in registration order;
/// `participants/{id}` must not take `participants/export`).
pub fn configure_after_statistics(cfg: &mut web::ServiceConfig) {
    cfg.service(participants::handlers::get_participant);
}

/// The OpenAPI description of the organizers' content endpoints.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        contests::handlers::list_contests,
        contests::handlers::create_contest,
        contests::handlers::get_contest,
        contests::handlers::update_contest,
        contests::handlers::close_round,
        units::list_units,
        units::create_unit,
        units::update_unit,
        units::delete_unit,
        units::import_units,
        participants::handlers::list_participants,
        participants::handlers::get_participant,
        participants::handlers::update_participant,
        questions::handlers::list_topics,
        questions::handlers::template,
        questions::handlers::export_xlsx,
        questions::handlers::export_gift,
        questions::handlers::question_stats,
        questions::handlers::import_questions,
        questions::handlers::list_questions,
        questions::handlers::create_question,
        questions::handlers::get_question,
        questions::handlers::update_question,
        questions::handlers::regrade_question,
    ),
    tags((name = "organizer", description = "Contest setup, units and the question bank."))
)]
pub struct ContentApi;
