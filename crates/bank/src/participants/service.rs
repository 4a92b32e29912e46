//! The database half of participant management: one page of a search (phones masked), one
//! participant's whole record (audited), and an eligibility change with everything it touches
//! (finalized results, audit).
//!
//! Built for a million participants per contest: the page is an index range on
//! `(contest_id, registered_at, id)` (or the partial index of the ineligible few, or the
//! phone and national ID unique indexes for exact searches); attempts are aggregated for the
//! page's participants only. A partial name or phone search reads the contest's rows once
//! (a `LIKE '%…%'` no B-tree serves), counting included.

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    Statement, TransactionTrait, Value,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cuocthi_store::entities::{attempt, participant, result, round};
use cuocthi_store::staff::{audit, AuditEntry};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::ApiError;

use super::rules::{mask_phone, Eligibility, Search};

/// One participant as staff lists show them, to every role: the phone masked, no national
/// ID, no address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ParticipantAdmin {
    /// Id.
    pub id: Uuid,
    /// Full name as registered.
    pub full_name: String,
    /// Phone masked for every role (spec/contest-rules.md): the first two and last three
    /// digits of the national form, the rest `x`, grouped as `09xx xxx 678`. The whole
    /// number is in the participant's detail (admins and organizers, audited).
    pub phone: String,
    /// Birth year.
    pub birth_year: i32,
    /// Code of their unit.
    pub unit_code: String,
    /// Name of their unit.
    pub unit_name: String,
    /// Category code, when the contest has categories.
    pub category: Option<String>,
    /// When they registered (RFC 3339, UTC).
    pub registered_at: String,
    /// Eligible for prizes.
    pub eligible: bool,
    /// Why not, when not.
    pub ineligible_reason: Option<String>,
    /// Attempts they finished (submitted or expired), every round.
    pub attempts_finished: i64,
    /// Their best score of a finished attempt, every round; null without any.
    pub best_score: Option<i32>,
}

/// One page of a search.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantPage {
    /// Participants matching, every page.
    pub total: i64,
    /// This page's number, from 1.
    pub page: i64,
    /// Participants per page.
    pub per_page: i64,
    /// This page's participants, by registration time then id.
    pub items: Vec<ParticipantAdmin>,
}

/// Which participants: a contest's, optionally one unit's, optionally only the eligible or
/// ineligible, optionally matching a search, optionally one participant.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The contest.
    pub contest_id: Uuid,
    /// Only this unit.
    pub unit_id: Option<Uuid>,
    /// Only eligible (`true`) or ineligible (`false`).
    pub eligible: Option<bool>,
    /// The search.
    pub search: Search,
    /// Only this participant.
    pub id: Option<Uuid>,
}

impl Scope {
    /// Everyone of a contest.
    pub fn contest(contest_id: Uuid) -> Self {
        Self {
            contest_id,
            unit_id: None,
            eligible: None,
            search: Search::Everyone,
            id: None,
        }
    }

    /// The `WHERE` condition on `participants p`, its values bound in `binds`.
    fn condition(&self, binds: &mut Binds) -> String {
        let mut parts = vec![format!("p.contest_id = {}", binds.bind(self.contest_id))];
        if let Some(id) = self.id {
            parts.push(format!("p.id = {}", binds.bind(id)));
        }
        if let Some(unit) = self.unit_id {
            parts.push(format!("p.unit_id = {}", binds.bind(unit)));
        }
        // Literal, not bound: the planner can then use the partial index of the ineligible.
        match self.eligible {
            Some(true) => parts.push("p.eligible = true".into()),
            Some(false) => parts.push("p.eligible = false".into()),
            None => {}
        }
        let like = self.search.like_pattern();
        match (&self.search, like) {
            (Search::Everyone, _) => {}
            (Search::Phone(phone), _) => {
                parts.push(format!("p.phone = {}", binds.bind(phone.clone())))
            }
            (Search::NationalId(id), _) => {
                parts.push(format!("p.national_id = {}", binds.bind(id.clone())));
            }
            (Search::PhoneDigits(_), Some(pattern)) => {
                parts.push(format!("p.phone LIKE {} ESCAPE '\\'", binds.bind(pattern)));
            }
            (Search::Name(_), Some(pattern)) => {
                parts.push(format!(
                    "p.name_fold LIKE {} ESCAPE '\\'",
                    binds.bind(pattern)
                ));
            }
            (Search::PhoneDigits(_) | Search::Name(_), None) => {}
        }
        parts.join(" AND ")
    }
}

/// Values bound to `$1`, `$2`, ... in order.
#[derive(Default)]
struct Binds(Vec<Value>);

