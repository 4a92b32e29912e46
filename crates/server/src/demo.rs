//! The demo contest (slug `demo`): sample data written by the cuocthi team, embedded in the
//! binary (`crates/server/demo/demo-contest.json`, see the README beside it). Seeded into a new
//! database so that a fresh clone shows a contest ready to take.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use serde::Deserialize;
use uuid::Uuid;

use cuocthi_domain::identity::fold_for_search;
use cuocthi_domain::scoring::mask_of;
use cuocthi_domain::settings::{default_tie_breaks, PredictionTarget, Reveal};
use cuocthi_store::entities::{category, contest, question, question_version, round, topic, unit};
use cuocthi_store::time::to_ms;
use cuocthi_store::tokens::sha256_hex;

const DEMO_JSON: &str = include_str!("../demo/demo-contest.json");

#[derive(Deserialize)]
struct DemoContest {
    slug: String,
    title: String,
    rules_md: String,
    consent_text: String,
    prediction_question: String,
    categories: Vec<DemoCategory>,
    units: Vec<DemoUnit>,
    topics: Vec<DemoTopic>,
}

#[derive(Deserialize)]
struct DemoCategory {
    code: String,
    name: String,
}

#[derive(Deserialize)]
struct DemoUnit {
    code: String,
    name: String,
    block: String,
    headcount: Option<i32>,
}

#[derive(Deserialize)]
struct DemoTopic {
    code: String,
    name: String,
    questions: Vec<DemoQuestion>,
}

#[derive(Deserialize)]
struct DemoQuestion {
    text: String,
    options: Vec<String>,
    answer: Vec<u8>,
    explanation: Option<String>,
}

/// The default prize configuration of spec/api.md: 1 first, 2 second, 3 third, 12
/// consolation; 9 collective prizes by participation rate.
pub fn default_prizes() -> serde_json::Value {
    serde_json::json!({
        "individual": [
            {"tier": "first", "name": "Giải Nhất", "count": 1},
            {"tier": "second", "name": "Giải Nhì", "count": 2},
            {"tier": "third", "name": "Giải Ba", "count": 3},
            {"tier": "consolation", "name": "Giải Khuyến khích", "count": 12, "min_score": null}
        ],
        "pools": "all",
        "exclude_previous_winners": false,
        "collective": {"count": 9, "rank_by": "participation_rate", "per_block": false,
                       "min_participants": 1, "min_rate": null, "rate_bands": null,
                       "require_individual_prize": false}
    })
}

