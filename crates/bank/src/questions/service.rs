//! Bank storage: topics found or created by name, questions and their versions, imports in one
//! transaction, and regrading a version's key.

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use cuocthi_domain::identity::{fold_for_search, normalize_text};
use cuocthi_domain::scoring::{mask_of, OPTION_KEYS};
use cuocthi_store::entities::{question, question_version, topic};
use cuocthi_store::time::rfc3339_ms;
use cuocthi_store::tokens::sha256_hex;
use cuocthi_store::ApiError;

use crate::contests::input::FieldProblems;
use crate::import::{ParsedQuestion, MAX_CELL_CHARS, MAX_OPTIONS, MIN_OPTIONS};

/// Longest topic name, in characters (the column's size).
pub const MAX_TOPIC_CHARS: usize = 300;
/// Longest difficulty label, in characters (the column's size).
pub const MAX_DIFFICULTY_CHARS: usize = 32;

/// Row errors for what a file's parser allows but the bank's columns do not hold: topic names
/// over [`MAX_TOPIC_CHARS`] and difficulty labels over [`MAX_DIFFICULTY_CHARS`].
pub fn storage_problems(questions: &[ParsedQuestion]) -> Vec<crate::import::RowError> {
    let mut errors = Vec::new();
    for q in questions {
        if q.topic
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TOPIC_CHARS)
        {
            errors.push(crate::import::RowError {
                row: q.row,
                field: "Chủ đề".into(),
                error: "too_long".into(),
                message: format!(
                    "Dòng {}, cột \"Chủ đề\": tên chủ đề dài quá {MAX_TOPIC_CHARS} ký tự.",
                    q.row
                ),
            });
        }
        if q.difficulty
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DIFFICULTY_CHARS)
        {
            errors.push(crate::import::RowError {
                row: q.row,
                field: "Mức độ".into(),
                error: "too_long".into(),
                message: format!(
                    "Dòng {}, cột \"Mức độ\": dài quá {MAX_DIFFICULTY_CHARS} ký tự.",
                    q.row
                ),
            });
        }
    }
    errors
}

/// The topic of questions that name none.
pub const DEFAULT_TOPIC: &str = "Chung";

/// The duplicate key of a question text: folded (case, diacritics, spacing) and hashed.
pub fn text_key(text: &str) -> String {
    sha256_hex(fold_for_search(text).as_bytes())
        .chars()
        .take(16)
        .collect()
}

/// A topic code made from its name: folded, non-alphanumerics to `-`, at most 48 characters.
pub fn topic_code(name: &str) -> String {
    let folded = fold_for_search(name);
    let mut code = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c);
        } else if !code.ends_with('-') && !code.is_empty() {
            code.push('-');
        }
    }
    let code: String = code.trim_end_matches('-').chars().take(48).collect();
    if code.is_empty() {
        "chung".to_owned()
    } else {
        code
    }
}

/// A topic as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TopicDto {
    /// Code (used in quotas).
    pub code: String,
    /// Name.
    pub name: String,
}

/// Finds topics by code or folded name, creating the missing ones; returns name → id.
pub async fn resolve_topics(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    names: &BTreeSet<String>,
) -> Result<HashMap<String, Uuid>, ApiError> {
    let existing = topic::Entity::find()
        .filter(topic::Column::ContestId.eq(contest_id))
        .all(db)
        .await?;
    let mut resolved = HashMap::new();
    let mut position = existing.len() as i32;
    let mut codes: BTreeSet<String> = existing.iter().map(|t| t.code.clone()).collect();
    for name in names {
        let folded = fold_for_search(name);
        if let Some(found) = existing
            .iter()
            .find(|t| t.code == *name || fold_for_search(&t.name) == folded)
        {
            resolved.insert(name.clone(), found.id);
            continue;
        }
        let base = topic_code(name);
        let mut code = base.clone();
        let mut n = 2;
        while codes.contains(&code) {
            code = format!("{base}-{n}");
            n += 1;
        }
        codes.insert(code.clone());
        let id = Uuid::now_v7();
        topic::Entity::insert(topic::ActiveModel {
            id: Set(id),
            contest_id: Set(contest_id),
            code: Set(code),
            name: Set(name.clone()),
            position: Set(position),
        })
        .exec_without_returning(db)
        .await?;
        position += 1;
        resolved.insert(name.clone(), id);
    }
    Ok(resolved)
}

