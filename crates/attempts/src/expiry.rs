//! The sweep: closes attempts still in progress after `deadline + grace`, so that none stays
//! open when nobody touches it again (requests also close them lazily).

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use cuocthi_domain::settings::AttemptStatus;
use cuocthi_store::entities::attempt;
use cuocthi_store::time::to_ms;
use cuocthi_store::{ApiError, AppContext};

use crate::engine::close_if_overdue;
use cuocthi_store::snapshot::Snapshots;

/// Most attempts one pass looks at; a backlog is worked off over consecutive passes.
const BATCH: u64 = 500;

/// One pass: closes every overdue attempt (up to a batch) and returns how many it closed.
pub async fn sweep_once(ctx: &AppContext, snapshots: &Snapshots) -> Result<usize, ApiError> {
    let now = ctx.clock.now();
    let candidates = attempt::Entity::find()
        .filter(attempt::Column::Status.eq(AttemptStatus::InProgress.as_str()))
        .filter(attempt::Column::Deadline.lt(to_ms(now)))
        .order_by_asc(attempt::Column::Deadline)
        .limit(BATCH)
        .all(&ctx.db)
        .await?;
    let mut closed = 0;
    for row in candidates {
        let Some(contest) = snapshots.by_id(&ctx.db, row.contest_id).await? else {
            continue;
        };
        let id = row.id;
        // One attempt that cannot be closed must not stop the others.
        match close_if_overdue(&ctx.db, &contest, row, now).await {
            Ok(after) if after.status == AttemptStatus::Expired.as_str() => {
                closed += 1;
                // In the background: the sweep never waits for the live board.
                cuocthi_store::live_board::spawn_record(ctx, &after);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(attempt = %id, %error, "could not expire an attempt"),
        }
    }
    Ok(closed)
}

/// Runs the sweep every `every` until the process ends. Errors are logged and the next pass
/// tries again, so the sweep catches up after an outage.
pub fn spawn_sweeper(
    ctx: AppContext,
    snapshots: Arc<Snapshots>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            loop {
                match sweep_once(&ctx, &snapshots).await {
                    Ok(closed) if closed as u64 >= BATCH => continue,
                    Ok(0) => {}
                    Ok(closed) => tracing::info!(closed, "expired overdue attempts"),
                    Err(error) => tracing::warn!(%error, "expiry sweep failed"),
                }
                break;
            }
        }
    })
}
