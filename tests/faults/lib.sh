# Shared by the fault scenarios in tests/faults/ (sourced, not run). Each scenario starts its
# own server, PostgreSQL cluster and Redis on free loopback ports in a temporary directory,
# never touches anything else, and removes it all on exit (KEEP_WORK=1 keeps the directory:
# logs, load reports, poll logs).
#
# Tunables (environment): CONCURRENCY (contestants at once, default 200 as in P1),
# LOAD_SECS (length of the load), PGBIN (PostgreSQL binaries, default: the newest under
# /usr/lib/postgresql), NO_BUILD=1 (use the binaries as they are).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/cuocthi
LOAD=$TARGET_DIR/release/cuocthi-load
CONCURRENCY=${CONCURRENCY:-200}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

WORK=$(mktemp -d /tmp/cuocthi-fault.XXXXXX)
chmod 755 "$WORK"
EVENTS=$WORK/events
: >"$EVENTS"
SERVER_PID=""
POLL_PIDS=()
PG_STARTED=""
REDIS_PORT=""

now_ms() { date +%s%3N; }

# Prints a line with the wall-clock time.
say() { printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }

# Records a named instant (epoch ms) for the analysis.
event() { echo "$1 $(now_ms)" >>"$EVENTS"; }

die() {
    say "FAILED: $*"
    exit 1
}

cleanup() {
    set +e
    for pid in "${POLL_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -9 "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    if [ -n "$REDIS_PORT" ] && [ -f "$WORK/redis.pid" ]; then
        kill -9 "$(cat "$WORK/redis.pid")" 2>/dev/null
    fi
    if [ -n "$PG_STARTED" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ "${KEEP_WORK:-0}" = 1 ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

build() {
    if [ "${NO_BUILD:-0}" = 1 ]; then
        [ -x "$BIN" ] && [ -x "$LOAD" ] || die "NO_BUILD=1 but $BIN or $LOAD is missing"
        return
    fi
    say "building the release binaries (cuocthi, cuocthi-load)"
    (cd "$ROOT" && cargo build --release -q -p cuocthi-server --bin cuocthi -p cuocthi-loadtest --bin cuocthi-load)
}

# ---- PostgreSQL: a throwaway cluster owned by the `postgres` user when run as root --------

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_init() {
    PG_PORT=$(free_port)
    mkdir -p "$WORK/pg" "$WORK/pgsock"
    touch "$WORK/pg.log"
    if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/pg" "$WORK/pgsock" "$WORK/pg.log"; fi
    as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --no-sync >"$WORK/initdb.log" 2>&1 ||
        die "initdb failed: $(tail -3 "$WORK/initdb.log")"
    pg_start
    "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt -c 'CREATE DATABASE cuocthi' >/dev/null
    DATABASE_URL_PG="postgres://postgres@127.0.0.1:$PG_PORT/cuocthi"
}

pg_start() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $WORK/pgsock -c max_connections=100" \
        start >/dev/null
    PG_STARTED=1
}

# Fast shutdown: open sessions are ended, the cluster stops cleanly.
pg_stop() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null
}

# One SQL query on the scenario's database (PostgreSQL), unaligned output.
pg_query() {
    "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d cuocthi -qAt -c "$1"
}

# ---- Redis ---------------------------------------------------------------------------------

redis_start() {
    if [ -z "$REDIS_PORT" ]; then REDIS_PORT=$(free_port); fi
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
        --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --dir "$WORK" >/dev/null
    for _ in $(seq 1 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "redis did not start"
}

# A clean stop without saving (the data is gone, as after a Redis restart without persistence).
redis_stop() {
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || return 0
        sleep 0.1
    done
    die "redis did not stop"
}

# ---- The server ------------------------------------------------------------------------------

# server_start: starts the release binary with SERVER_ENV (an array of NAME=value) on
# SERVER_PORT and waits until /readyz answers 200. Prints nothing; sets SERVER_PID.
server_start() {
    if [ -z "${SERVER_PORT:-}" ]; then SERVER_PORT=$(free_port); fi
    BASE="http://127.0.0.1:$SERVER_PORT"
    env CUOCTHI_LISTEN="127.0.0.1:$SERVER_PORT" CUOCTHI_RATE_LIMIT=off CUOCTHI_DEMO=1 \
        CUOCTHI_DATA_DIR="$WORK/data" RUST_LOG="${RUST_LOG:-warn}" "${SERVER_ENV[@]}" \
        "$BIN" serve >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ]; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -5 "$WORK/server.log")"
        sleep 0.05
    done
    die "the server did not become ready"
}

server_sigterm() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

server_sigkill() {
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# Sets the demo contest's time limit and grace (seconds) directly in the database; the
# server must be restarted (or wait 5 s for its snapshot) to see it.
set_timing_sql() {
    echo "UPDATE contests SET time_limit_secs = $1, grace_secs = $2 WHERE slug = 'demo';"
}

# Registers one contestant (phone $1), starts an attempt, saves one answer; prints
# "attempt_id token".
probe_attempt() {
    local unit token attempt id key
    unit=$(curl -fsS "$BASE/api/v1/contests/demo/units" | jq -r '.[0].id')
    token=$(curl -fsS -H 'Content-Type: application/json' \
        -d "{\"full_name\":\"Thăm dò $1\",\"phone\":\"$1\",\"birth_year\":1980,\"unit_id\":\"$unit\",\"consent\":true,\"category\":\"citizen\"}" \
        "$BASE/api/v1/contests/demo/participants" | jq -r .token)
    attempt=$(curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' \
        "$BASE/api/v1/contests/demo/attempts")
    id=$(echo "$attempt" | jq -r .attempt_id)
    key=$(echo "$attempt" | jq -r '.questions[0].options[0].key')
    curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"choice\":[\"$key\"]}" "$BASE/api/v1/attempts/$id/answers/1"
    echo "$id $token"
}

# poll NAME URL [TOKEN]: every 200 ms, one GET; appends "epoch_ms status seconds retry_after"
# to $WORK/poll-NAME.log until killed (a request gives up after 20 s).
poll() {
    local name=$1 url=$2 token=${3:-}
    (
        set +e
        while true; do
            local t out
            t=$(now_ms)
            if [ -n "$token" ]; then
                out=$(curl -s -o /dev/null -m 20 -H "Authorization: Bearer $token" \
                    -w '%{http_code} %{time_total} %header{retry-after}' "$url")
            else
                out=$(curl -s -o /dev/null -m 20 -w '%{http_code} %{time_total} %header{retry-after}' "$url")
            fi
            echo "$t $out" >>"$WORK/poll-$name.log"
            sleep 0.2
        done
    ) &
    POLL_PIDS+=($!)
}

# Runs the load generator in the background (journeys, 1-s intervals, retries through
# outages, read-back of everything acknowledged); extra arguments are passed on. Sets LOAD_PID.
load_start() {
    event load_start
    "$LOAD" --target "$BASE" --concurrency "$CONCURRENCY" --interval-secs 1 \
        --json "$WORK/load.json" "$@" >"$WORK/load.out" 2>&1 &
    LOAD_PID=$!
}

load_wait() {
    local status=0
    wait "$LOAD_PID" || status=$?
    cat "$WORK/load.out"
    return $status
}

analyze() {
    python3 "$ROOT/tests/faults/analyze.py" --work "$WORK" "$@"
}
