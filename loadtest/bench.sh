#!/usr/bin/env bash
# loadtest/bench.sh: the performance bars of spec/quality-bars.md, measured in one run.
#
#   1. builds the server, the load generator and the bare handler in release;
#   2. embedded default (SQLite in a fresh temporary directory, in-process cache, demo
#      contest): P1 (RUNS runs of P1_SECS s, closed loop of 200) interleaved with P2 (the bare
#      handler, same generator, same mix, same number of runs), then P3 (surge) and P7 (hold,
#      on a fresh server);
#   3. the same on PostgreSQL + Redis (a fresh database DB_NAME on PG_URL, Redis REDIS_URL with
#      a key prefix of its own);
#   4. P8: two server processes on one fresh PostgreSQL database and one Redis prefix, P1
#      through the generator's round-robin, alternated with P1 against one of them alone;
#   5. writes every run's JSON report, the servers' logs and results.md (date, machine, load
#      average, commands, medians and every run) into OUT, prints it, and puts it into
#      docs/PERFORMANCE.md between the markers `<!-- bench.sh: begin -->` and
#      `<!-- bench.sh: end -->` (NO_DOCS=1: not).
#
# Everything listens on 127.0.0.1. Settings (environment):
#   RUNS=3 P1_SECS=20 CONCURRENCY=200 SURGE_N=5000 SURGE_RATE=500 HOLD_N=10000
#   PHASES="embedded pg p8"   (any subset, in that order)
#   PORT=18181 (node B: PORT+1, bare handler: PORT+18)
#   PG_URL=postgres://postgres@127.0.0.1:5432 DB_NAME=cuocthi_bench_load
#   REDIS_URL=redis://127.0.0.1:6379 OUT=loadtest/results/<UTC time> NO_BUILD=1 (reuse binaries)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release
RUNS=${RUNS:-3}
P1_SECS=${P1_SECS:-20}
CONCURRENCY=${CONCURRENCY:-200}
SURGE_N=${SURGE_N:-5000}
SURGE_RATE=${SURGE_RATE:-500}
HOLD_N=${HOLD_N:-10000}
PHASES=${PHASES:-"embedded pg p8"}
PORT=${PORT:-18181}
PORT_B=$((PORT + 1))
PORT_BARE=$((PORT + 18))
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB_NAME=${DB_NAME:-cuocthi_bench_load}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$ROOT/loadtest/results/$STAMP}
REDIS_PREFIX="cuocthi-bench-$STAMP:"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/bench.log
WORK=$(mktemp -d /tmp/cuocthi-bench.XXXXXX)
PIDS=()

say() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

cleanup() {
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  redis_clear
  rm -rf "$WORK"
}
trap cleanup EXIT

redis_clear() {
  redis-cli -u "$REDIS_URL" --scan --pattern "${REDIS_PREFIX}*" 2>/dev/null \
    | xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
}

pg_fresh() {
  psql "$PG_URL/postgres" -qAt -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
  psql "$PG_URL/postgres" -qAt -c "CREATE DATABASE $DB_NAME" >/dev/null
  redis_clear
}

# start_server NAME PORT ENV... : starts the release server with the given environment, waits
# until /readyz answers, sets SERVER_PID.
start_server() {
  local name=$1 port=$2
  shift 2
  if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then
    say "port $port is already in use"; exit 1
  fi
  echo "CUOCTHI_LISTEN=127.0.0.1:$port CUOCTHI_RATE_LIMIT=off RUST_LOG=warn $* cuocthi serve" >"$OUT/$name.server"
  env CUOCTHI_LISTEN="127.0.0.1:$port" CUOCTHI_RATE_LIMIT=off RUST_LOG=warn "$@" \
    "$BIN/cuocthi" serve > >(sed -u 's/password: .*/password: (not kept)/' >>"$OUT/$name.log") 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; then
      say "$name ready on :$port (pid $SERVER_PID)"
      return
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      say "$name exited; see $OUT/$name.log"; exit 1
    fi
    sleep 0.1
  done
  say "$name not ready after 60 s"; exit 1
}