impl Binds {
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.0.push(value.into());
        format!("${}", self.0.len())
    }
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: Uuid,
    full_name: String,
    phone: String,
    birth_year: i32,
    unit_code: String,
    unit_name: String,
    category: Option<String>,
    registered_at: i64,
    eligible: bool,
    ineligible_reason: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct Count {
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct Finished {
    participant_id: Uuid,
    finished: i64,
    best: Option<i32>,
}

/// How many participants are in `scope`.
pub async fn count(db: &impl ConnectionTrait, scope: &Scope) -> Result<i64, ApiError> {
    let mut binds = Binds::default();
    let condition = scope.condition(&mut binds);
    let found = Count::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM participants p WHERE {condition}"),
        binds.0,
    ))
    .one(db)
    .await?;
    Ok(found.map_or(0, |c| c.n))
}

/// Participants of `scope` by registration time then id, `limit` of them after skipping
/// `offset`, each with their finished attempts and best score; phones always masked
/// ([`mask_phone`]), whoever asks.
pub async fn page(
    db: &impl ConnectionTrait,
    scope: &Scope,
    limit: i64,
    offset: i64,
) -> Result<Vec<ParticipantAdmin>, ApiError> {
    let backend = db.get_database_backend();
    let mut binds = Binds::default();
    let condition = scope.condition(&mut binds);
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT p.id, p.full_name, p.phone, p.birth_year, u.code AS unit_code, \
             u.name AS unit_name, p.category, p.registered_at, p.eligible, p.ineligible_reason \
             FROM participants p JOIN units u ON u.id = p.unit_id \
             WHERE {condition} ORDER BY p.registered_at, p.id LIMIT {} OFFSET {}",
            limit.max(0),
            offset.max(0)
        ),
        binds.0,
    ))
    .all(db)
    .await?;
    let finished: HashMap<Uuid, Finished> = if rows.is_empty() {
        HashMap::new()
    } else {
        let mut binds = Binds::default();
        let ids: Vec<String> = rows.iter().map(|r| binds.bind(r.id)).collect();
        let in_progress = binds.bind("in_progress");
        Finished::find_by_statement(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT participant_id, COUNT(*) AS finished, MAX(score) AS best FROM attempts \
                 WHERE participant_id IN ({}) AND status <> {in_progress} \
                 GROUP BY participant_id",
                ids.join(", ")
            ),
            binds.0,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.participant_id, f))
        .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let done = finished.get(&r.id);
            ParticipantAdmin {
                id: r.id,
                full_name: r.full_name,
                phone: mask_phone(&r.phone),
                birth_year: r.birth_year,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                category: r.category,
                registered_at: rfc3339_ms(r.registered_at),
                eligible: r.eligible,
                ineligible_reason: r.ineligible_reason,
                attempts_finished: done.map_or(0, |f| f.finished),
                best_score: done.and_then(|f| f.best),
            }
        })
        .collect())
}

/// One participant of a contest as staff lists show them (phone masked); 404 when the contest
/// has no such participant.
pub async fn one(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    id: Uuid,
) -> Result<ParticipantAdmin, ApiError> {
    let scope = Scope {
        id: Some(id),
        ..Scope::contest(contest_id)
    };
    page(db, &scope, 1, 0)
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)
}

/// One participant's whole record, as only admins and organizers see it, one at a time
/// (every view is in the audit log as `participant.view`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ParticipantDetail {
    /// Id.
    pub id: Uuid,
    /// Full name as registered.
    pub full_name: String,
    /// The whole phone, in the national form (`0xxxxxxxxx`), unmasked.
    pub phone: String,
    /// The whole national ID (12 digits), unmasked; null when not given.
    pub national_id: Option<String>,
    /// Birth year.
    pub birth_year: i32,
    /// Gender as registered; null when not given.
    pub gender: Option<String>,
    /// Address as registered; null when not given.
    pub address: Option<String>,
    /// Code of their unit.
    pub unit_code: String,
    /// Name of their unit.
    pub unit_name: String,
    /// Category code, when the contest has categories.
    pub category: Option<String>,
    /// When they registered (RFC 3339, UTC).
    pub registered_at: String,
    /// Eligible for prizes.
    pub eligible: bool,
    /// Why not, when not.
    pub ineligible_reason: Option<String>,
    /// Attempts they finished (submitted or expired), every round.
    pub attempts_finished: i64,
    /// Their best score of a finished attempt, every round; null without any.
    pub best_score: Option<i32>,
}

