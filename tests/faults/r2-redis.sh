#!/usr/bin/env bash
# R2 (spec/quality-bars.md): stop Redis during the P1 journey load, start it again.
# Target: contestants keep finishing (error rate <= 0.1 %); the leaderboard is served from the
# database meanwhile; it is correct again after Redis returns; nothing acknowledged is lost.
#
#   tests/faults/r2-redis.sh
#
# The server runs on a throwaway PostgreSQL cluster and Redis (free loopback ports). Redis is
# stopped with SHUTDOWN NOSAVE at STOP_AT s and started again, empty, DOWN_SECS s later.
# REDIS_FAULT=freeze instead freezes it (SIGSTOP ... SIGCONT): connections stay open and
# nothing answers, the harder case for timeouts, and Redis comes back with its old data.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/faults/lib.sh
. "$HERE/lib.sh"

LOAD_SECS=${LOAD_SECS:-40}
STOP_AT=${STOP_AT:-10}
DOWN_SECS=${DOWN_SECS:-10}
REDIS_FAULT=${REDIS_FAULT:-stop}

build
say "R2 ($REDIS_FAULT): work directory $WORK"
pg_init
redis_start
SERVER_ENV=(DATABASE_URL="$DATABASE_URL_PG" REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
server_start
say "server up at $BASE (pid $SERVER_PID), PostgreSQL :$PG_PORT, Redis :$REDIS_PORT"

read -r PROBE_ID PROBE_TOKEN < <(probe_attempt 0990000001)
poll attempt "$BASE/api/v1/attempts/$PROBE_ID" "$PROBE_TOKEN"
poll leaderboard "$BASE/api/v1/contests/demo/leaderboard"

load_start --seconds "$LOAD_SECS" --retry-secs 30
sleep "$STOP_AT"
event fault_start
if [ "$REDIS_FAULT" = freeze ]; then
    say "freezing Redis (SIGSTOP) for $DOWN_SECS s"
    kill -STOP "$(cat "$WORK/redis.pid")"
    sleep "$DOWN_SECS"
    kill -CONT "$(cat "$WORK/redis.pid")"
else
    say "stopping Redis for $DOWN_SECS s"
    redis_stop
    sleep "$DOWN_SECS"
    redis_start
fi
event fault_end
for _ in $(seq 1 200); do
    [ "$(curl -s "$BASE/readyz" | jq -r .cache.ok)" = true ] && break
    sleep 0.05
done
event cache_ok
say "Redis is back; the server sees it after $(($(grep '^cache_ok' "$EVENTS" | cut -d' ' -f2) - $(grep '^fault_end' "$EVENTS" | cut -d' ' -f2))) ms"

load_wait || true

# After Redis returned: the public board must equal the database's ranking.
BOARD=$(curl -fsS "$BASE/api/v1/contests/demo/leaderboard")
SIZE=$(echo "$BOARD" | jq '.entries | length')
BOARD_TOP=$(echo "$BOARD" | jq -r '.entries[] | "\(.score) \(.duration_ms)"')
BOARD_COUNT=$(echo "$BOARD" | jq '.participants')
DB_TOP=$(pg_query "SELECT score || ' ' || duration_ms FROM (
    SELECT t.score, t.duration_ms, t.submitted_at, t.id,
           ROW_NUMBER() OVER (PARTITION BY t.participant_id
               ORDER BY t.score DESC, t.duration_ms ASC, t.submitted_at ASC, t.id ASC) AS best
    FROM attempts t JOIN participants p ON p.id = t.participant_id
    WHERE t.status IN ('submitted', 'expired') AND t.score IS NOT NULL
      AND t.duration_ms IS NOT NULL AND t.submitted_at IS NOT NULL AND p.eligible) b
    WHERE best = 1 ORDER BY score DESC, duration_ms ASC, submitted_at ASC LIMIT $SIZE")
DB_COUNT=$(pg_query "SELECT COUNT(DISTINCT t.participant_id) FROM attempts t
    JOIN participants p ON p.id = t.participant_id
    WHERE t.status IN ('submitted', 'expired') AND t.score IS NOT NULL AND p.eligible")
BOARD_OK=fail
if [ "$BOARD_TOP" = "$DB_TOP" ] && [ "$BOARD_COUNT" = "$DB_COUNT" ]; then BOARD_OK=pass; fi
say "leaderboard after Redis returned: $BOARD_COUNT participants (database: $DB_COUNT), top $SIZE $([ "$BOARD_TOP" = "$DB_TOP" ] && echo equal || echo DIFFERENT) to the database's"

analyze --title "R2 Redis $REDIS_FAULT for ${DOWN_SECS} s, PostgreSQL + Redis, concurrency $CONCURRENCY" \
    --max-error-rate 0.001 --no-5xx-but-503 --polls-200-during leaderboard \
    --extra "leaderboard equals the database after Redis returned|participants $BOARD_COUNT vs $DB_COUNT|$BOARD_OK"
