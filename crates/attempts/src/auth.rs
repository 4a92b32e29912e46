//! Participant credentials: `Authorization: Bearer <token>`, bound to one participant in one
//! contest. Only the token's hash is stored.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::header;
use actix_web::HttpRequest;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use cuocthi_store::entities::participant_token;
use cuocthi_store::tokens::token_hash;
use cuocthi_store::ApiError;

/// A participant proven by their token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParticipantAuth {
    /// The participant.
    pub participant_id: Uuid,
    /// The contest the token belongs to.
    pub contest_id: Uuid,
}

/// Known tokens on this node: token hash → participant. A token's binding never changes, so
/// an entry never goes stale; the map is bounded and simply cleared when full.
#[derive(Default)]
pub struct TokenCache(Mutex<HashMap<String, ParticipantAuth>>);

impl TokenCache {
    const MAX_ENTRIES: usize = 200_000;

    fn get(&self, hash: &str) -> Option<ParticipantAuth> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(hash)
            .copied()
    }

    /// Remembers a token this node has just issued, so that its first use needs no read.
    pub fn remember_issued(&self, token: &str, auth: ParticipantAuth) {
        self.put(token_hash(token), auth);
    }

    fn put(&self, hash: String, auth: ParticipantAuth) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::MAX_ENTRIES {
            map.clear();
        }
        map.insert(hash, auth);
    }
}

/// The bearer token of a request, if any.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The participant of a request: 401 `unauthorized` without a valid token.
pub async fn authenticate(
    req: &HttpRequest,
    db: &impl ConnectionTrait,
    cache: &TokenCache,
) -> Result<ParticipantAuth, ApiError> {
    let token = bearer_token(req)
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "a participant token is required"))?;
    if token.len() > 256 {
        return Err(ApiError::unauthorized("unauthorized", "invalid token"));
    }
    let hash = token_hash(token);
    if let Some(auth) = cache.get(&hash) {
        return Ok(auth);
    }
    let row = participant_token::Entity::find_by_id(hash.clone())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "invalid token"))?;
    let auth = ParticipantAuth {
        participant_id: row.participant_id,
        contest_id: row.contest_id,
    };
    cache.put(hash, auth);
    Ok(auth)
}