stop_server() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

start_bare() {
  echo "cuocthi-bare --listen 127.0.0.1:$PORT_BARE" >"$OUT/bare.server"
  "$BIN/cuocthi-bare" --listen "127.0.0.1:$PORT_BARE" >>"$OUT/bare.log" 2>&1 &
  BARE_PID=$!
  PIDS+=("$BARE_PID")
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$PORT_BARE/api/v1/contests/demo/units"; then
      return
    fi
    sleep 0.1
  done
  say "the bare handler did not start"; exit 1
}

# load NAME ARGS... : one cuocthi-load run, its report in OUT/NAME.json and OUT/NAME.txt; a
# failing run (lost data, unreachable server) is recorded, not fatal.
load() {
  local name=$1
  shift
  echo "cuocthi-load $*" >"$OUT/$name.cmd"
  say "$name (load average $(loadavg)): cuocthi-load $*"
  if ! "$BIN/cuocthi-load" "$@" --json "$OUT/$name.json" >"$OUT/$name.txt" 2>&1; then
    say "$name reported a failure: $(tail -n 1 "$OUT/$name.txt")"
  fi
  grep -E "^(scenario|requests|errors|verified|server memory|CPU)" "$OUT/$name.txt" | sed 's/^/    /' | tee -a "$LOG" >&2 || true
}

# The P1 runs with P2 interleaved: journey i against the server, then against the bare handler.
p1_p2() {
  local backend=$1 url=$2 pid=$3 offset=$4
  start_bare
  for i in $(seq 1 "$RUNS"); do
    load "$backend-p1-$i" --scenario journey --target "$url" --concurrency "$CONCURRENCY" \
      --seconds "$P1_SECS" --phone-offset $((offset + i * 1000000)) --server-pid "$pid"
    load "$backend-p2-bare-$i" --scenario journey --target "http://127.0.0.1:$PORT_BARE" \
      --concurrency "$CONCURRENCY" --seconds "$P1_SECS" --no-verify --server-pid "$BARE_PID"
  done
  stop_server "$BARE_PID"
}

p3() {
  local backend=$1 url=$2 pid=$3
  load "$backend-p3" --scenario surge --target "$url" --contestants "$SURGE_N" \
    --rate "$SURGE_RATE" --phone-offset 50000000 --server-pid "$pid"
}

