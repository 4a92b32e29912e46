//! Per-node snapshots of what every request of a contest reads: its settings, rounds and
//! categories, and the bank's drawable versions. They change rarely (organizers' edits) and
//! are read on every request, so each node keeps them for a few seconds instead of asking the
//! database each time. Nothing a participant saves lives here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    Statement,
};
use uuid::Uuid;

use crate::entities::{category, contest, question_version, round};
use crate::time::from_ms;
use cuocthi_domain::draw::Candidate;
use cuocthi_domain::settings::{PredictionTarget, Reveal, TopicQuota};

/// A round with its effective closing time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundView {
    /// The round's id.
    pub id: Uuid,
    /// Its number, from 1.
    pub number: i32,
    /// When it opens.
    pub opens_at: DateTime<Utc>,
    /// When it closes: the scheduled time, or earlier when closed early.
    pub closes_at: DateTime<Utc>,
}

/// Where a round stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not open yet.
    Upcoming,
    /// Open now.
    Open,
    /// Closed.
    Closed,
}

impl Phase {
    /// The wire form: `upcoming`, `open`, `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }

    /// The phase of the window `[opens_at, closes_at)` at `now`.
    pub fn of(now: DateTime<Utc>, opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> Self {
        if now < opens_at {
            Phase::Upcoming
        } else if now < closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }
}

impl From<round::Model> for RoundView {
    fn from(r: round::Model) -> Self {
        Self {
            id: r.id,
            number: r.number,
            opens_at: from_ms(r.opens_at),
            closes_at: from_ms(
                r.closed_early_at
                    .map_or(r.closes_at, |c| c.min(r.closes_at)),
            ),
        }
    }
}

impl RoundView {
    /// The round's phase at `now`.
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        Phase::of(now, self.opens_at, self.closes_at)
    }
}

/// A contest as requests read it.
#[derive(Debug, Clone)]
pub struct ContestView {
    /// The stored row.
    pub row: contest::Model,
    /// Rounds by number.
    pub rounds: Vec<RoundView>,
    /// Categories, in display order.
    pub categories: Vec<category::Model>,
    /// Parsed topic quotas.
    pub quotas: Vec<TopicQuota>,
    /// Parsed reveal setting.
    pub reveal: Reveal,
    /// Prediction question and target, when enabled.
    pub prediction: Option<(String, PredictionTarget)>,
}

impl ContestView {
    /// The round a participant acts in at `now`: the open one; else the next to open; else
    /// the last. `None` only when the contest has no rounds.
    pub fn round_at(&self, now: DateTime<Utc>) -> Option<&RoundView> {
        self.rounds
            .iter()
            .find(|r| r.phase(now) == Phase::Open)
            .or_else(|| self.rounds.iter().find(|r| r.phase(now) == Phase::Upcoming))
            .or_else(|| self.rounds.last())
    }

    /// The round with this id.
    pub fn round(&self, id: Uuid) -> Option<&RoundView> {
        self.rounds.iter().find(|r| r.id == id)
    }

    /// The contest's phase at `now`: closed also once every round has closed (early or not).
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        let phase = Phase::of(now, from_ms(self.row.opens_at), from_ms(self.row.closes_at));
        let all_rounds_closed =
            !self.rounds.is_empty() && self.rounds.iter().all(|r| r.phase(now) == Phase::Closed);
        if phase == Phase::Open && all_rounds_closed {
            Phase::Closed
        } else {
            phase
        }
    }

    /// Grace after the deadline, in seconds.
    pub fn grace_secs(&self) -> u32 {
        self.row.grace_secs.max(0) as u32
    }
}

struct Entry<T> {
    value: Arc<T>,
    loaded: Instant,
}

/// What a contestant is shown of a question version. It never changes once the version
/// exists (an edit makes a new version; a regrade changes only the key, which is not here),
/// so it is kept without expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionText {
    /// The question.
    pub text: String,
    /// The options in their original order.
    pub options: Vec<String>,
    /// The explanation shown with the key.
    pub explanation: Option<String>,
}

/// The per-node snapshot store.
pub struct Snapshots {
    ttl: Duration,
    contests_by_id: Mutex<HashMap<Uuid, Entry<ContestView>>>,
    slugs: Mutex<HashMap<String, Uuid>>,
    candidates: Mutex<HashMap<Uuid, Entry<Vec<Candidate>>>>,
    version_texts: Mutex<HashMap<Uuid, Arc<VersionText>>>,
}

