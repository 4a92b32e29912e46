//! The parts of an attempt that never change after its start — whose it is, which contest,
//! which questions in which order — kept per node, so that an answer save needs no read of
//! the attempt row. What does change (status, deadline) is checked by the save's own
//! conditional write (see [`crate::autosave`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use cuocthi_domain::draw::DrawnQuestion;
use cuocthi_store::entities::attempt;
use cuocthi_store::ApiError;

/// An attempt's fixed facts.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptDraw {
    /// The attempt.
    pub attempt_id: Uuid,
    /// Its participant.
    pub participant_id: Uuid,
    /// Its contest.
    pub contest_id: Uuid,
    /// The questions drawn, position 1 first.
    pub questions: Arc<[DrawnQuestion]>,
}

impl AttemptDraw {
    /// Reads the fixed facts of a stored attempt.
    pub fn of(row: &attempt::Model) -> Result<Self, ApiError> {
        Ok(Self {
            attempt_id: row.id,
            participant_id: row.participant_id,
            contest_id: row.contest_id,
            questions: crate::engine::parse_draw(row)?.into(),
        })
    }
}

/// Attempt draws known on this node, bounded: when full it is simply emptied (a draw never
/// goes stale, so an entry is only ever missing, never wrong).
#[derive(Default)]
pub struct DrawCache(Mutex<HashMap<Uuid, Arc<AttemptDraw>>>);

impl DrawCache {
    /// About 1.5 KB each for 20 questions: at most ~30 MB.
    const MAX_ENTRIES: usize = 20_000;

    /// Remembers a draw (at the start of the attempt, or after reading it).
    pub fn remember(&self, draw: Arc<AttemptDraw>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::MAX_ENTRIES {
            map.clear();
        }
        map.insert(draw.attempt_id, draw);
    }

    /// The draw of `attempt_id` when it belongs to `participant_id`, from memory or else from
    /// the database; 404 for an unknown attempt or anyone else's.
    pub async fn own(
        &self,
        db: &impl ConnectionTrait,
        attempt_id: Uuid,
        participant_id: Uuid,
    ) -> Result<Arc<AttemptDraw>, ApiError> {
        let known = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&attempt_id)
            .cloned();
        let draw = match known {
            Some(draw) => draw,
            None => {
                let row = crate::engine::load(db, attempt_id)
                    .await?
                    .ok_or_else(ApiError::not_found)?;
                let draw = Arc::new(AttemptDraw::of(&row)?);
                self.remember(draw.clone());
                draw
            }
        };
        if draw.participant_id != participant_id {
            return Err(ApiError::not_found());
        }
        Ok(draw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(id: u128) -> Arc<AttemptDraw> {
        Arc::new(AttemptDraw {
            attempt_id: Uuid::from_u128(id),
            participant_id: Uuid::from_u128(7),
            contest_id: Uuid::from_u128(9),
            questions: Vec::new().into(),
        })
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let cache = DrawCache::default();
        for id in 0..DrawCache::MAX_ENTRIES as u128 {
            cache.remember(draw(id));
        }
        cache.remember(draw(u128::MAX));
        let map = cache.0.lock().expect("lock");
        assert_eq!(map.len(), 1);
        assert!(map.contains_key(&Uuid::from_u128(u128::MAX)));
    }
}