/// Inserts questions (version 1 each) under their topics. Call inside a transaction for all or
/// nothing.
pub async fn insert_questions(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    questions: &[ParsedQuestion],
    active: bool,
    now_ms: i64,
) -> Result<Vec<Uuid>, ApiError> {
    // A write first: on SQLite it takes the write lock before anything is read (a read-then-
    // write transaction fails under concurrent saves), and everywhere it serialises imports
    // into one contest, so two cannot create the same topic at once.
    cuocthi_store::entities::contest::Entity::update_many()
        .col_expr(
            cuocthi_store::entities::contest::Column::UpdatedAt,
            Expr::value(now_ms),
        )
        .filter(cuocthi_store::entities::contest::Column::Id.eq(contest_id))
        .exec(db)
        .await?;
    let names: BTreeSet<String> = questions
        .iter()
        .map(|q| {
            q.topic
                .clone()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_TOPIC.to_owned())
        })
        .collect();
    let topics = resolve_topics(db, contest_id, &names).await?;
    let mut ids = Vec::with_capacity(questions.len());
    for chunk in questions.chunks(200) {
        let mut question_rows = Vec::with_capacity(chunk.len());
        let mut version_rows = Vec::with_capacity(chunk.len());
        for q in chunk {
            let name = q
                .topic
                .clone()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_TOPIC.to_owned());
            let topic_id = *topics
                .get(&name)
                .ok_or_else(|| ApiError::internal("topic not resolved"))?;
            let id = Uuid::now_v7();
            ids.push(id);
            question_rows.push(question::ActiveModel {
                id: Set(id),
                contest_id: Set(contest_id),
                topic_id: Set(topic_id),
                active: Set(active),
                current_version: Set(1),
                text_key: Set(text_key(&q.text)),
                created_at: Set(now_ms),
                updated_at: Set(now_ms),
            });
            version_rows.push(version_row(id, 1, q, now_ms)?);
        }
        question::Entity::insert_many(question_rows)
            .exec_without_returning(db)
            .await?;
        question_version::Entity::insert_many(version_rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(ids)
}

fn version_row(
    question_id: Uuid,
    version: i32,
    q: &ParsedQuestion,
    now_ms: i64,
) -> Result<question_version::ActiveModel, ApiError> {
    Ok(question_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        question_id: Set(question_id),
        version: Set(version),
        text: Set(q.text.clone()),
        multiple: Set(q.key.len() > 1),
        options: Set(serde_json::to_string(&q.options).map_err(ApiError::internal)?),
        key_mask: Set(i32::from(mask_of(&q.key))),
        points: Set(q.points),
        explanation: Set(q.explanation.clone()),
        difficulty: Set(q.difficulty.clone()),
        tags: Set("[]".into()),
        created_at: Set(now_ms),
    })
}

/// Existing question texts' duplicate keys in a contest.
pub async fn existing_text_keys(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
) -> Result<BTreeSet<String>, ApiError> {
    Ok(question::Entity::find()
        .filter(question::Column::ContestId.eq(contest_id))
        .all(db)
        .await?
        .into_iter()
        .map(|q| q.text_key)
        .collect())
}

/// A question body for create or change (letters in `key` name options in the order given).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct QuestionInput {
    /// Topic code or name (created when new); default "Chung".
    pub topic: Option<String>,
    /// Text.
    pub text: Option<String>,
    /// 2–6 options in order.
    pub options: Option<Vec<String>>,
    /// Right options' letters, e.g. `["B"]` or `["A", "C"]`.
    pub key: Option<Vec<String>>,
    /// Points (1–100, default 1).
    pub points: Option<i32>,
    /// Explanation shown after the reveal.
    pub explanation: Option<String>,
    /// Difficulty label.
    pub difficulty: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Whether it may be drawn.
    pub active: Option<bool>,
}

