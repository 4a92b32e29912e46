//! Pure contest rules of cuocthi: no I/O, no clock, no global randomness.
//!
//! Everything here is deterministic given its inputs, so the same code serves the server, the
//! tests and the `verify` tool. Time arrives as a parameter and randomness as a `&mut impl Rng`.

pub mod allocation;
pub mod collective;
pub mod draw;
pub mod explain;
pub mod identity;
pub mod prizes;
pub mod ranking;
pub mod scoring;
pub mod settings;
pub mod timing;
pub mod verify;

pub use identity::{BirthYear, FieldError, NationalId, PersonName, Phone, Pin};