/// One participant's whole record, unmasked, and an audit entry (`participant.view` by
/// `actor` at `now_ms`, the participant as subject) written in the same transaction before
/// anything is returned: no record leaves without its entry. 404, and nothing logged, when
/// the contest has no such participant.
pub async fn detail(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest_id: Uuid,
    id: Uuid,
    actor: &str,
    now_ms: i64,
) -> Result<ParticipantDetail, ApiError> {
    let txn = db.begin().await?;
    let listed = one(&txn, contest_id, id).await?;
    let private = participant::Entity::find_by_id(id)
        .filter(participant::Column::ContestId.eq(contest_id))
        .one(&txn)
        .await?
        .ok_or_else(ApiError::not_found)?;
    audit(
        &txn,
        now_ms,
        AuditEntry {
            actor: actor.to_owned(),
            action: "participant.view".into(),
            contest_id: Some(contest_id),
            subject: Some(id.to_string()),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ParticipantDetail {
        id: listed.id,
        full_name: listed.full_name,
        phone: private.phone,
        national_id: private.national_id,
        birth_year: listed.birth_year,
        gender: private.gender,
        address: private.address,
        unit_code: listed.unit_code,
        unit_name: listed.unit_name,
        category: listed.category,
        registered_at: listed.registered_at,
        eligible: listed.eligible,
        ineligible_reason: listed.ineligible_reason,
        attempts_finished: listed.attempts_finished,
        best_score: listed.best_score,
    })
}

/// What an eligibility change did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EligibilityOutcome {
    /// Whether anything was stored (the same state again changes nothing).
    pub changed: bool,
    /// Rounds the participant finished an attempt in (their live boards rank them
    /// differently now) when eligibility changed; empty otherwise.
    pub rounds_touched: Vec<Uuid>,
    /// Numbers of those rounds whose finalized results are now flagged `needs_refinalize`.
    pub rounds_to_refinalize: Vec<i32>,
}

/// Sets a participant's eligibility, in one transaction with its audit entry (`actor` at
/// `now_ms`). When eligibility itself changes, every finalized result version of a round the
/// participant finished an attempt in is flagged `needs_refinalize` (the prizes may differ
/// now). 404 when the contest has no such participant.
pub async fn set_eligibility(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest_id: Uuid,
    id: Uuid,
    change: &Eligibility,
    actor: &str,
    now_ms: i64,
) -> Result<EligibilityOutcome, ApiError> {
    let txn = db.begin().await?;
    let before = participant::Entity::find_by_id(id)
        .filter(participant::Column::ContestId.eq(contest_id))
        .one(&txn)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if before.eligible == change.eligible && before.ineligible_reason == change.reason {
        txn.rollback().await?;
        return Ok(EligibilityOutcome::default());
    }
    participant::Entity::update_many()
        .col_expr(participant::Column::Eligible, Expr::value(change.eligible))
        .col_expr(
            participant::Column::IneligibleReason,
            Expr::value(change.reason.clone()),
        )
        .filter(participant::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let mut outcome = EligibilityOutcome {
        changed: true,
        ..EligibilityOutcome::default()
    };
    if before.eligible != change.eligible {
        outcome.rounds_touched = attempt::Entity::find()
            .select_only()
            .column(attempt::Column::RoundId)
            .distinct()
            .filter(attempt::Column::ParticipantId.eq(id))
            .filter(attempt::Column::Status.ne("in_progress"))
            .into_tuple::<Uuid>()
            .all(&txn)
            .await?;
        outcome.rounds_to_refinalize = flag_results(&txn, &outcome.rounds_touched).await?;
    }
    audit(
        &txn,
        now_ms,
        AuditEntry {
            actor: actor.to_owned(),
            action: "participant.eligibility".into(),
            contest_id: Some(contest_id),
            subject: Some(id.to_string()),
            before: Some(serde_json::json!({
                "eligible": before.eligible,
                "ineligible_reason": before.ineligible_reason,
            })),
            after: Some(serde_json::json!({
                "eligible": change.eligible,
                "ineligible_reason": change.reason,
                "rounds_to_refinalize": outcome.rounds_to_refinalize,
            })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(outcome)
}

/// Flags every finalized result version of these rounds `needs_refinalize` (as a regrade
/// does); returns the numbers of the rounds that had one, ascending.
async fn flag_results(db: &impl ConnectionTrait, round_ids: &[Uuid]) -> Result<Vec<i32>, ApiError> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let finalized: BTreeSet<Uuid> = result::Entity::find()
        .select_only()
        .column(result::Column::RoundId)
        .filter(result::Column::RoundId.is_in(round_ids.iter().copied()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    if finalized.is_empty() {
        return Ok(Vec::new());
    }
    result::Entity::update_many()
        .col_expr(result::Column::NeedsRefinalize, Expr::value(true))
        .filter(result::Column::RoundId.is_in(finalized.iter().copied()))
        .exec(db)
        .await?;
    let mut numbers: Vec<i32> = round::Entity::find()
        .select_only()
        .column(round::Column::Number)
        .filter(round::Column::Id.is_in(finalized))
        .into_tuple::<i32>()
        .all(db)
        .await?;
    numbers.sort_unstable();
    Ok(numbers)
}
