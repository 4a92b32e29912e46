#!/usr/bin/env bash
# R1 (spec/quality-bars.md): SIGKILL the server during the P1 journey load and restart it.
# Target: no acknowledged answer or submission lost; open attempts keep their deadlines; none
# stays in_progress past deadline + grace + one sweep.
#
#   tests/faults/r1-sigkill.sh [sqlite|postgres|both]      (default: both, one after the other)
#
# sqlite: the embedded default (SQLite file, in-process cache); postgres: a throwaway
# PostgreSQL cluster and Redis on free loopback ports. The demo contest gets a short time
# limit (TIME_LIMIT s, grace GRACE s) and the sweep runs every SWEEP s, so that attempts left
# open by the crash expire during the run. Besides the journeys, a few contestants (HOLD)
# start an attempt, save one answer and walk away just before the kill. DOWN_SECS (default 0)
# keeps the server down that long before the restart: with DOWN_SECS above TIME_LIMIT + GRACE
# the held attempts fall due while no server runs, and the sweep must catch up after it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BACKEND=${1:-both}
if [ "$BACKEND" = both ]; then
    status=0
    "$0" sqlite || status=1
    "$0" postgres || status=1
    exit $status
fi
case $BACKEND in sqlite | postgres) ;; *)
    echo "usage: $0 [sqlite|postgres|both]" >&2
    exit 2
    ;;
esac
# shellcheck source=tests/faults/lib.sh
. "$HERE/lib.sh"

TIME_LIMIT=${TIME_LIMIT:-30}
GRACE=${GRACE:-5}
SWEEP=${SWEEP:-2}
LOAD_SECS=${LOAD_SECS:-30}
KILL_AT=${KILL_AT:-12}
HOLD=${HOLD:-100}
DOWN_SECS=${DOWN_SECS:-0}

build
say "R1 on $BACKEND: work directory $WORK"
SERVER_ENV=(CUOCTHI_SWEEP_SECS="$SWEEP")
if [ "$BACKEND" = postgres ]; then
    pg_init
    redis_start
    SERVER_ENV+=(DATABASE_URL="$DATABASE_URL_PG" REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
    sql() { pg_query "$1"; }
else
    sql() { sqlite3 -cmd '.timeout 5000' "$WORK/data/cuocthi.db" "$1"; }
fi

# First start seeds the demo; then its timing is shortened and the server started again.
server_start
server_sigterm
sql "$(set_timing_sql "$TIME_LIMIT" "$GRACE")" >/dev/null
server_start
say "server up at $BASE (pid $SERVER_PID); time limit ${TIME_LIMIT} s, grace ${GRACE} s, sweep every ${SWEEP} s"

read -r PROBE_ID PROBE_TOKEN < <(probe_attempt 0990000001)
poll attempt "$BASE/api/v1/attempts/$PROBE_ID" "$PROBE_TOKEN"

load_start --seconds "$LOAD_SECS" --retry-secs 60
sleep $((KILL_AT - 4))
# Contestants who start, answer once and leave, shortly before the crash.
"$LOAD" --target "$BASE" --scenario hold --contestants "$HOLD" --concurrency 20 --hold-secs 0 \
    --phone-offset 50000000 --retry-secs 60 --json "$WORK/hold.json" >"$WORK/hold.out" 2>&1 &
HOLD_PID=$!
sleep 4

event fault_start
say "SIGKILL the server (pid $SERVER_PID)"
server_sigkill
event killed
sleep "$DOWN_SECS"
event restart
server_start
event fault_end
READY_MS=$(now_ms)
say "restarted (pid $SERVER_PID), ready $((READY_MS - $(grep '^restart' "$EVENTS" | cut -d' ' -f2))) ms after the restart began"
# Whatever fell due while no server ran is closed by the first sweeps after the restart.
sleep $((SWEEP + 1))
CAUGHT_UP=$(sql "SELECT COUNT(*) FROM attempts
    WHERE status = 'in_progress' AND deadline + $GRACE * 1000 < $READY_MS")
say "one sweep after the restart: $CAUGHT_UP attempts overdue at the restart still in progress"

wait "$HOLD_PID" || true
load_wait || true
say "hold: $(grep -E 'read back|lost|verif' "$WORK/hold.out" | tr '\n' ' ')"
HOLD_LOST=$(jq '[.verification.lost_answers, .verification.missing_attempts, .verification.unverifiable] | add' "$WORK/hold.json")

# Deadlines: every attempt's deadline is min(start + time limit, round close), before and
# after the crash.
BAD_DEADLINES=$(sql "SELECT COUNT(*) FROM attempts a JOIN rounds r ON r.id = a.round_id
    WHERE a.deadline <> CASE WHEN a.started_at + $TIME_LIMIT * 1000 < r.closes_at
                             THEN a.started_at + $TIME_LIMIT * 1000 ELSE r.closes_at END")
# Wait until the last open attempt is past deadline + grace + one sweep (+1 s for the pass
# itself), then nothing may still be in progress past that bound.
LAST=$(sql "SELECT COALESCE(MAX(deadline), 0) FROM attempts WHERE status = 'in_progress'")
WAIT_MS=$((LAST + (GRACE + SWEEP + 1) * 1000 - $(now_ms)))
if [ "$WAIT_MS" -gt 0 ]; then
    say "waiting $((WAIT_MS / 1000)) s for the last open attempt's deadline + grace + one sweep"
    sleep "$(((WAIT_MS + 999) / 1000))"
fi
NOW=$(now_ms)
OVERDUE=$(sql "SELECT COUNT(*) FROM attempts
    WHERE status = 'in_progress' AND deadline + ($GRACE + $SWEEP + 1) * 1000 < $NOW")
EXPIRED=$(sql "SELECT COUNT(*) FROM attempts WHERE status = 'expired'")
EXPIRED_ANSWERS=$(sql "SELECT COUNT(*) FROM answers a JOIN attempts t ON t.id = a.attempt_id
    WHERE t.status = 'expired'")
SUBMITTED=$(sql "SELECT COUNT(*) FROM attempts WHERE status = 'submitted'")
FINISHED=$(sql "SELECT COUNT(*) FROM attempts WHERE status IN ('submitted', 'expired')")
ACK_SUBMISSIONS=$(jq '.verification.submissions' "$WORK/load.json")
say "database: $SUBMITTED submitted, $EXPIRED expired, $OVERDUE still in progress past deadline + grace + sweep, $BAD_DEADLINES deadlines changed"

verdict() { if [ "$1" = "$2" ]; then echo pass; else echo fail; fi; }
analyze --title "R1 SIGKILL + restart, $BACKEND, concurrency $CONCURRENCY" \
    --extra "held attempts: acknowledged answers lost|$HOLD_LOST|$(verdict "$HOLD_LOST" 0)" \
    --extra "answers kept by expired attempts >= held attempts|$EXPIRED_ANSWERS >= $HOLD|$([ "$EXPIRED_ANSWERS" -ge "$HOLD" ] && echo pass || echo fail)" \
    --extra "overdue at the restart, open one sweep later|$CAUGHT_UP|$(verdict "$CAUGHT_UP" 0)" \
    --extra "deadlines changed|$BAD_DEADLINES|$(verdict "$BAD_DEADLINES" 0)" \
    --extra "in_progress past deadline + grace + sweep|$OVERDUE|$(verdict "$OVERDUE" 0)" \
    --extra "finished attempts in the database >= acknowledged submissions|$FINISHED >= $ACK_SUBMISSIONS|$([ "$FINISHED" -ge "$ACK_SUBMISSIONS" ] && echo pass || echo fail)"