impl Snapshots {
    /// Snapshots kept for `ttl` after loading.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            contests_by_id: Mutex::default(),
            slugs: Mutex::default(),
            candidates: Mutex::default(),
            version_texts: Mutex::default(),
        }
    }

    /// Version texts kept at most; beyond, the store starts over (entries never go stale).
    const MAX_VERSION_TEXTS: usize = 50_000;

    /// The texts of these question versions, from memory where known, else read (one query
    /// for all that are missing). Versions that do not exist are simply absent.
    pub async fn version_texts(
        &self,
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Arc<VersionText>>, DbErr> {
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        {
            let known = lock(&self.version_texts);
            for id in ids {
                match known.get(id) {
                    Some(text) => {
                        found.insert(*id, text.clone());
                    }
                    None => missing.push(*id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let rows = question_version::Entity::find()
            .filter(question_version::Column::Id.is_in(missing))
            .all(db)
            .await?;
        let mut known = lock(&self.version_texts);
        if known.len() + rows.len() > Self::MAX_VERSION_TEXTS {
            known.clear();
        }
        for row in rows {
            let options: Vec<String> = serde_json::from_str(&row.options).map_err(|e| {
                DbErr::Custom(format!(
                    "question version {} has unreadable options: {e}",
                    row.id
                ))
            })?;
            let text = Arc::new(VersionText {
                text: row.text,
                options,
                explanation: row.explanation,
            });
            known.insert(row.id, text.clone());
            found.insert(row.id, text);
        }
        Ok(found)
    }

    /// Forgets everything about a contest on this node (after an edit).
    pub fn invalidate(&self, contest_id: Uuid) {
        lock(&self.contests_by_id).remove(&contest_id);
        lock(&self.candidates).remove(&contest_id);
        lock(&self.slugs).retain(|_, id| *id != contest_id);
    }

    /// The contest with this slug, or `None`.
    pub async fn by_slug(
        &self,
        db: &impl ConnectionTrait,
        slug: &str,
    ) -> Result<Option<Arc<ContestView>>, DbErr> {
        let known = lock(&self.slugs).get(slug).copied();
        let id = match known {
            Some(id) => id,
            None => {
                let Some(row) = contest::Entity::find()
                    .filter(contest::Column::Slug.eq(slug))
                    .one(db)
                    .await?
                else {
                    return Ok(None);
                };
                lock(&self.slugs).insert(slug.to_owned(), row.id);
                row.id
            }
        };
        let view = self.by_id(db, id).await?;
        // A slug may have moved to another contest; check it still names this one.
        Ok(view.filter(|v| v.row.slug == slug))
    }

    /// The contest with this id, or `None`.
    pub async fn by_id(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<Option<Arc<ContestView>>, DbErr> {
        if let Some(entry) = lock(&self.contests_by_id).get(&id) {
            if entry.loaded.elapsed() < self.ttl {
                return Ok(Some(entry.value.clone()));
            }
        }
        let Some(view) = load_contest(db, id).await? else {
            lock(&self.contests_by_id).remove(&id);
            return Ok(None);
        };
        let view = Arc::new(view);
        lock(&self.contests_by_id).insert(
            id,
            Entry {
                value: view.clone(),
                loaded: Instant::now(),
            },
        );
        Ok(Some(view))
    }

    /// The contest's drawable questions: active questions at their current version.
    pub async fn candidates(
        &self,
        db: &impl ConnectionTrait,
        contest_id: Uuid,
    ) -> Result<Arc<Vec<Candidate>>, DbErr> {
        if let Some(entry) = lock(&self.candidates).get(&contest_id) {
            if entry.loaded.elapsed() < self.ttl {
                return Ok(entry.value.clone());
            }
        }
        let loaded = Arc::new(load_candidates(db, contest_id).await?);
        lock(&self.candidates).insert(
            contest_id,
            Entry {
                value: loaded.clone(),
                loaded: Instant::now(),
            },
        );
        Ok(loaded)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn load_contest(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<ContestView>, DbErr> {
    let Some(row) = contest::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let rounds = round::Entity::find()
        .filter(round::Column::ContestId.eq(id))
        .order_by_asc(round::Column::Number)
        .all(db)
        .await?
        .into_iter()
        .map(|r| RoundView {
            id: r.id,
            number: r.number,
            opens_at: from_ms(r.opens_at),
            closes_at: from_ms(
                r.closed_early_at
                    .map_or(r.closes_at, |c| c.min(r.closes_at)),
            ),
        })
        .collect();
    let categories = category::Entity::find()
        .filter(category::Column::ContestId.eq(id))
        .order_by_asc(category::Column::Position)
        .all(db)
        .await?;
    let quotas = serde_json::from_str(&row.topic_quotas).unwrap_or_default();
    let reveal = Reveal::from_stored(&row.reveal);
    let prediction = match (&row.prediction_question, &row.prediction_target) {
        (Some(question), target) => Some((
            question.clone(),
            target
                .as_deref()
                .and_then(PredictionTarget::from_stored)
                .unwrap_or_default(),
        )),
        (None, _) => None,
    };
    Ok(Some(ContestView {
        row,
        rounds,
        categories,
        quotas,
        reveal,
        prediction,
    }))
}

#[derive(FromQueryResult)]
struct CandidateRow {
    id: Uuid,
    topic: String,
    options: String,
    multiple: bool,
}

async fn load_candidates(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
) -> Result<Vec<Candidate>, DbErr> {
    let backend = db.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        "SELECT v.id AS id, t.code AS topic, v.options AS options, v.multiple AS multiple \
         FROM questions q \
         JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version \
         JOIN topics t ON t.id = q.topic_id \
         WHERE q.contest_id = $1 AND q.active = $2 \
         ORDER BY v.id",
        [contest_id.into(), true.into()],
    );
    let rows = CandidateRow::find_by_statement(statement).all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let options: Vec<String> = serde_json::from_str(&row.options).ok()?;
            let option_count = u8::try_from(options.len())
                .ok()
                .filter(|n| (2..=6).contains(n))?;
            Some(Candidate {
                version_id: row.id,
                topic: row.topic,
                option_count,
                multiple: row.multiple,
            })
        })
        .collect())
}
