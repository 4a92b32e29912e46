#!/usr/bin/env bash
# R5 (../shared/spec/quality-bars.md): schemathesis against the whole OpenAPI document of a real
# `cuocthi` server: zero 5xx and zero responses that break the document, at least 1,000
# generated cases.
#
#   tests/schemathesis/run.sh [path/to/cuocthi]     (default: target/debug/cuocthi)
#
# It installs the pinned schemathesis from PyPI into a virtualenv (target/schemathesis-venv, or
# $SCHEMATHESIS_VENV), starts the server on a free loopback port with an empty temporary data
# directory (embedded SQLite, the demo contest seeded, rate limits on as in production), makes
# a participant with an attempt in progress and staff API tokens, and runs three passes so that
# destructive calls cannot starve the rest:
#   1. citizen: the public and participant endpoints, with participant A's token, round 1 open;
#      then A submits, round 1 is closed, finalized (result version 1) and published, and the
#      same pass runs again against the closed round (410s, results, winners);
#   2. staff: /api/v1/admin/* and /api/v1/auth/* with an admin API token (closing rounds,
#      changing contests and so on come after the citizen pass);
#   3. sign-out: logout and token revocation, which end the token they are called with.
# Path parameters are mostly drawn from real values (slug `demo`, round 1, the attempt, unit
# codes, question ids, result version 1, the organizer's username) so that calls reach the
# handlers, and sometimes generated. Exit status: 0 when every pass is clean and the total
# number of cases is at least $SCHEMATHESIS_MIN_CASES (1000), 1 otherwise.
#
# Environment: SCHEMATHESIS_SEED (default 20261126, fixed so CI is reproducible),
# SCHEMATHESIS_EXAMPLES (generated cases per operation and phase, default 25),
# SCHEMATHESIS_KEEP=1 keeps the work directory (server log, reports).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$ROOT/target/debug/cuocthi}"
VENV="${SCHEMATHESIS_VENV:-$ROOT/target/schemathesis-venv}"
SEED="${SCHEMATHESIS_SEED:-20261126}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-25}"
MIN_CASES="${SCHEMATHESIS_MIN_CASES:-1000}"
REQUIREMENTS="$ROOT/tests/schemathesis/requirements.txt"

log() { printf '\n== schemathesis: %s\n' "$*"; }

[ -x "$BIN" ] || { echo "no server binary at $BIN (cargo build first)" >&2; exit 2; }

# --- schemathesis, pinned ----------------------------------------------------------------------
if ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt" 2>/dev/null; then
  log "installing $(grep '^schemathesis==' "$REQUIREMENTS") into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi
ST="$VENV/bin/schemathesis"

# --- the server ----------------------------------------------------------------------------------
WORK="$(mktemp -d -t cuocthi-schemathesis.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${SCHEMATHESIS_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
export CUOCTHI_DATA_DIR="$WORK/data"
log "starting $BIN on $BASE (data in $CUOCTHI_DATA_DIR)"
env -u DATABASE_URL -u REDIS_URL CUOCTHI_LISTEN="127.0.0.1:$PORT" CUOCTHI_DEMO=1 \
  CUOCTHI_RATE_LIMIT=on CUOCTHI_WORKERS=2 RUST_LOG=warn CUOCTHI_LOG_FORMAT=json "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 2; }
  sleep 0.2
done
curl -sf "$BASE/readyz" >/dev/null || { echo "server not ready" >&2; cat "$WORK/server.log" >&2; exit 2; }

# --- identities and real ids ----------------------------------------------------------------------
# json FILE EXPR: a value from a JSON file, by a Python expression over `d`.
json() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }
post_json() { # post_json URL BODY OUT [curl args...]
  local url="$1" body="$2" out="$3"; shift 3
  curl -sS -o "$out" -w '%{http_code}' -H 'Content-Type: application/json' "$@" -d "$body" "$url"
}
PASSWORD="schemathesis run password $RANDOM$RANDOM"
for account in "fuzzadmin admin" "fuzzadmin2 admin" "fuzzorg organizer"; do
  set -- $account
  printf '%s\n' "$PASSWORD" | env -u DATABASE_URL "$BIN" admin create --username "$1" --role "$2" \
    --password-stdin >/dev/null
