//! Results of rounds: finalize (a new stored version every call), publish, the versions and
//! canonical export for staff, and the public winners.

pub mod handlers;
pub mod service;
