//! Staff sign-in and accounts: login, logout, me, password change, API tokens, staff accounts
//! (admin only) and the audit log (admin only). Contract: spec/api.md "Staff sign-in".

mod accounts;
mod handlers;
pub mod service;

use actix_web::web;

/// Mounts the staff endpoints.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::login)
        .service(handlers::logout)
        .service(handlers::me)
        .service(handlers::change_password)
        .service(handlers::create_token)
        .service(handlers::list_tokens)
        .service(handlers::revoke_token)
        .service(accounts::list_staff)
        .service(accounts::create_staff)
        .service(accounts::update_staff)
        .service(accounts::read_audit);
}

/// The OpenAPI description of the staff endpoints.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        handlers::login,
        handlers::logout,
        handlers::me,
        handlers::change_password,
        handlers::create_token,
        handlers::list_tokens,
        handlers::revoke_token,
        accounts::list_staff,
        accounts::create_staff,
        accounts::update_staff,
        accounts::read_audit,
    ),
    tags((name = "staff", description = "Staff sign-in, accounts, API tokens and the audit log."))
)]
pub struct StaffApi;
