#!/usr/bin/env bash
# Throughput and latency of an authenticated GET /api/v1/me on `hues serve --demo` (release build, SQLite),
# side by side with a bare Hummingbird JSON endpoint (the ceiling) in the same run, plus idle and loaded RSS.
# Needs wrk (apt-get install wrk). Usage: Benchmarks/run.sh [seconds per run, default 10] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNECTIONS="${2:-32}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

swift build -c release --product hues >/dev/null
swift build -c release --product hues-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
DATA="$(mktemp -d)"
APP_PORT=18080
CEILING_PORT=18181
cleanup() { kill "${APP_PID:-}" "${CEILING_PID:-}" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
wait_up() { for _ in $(seq 1 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server at $1 did not start" >&2; exit 1; }
run_wrk() { wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@"; }
rate() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }

HUES_DATA_DIR="$DATA" HUES_PORT=$APP_PORT HUES_LOG_LEVEL=warning HUES_SIGN_IN_RATE_LIMIT=100000 "$BIN/hues" serve --demo >"$DATA/serve.log" 2>&1 &
APP_PID=$!
wait_up "http://127.0.0.1:$APP_PORT/health"
sleep 2
IDLE_RSS=$(rss_mb $APP_PID)
TOKEN=$(curl -fs -X POST "http://127.0.0.1:$APP_PORT/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"username":"officer","password":"demo-officer-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

"$BIN/hues-bench" $CEILING_PORT >/dev/null 2>&1 &
CEILING_PID=$!
wait_up "http://127.0.0.1:$CEILING_PORT/api/v1/me"

# Warm both up, then measure each in turn (they share the machine's cores with wrk).
run_wrk -d2s "http://127.0.0.1:$CEILING_PORT/api/v1/me" >/dev/null
run_wrk -d2s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APP_PORT/api/v1/me" >/dev/null
CEILING_OUT=$(run_wrk "http://127.0.0.1:$CEILING_PORT/api/v1/me")
APP_OUT=$(run_wrk -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APP_PORT/api/v1/me")
LOADED_RSS=$(rss_mb $APP_PID)
NON_2XX=$(echo "$APP_OUT" | awk '/Non-2xx/ {print $NF}')

APP_RATE=$(echo "$APP_OUT" | rate)
CEILING_RATE=$(echo "$CEILING_OUT" | rate)
echo "GET /api/v1/me, ${DURATION}s, ${CONNECTIONS} connections, wrk -t1, release build, $(nproc) cores"
printf '%-34s %12s %10s\n' "server" "req/s" "p99"
printf '%-34s %12s %10s\n' "hues serve --demo (JWT ES256)" "$APP_RATE" "$(echo "$APP_OUT" | p99)"
printf '%-34s %12s %10s\n' "bare Hummingbird (ceiling)" "$CEILING_RATE" "$(echo "$CEILING_OUT" | p99)"
awk -v a="$APP_RATE" -v c="$CEILING_RATE" 'BEGIN {printf "ratio: %.1f %% of the ceiling (target >= 70 %%)\n", 100 * a / c}'
echo "non-2xx answers from hues: ${NON_2XX:-0}"
echo "RSS of hues: idle ${IDLE_RSS} MB (target < 100 MB), after load ${LOADED_RSS} MB"

echo
echo "OpenID Connect provider (same server):"
python3 Benchmarks/oidc_bench.py "http://127.0.0.1:$APP_PORT" "$DURATION" 2
USERINFO_OUT=$(run_wrk -H "Authorization: Bearer $(cat /tmp/hues-bench-userinfo-token)" "http://127.0.0.1:$APP_PORT/oauth2/userinfo")
printf 'GET /oauth2/userinfo (ES256 token checked against the signing keys, then the account read) %s req/s  p99 %s  non-2xx %s\n' \
    "$(echo "$USERINFO_OUT" | rate)" "$(echo "$USERINFO_OUT" | p99)" "$(echo "$USERINFO_OUT" | awk '/Non-2xx/ {print $NF}')"
