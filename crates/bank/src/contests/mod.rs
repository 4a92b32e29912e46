//! Contest setup by organizers: create, read, change (with fields locked once a round is
//! open), close a round early. Contract: spec/api.md "Organizer flow".

pub mod handlers;
pub mod input;
pub mod service;
