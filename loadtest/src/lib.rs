//! Benchmarks and load generation for cuocthi. See `loadtest/README.md`.

pub mod dataset;
pub mod load;
