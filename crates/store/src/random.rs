//! Randomness, injected: a seeded generator in tests replays the same draws.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::SeedableRng;

/// A random generator shared by request handlers.
#[derive(Debug)]
pub struct SharedRng(Mutex<StdRng>);

impl SharedRng {
    /// A generator seeded from the operating system's entropy.
    pub fn from_entropy() -> Self {
        Self(Mutex::new(StdRng::from_os_rng()))
    }

    /// A generator with a fixed seed: the same sequence every run.
    pub fn seeded(seed: u64) -> Self {
        Self(Mutex::new(StdRng::seed_from_u64(seed)))
    }

    /// Runs `f` with the generator; holds the lock only for the call.
    pub fn with<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        let mut rng = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut rng)
    }
}