/// Seeds the demo contest, open from `now` for 30 days, in one transaction.
pub async fn seed(
    db: &(impl ConnectionTrait + TransactionTrait),
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let demo: DemoContest = serde_json::from_str(DEMO_JSON).context("reading the demo data")?;
    let opens_at = to_ms(now);
    let closes_at = to_ms(now + Duration::days(30));
    let contest_id = Uuid::now_v7();
    let txn = db.begin().await?;
    contest::Entity::insert(contest::ActiveModel::from(contest::Model {
        id: contest_id,
        slug: demo.slug,
        title: demo.title,
        rules_md: demo.rules_md,
        consent_text: demo.consent_text,
        organizer: Some("cuocthi (demo)".into()),
        opens_at,
        closes_at,
        timezone: "Asia/Ho_Chi_Minh".into(),
        listed: true,
        questions_per_attempt: 20,
        time_limit_secs: 1200,
        max_attempts: 3,
        grace_secs: 15,
        shuffle_options: true,
        reveal: Reveal::AfterRoundCloses.as_str().into(),
        prediction_question: Some(demo.prediction_question),
        prediction_target: Some(PredictionTarget::PerfectAttempts.as_str().into()),
        require_national_id: false,
        require_pin: false,
        topic_quotas: "[]".into(),
        tie_breaks: serde_json::to_string(&default_tie_breaks())?,
        prizes: default_prizes().to_string(),
        public_leaderboard: true,
        leaderboard_size: 10,
        created_at: opens_at,
        updated_at: opens_at,
    }))
    .exec_without_returning(&txn)
    .await?;
    round::Entity::insert(round::ActiveModel::from(round::Model {
        id: Uuid::now_v7(),
        contest_id,
        number: 1,
        opens_at,
        closes_at,
        draw_seed_sha256: None,
        closed_early_at: None,
    }))
    .exec_without_returning(&txn)
    .await?;
    let categories = demo.categories.into_iter().enumerate().map(|(i, c)| {
        category::ActiveModel::from(category::Model {
            id: Uuid::now_v7(),
            contest_id,
            code: c.code,
            name: c.name,
            position: i as i32,
        })
    });
    category::Entity::insert_many(categories)
        .exec_without_returning(&txn)
        .await?;
    let units = demo.units.into_iter().enumerate().map(|(i, u)| {
        unit::ActiveModel::from(unit::Model {
            id: Uuid::now_v7(),
            contest_id,
            code: u.code,
            name: u.name,
            block: u.block,
            headcount: u.headcount,
            position: i as i32,
        })
    });
    unit::Entity::insert_many(units)
        .exec_without_returning(&txn)
        .await?;
    for (topic_position, demo_topic) in demo.topics.into_iter().enumerate() {
        let topic_id = Uuid::now_v7();
        topic::Entity::insert(topic::ActiveModel::from(topic::Model {
            id: topic_id,
            contest_id,
            code: demo_topic.code,
            name: demo_topic.name,
            position: topic_position as i32,
        }))
        .exec_without_returning(&txn)
        .await?;
        for q in demo_topic.questions {
            let question_id = Uuid::now_v7();
            let text_key = sha256_hex(fold_for_search(&q.text).as_bytes())[..16].to_owned();
            question::Entity::insert(question::ActiveModel::from(question::Model {
                id: question_id,
                contest_id,
                topic_id,
                active: true,
                current_version: 1,
                text_key,
                created_at: opens_at,
                updated_at: opens_at,
            }))
            .exec_without_returning(&txn)
            .await?;
            question_version::Entity::insert(question_version::ActiveModel::from(
                question_version::Model {
                    id: Uuid::now_v7(),
                    question_id,
                    version: 1,
                    multiple: q.answer.len() > 1,
                    options: serde_json::to_string(&q.options)?,
                    key_mask: i32::from(mask_of(&q.answer)),
                    points: 1,
                    explanation: q.explanation,
                    difficulty: None,
                    tags: "[]".into(),
                    text: q.text,
                    created_at: opens_at,
                },
            ))
            .exec_without_returning(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Creates the embedded demo's `admin` account with a generated password and prints it once
/// on standard output (it is stored only as a hash).
pub async fn create_demo_admin(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    listen: &str,
) -> anyhow::Result<()> {
    use rand::distr::{Alphanumeric, SampleString};
    let password = Alphanumeric.sample_string(&mut rand::rng(), 16);
    let created = crate::staff::service::create_account(
        db,
        "admin",
        cuocthi_store::staff::Role::Admin,
        None,
        &password,
        to_ms(now),
    )
    .await;
    match created {
        Ok(_) => {
            println!(
                "\n  Demo admin account (shown once, write it down):\n    username: admin\n    password: {password}\n  Sign in at http://{listen}/admin\n"
            );
            Ok(())
        }
        Err(error) => anyhow::bail!("creating the demo admin: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_meets_the_brief() {
        let demo: DemoContest = serde_json::from_str(DEMO_JSON).unwrap();
        assert_eq!(demo.slug, "demo");
        assert!(demo.units.len() >= 70);
        let blocks: std::collections::BTreeSet<_> = demo.units.iter().map(|u| &u.block).collect();
        assert_eq!(blocks.len(), 3);
        assert!(demo.topics.len() >= 4);
        let questions: usize = demo.topics.iter().map(|t| t.questions.len()).sum();
        assert!(questions >= 80);
        assert_eq!(demo.categories.len(), 2);
        for q in demo.topics.iter().flat_map(|t| &t.questions) {
            assert!((2..=6).contains(&q.options.len()), "{}", q.text);
            assert!(
                !q.answer.is_empty() && q.answer.iter().all(|a| (*a as usize) < q.options.len())
            );
        }
    }
}
