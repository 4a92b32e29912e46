//! The question bank: topics, questions with versions (an edit makes a new version; attempts
//! keep the one they showed), import, export, regrade and item statistics.

pub mod handlers;
pub mod regrade;
pub mod service;
pub mod stats;
