//! The `cuocthi` server: configuration, start-up, the embedded frontend, the OpenAPI document
//! and the command-line subcommands. Every node serves every service.

pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
mod frontend;
mod health;
mod http;
pub mod metrics;
pub mod openapi;
pub mod staff;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;
