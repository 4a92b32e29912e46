//! Staff participant management: search the participants of a contest (admins and organizers
//! see everyone with full data; a unit manager sees their own unit, phones masked, read-only)
//! and mark one ineligible for prizes with a reason, or restore them.
//!
//! Marking keeps the participant's attempts and statistics (spec/contest-rules.md); finalized
//! results of the rounds they finished are flagged `needs_refinalize`, and the live boards of
//! those rounds are rebuilt on their next read. Every change is in the audit log.

pub mod handlers;
pub mod rules;
pub mod service;