/// Validates question content over `base` (the current version when changing).
pub fn content(
    input: &QuestionInput,
    base: Option<&ParsedQuestion>,
) -> Result<ParsedQuestion, FieldProblems> {
    let mut problems = FieldProblems::new();
    let text = input
        .text
        .as_deref()
        .map(normalize_text)
        .or_else(|| base.map(|b| b.text.clone()))
        .unwrap_or_default();
    if text.is_empty() {
        problems.insert("text".into(), "required".into());
    } else if text.chars().count() > MAX_CELL_CHARS {
        problems.insert("text".into(), "too_long".into());
    }
    let options: Vec<String> = match &input.options {
        Some(options) => options.iter().map(|o| normalize_text(o)).collect(),
        None => base.map(|b| b.options.clone()).unwrap_or_default(),
    };
    if options.len() < MIN_OPTIONS || options.len() > MAX_OPTIONS {
        problems.insert("options".into(), "out_of_range".into());
    } else if options
        .iter()
        .any(|o| o.is_empty() || o.chars().count() > MAX_CELL_CHARS)
    {
        problems.insert("options".into(), "invalid".into());
    } else if options.iter().collect::<BTreeSet<_>>().len() != options.len() {
        problems.insert("options".into(), "duplicate_option".into());
    }
    let key: Vec<u8> = match &input.key {
        Some(letters) => {
            let mut key = Vec::new();
            for letter in letters {
                match OPTION_KEYS
                    .iter()
                    .take(options.len())
                    .position(|k| k.eq_ignore_ascii_case(letter.trim()))
                {
                    Some(i) if !key.contains(&(i as u8)) => key.push(i as u8),
                    _ => {
                        problems.insert("key".into(), "unknown_key".into());
                    }
                }
            }
            key.sort_unstable();
            key
        }
        None => base.map(|b| b.key.clone()).unwrap_or_default(),
    };
    if key.is_empty() {
        problems
            .entry("key".into())
            .or_insert_with(|| "required".into());
    } else if key.iter().any(|k| usize::from(*k) >= options.len()) {
        problems.insert("key".into(), "unknown_key".into());
    }
    if input
        .topic
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TOPIC_CHARS)
    {
        problems.insert("topic".into(), "too_long".into());
    }
    let points = input.points.or(base.map(|b| b.points)).unwrap_or(1);
    if !(1..=100).contains(&points) {
        problems.insert("points".into(), "out_of_range".into());
    }
    let explanation = match &input.explanation {
        Some(e) => Some(e.trim().to_owned()).filter(|e| !e.is_empty()),
        None => base.and_then(|b| b.explanation.clone()),
    };
    if explanation
        .as_ref()
        .is_some_and(|e| e.chars().count() > MAX_CELL_CHARS)
    {
        problems.insert("explanation".into(), "too_long".into());
    }
    let difficulty = match &input.difficulty {
        Some(d) => Some(normalize_text(d)).filter(|d| !d.is_empty()),
        None => base.and_then(|b| b.difficulty.clone()),
    };
    if difficulty
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DIFFICULTY_CHARS)
    {
        problems.insert("difficulty".into(), "too_long".into());
    }
    if problems.is_empty() {
        Ok(ParsedQuestion {
            row: 0,
            topic: input
                .topic
                .clone()
                .or_else(|| base.and_then(|b| b.topic.clone())),
            text,
            options,
            key,
            points,
            explanation,
            difficulty,
        })
    } else {
        Err(problems)
    }
}

/// A question version as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionDto {
    /// Version id (what attempts record).
    pub id: Uuid,
    /// Version number, from 1.
    pub version: i32,
    /// Text.
    pub text: String,
    /// Options in original order.
    pub options: Vec<String>,
    /// Right letters (original order).
    pub key: Vec<String>,
    /// Several right options.
    pub multiple: bool,
    /// Points.
    pub points: i32,
    /// Explanation.
    pub explanation: Option<String>,
    /// Difficulty.
    pub difficulty: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Created.
    pub created_at: String,
}

