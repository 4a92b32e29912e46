//! The HTTP load generator behind `cuocthi-load`: contestant flows over the public API,
//! closed- and open-loop arrivals, latency and error recording, the servers' memory, and the
//! read-back of everything the server acknowledged. See `loadtest/README.md`.

pub mod client;
pub mod drive;
pub mod flows;
pub mod procfs;
pub mod report;
pub mod stats;
pub mod verify;
