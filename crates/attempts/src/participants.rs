//! Registration and the participant's own view (spec/contest-rules.md "Participants and
//! identity").

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use cuocthi_domain::identity::{normalize_text, BirthYear, NationalId, PersonName, Phone, Pin};
use cuocthi_store::api::is_unique_violation;
use cuocthi_store::entities::{attempt, participant, participant_token, unit};
use cuocthi_store::time::{rfc3339_ms, to_ms};
use cuocthi_store::tokens::{new_token, sha256_hex, token_hash};
use cuocthi_store::ApiError;

use crate::dto::{AttemptSummary, MeResponse, RegisterRequest, RegisterResponse};
use cuocthi_store::snapshot::ContestView;

/// A registration whose fields have all been parsed.
#[derive(Debug, Clone)]
pub struct Registration {
    name: PersonName,
    phone: Phone,
    birth_year: BirthYear,
    unit_id: Uuid,
    national_id: Option<NationalId>,
    gender: Option<String>,
    category: Option<String>,
    address: Option<String>,
    pin: Option<Pin>,
}

impl Registration {
    /// The normalised phone.
    pub fn phone(&self) -> &Phone {
        &self.phone
    }
}

/// Longest accepted address, in characters.
const MAX_ADDRESS_CHARS: usize = 500;

/// Parses a registration body against the contest: every problem is reported per field
/// (422 `validation_failed`), and a missing or false `consent` answers 422
/// `consent_required` (with the other field errors alongside).
pub fn parse_registration(
    body: &RegisterRequest,
    contest: &ContestView,
    now: DateTime<Utc>,
) -> Result<Registration, ApiError> {
    let mut fields = BTreeMap::new();
    let mut field = |name: &str, code: &str| {
        fields.insert(name.to_owned(), code.to_owned());
    };
    let name = PersonName::parse(body.full_name.as_deref().unwrap_or_default())
        .map_err(|e| field("full_name", e.code()))
        .ok();
    let phone = Phone::parse(body.phone.as_deref().unwrap_or_default())
        .map_err(|e| field("phone", e.code()))
        .ok();
    let birth_year = match &body.birth_year {
        None | Some(serde_json::Value::Null) => {
            field("birth_year", "required");
            None
        }
        Some(value) => {
            let number = value
                .as_i64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse::<i64>().ok()));
            match number {
                Some(n) => BirthYear::parse(n, now.year())
                    .map_err(|e| field("birth_year", e.code()))
                    .ok(),
                None => {
                    field("birth_year", "invalid_birth_year");
                    None
                }
            }
        }
    };
    let unit_id = match body.unit_id.as_deref().map(str::trim) {
        None | Some("") => {
            field("unit_id", "required");
            None
        }
        Some(raw) => match Uuid::parse_str(raw) {
            Ok(id) => Some(id),
            Err(_) => {
                field("unit_id", "unknown_unit");
                None
            }
        },
    };
    let national_id = match body.national_id.as_deref().map(str::trim) {
        None | Some("") => {
            if contest.row.require_national_id {
                field("national_id", "required");
            }
            None
        }
        Some(raw) => NationalId::parse(raw)
            .map_err(|e| field("national_id", e.code()))
            .ok(),
    };
    let gender = match body.gender.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(g @ ("male" | "female" | "other")) => Some(g.to_owned()),
        Some(_) => {
            field("gender", "invalid");
            None
        }
    };
    let category = match body.category.as_deref().map(str::trim) {
        None | Some("") => {
            if !contest.categories.is_empty() {
                field("category", "required");
            }
            None
        }
        Some(code) => {
            if contest.categories.iter().any(|c| c.code == code) {
                Some(code.to_owned())
            } else {
                field("category", "unknown_category");
                None
            }
        }
    };
    let address = match body.address.as_deref().map(normalize_text) {
        None => None,
        Some(text) if text.is_empty() => None,
        Some(text) if text.chars().count() > MAX_ADDRESS_CHARS => {
            field("address", "too_long");
            None
        }
        Some(text) => Some(text),
    };
    let pin = if contest.row.require_pin {
        Pin::parse(body.pin.as_deref().unwrap_or_default())
            .map_err(|e| field("pin", e.code()))
            .ok()
    } else {
        None
    };
    let consent = body.consent == Some(true);
    if !consent {
        field("consent", "consent_required");
    }
    match (name, phone, birth_year, unit_id) {
        (Some(name), Some(phone), Some(birth_year), Some(unit_id)) if fields.is_empty() => {
            Ok(Registration {
                name,
                phone,
                birth_year,
                unit_id,
                national_id,
                gender,
                category,
                address,
                pin,
            })
        }
        _ => {
            let code = if consent {
                "validation_failed"
            } else {
                "consent_required"
            };
            Err(ApiError::invalid_fields(code, fields))
        }
    }
}

