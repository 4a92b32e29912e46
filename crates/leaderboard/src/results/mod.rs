//! Results of rounds: preview and finalize (a new stored version every call), publish, the
//! versions (detail, difference, canonical export, winners and ranking files) for staff, and
//! the public winners.

pub mod diff;
pub mod files;
pub mod handlers;
pub mod service;
