//! Staff participant management: search the participants of a contest (phones masked for
//! every role; admins and organizers see every unit and search by name, phone or national ID;
//! a unit manager sees their own unit, searches by name only, read-only), read one
//! participant's whole record (admins and organizers, each view audited), and mark one
//! ineligible for prizes with a reason, or restore them.
//!
//! Marking keeps the participant's attempts and statistics (spec/contest-rules.md); finalized
//! results of the rounds they finished are flagged `needs_refinalize`, and the live boards of
//! those rounds are rebuilt on their next read. Every change is in the audit log.

pub mod handlers;
pub mod rules;
pub mod service;
