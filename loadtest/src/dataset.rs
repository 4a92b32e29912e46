//! A large, realistic dataset generated inside PostgreSQL (`generate_series`), so that a
//! million attempts with twenty answers each take minutes rather than hours: one contest, one
//! closed round, units in three blocks, a bank of questions with four options, participants
//! with one to three finished attempts, their answers and their scores (computed from the
//! answers by the same rule as the server).

use std::time::Instant;

use anyhow::{bail, Context};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use uuid::Uuid;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Finished attempts.
    pub attempts: u64,
    /// Questions in the bank (each attempt draws `per_attempt` consecutive ones).
    pub questions: u64,
    /// Questions per attempt.
    pub per_attempt: u64,
    /// Units.
    pub units: u64,
}

async fn run(db: &DatabaseConnection, label: &str, sql: String) -> anyhow::Result<()> {
    let started = Instant::now();
    db.execute_unprepared(&sql)
        .await
        .with_context(|| format!("generating {label}"))?;
    eprintln!("  {label}: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Generates the dataset under contest slug `slug` (replacing an earlier one of that slug).
/// PostgreSQL only, on a pool of one connection (the steps share temporary tables). Returns
/// the contest id.
pub async fn generate(db: &DatabaseConnection, slug: &str, shape: Shape) -> anyhow::Result<Uuid> {
    if db.get_database_backend() != DbBackend::Postgres {
        bail!("the dataset generator needs PostgreSQL (it uses generate_series)");
    }
    if shape.per_attempt > shape.questions {
        bail!("per_attempt must not exceed questions");
    }
    let contest = Uuid::now_v7();
    let round = Uuid::now_v7();
    let topic = Uuid::now_v7();
    let now: i64 = chrono::Utc::now().timestamp_millis();
    let opens = now - 40 * 86_400_000;
    let closes = now - 86_400_000;
    let Shape {
        attempts,
        questions,
        per_attempt,
        units,
    } = shape;
    let participants = (attempts * 10 / 12).max(1);
    let prizes =
        serde_json::to_string(&cuocthi_domain::prizes::PrizeRules::default())?.replace('\'', "''");
    run(
        db,
        "cleanup",
        format!("DELETE FROM contests WHERE slug = '{slug}'"),
    )
    .await?;
    run(
        db,
        "contest and round",
        format!(
            "INSERT INTO contests (id, slug, title, rules_md, consent_text, organizer, opens_at, closes_at, timezone, listed, \
             questions_per_attempt, time_limit_secs, max_attempts, grace_secs, shuffle_options, reveal, prediction_question, \
             prediction_target, require_national_id, require_pin, topic_quotas, tie_breaks, prizes, created_at, updated_at) \
             VALUES ('{contest}', '{slug}', 'Benchmark', '', 'consent', NULL, {opens}, {closes}, 'Asia/Ho_Chi_Minh', false, \
             {per_attempt}, 1200, 3, 15, true, 'after_round_closes', 'Bao nhiêu?', 'perfect_attempts', false, false, '[]', \
             '[\"score\",\"prediction_error\",\"duration_ms\",\"submitted_at\"]', '{prizes}', {now}, {now}); \
             INSERT INTO rounds (id, contest_id, number, opens_at, closes_at, draw_seed_sha256, closed_early_at) \
             VALUES ('{round}', '{contest}', 1, {opens}, {closes}, NULL, NULL); \
             INSERT INTO topics (id, contest_id, code, name, position) VALUES ('{topic}', '{contest}', 'chung', 'Chung', 0);"
        ),
    )
    .await?;
    run(
        db,
        "units",
        format!(
            "INSERT INTO units (id, contest_id, code, name, block, headcount, position) \
             SELECT gen_random_uuid(), '{contest}', 'U' || lpad(i::text, 3, '0'), 'Đơn vị ' || i, \
             'Khối ' || (i % 3 + 1), 50 + (i * 37) % 500, i FROM generate_series(1, {units}) AS i"
        ),
    )
    .await?;
    run(
        db,
        "questions",
        format!(
            "CREATE TEMP TABLE bench_q AS SELECT i - 1 AS n, gen_random_uuid() AS qid, gen_random_uuid() AS vid, \
             (1 << (i % 4)) AS key FROM generate_series(1, {questions}) AS i; \
             INSERT INTO questions (id, contest_id, topic_id, active, current_version, text_key, created_at, updated_at) \
             SELECT qid, '{contest}', '{topic}', true, 1, substr(md5(qid::text), 1, 16), {now}, {now} FROM bench_q; \
             INSERT INTO question_versions (id, question_id, version, text, multiple, options, key_mask, points, explanation, difficulty, tags, created_at) \
             SELECT vid, qid, 1, 'Câu hỏi số ' || (n + 1), false, '[\"A\",\"B\",\"C\",\"D\"]', key, 1, NULL, NULL, '[]', {now} FROM bench_q;"
        ),
    )
    .await?;
    run(
        db,
        "participants",
        format!(
            "CREATE TEMP TABLE bench_u AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, id FROM units WHERE contest_id = '{contest}'; \
             INSERT INTO participants (id, contest_id, full_name, name_key, name_fold, phone, national_id, birth_year, gender, unit_id, category, \
             address, pin_hash, eligible, ineligible_reason, registered_at) \
             SELECT gen_random_uuid(), '{contest}', 'Người ' || i, 'người ' || i, 'nguoi ' || i, '09' || lpad(i::text, 8, '0'), NULL, \
             1960 + i % 45, NULL, (SELECT id FROM bench_u WHERE n = i % {units}), CASE WHEN i % 2 = 0 THEN 'citizen' ELSE 'civil_servant' END, \
             NULL, NULL, true, NULL, {opens} + i FROM generate_series(1, {participants}) AS i"
        ),
    )
    .await?;
    run(
        db,
        "attempts",
        format!(
            "CREATE TEMP TABLE bench_p AS SELECT row_number() OVER (ORDER BY registered_at) - 1 AS n, id, unit_id, category \
             FROM participants WHERE contest_id = '{contest}'; \
             CREATE INDEX ON bench_p (n); \
             CREATE TEMP TABLE bench_a AS SELECT i AS n, gen_random_uuid() AS id, p.id AS participant_id, p.unit_id, p.category, \
             (i / {participants}) + 1 AS attempt_no, {opens} + (i * 3000) % (39 * 86400000::bigint) AS started_at, \
             120000 + (i * 7919) % 1080000 AS duration FROM generate_series(0::bigint, {attempts} - 1) AS i \
             JOIN bench_p p ON p.n = i % {participants}; \
             INSERT INTO attempts (id, contest_id, round_id, participant_id, unit_id, category, attempt_no, status, started_at, deadline, \
             submitted_at, last_saved_at, prediction, score, correct, total, perfect, duration_ms, draw) \
             SELECT id, '{contest}', '{round}', participant_id, unit_id, category, attempt_no, \
             CASE WHEN n % 50 = 0 THEN 'expired' ELSE 'submitted' END, started_at, started_at + 1200000, \
             started_at + duration, started_at + duration, CASE WHEN n % 50 = 0 THEN NULL ELSE (n * 31) % 30000 END, \
             0, 0, {per_attempt}, false, duration, '[]' FROM bench_a"
        ),
    )
    .await?;
    run(
        db,
        "answers",
        format!(
            "INSERT INTO answers (attempt_id, position, question_version_id, choice_mask, saved_at) \
             SELECT a.id, pos, q.vid, CASE WHEN (a.n * 17 + pos * 5) % 10 < 8 THEN q.key ELSE (CASE WHEN q.key = 1 THEN 2 ELSE 1 END) END, \
             a.started_at + pos * 1000 \
             FROM bench_a a CROSS JOIN generate_series(1, {per_attempt}) AS pos \
             JOIN bench_q q ON q.n = (a.n + pos) % {questions}"
        ),
    )
    .await?;
    run(
        db,
        "scores",
        format!(
            "UPDATE attempts t SET score = s.c, correct = s.c, perfect = (s.c = {per_attempt}) FROM ( \
             SELECT a.attempt_id, SUM(CASE WHEN a.choice_mask = v.key_mask THEN 1 ELSE 0 END)::int AS c \
             FROM answers a JOIN attempts x ON x.id = a.attempt_id JOIN question_versions v ON v.id = a.question_version_id \
             WHERE x.contest_id = '{contest}' GROUP BY a.attempt_id) s WHERE s.attempt_id = t.id; \
             DROP TABLE bench_a; DROP TABLE bench_p; DROP TABLE bench_u; DROP TABLE bench_q; ANALYZE;"
        ),
    )
    .await?;
    Ok(contest)
}
