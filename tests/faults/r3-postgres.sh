#!/usr/bin/env bash
# R3 (spec/quality-bars.md): stop PostgreSQL for 10 s during the P1 journey load.
# Target: 503 with Retry-After, no 500, no request over 5 s; recovery within 5 s of the
# database's return; nothing acknowledged lost.
#
#   tests/faults/r3-postgres.sh
#
# The server runs on a throwaway PostgreSQL cluster and Redis (free loopback ports). At
# STOP_AT s the cluster gets a fast shutdown (sessions ended, as in a restart for an update),
# DOWN_SECS s later it starts again. The load generator's contestants retry through the
# outage (as the browser's autosave does) and everything acknowledged is read back at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/faults/lib.sh
. "$HERE/lib.sh"

LOAD_SECS=${LOAD_SECS:-45}
STOP_AT=${STOP_AT:-10}
DOWN_SECS=${DOWN_SECS:-10}

build
say "R3: work directory $WORK"
pg_init
redis_start
SERVER_ENV=(DATABASE_URL="$DATABASE_URL_PG" REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
server_start
say "server up at $BASE (pid $SERVER_PID), PostgreSQL :$PG_PORT, Redis :$REDIS_PORT"

read -r PROBE_ID PROBE_TOKEN < <(probe_attempt 0990000001)
poll attempt "$BASE/api/v1/attempts/$PROBE_ID" "$PROBE_TOKEN"
poll readyz "$BASE/readyz"
poll contest "$BASE/api/v1/contests/demo/units"

load_start --seconds "$LOAD_SECS" --retry-secs 60
sleep "$STOP_AT"
event fault_start
say "stopping PostgreSQL (fast shutdown) for $DOWN_SECS s"
pg_stop
event pg_stopped
sleep "$DOWN_SECS"
pg_start
event fault_end
say "PostgreSQL is back (stopping took $(($(grep '^pg_stopped' "$EVENTS" | cut -d' ' -f2) - $(grep '^fault_start' "$EVENTS" | cut -d' ' -f2))) ms)"

load_wait || true
FINISHED=$(pg_query "SELECT COUNT(*) FROM attempts WHERE status IN ('submitted', 'expired')")
ACK_SUBMISSIONS=$(jq '.verification.submissions' "$WORK/load.json")
INTERNAL=$(grep -c '"internal error"\|internal error' "$WORK/server.log" || true)
say "server log: $INTERNAL internal errors logged"

analyze --title "R3 PostgreSQL down ${DOWN_SECS} s, PostgreSQL + Redis, concurrency $CONCURRENCY" \
    --max-request-ms 5000 --no-5xx-but-503 --retry-after --max-recovery-s 5 \
    --extra "finished attempts in the database >= acknowledged submissions|$FINISHED >= $ACK_SUBMISSIONS|$([ "$FINISHED" -ge "$ACK_SUBMISSIONS" ] && echo pass || echo fail)" \
    --extra "internal errors in the server log|$INTERNAL|$([ "$INTERNAL" = 0 ] && echo pass || echo fail)"