done
api_token() { # api_token USERNAME: signs in and makes an API token
  local jar="$WORK/$1.cookies"
  post_json "$BASE/api/v1/auth/login" "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" \
    "$WORK/$1.login.json" -c "$jar" >/dev/null
  local csrf; csrf="$(json "$WORK/$1.login.json" "d['csrf_token']")"
  post_json "$BASE/api/v1/auth/tokens" '{"name":"schemathesis"}' "$WORK/$1.token.json" \
    -b "$jar" -H "X-CSRF-Token: $csrf" >/dev/null
  json "$WORK/$1.token.json" "d['token']"
}
STAFF_TOKEN="$(api_token fuzzadmin)"
SIGNOUT_TOKEN="$(api_token fuzzadmin2)"
AUTH=(-H "Authorization: Bearer $STAFF_TOKEN")

curl -sS "$BASE/api/v1/contests/demo/units" >"$WORK/units.json"
UNIT_ID="$(json "$WORK/units.json" "d[0]['id']")"
status="$(post_json "$BASE/api/v1/contests/demo/participants" \
  "{\"full_name\":\"Nguyễn Văn Thử\",\"phone\":\"0912345678\",\"birth_year\":1990,\"unit_id\":\"$UNIT_ID\",\"consent\":true,\"category\":\"citizen\"}" \
  "$WORK/participant.json")"
[ "$status" = 201 ] || { echo "register: $status $(cat "$WORK/participant.json")" >&2; exit 2; }
PARTICIPANT_TOKEN="$(json "$WORK/participant.json" "d['token']")"
status="$(post_json "$BASE/api/v1/contests/demo/attempts" '{}' "$WORK/attempt.json" \
  -H "Authorization: Bearer $PARTICIPANT_TOKEN")"
[ "$status" = 201 ] || { echo "start: $status $(cat "$WORK/attempt.json")" >&2; exit 2; }
ATTEMPT_ID="$(json "$WORK/attempt.json" "d['attempt_id']")"
curl -sS "${AUTH[@]}" "$BASE/api/v1/admin/contests/demo/questions" >"$WORK/questions.json"
curl -sS "${AUTH[@]}" "$BASE/api/v1/admin/contests/demo/participants" >"$WORK/participants.json"

# A list of strings as a TOML array.
toml_list() { python3 -c "import json, sys; print(json.dumps(sys.argv[1:]))" "$@"; }
QUESTION_IDS="$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
items = d if isinstance(d, list) else d.get('items', d.get('questions', []))
print(json.dumps([q['id'] for q in items][:10]))" "$WORK/questions.json")"
PARTICIPANT_IDS="$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
items = d if isinstance(d, list) else d.get('items', d.get('participants', []))
print(json.dumps([p['id'] for p in items][:5]))" "$WORK/participants.json")"
UNIT_CODES="$(python3 -c "import json, sys; print(json.dumps([u['code'] for u in json.load(open(sys.argv[1]))][:5]))" "$WORK/units.json")"

cat >"$WORK/schemathesis.toml" <<EOF
# Generated by tests/schemathesis/run.sh for one run.
seed = $SEED
max-failures = 50
continue-on-failure = true

[generation]
max-examples = $EXAMPLES

[checks]
# Schema-valid data that breaks a business rule (a closing time before the opening, a round
# that is not open, an unknown contest) is rightly refused with 4xx: the schema cannot say it.
positive_data_acceptance.enabled = false

[auth.openapi.participant_token]
bearer = "$PARTICIPANT_TOKEN"

[auth.openapi.staff_token]
bearer = "$STAFF_TOKEN"

[dictionaries.slug]
values = ["demo"]
[dictionaries.round]
values = [1]
[dictionaries.version]
values = [1]
[dictionaries.position]
values = [1, 2, 20]
[dictionaries.attempt]
values = ["$ATTEMPT_ID"]
[dictionaries.question]
values = $QUESTION_IDS
[dictionaries.participant]
values = $PARTICIPANT_IDS
[dictionaries.unit]
values = $UNIT_CODES
[dictionaries.username]
values = ["fuzzorg"]
[dictionaries.key]
values = ["A", "B", "C", "D"]
[dictionaries.prediction]
values = [0, 1, 14426]

[parameters]
"path.slug" = { dictionary = "slug", probability = 0.85 }
"path.n" = { dictionary = "round", probability = 0.85 }
"path.version" = { dictionary = "version", probability = 0.85 }
"path.position" = { dictionary = "position", probability = 0.6 }
"path.code" = { dictionary = "unit", probability = 0.8 }
"path.username" = { dictionary = "username", probability = 0.8 }
"body.choice[*]" = { dictionary = "key", probability = 0.7 }
"body.prediction" = { dictionary = "prediction", probability = 0.7 }

[[operations]]
include-path-regex = "^/api/v1/attempts/"
parameters = { "path.id" = { dictionary = "attempt", probability = 0.85 } }

[[operations]]
include-path-regex = "/questions/\\\\{id\\\\}"
parameters = { "path.id" = { dictionary = "question", probability = 0.85 } }

