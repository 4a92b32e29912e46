//! Public contest data: the list, one contest's page data, its units and counters.

use std::time::Duration;

use chrono::{DateTime, Utc};
use pulldown_cmark::{html, Event, Options, Parser};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    Statement,
};
use uuid::Uuid;

use cuocthi_store::entities::{contest, unit};
use cuocthi_store::time::{from_ms, rfc3339, rfc3339_ms};
use cuocthi_store::Cache;

use crate::dto::{
    CategoryDto, ContestDetail, ContestStats, ContestSummary, PredictionDto, RoundDto, UnitDto,
};
use cuocthi_store::snapshot::{ContestView, Phase};

/// Listed contests, open ones first, then upcoming, then closed; each group by opening time.
pub async fn list(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<ContestSummary>, DbErr> {
    let rows = contest::Entity::find()
        .filter(contest::Column::Listed.eq(true))
        .order_by_asc(contest::Column::OpensAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut rounds: std::collections::HashMap<Uuid, Vec<cuocthi_store::snapshot::RoundView>> =
        std::collections::HashMap::new();
    for r in cuocthi_store::entities::round::Entity::find()
        .filter(cuocthi_store::entities::round::Column::ContestId.is_in(ids))
        .all(db)
        .await?
    {
        rounds.entry(r.contest_id).or_default().push(r.into());
    }
    let mut summaries: Vec<(u8, ContestSummary)> = rows
        .into_iter()
        .map(|row| {
            let mut phase = Phase::of(now, from_ms(row.opens_at), from_ms(row.closes_at));
            // Closed also once every round has closed, early or not.
            let all_closed = rounds.get(&row.id).is_some_and(|rs| {
                !rs.is_empty() && rs.iter().all(|r| r.phase(now) == Phase::Closed)
            });
            if phase == Phase::Open && all_closed {
                phase = Phase::Closed;
            }
            let order = match phase {
                Phase::Open => 0,
                Phase::Upcoming => 1,
                Phase::Closed => 2,
            };
            (
                order,
                ContestSummary {
                    slug: row.slug,
                    title: row.title,
                    opens_at: rfc3339_ms(row.opens_at),
                    closes_at: rfc3339_ms(row.closes_at),
                    status: phase.as_str().to_owned(),
                },
            )
        })
        .collect();
    summaries.sort_by_key(|(order, _)| *order);
    Ok(summaries.into_iter().map(|(_, s)| s).collect())
}

/// Renders organizer Markdown to HTML. Raw HTML in the source is shown as text, never
/// interpreted, so the rules cannot inject script into the page.
pub fn render_markdown(source: &str) -> String {
    let parser = Parser::new_ext(
        source,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 2);
    html::push_html(&mut out, parser);
    out
}

/// The contest's public page data at `now`.
pub fn detail(view: &ContestView, now: DateTime<Utc>, stats: ContestStats) -> ContestDetail {
    let row = &view.row;
    ContestDetail {
        slug: row.slug.clone(),
        title: row.title.clone(),
        rules_md: row.rules_md.clone(),
        rules_html: render_markdown(&row.rules_md),
        consent_text: row.consent_text.clone(),
        opens_at: rfc3339_ms(row.opens_at),
        closes_at: rfc3339_ms(row.closes_at),
        status: view.phase(now).as_str().to_owned(),
        questions_per_attempt: row.questions_per_attempt,
        time_limit_secs: row.time_limit_secs,
        max_attempts: row.max_attempts,
        grace_secs: row.grace_secs,
        prediction: view.prediction.as_ref().map(|(question, _)| PredictionDto {
            question: question.clone(),
        }),
        categories: view
            .categories
            .iter()
            .map(|c| CategoryDto {
                code: c.code.clone(),
                name: c.name.clone(),
            })
            .collect(),
        rounds: view
            .rounds
            .iter()
            .map(|r| RoundDto {
                number: r.number,
                opens_at: rfc3339(r.opens_at),
                closes_at: rfc3339(r.closes_at),
                status: r.phase(now).as_str().to_owned(),
            })
            .collect(),
        current_round: view.round_at(now).map(|r| r.number),
        require_national_id: row.require_national_id,
        require_pin: row.require_pin,
        timezone: row.timezone.clone(),
        server_time: rfc3339(now),
        stats,
    }
}

#[derive(FromQueryResult)]
struct CountRow {
    participants: i64,
    attempts: i64,
}

/// The public counters, from the shared cache when fresh (10 s), else counted.
pub async fn stats(
    db: &impl ConnectionTrait,
    cache: &dyn Cache,
    contest_id: Uuid,
) -> Result<ContestStats, DbErr> {
    let key = format!("contest:{contest_id}:public_stats");
    if let Some(cached) = cache.get(&key).await {
        if let Ok(stats) = serde_json::from_str(&cached) {
            return Ok(stats);
        }
    }
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT COUNT(DISTINCT participant_id) AS participants, COUNT(*) AS attempts \
         FROM attempts WHERE contest_id = $1 AND status <> $2",
        [contest_id.into(), "in_progress".into()],
    );
    let row = CountRow::find_by_statement(statement).one(db).await?;
    let stats = row
        .map(|r| ContestStats {
            participants: r.participants,
            attempts: r.attempts,
        })
        .unwrap_or(ContestStats {
            participants: 0,
            attempts: 0,
        });
    if let Ok(text) = serde_json::to_string(&stats) {
        cache.set(&key, &text, Duration::from_secs(10)).await;
    }
    Ok(stats)
}

/// The contest's units in display order.
pub async fn units(db: &impl ConnectionTrait, contest_id: Uuid) -> Result<Vec<UnitDto>, DbErr> {
    Ok(unit::Entity::find()
        .filter(unit::Column::ContestId.eq(contest_id))
        .order_by_asc(unit::Column::Position)
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|u| UnitDto {
            id: u.id,
            code: u.code,
            name: u.name,
            block: u.block,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_raw_html_stays_text() {
        let html = render_markdown("# Thể lệ\n\n**Đậm** <script>alert(1)</script>");
        assert!(html.contains("<h1>Thể lệ</h1>"));
        assert!(html.contains("<strong>Đậm</strong>"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