impl From<&question_version::Model> for VersionDto {
    fn from(v: &question_version::Model) -> Self {
        let options: Vec<String> = serde_json::from_str(&v.options).unwrap_or_default();
        Self {
            id: v.id,
            version: v.version,
            key: (0..options.len())
                .filter(|i| v.key_mask & (1 << i) != 0)
                .map(|i| OPTION_KEYS[i].to_owned())
                .collect(),
            text: v.text.clone(),
            options,
            multiple: v.multiple,
            points: v.points,
            explanation: v.explanation.clone(),
            difficulty: v.difficulty.clone(),
            tags: serde_json::from_str(&v.tags).unwrap_or_default(),
            created_at: rfc3339_ms(v.created_at),
        }
    }
}

/// A question with its current version (and, in detail, every version).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BankQuestionDto {
    /// Id.
    pub id: Uuid,
    /// Topic.
    pub topic: TopicDto,
    /// May be drawn.
    pub active: bool,
    /// The current version.
    pub current: VersionDto,
    /// Every version, oldest first (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<VersionDto>>,
    /// Extra: other questions of the bank with the same normalised text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<Uuid>,
}

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    active: bool,
    topic_code: String,
    topic_name: String,
    text_key: String,
    version_id: Uuid,
}

/// Lists a contest's questions (current versions), filtered by topic code, active flag and a
/// search over folded text.
pub async fn list(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    topic_filter: Option<&str>,
    active: Option<bool>,
    search: Option<&str>,
) -> Result<Vec<BankQuestionDto>, ApiError> {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT q.id AS id, q.active AS active, t.code AS topic_code, t.name AS topic_name, \
         q.text_key AS text_key, v.id AS version_id \
         FROM questions q JOIN topics t ON t.id = q.topic_id \
         JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version \
         WHERE q.contest_id = $1 ORDER BY t.position, q.created_at, q.id",
        [contest_id.into()],
    );
    let rows = Row::find_by_statement(statement).all(db).await?;
    let version_ids: Vec<Uuid> = rows.iter().map(|r| r.version_id).collect();
    let mut versions: HashMap<Uuid, question_version::Model> = HashMap::new();
    for chunk in version_ids.chunks(500) {
        for v in question_version::Entity::find()
            .filter(question_version::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            versions.insert(v.id, v);
        }
    }
    let mut by_key: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for r in &rows {
        by_key.entry(r.text_key.as_str()).or_default().push(r.id);
    }
    let needle = search.map(fold_for_search).filter(|s| !s.is_empty());
    let mut out = Vec::new();
    for r in &rows {
        if topic_filter.is_some_and(|t| t != r.topic_code) || active.is_some_and(|a| a != r.active)
        {
            continue;
        }
        let Some(version) = versions.get(&r.version_id) else {
            continue;
        };
        if let Some(needle) = &needle {
            let haystack = fold_for_search(&format!("{} {}", version.text, version.options));
            if !haystack.contains(needle.as_str()) {
                continue;
            }
        }
        out.push(BankQuestionDto {
            id: r.id,
            topic: TopicDto {
                code: r.topic_code.clone(),
                name: r.topic_name.clone(),
            },
            active: r.active,
            current: VersionDto::from(version),
            versions: None,
            duplicates: by_key
                .get(r.text_key.as_str())
                .map(|ids| ids.iter().copied().filter(|id| *id != r.id).collect())
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// One question with every version.
pub async fn detail(
    db: &impl ConnectionTrait,
    contest_id: Uuid,
    id: Uuid,
) -> Result<BankQuestionDto, ApiError> {
    let q = question::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|q| q.contest_id == contest_id)
        .ok_or_else(ApiError::not_found)?;
    let t = topic::Entity::find_by_id(q.topic_id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let versions = question_version::Entity::find()
        .filter(question_version::Column::QuestionId.eq(id))
        .order_by_asc(question_version::Column::Version)
        .all(db)
        .await?;
    let current = versions
        .iter()
        .find(|v| v.version == q.current_version)
        .ok_or_else(|| ApiError::internal(format!("question {id} has no current version")))?;
    let duplicates = question::Entity::find()
        .filter(question::Column::ContestId.eq(contest_id))
        .filter(question::Column::TextKey.eq(q.text_key.clone()))
        .filter(question::Column::Id.ne(id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    Ok(BankQuestionDto {
        id,
        topic: TopicDto {
            code: t.code,
            name: t.name,
        },
        active: q.active,
        current: VersionDto::from(current),
        versions: Some(versions.iter().map(VersionDto::from).collect()),
        duplicates,
    })
}

/// The current version's content as a parsed question (for edits over it).
pub fn as_parsed(dto: &BankQuestionDto) -> ParsedQuestion {
    ParsedQuestion {
        row: 0,
        topic: Some(dto.topic.code.clone()),
        text: dto.current.text.clone(),
        options: dto.current.options.clone(),
        key: dto
            .current
            .key
            .iter()
            .filter_map(|k| OPTION_KEYS.iter().position(|o| o == k))
            .map(|i| i as u8)
            .collect(),
        points: dto.current.points,
        explanation: dto.current.explanation.clone(),
        difficulty: dto.current.difficulty.clone(),
    }
}

/// Changes a question: content changes make a new version (earlier attempts keep theirs);
/// topic and active flag change in place.
pub async fn change(
    db: &(impl ConnectionTrait + TransactionTrait),
    contest_id: Uuid,
    current: &BankQuestionDto,
    next: &ParsedQuestion,
    active: Option<bool>,
    now_ms: i64,
) -> Result<(), ApiError> {
    let before = as_parsed(current);
    let content_changed = before.text != next.text
        || before.options != next.options
        || before.key != next.key
        || before.points != next.points
        || before.explanation != next.explanation
        || before.difficulty != next.difficulty;
    let txn = db.begin().await?;
    // A write first (see `insert_questions`): it also serialises edits of one question.
    question::Entity::update_many()
        .col_expr(question::Column::UpdatedAt, Expr::value(now_ms))
        .filter(question::Column::Id.eq(current.id))
        .exec(&txn)
        .await?;
    let topic_id = match &next.topic {
        Some(name) if *name != current.topic.code && *name != current.topic.name => {
            let names: BTreeSet<String> = [name.clone()].into();
            resolve_topics(&txn, contest_id, &names)
                .await?
                .get(name)
                .copied()
        }
        _ => None,
    };
    let mut update = question::Entity::update_many()
        .col_expr(question::Column::UpdatedAt, Expr::value(now_ms))
        .filter(question::Column::Id.eq(current.id));
    if let Some(topic_id) = topic_id {
        update = update.col_expr(question::Column::TopicId, Expr::value(topic_id));
    }
    if let Some(active) = active {
        update = update.col_expr(question::Column::Active, Expr::value(active));
    }
    if content_changed {
        let version = current.current.version + 1;
        match question_version::Entity::insert(version_row(current.id, version, next, now_ms)?)
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) => {}
            Err(error) if cuocthi_store::api::is_unique_violation(&error) => {
                return Err(ApiError::conflict(
                    "edit_conflict",
                    "someone edited this question at the same time; reload",
                ));
            }
            Err(error) => return Err(error.into()),
        }
        update = update
            .col_expr(question::Column::CurrentVersion, Expr::value(version))
            .col_expr(question::Column::TextKey, Expr::value(text_key(&next.text)));
    }
    update.exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the tags of a question's current version (tags are for organizers: they never reach
/// contestants, so they change in place). `None` leaves them; each tag is trimmed, at most
/// 20 tags of 50 characters.
pub async fn set_tags(
    db: &impl ConnectionTrait,
    question_id: Uuid,
    tags: Option<&[String]>,
) -> Result<(), ApiError> {
    let Some(tags) = tags else { return Ok(()) };
    let cleaned: Vec<String> = tags
        .iter()
        .map(|t| normalize_text(t))
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(50).collect())
        .take(20)
        .collect();
    let Some(q) = question::Entity::find_by_id(question_id).one(db).await? else {
        return Err(ApiError::not_found());
    };
    question_version::Entity::update_many()
        .col_expr(
            question_version::Column::Tags,
            Expr::value(serde_json::to_string(&cleaned).map_err(ApiError::internal)?),
        )
        .filter(question_version::Column::QuestionId.eq(question_id))
        .filter(question_version::Column::Version.eq(q.current_version))
        .exec(db)
        .await?;
    Ok(())
}