[[operations]]
include-path-regex = "/participants/\\\\{id\\\\}"
parameters = { "path.id" = { dictionary = "participant", probability = 0.85 } }
EOF

# --- the passes -----------------------------------------------------------------------------------
# One worker: Python 3.11's parser is not thread-safe (hypothesis describing a strategy from two
# threads at once fails with "AST constructor recursion depth mismatch"), and the server has
# two cores anyway.
TOTAL_CASES=0
FAILED=0
pass() { # pass NAME [schemathesis filters...]
  local name="$1"; shift
  log "pass $name"
  local out="$WORK/$name.txt" rc=0
  (cd "$WORK" && "$ST" --config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" \
    --workers 1 --report junit --report-dir "$WORK/reports-$name" "$@") >"$out" 2>&1 || rc=$?
  # Everything from the first failure report on, or the summary when clean.
  sed -n '/^=* \(FAILURES\|WARNINGS\|SUMMARY\) =*$/,$p' "$out"
  local cases
  cases="$(sed -n 's/^ *\([0-9][0-9]*\) generated.*/\1/p' "$out" | tail -n 1)"
  TOTAL_CASES=$((TOTAL_CASES + ${cases:-0}))
  if [ "$rc" != 0 ]; then
    FAILED=1
    echo "pass $name: schemathesis exited with $rc" >&2
  fi
}

STAFF_PATHS='^/api/v1/(admin|auth)/'
pass citizen --exclude-path-regex "$STAFF_PATHS"

# Between the passes: participant A submits, round 1 closes and is finalized (result version 1)
# and published, so the results, winners and closed-round answers are reachable too.
expect() { # expect WANTED... -- METHOD PATH [BODY]: a staff call that must answer one of WANTED
  local wanted=()
  while [ "$1" != -- ]; do wanted+=("$1"); shift; done
  shift
  local method="$1" path="$2" body="${3:-}" status
  status="$(curl -sS -o "$WORK/step.json" -w '%{http_code}' -X "$method" "${AUTH[@]}" \
    -H 'Content-Type: application/json' ${body:+-d "$body"} "$BASE$path")"
  for w in "${wanted[@]}"; do [ "$status" = "$w" ] && return 0; done
  echo "$method $path: $status $(cat "$WORK/step.json")" >&2
  exit 2
}
curl -sS -H "Authorization: Bearer $PARTICIPANT_TOKEN" "$BASE/api/v1/contests/demo/me" >"$WORK/me.json"
OPEN_ATTEMPT="$(json "$WORK/me.json" "d.get('in_progress_attempt_id') or ''")"
if [ -n "$OPEN_ATTEMPT" ]; then
  status="$(post_json "$BASE/api/v1/attempts/$OPEN_ATTEMPT/submit" '{"prediction": 1}' \
    "$WORK/step.json" -H "Authorization: Bearer $PARTICIPANT_TOKEN")"
  [ "$status" = 200 ] || { echo "submit: $status $(cat "$WORK/step.json")" >&2; exit 2; }
fi
expect 200 -- POST /api/v1/admin/contests/demo/rounds/1/close
expect 200 -- POST /api/v1/admin/contests/demo/rounds/1/finalize '{"draw_seed": "schemathesis"}'
expect 200 -- POST /api/v1/admin/contests/demo/rounds/1/publish
pass citizen-closed --exclude-path-regex "$STAFF_PATHS"
pass staff --include-path-regex "$STAFF_PATHS" --exclude-path /api/v1/auth/logout \
  --exclude-path-regex '^/api/v1/auth/tokens/'
sed -i "s/^bearer = \"$STAFF_TOKEN\"/bearer = \"$SIGNOUT_TOKEN\"/" "$WORK/schemathesis.toml"
pass sign-out --include-path-regex '^/api/v1/auth/(logout$|tokens/)'

# The server's own account: a 5xx it logged or a panic anywhere (a background task too) fails.
if grep -q '"status":5[0-9][0-9]\|panicked' "$WORK/server.log"; then
  log "server log: 5xx or panic"
  grep '"status":5[0-9][0-9]\|panicked' "$WORK/server.log" | head -n 20
  FAILED=1
fi
log "$TOTAL_CASES cases in all (at least $MIN_CASES wanted)"
if [ "$TOTAL_CASES" -lt "$MIN_CASES" ]; then
  echo "too few cases: $TOTAL_CASES < $MIN_CASES" >&2
  FAILED=1
fi
if [ "$FAILED" != 0 ]; then
  log "FAILED"
  exit 1
fi
log "clean: no 5xx, no response outside the document"