fn pin_hash(participant_id: Uuid, pin: &Pin) -> String {
    // A 4–8 digit PIN cannot resist an offline search under any hash; what protects it is
    // that only its salted hash is stored and that guesses go through the rate-limited API.
    sha256_hex(format!("cuocthi-pin:{participant_id}:{}", pin.expose()).as_bytes())
}

/// The outcome of a registration.
pub struct Registered {
    /// The response body.
    pub body: RegisterResponse,
    /// Whether a new participant was created (201) rather than found again (200).
    pub created: bool,
}

/// Registers a participant, or recognises the same person again and issues a new token.
pub async fn register(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    registration: Registration,
    now: DateTime<Utc>,
) -> Result<Registered, ApiError> {
    let unit_known = unit::Entity::find_by_id(registration.unit_id)
        .one(db)
        .await?
        .is_some_and(|u| u.contest_id == contest.row.id);
    if !unit_known {
        let fields = BTreeMap::from([("unit_id".to_owned(), "unknown_unit".to_owned())]);
        return Err(ApiError::invalid_fields("validation_failed", fields));
    }
    // Two registrations of one new person may race; the loser finds the winner's row.
    for _ in 0..3 {
        if let Some(existing) = find_existing(db, contest.row.id, &registration).await? {
            return recognise(db, contest, existing, &registration, now).await;
        }
        match create(db, contest, &registration, now).await {
            Ok(registered) => return Ok(registered),
            Err(error) if is_unique_violation(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::conflict(
        "identity_mismatch",
        "registration conflicts with another one",
    ))
}

async fn find_existing(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    registration: &Registration,
) -> Result<Option<participant::Model>, ApiError> {
    let by_phone = participant::Entity::find()
        .filter(participant::Column::ContestId.eq(contest_id))
        .filter(participant::Column::Phone.eq(registration.phone.as_str()))
        .one(db)
        .await?;
    let by_national_id = match &registration.national_id {
        Some(id) => {
            participant::Entity::find()
                .filter(participant::Column::ContestId.eq(contest_id))
                .filter(participant::Column::NationalId.eq(id.as_str()))
                .one(db)
                .await?
        }
        None => None,
    };
    match (by_phone, by_national_id) {
        (Some(a), Some(b)) if a.id != b.id => Err(ApiError::conflict(
            "identity_mismatch",
            "the phone and the national ID belong to different participants",
        )),
        (Some(a), _) => Ok(Some(a)),
        (None, Some(_)) => Err(ApiError::conflict(
            "identity_mismatch",
            "the national ID belongs to a participant with another phone",
        )),
        (None, None) => Ok(None),
    }
}

async fn recognise(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    existing: participant::Model,
    registration: &Registration,
    now: DateTime<Utc>,
) -> Result<Registered, ApiError> {
    let national_id_agrees = match (&existing.national_id, &registration.national_id) {
        (Some(stored), Some(given)) => stored == given.as_str(),
        _ => true,
    };
    let same_person = existing.name_key == registration.name.match_key()
        && existing.birth_year == registration.birth_year.value()
        && national_id_agrees;
    if !same_person {
        return Err(ApiError::conflict(
            "identity_mismatch",
            "this phone is registered to someone with another name or birth year",
        ));
    }
    if contest.row.require_pin {
        let matches = match (&existing.pin_hash, &registration.pin) {
            (Some(stored), Some(pin)) => *stored == pin_hash(existing.id, pin),
            // A participant registered before the contest required a PIN has none to match.
            (None, _) => true,
            (Some(_), None) => false,
        };
        if !matches {
            return Err(ApiError::unauthorized(
                "pin_mismatch",
                "the PIN does not match",
            ));
        }
    }
    let token = issue_token(db, existing.id, contest.row.id, now).await?;
    let body = response(db, contest, &existing, token, now).await?;
    Ok(Registered {
        body,
        created: false,
    })
}

async fn create(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    registration: &Registration,
    now: DateTime<Utc>,
) -> Result<Registered, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    let row = participant::Model {
        id,
        contest_id: contest.row.id,
        full_name: registration.name.as_str().to_owned(),
        name_key: registration.name.match_key(),
        name_fold: cuocthi_domain::identity::fold_for_search(registration.name.as_str()),
        phone: registration.phone.as_str().to_owned(),
        national_id: registration
            .national_id
            .as_ref()
            .map(|n| n.as_str().to_owned()),
        birth_year: registration.birth_year.value(),
        gender: registration.gender.clone(),
        unit_id: registration.unit_id,
        category: registration.category.clone(),
        address: registration.address.clone(),
        pin_hash: registration.pin.as_ref().map(|pin| pin_hash(id, pin)),
        eligible: true,
        ineligible_reason: None,
        registered_at: to_ms(now),
    };
    let token = new_token();
    let _turn = cuocthi_store::db::sqlite_write_turn(db).await;
    let txn = db.begin().await?;
    participant::Entity::insert(participant::ActiveModel::from(row.clone()))
        .exec_without_returning(&txn)
        .await?;
    participant_token::Entity::insert(participant_token::ActiveModel {
        token_hash: Set(token_hash(&token)),
        participant_id: Set(id),
        contest_id: Set(contest.row.id),
        created_at: Set(to_ms(now)),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    let max = i64::from(contest.row.max_attempts);
    Ok(Registered {
        body: RegisterResponse {
            participant_id: id,
            token,
            attempts_used: 0,
            attempts_left: max,
            unit_id: row.unit_id,
            category: row.category,
            full_name: row.full_name,
            in_progress_attempt_id: None,
        },
        created: true,
    })
}

async fn issue_token(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    contest_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let token = new_token();
    participant_token::Entity::insert(participant_token::ActiveModel {
        token_hash: Set(token_hash(&token)),
        participant_id: Set(participant_id),
        contest_id: Set(contest_id),
        created_at: Set(to_ms(now)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(token)
}

/// Attempts used in a round and the one in progress there, if any (one read). An attempt
/// found still in progress past `deadline + grace` is closed first (lazily, as on every
/// touch).
pub async fn usage(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    participant_id: Uuid,
    round_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(i64, Option<attempt::Model>), ApiError> {
    let attempts = attempt::Entity::find()
        .filter(attempt::Column::ParticipantId.eq(participant_id))
        .filter(attempt::Column::RoundId.eq(round_id))
        .all(db)
        .await?;
    let used = attempts.len() as i64;
    let in_progress = match attempts.into_iter().find(|a| a.status == "in_progress") {
        Some(row) => {
            let row = crate::engine::close_if_overdue(db, contest, row, now).await?;
            (row.status == "in_progress").then_some(row)
        }
        None => None,
    };
    Ok((used, in_progress))
}

/// How many attempts (in any state) the participant has in the round.
pub async fn attempts_used(
    db: &impl ConnectionTrait,
    participant_id: Uuid,
    round_id: Uuid,
) -> Result<i64, sea_orm::DbErr> {
    let used = attempt::Entity::find()
        .filter(attempt::Column::ParticipantId.eq(participant_id))
        .filter(attempt::Column::RoundId.eq(round_id))
        .count(db)
        .await?;
    Ok(used as i64)
}

async fn response(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    participant: &participant::Model,
    token: String,
    now: DateTime<Utc>,
) -> Result<RegisterResponse, ApiError> {
    let (used, in_progress) = match contest.round_at(now) {
        Some(round) => usage(db, contest, participant.id, round.id, now).await?,
        None => (0, None),
    };
    Ok(RegisterResponse {
        participant_id: participant.id,
        token,
        attempts_used: used,
        attempts_left: (i64::from(contest.row.max_attempts) - used).max(0),
        unit_id: participant.unit_id,
        category: participant.category.clone(),
        full_name: participant.full_name.clone(),
        in_progress_attempt_id: in_progress.map(|a| a.id),
    })
}

/// The participant's own view: identity, usage in the current round, every attempt.
pub async fn me(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest: &ContestView,
    participant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<MeResponse, ApiError> {
    let participant = participant::Entity::find_by_id(participant_id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (used, in_progress) = match contest.round_at(now) {
        Some(round) => usage(db, contest, participant.id, round.id, now).await?,
        None => (0, None),
    };
    let attempts = attempt::Entity::find()
        .filter(attempt::Column::ParticipantId.eq(participant_id))
        .order_by_desc(attempt::Column::StartedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|a| AttemptSummary {
            attempt_id: a.id,
            round: contest.round(a.round_id).map_or(0, |r| r.number),
            attempt_no: a.attempt_no,
            status: a.status,
            score: a.score,
            correct: a.correct,
            total: a.total,
            duration_ms: a.duration_ms,
            submitted_at: a.submitted_at.map(rfc3339_ms),
        })
        .collect();
    Ok(MeResponse {
        participant_id,
        full_name: participant.full_name,
        unit_id: participant.unit_id,
        category: participant.category,
        attempts_used: used,
        attempts_left: (i64::from(contest.row.max_attempts) - used).max(0),
        in_progress_attempt_id: in_progress.map(|a| a.id),
        attempts,
    })
}