p7() {
  local backend=$1 url=$2 pid=$3
  load "$backend-p7" --scenario hold --target "$url" --contestants "$HOLD_N" \
    --concurrency 50 --hold-secs 10 --phone-offset 60000000 --server-pid "$pid"
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "postgresql: $(psql "$PG_URL/postgres" -qAt -c 'show server_version' 2>/dev/null || echo n/a)"
  echo "redis: $(redis-cli -u "$REDIS_URL" info server 2>/dev/null | tr -d '\r' | awk -F: '/^redis_version/ {print $2}')"
  echo "rust: $(rustc --version)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo n/a)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "settings: RUNS=$RUNS P1_SECS=$P1_SECS CONCURRENCY=$CONCURRENCY SURGE_N=$SURGE_N SURGE_RATE=$SURGE_RATE HOLD_N=$HOLD_N PHASES=\"$PHASES\""
  echo "load average at start: $(loadavg)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" | tee -a "$LOG" >&2

if [ -z "${NO_BUILD:-}" ]; then
  say "building in release"
  cargo build --release -p cuocthi-server -p cuocthi-loadtest 2>&1 | tail -n 3 | tee -a "$LOG" >&2
fi
# A copy, so that another build into the same target directory can't swap binaries mid-run.
mkdir -p "$WORK/bin"
for bin in cuocthi cuocthi-load cuocthi-bare; do
  [ -x "$BIN/$bin" ] || { say "missing $BIN/$bin"; exit 1; }
  cp "$BIN/$bin" "$WORK/bin/"
done
BIN=$WORK/bin

for phase in $PHASES; do
  echo "phase $phase load average $(loadavg)" >>"$OUT/machine.txt"
  case $phase in
    embedded)
      start_server embedded "$PORT" CUOCTHI_DATA_DIR="$WORK/embedded"
      p1_p2 embedded "http://127.0.0.1:$PORT" "$SERVER_PID" 0
      p3 embedded "http://127.0.0.1:$PORT" "$SERVER_PID"
      stop_server "$SERVER_PID"
      start_server embedded-p7 "$PORT" CUOCTHI_DATA_DIR="$WORK/embedded-p7"
      p7 embedded "http://127.0.0.1:$PORT" "$SERVER_PID"
      stop_server "$SERVER_PID"
      ;;
    pg)
      pg_env=(CUOCTHI_DEMO=1 DATABASE_URL="$PG_URL/$DB_NAME" REDIS_URL="$REDIS_URL" CUOCTHI_REDIS_PREFIX="$REDIS_PREFIX")
      pg_fresh
      start_server pg "$PORT" "${pg_env[@]}"
      p1_p2 pg "http://127.0.0.1:$PORT" "$SERVER_PID" 0
      p3 pg "http://127.0.0.1:$PORT" "$SERVER_PID"
      stop_server "$SERVER_PID"
      pg_fresh
      start_server pg-p7 "$PORT" "${pg_env[@]}"
      p7 pg "http://127.0.0.1:$PORT" "$SERVER_PID"
      stop_server "$SERVER_PID"
      ;;
    p8)
      pg_env=(CUOCTHI_DEMO=1 DATABASE_URL="$PG_URL/$DB_NAME" REDIS_URL="$REDIS_URL" CUOCTHI_REDIS_PREFIX="$REDIS_PREFIX")
      pg_fresh
      start_server p8-node-a "$PORT" "${pg_env[@]}"
      PID_A=$SERVER_PID
      start_server p8-node-b "$PORT_B" "${pg_env[@]}"
      PID_B=$SERVER_PID
      for i in $(seq 1 "$RUNS"); do
        load "p8-one-$i" --scenario journey --target "http://127.0.0.1:$PORT" \
          --concurrency "$CONCURRENCY" --seconds "$P1_SECS" --phone-offset $((10000000 + i * 1000000)) \
          --server-pid "$PID_A"
        load "p8-two-$i" --scenario journey --target "http://127.0.0.1:$PORT" \
          --target "http://127.0.0.1:$PORT_B" --concurrency "$CONCURRENCY" --seconds "$P1_SECS" \
          --phone-offset $((20000000 + i * 1000000)) --server-pid "$PID_A" --server-pid "$PID_B"
      done
      stop_server "$PID_B"
      stop_server "$PID_A"
      ;;
    *)
      say "unknown phase $phase"; exit 1 ;;
  esac
done
echo "load average at end: $(loadavg)" >>"$OUT/machine.txt"

python3 "$ROOT/loadtest/summarize.py" "$OUT" | tee "$OUT/results.md"
say "results in $OUT/results.md"

# docs/PERFORMANCE.md keeps the last run's results.md between two markers, under its own
# heading; the sections above them are written by hand from these figures.
DOCS=$ROOT/docs/PERFORMANCE.md
if [ -z "${NO_DOCS:-}" ] && grep -q '^<!-- bench.sh: begin -->$' "$DOCS" && grep -q '^<!-- bench.sh: end -->$' "$DOCS"; then
  python3 - "$DOCS" "$OUT/results.md" <<'PY'
import sys
docs, results = sys.argv[1], sys.argv[2]
text = open(docs, encoding="utf-8").read()
head, rest = text.split("<!-- bench.sh: begin -->\n", 1)
_, tail = rest.split("<!-- bench.sh: end -->\n", 1)
block = open(results, encoding="utf-8").read().rstrip("\n") + "\n"
open(docs, "w", encoding="utf-8").write(
    head + "<!-- bench.sh: begin -->\n" + block + "<!-- bench.sh: end -->\n" + tail
)
PY
  say "wrote the results into $DOCS (NO_DOCS=1 leaves it alone)"
fi
